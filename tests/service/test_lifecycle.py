"""The program across restarts, downtime and config changes (the store is the truth).

A runner drives the same `App` the daemon uses on a manual clock, into a maildir; stopping
it and building a new one on the same store is what a restart is.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from mail.ids import series_uid
from mail.maildir import MaildirOutbox
from service.app import App
from service.clock import ManualClock
from service.config.model import Config
from service.store.store import Store
from tests.support import icaljs
from tests.support.configs import G, P, Program
from tests.support.mailread import Sent, read

SECRET = b"lifecycle test secret 0123456789"
START = datetime(2026, 3, 2, tzinfo=UTC)

PEOPLE = [
    P("ben@example.org", "America/New_York", name="Ben Ortiz"),
    P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
    P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
    P("mia@example.org", "Australia/Sydney", name="Mia Chen"),
]


def program(**kw: object) -> Program:
    base: dict[str, object] = {
        "people": PEOPLE,
        "pairs": [("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        "groups": [G("Circle", [p.email for p in PEOPLE], quorum=0.5)],
        "starts": "2026-03-02",
        "ends": "2026-05-08",
    }
    base.update(kw)
    return Program(**base)  # type: ignore[arg-type]


class Runner:
    """One daemon's life on a manual clock: start, run until a moment, stop."""

    def __init__(self, config: Config, root: Path, clock: ManualClock) -> None:
        self.root = root
        self.clock = clock
        self.store = Store(f"sqlite:///{root / 'rota.db'}")
        self.transport = MaildirOutbox(root, clock.now)
        self.app = App(config, self.store, SECRET, clock, self.transport)
        self.app.start()

    def until(self, end: datetime) -> None:
        async def go() -> None:
            while True:
                await self.app.step(ingest=False)
                nxt = self.app.next_wakeup()
                if nxt is None or nxt > end:
                    break
                self.clock.set(max(nxt, self.clock.now()))

        asyncio.run(go())
        self.clock.set(max(end, self.clock.now()))

    def stop(self) -> None:
        self.store.close()


def sent(root: Path) -> list[Sent]:
    files = sorted((root / "outbox").glob("*.eml"))
    return [read(root, "", str(f.relative_to(root))) for f in files]


def kinds(mails: list[Sent]) -> Counter[str]:
    out: Counter[str] = Counter()
    for m in mails:
        s = m.subject
        kind = (
            "checkin"
            if "check-in" in s and not s.startswith("Re:")
            else "reminder"
            if s.startswith("Re:")
            else "escalation"
            if "has not checked in" in s
            else "digest"
            if "digest" in s
            else "cancel"
            if s.startswith("Cancelled")
            else "invite"
            if m.calendar() is not None
            else "other"
        )
        out[kind] += 1
    return out


def test_restarts_anywhere_send_exactly_what_one_uninterrupted_run_sends(tmp_path: Path) -> None:
    config = program().load()
    end = datetime(2026, 4, 20, tzinfo=UTC)
    one = Runner(config, tmp_path / "one", ManualClock(START))
    one.until(end)
    one.stop()
    clock = ManualClock(START)
    for stop_at in (
        datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 6, 15, 0, tzinfo=UTC),  # right at Ana's prompt
        datetime(2026, 3, 18, 7, 31, tzinfo=UTC),
        datetime(2026, 4, 6, 9, 0, tzinfo=UTC),
        end,
    ):
        r = Runner(config, tmp_path / "many", clock)
        r.until(stop_at)
        r.stop()
    a = [(m.message_id, m.date, m.to) for m in sent(tmp_path / "one")]
    b = [(m.message_id, m.date, m.to) for m in sent(tmp_path / "many")]
    assert a == b and len(a) >= 40


def test_a_job_due_while_the_daemon_was_down_runs_once_when_it_returns(tmp_path: Path) -> None:
    config = program().load()
    clock = ManualClock(START)
    r = Runner(config, tmp_path, clock)
    r.until(datetime(2026, 3, 5, tzinfo=UTC))  # Thursday: before Friday's prompts
    r.stop()
    before = {m.message_id for m in sent(tmp_path)}
    clock.set(datetime(2026, 3, 6, 20, 0, tzinfo=UTC))  # back on Friday evening
    r = Runner(config, tmp_path, clock)
    r.until(clock.now())
    r.stop()
    new = [m for m in sent(tmp_path) if m.message_id not in before]
    prompts = [m for m in new if "check-in" in m.subject and not m.subject.startswith("Re:")]
    # Ana's (Lisbon, 15:00) goes at once; in Kolkata it is already Saturday 01:30, not a
    # workday, so Priya's waits for her Monday morning
    assert [(m.to[0], m.date) for m in prompts] == [("ana@example.org", clock.now())]
    r = Runner(config, tmp_path, clock)
    r.until(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    r.stop()
    new = [m for m in sent(tmp_path) if m.message_id not in before]
    prompts = [m for m in new if "check-in" in m.subject and not m.subject.startswith("Re:")]
    assert [(m.to[0], m.date) for m in prompts] == [
        ("ana@example.org", datetime(2026, 3, 6, 20, 0, tzinfo=UTC)),
        ("priya@example.org", datetime(2026, 3, 9, 3, 30, tzinfo=UTC)),  # Mon 09:00 IST
    ]
    # coming back again at once sends nothing more
    n = len(sent(tmp_path))
    r = Runner(config, tmp_path, clock)
    r.until(clock.now())
    r.stop()
    assert len(sent(tmp_path)) == n


def test_a_long_downtime_sends_the_current_prompt_and_latest_digest_not_every_stale_one(
    tmp_path: Path,
) -> None:
    config = program().load()
    clock = ManualClock(START)
    r = Runner(config, tmp_path, clock)
    r.until(datetime(2026, 3, 3, tzinfo=UTC))
    r.stop()
    clock.set(datetime(2026, 4, 1, 12, 0, tzinfo=UTC))  # four weeks later, a Wednesday
    r = Runner(config, tmp_path, clock)
    r.until(clock.now())
    r.stop()
    late = [m for m in sent(tmp_path) if m.date == clock.now()]
    got = kinds(late)
    # last Friday's prompts can still be answered (the next goes out this Friday): they go
    # now; the three before are stale and skipped
    assert got["checkin"] == 2
    assert {m.week for m in late if "check-in" in m.subject} == {3}
    assert got["digest"] == 1  # only the latest week's digest
    assert got["escalation"] == 0  # no prompt went out for weeks 0-2: nothing was missed


def _latest_calendar(mails: list[Sent], sid: str, to: str) -> bytes:
    cals = [
        m.calendar()
        for m in mails
        if m.msg["X-Rota-Series"] == sid
        and m.to == [to]
        and b"METHOD:REQUEST" in (m.calendar() or b"")
    ]
    assert cals
    return cals[-1]  # type: ignore[return-value]


def test_a_changed_config_invites_new_pairs_cancels_removed_ones_and_replans_changed_people(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    first = program().load()
    r = Runner(first, tmp_path, clock)
    r.until(datetime(2026, 3, 10, tzinfo=UTC))
    r.stop()
    before = sent(tmp_path)
    # Ben mentors Mia instead of Priya; Ana goes away in week 4
    people = [
        P("ben@example.org", "America/New_York", name="Ben Ortiz"),
        P(
            "ana@example.org",
            "Europe/Lisbon",
            name="Ana Sousa",
            away=[("2026-03-30", "2026-04-03")],
        ),
        PEOPLE[2],
        PEOPLE[3],
    ]
    second = program(
        people=people,
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "mia@example.org")],
    ).load()
    r = Runner(second, tmp_path, clock)
    r.until(clock.now())
    r.stop()
    new = sent(tmp_path)[len(before) :]
    by_series: dict[str, list[Sent]] = {}
    for m in new:
        by_series.setdefault(str(m.msg["X-Rota-Series"]), []).append(m)
    # the removed pair's series are cancelled for both, whole (no RECURRENCE-ID)
    for sid in (
        "call/ben@example.org/priya@example.org",
        "review/ben@example.org/priya@example.org",
    ):
        cancels = by_series.pop(sid)
        assert sorted(m.to[0] for m in cancels) == ["ben@example.org", "priya@example.org"]
        for m in cancels:
            assert m.subject.startswith("Cancelled")
            cal = m.calendar() or b""
            assert b"METHOD:CANCEL" in cal and b"RECURRENCE-ID" not in cal
            assert b"SEQUENCE:1" in cal
            got = icaljs.expand(cal)
            assert {e["status"] for e in got["events"]} == {"CANCELLED"}
    # the new pair is invited, only to occurrences still ahead
    for sid in ("call/ben@example.org/mia@example.org", "review/ben@example.org/mia@example.org"):
        invites = by_series.pop(sid)
        assert sorted(m.to[0] for m in invites) == ["ben@example.org", "mia@example.org"]
        got = icaljs.expand(invites[0].calendar())  # type: ignore[arg-type]
        assert got["events"] and all(e["start"] > "2026-03-10" for e in got["events"])
    # Ana's away week: her call that week is gone (CANCEL for that occurrence), the review
    # and the circle are re-planned around it; past occurrences stay as they were
    call = "call/ben@example.org/ana@example.org"
    assert call in by_series
    ana_cal = _latest_calendar(sent(tmp_path), call, "ana@example.org")
    starts = [e["start"] for e in icaljs.expand(ana_cal)["events"]]
    assert not any("2026-03-30" <= s < "2026-04-04" for s in starts)
    old_starts = [
        e["start"]
        for e in icaljs.expand(_latest_calendar(before, call, "ana@example.org"))["events"]
    ]
    assert [s for s in starts if s < "2026-03-10"] == [s for s in old_starts if s < "2026-03-10"]
    cancels = [m for m in by_series[call] if m.subject.startswith("Cancelled")]
    updates = [m for m in by_series[call] if m.subject.startswith("Updated")]
    if any("2026-03-30" <= s < "2026-04-04" for s in old_starts):
        assert sorted(m.to[0] for m in cancels) == ["ana@example.org", "ben@example.org"]
        assert all(b"RECURRENCE-ID" in (m.calendar() or b"") for m in cancels)
    assert sorted(m.to[0] for m in updates) == ["ana@example.org", "ben@example.org"]
    # Priya is no longer a mentee: no more prompts for her
    r = Runner(second, tmp_path, clock)
    r.until(datetime(2026, 3, 21, tzinfo=UTC))
    r.stop()
    later = sent(tmp_path)[len(before) + len(new) :]
    assert not [m for m in later if m.to == ["priya@example.org"] and "check-in" in m.subject]
    assert [m for m in later if m.to == ["mia@example.org"] and "check-in" in m.subject]


def test_an_unchanged_config_reloaded_sends_nothing(tmp_path: Path) -> None:
    config = program().load()
    clock = ManualClock(START)
    r = Runner(config, tmp_path, clock)
    r.until(datetime(2026, 3, 12, tzinfo=UTC))
    r.stop()
    n = len(sent(tmp_path))
    r = Runner(program().load(), tmp_path, clock)
    r.until(clock.now())
    r.stop()
    assert len(sent(tmp_path)) == n
    uid = series_uid("team@example.org", date(2026, 3, 2), "group/Circle")
    assert uid.startswith("rota-group-")
