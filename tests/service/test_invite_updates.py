"""An invite update says what changed and why: a review's new goal list is an agenda update
(same SEQUENCE, nothing to accept again, never "the schedule has changed"); a moved meeting
is named with its old and new local time and the reason (a decline, changed hours)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar

from mail.ids import series_uid
from service.simulate import simulate
from tests.support import icaljs
from tests.support.configs import P, Program, plan_json_of
from tests.support.driver import SECRET, Driven, files_extra
from tests.support.mailread import Sent, read
from tests.support.replies import plain_checkin, rsvp

START = datetime(2026, 3, 2, tzinfo=UTC)
REVIEW = "review/ben@example.org/ana@example.org"
CALL = "call/ben@example.org/ana@example.org"


def program(ana_hours: str = "07:00-22:00", extra: str = "") -> Program:
    preferred = "09:00-17:00" if ana_hours == "07:00-22:00" else ana_hours
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P(
                "ana@example.org",
                "Europe/Lisbon",
                name="Ana Sousa",
                available=ana_hours,
                preferred=preferred,
            ),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
        starts="2026-03-02",
        ends="2026-05-29",
        call={"every": "2w", "duration": "30m"},
        review={"every": "4w", "duration": "45m", "offset": "1w"},
        extra=extra,
    )


def invites(mails: list[Sent], series: str) -> list[Sent]:
    return [m for m in mails if m.kind == "invite" and m.msg["X-Rota-Series"] == series]


def sequence_of(m: Sent) -> int:
    cal = icalendar.Calendar.from_ical(m.calendar())
    return int(next(iter(cal.walk("VEVENT")))["SEQUENCE"])


def test_new_goals_in_a_review_are_an_agenda_update_with_the_same_sequence(tmp_path: Path) -> None:
    config = program().load()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    when = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # after Ana's week-0 prompt
    body = "## Next Week's Goals\n- [ ] Open the PR for the docs\n- [x] Fix the flaky test\n"
    (inbox / "a.eml").write_bytes(
        plain_checkin(config, SECRET, "ana@example.org", 0, when, "a0@x", body)
    )
    result = asyncio.run(
        simulate(
            config, tmp_path, START - timedelta(days=8), datetime(2026, 3, 12, tzinfo=UTC), SECRET
        )
    )
    mails = [read(tmp_path, e.kind, e.file) for e in result.emails]
    sent = invites(mails, REVIEW)
    first, update = sent[0], sent[-1]
    assert len(sent) == 4  # first invite and the agenda update, to each of the two
    assert update.subject == "Agenda updated: Goal review: Ben & Ana"
    text = " ".join(update.text().split())
    assert "now lists the goals from the latest check-ins" in text
    assert "The times have not changed" in text and "has changed" not in text
    assert sequence_of(update) == sequence_of(first) == 0
    assert update.message_id != first.message_id
    description = str(
        next(iter(icalendar.Calendar.from_ical(update.calendar()).walk("VEVENT")))["DESCRIPTION"]
    )
    assert "[ ] Open the PR for the docs" in description
    seen = icaljs.expand(update.calendar())
    assert not seen["errors"] and all("Open the PR" in e["description"] for e in seen["events"])


def test_a_declined_meeting_moves_and_the_update_says_where_and_why(tmp_path: Path) -> None:
    config = program().load()
    plan = plan_json_of(config)
    call = next(s for s in plan["series"] if s["id"] == CALL)
    # a meeting at the series' usual time: its RECURRENCE-ID is its own start (a moved one's
    # would be the rule instance it replaces)
    week4 = next(o for o in call["occurrences"] if o["week"] == 4)
    start = datetime.fromisoformat(week4["start"].replace("Z", "+00:00"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    uid = series_uid("team@example.org", date(2026, 3, 2), CALL)
    (inbox / "decline.eml").write_bytes(
        rsvp("ben@example.org", "Ben Ortiz", "team@example.org", uid, "DECLINED",
             datetime(2026, 3, 9, 12, 0, tzinfo=UTC), "d@x", recurrence_id=start)
    )  # fmt: skip
    result = asyncio.run(
        simulate(
            config, tmp_path, START - timedelta(days=8), datetime(2026, 3, 12, tzinfo=UTC), SECRET
        )
    )
    mails = [read(tmp_path, e.kind, e.file) for e in result.emails]
    [update] = [
        m
        for m in invites(mails, CALL)
        if m.subject.startswith("Updated:") and m.to == ["ana@example.org"]
    ]
    text = " ".join(update.text().split())
    lisbon = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Lisbon"))
    assert f"{lisbon:%a %-d %b %Y, %H:%M} moves to " in text
    assert "Why: Ben Ortiz declined the time it had." in text
    assert sequence_of(update) == 1


def test_changed_hours_are_named_in_the_update(tmp_path: Path) -> None:
    config_path = program(extra=files_extra(tmp_path)).write(tmp_path)
    d = Driven.start(config_path, START - timedelta(days=8))
    d.run_until(datetime(2026, 3, 3, tzinfo=UTC))
    before = len(d.sent())
    # Ana can only do mornings from now on (until 13:00 Lisbon, 08:00 in New York): the
    # meetings at 14:00-15:00 UTC move to her late morning
    narrowed = program(ana_hours="07:00-13:00", extra=files_extra(tmp_path)).write(tmp_path)
    d = d.restart(narrowed)
    d.run_until(datetime(2026, 3, 4, tzinfo=UTC))
    updates = [m for m in d.sent()[before:] if m.kind == "invite" and m.to == ["ben@example.org"]]
    assert updates, "the new hours moved the meetings"
    text = " ".join(" ".join(m.text().split()) for m in updates)
    assert (
        "moves to" in text
        and "Why: Ana Sousa's preferred hours and available hours changed." in text
    )
    d.close()
