"""A ten-week program run on the simulated clock, read email by email (SPEC §1, §5).

The program spans the weeks the US (8 Mar) and the EU (29 Mar) change their clocks, the
southern hemisphere's return to standard time (5 Apr: Sydney, Santiago, Chatham +13:45 →
+12:45), half-hour and 45-minute zones, a Sunday–Thursday week and an away week. Mentees
answer in different ways (always, never, now and then) through replies placed in the
inbox. Every expectation here is computed independently from the config with zoneinfo, not
with Rota's own functions.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mail.ids import series_uid
from service.config.model import Config
from service.simulate import Simulation, simulate
from tests.support import icaljs
from tests.support.configs import G, P, Program, plan_json_of
from tests.support.mailread import Sent, read
from tests.support.replies import plain_checkin, rsvp

SECRET = b"simulation test secret 0123456789"
ORGANIZER = "team@example.org"
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

PEOPLE = [
    P("ben@example.org", "America/New_York", name="Ben Ortiz"),
    P("ana@example.org", "Europe/Lisbon", name="Ana Sousa", away=[("2026-03-16", "2026-03-20")]),
    P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
    P("tom@example.org", "Pacific/Chatham", name="Tom Hale"),
    P("raj@example.org", "Asia/Kathmandu", name="Raj Thapa"),
    P("mia@example.org", "Australia/Sydney", name="Mia Chen"),
    P("sam@example.org", "Europe/Berlin", name="Sam Weber"),
    P(
        "noa@example.org",
        "Asia/Jerusalem",
        name="Noa Levi",
        workdays=["sun", "mon", "tue", "wed", "thu"],
    ),
    P("lucia@example.org", "America/Santiago", name="Lucia Diaz"),
]
PAIRS = [
    ("ben@example.org", "ana@example.org"),
    ("ben@example.org", "priya@example.org"),
    ("tom@example.org", "raj@example.org"),
    ("tom@example.org", "mia@example.org"),
    ("sam@example.org", "noa@example.org"),
    ("sam@example.org", "lucia@example.org"),
]
MENTEES = [m for _, m in PAIRS]
MENTOR = {m: t for t, m in PAIRS}
START = datetime(2026, 3, 2, tzinfo=UTC)
END = datetime(2026, 5, 18, tzinfo=UTC)  # a week past the program's end: every deadline passes


def program() -> Program:
    return Program(
        people=PEOPLE,
        pairs=PAIRS,
        groups=[G("Circle", [p.email for p in PEOPLE], quorum=0.5)],
        starts="2026-03-02",
        ends="2026-05-08",
    )


# -- independent expectations --------------------------------------------------------------------
def local(dt: datetime, email: str) -> datetime:
    return dt.astimezone(ZoneInfo(next(p.timezone for p in PEOPLE if p.email == email)))


def person(email: str) -> P:
    return next(p for p in PEOPLE if p.email == email)


def workdays(email: str) -> set[int]:
    wd = person(email).workdays
    return {DAYS[d] for d in wd} if wd is not None else {0, 1, 2, 3, 4}


def away(email: str, day: date) -> bool:
    return any(date.fromisoformat(a) <= day <= date.fromisoformat(b) for a, b in person(email).away)


def expected_prompts(email: str, weeks: int = 10) -> dict[int, datetime]:
    """Friday 15:00 mentee-local, or the last workday before it they are there; none in a
    week they are away up to Friday."""
    out = {}
    zone = ZoneInfo(person(email).timezone)
    for week in range(weeks):
        monday = date(2026, 3, 2) + timedelta(weeks=week)
        day = monday + timedelta(days=4)
        while day >= monday and (day.weekday() not in workdays(email) or away(email, day)):
            day -= timedelta(days=1)
        if day < monday:
            continue
        out[week] = datetime.combine(day, time(15, 0), tzinfo=zone).astimezone(UTC)
    return out


def next_workday_start(email: str, when: datetime) -> datetime:
    """`when`, or 09:00 local on the person's next workday they are not away."""
    loc = local(when, email)
    if loc.weekday() in workdays(email) and not away(email, loc.date()):
        return when
    day = loc.date() + timedelta(days=1)
    while day.weekday() not in workdays(email) or away(email, day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=loc.tzinfo).astimezone(UTC)


# -- the run ---------------------------------------------------------------------------------
# who answers which week's prompt (20 hours after it); priya never answers
ANSWERS = {
    "ana@example.org": set(range(10)),
    "mia@example.org": set(range(10)),
    "lucia@example.org": set(range(10)),
    "raj@example.org": {1, 5},
    "noa@example.org": {2, 3, 4, 5, 6, 7, 8, 9},
}
DECLINE_WEEK = 4  # Ben declines this week's call with Ana


def _inbox(config: Config, out: Path, decline_at: datetime | None) -> None:
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for mentee, weeks in ANSWERS.items():
        prompts = expected_prompts(mentee)
        for week in weeks:
            if week in prompts:
                when = prompts[week] + timedelta(hours=20)
                raw = plain_checkin(
                    config, SECRET, mentee, week, when, f"{mentee.split('@')[0]}-{week}@mail.test"
                )
                (inbox / f"{mentee}-{week}.eml").write_bytes(raw)
    if decline_at is not None:
        sid = "call/ben@example.org/ana@example.org"
        uid = series_uid(ORGANIZER, date(2026, 3, 2), sid)
        occ = _occurrence(config, sid, DECLINE_WEEK)
        raw = rsvp(
            "ben@example.org",
            "Ben Ortiz",
            ORGANIZER,
            uid,
            "DECLINED",
            decline_at,
            "decline@mail.test",
            recurrence_id=occ,
            comment="Travelling that day",
        )
        (inbox / "zz-decline.eml").write_bytes(raw)


def _occurrence(config: Config, series_id: str, week: int) -> datetime:
    plan = plan_json_of(config)
    s = next(s for s in plan["series"] if s["id"] == series_id)
    o = next(o for o in s["occurrences"] if o["week"] == week)
    return datetime.fromisoformat(o["start"].replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path, Simulation, list[Sent]]:
    out = tmp_path_factory.mktemp("sim")
    config = program().load()
    _inbox(config, out, decline_at=datetime(2026, 3, 24, 12, 0, tzinfo=UTC))
    result = asyncio.run(simulate(config, out, START, END, SECRET))
    mails = [read(out, e.kind, e.file) for e in result.emails]
    return config, out, result, mails


def by_kind(mails: list[Sent], kind: str) -> list[Sent]:
    return [m for m in mails if m.kind == kind]


# -- the tests -------------------------------------------------------------------------------------
def test_every_prompt_goes_at_the_mentees_local_weekday_and_time(run) -> None:  # type: ignore[no-untyped-def]
    _, _, _, mails = run
    got: dict[str, dict[int, datetime]] = defaultdict(dict)
    for m in by_kind(mails, "checkin"):
        [to] = m.to
        assert m.week not in got[to], f"two prompts for {to} in week {m.week}"
        got[to][m.week] = m.date  # type: ignore[index]
    for mentee in MENTEES:
        assert got[mentee] == expected_prompts(mentee), mentee
    # spot checks a reader can verify by hand
    assert got["ben@example.org"] == {}
    assert 2 not in got["ana@example.org"]  # away that week: no prompt at all
    assert got["noa@example.org"][0] == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)  # Thu 15:00 IST
    assert got["raj@example.org"][0] == datetime(2026, 3, 6, 9, 15, tzinfo=UTC)  # +5:45
    assert got["mia@example.org"][4] == datetime(2026, 4, 3, 4, 0, tzinfo=UTC)  # AEDT +11
    assert got["mia@example.org"][5] == datetime(2026, 4, 10, 5, 0, tzinfo=UTC)  # AEST +10
    assert got["ana@example.org"][3] == datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # WET
    assert got["ana@example.org"][4] == datetime(2026, 4, 3, 14, 0, tzinfo=UTC)  # WEST


def test_nobody_is_emailed_on_a_non_workday_or_while_away(run) -> None:  # type: ignore[no-untyped-def]
    _, _, _, mails = run
    for m in mails:
        for who in m.to:
            if who == ORGANIZER:
                continue
            day = local(m.date, who)
            assert day.weekday() in workdays(who), (m.kind, who, day)
            assert not away(who, day.date()), (m.kind, who, day)


def test_one_reminder_per_unanswered_prompt_in_the_prompts_thread(run) -> None:  # type: ignore[no-untyped-def]
    _, _, _, mails = run
    prompts = {(m.to[0], m.week): m for m in by_kind(mails, "checkin")}
    reminders = Counter((m.to[0], m.week) for m in by_kind(mails, "reminder"))
    assert all(n == 1 for n in reminders.values())
    for mentee, week in prompts:
        answered = week in ANSWERS.get(mentee, set())
        assert ((mentee, week) in reminders) == (not answered), (mentee, week)
    for m in by_kind(mails, "reminder"):
        prompt = prompts[(m.to[0], m.week)]
        assert m.msg["In-Reply-To"] == prompt.message_id
        assert m.reply_to == prompt.reply_to  # the same token: the reply still counts
        assert m.date == next_workday_start(m.to[0], prompt.date + timedelta(days=2))


def test_escalations_at_each_multiple_of_the_missed_run_to_the_mentor_cc_organizer(run) -> None:  # type: ignore[no-untyped-def]
    _, _, _, mails = run
    escalations: dict[str, list[Sent]] = defaultdict(list)
    for m in by_kind(mails, "escalation"):
        escalations[m.subject.split()[0]].append(m)
    # Priya: 10 prompts, none answered → runs of 2, 4, 6, 8, 10
    priya = escalations.pop("Priya")
    assert [m.subject for m in priya] == [
        f"Priya has not checked in for {n} weeks" for n in (2, 4, 6, 8, 10)
    ]
    prompts = sorted(expected_prompts("priya@example.org").values())
    for esc, n in zip(priya, (2, 4, 6, 8), strict=False):
        assert esc.to == ["ben@example.org"] and esc.cc == [ORGANIZER]
        # the run reaches n when the (n+1)-th prompt goes out: Ben hears at once, or on his
        # next workday morning
        assert esc.date == next_workday_start("ben@example.org", prompts[n])
    # Raj answers weeks 1 and 5 only: misses 0 (run 1, reset), 2-4 (run 3 → one escalation
    # at 2), 6-9 (run 4 → escalations at 2 and 4)
    assert [m.subject for m in escalations.pop("Raj")] == [
        "Raj has not checked in for 2 weeks",
        "Raj has not checked in for 2 weeks",
        "Raj has not checked in for 4 weeks",
    ]
    # Noa misses weeks 0 and 1, then answers: one escalation
    assert [m.subject for m in escalations.pop("Noa")] == ["Noa has not checked in for 2 weeks"]
    assert escalations == {}


def test_each_checkin_is_forwarded_to_the_mentor_who_can_answer_the_mentee(run) -> None:  # type: ignore[no-untyped-def]
    _, _, result, mails = run
    forwards = by_kind(mails, "forward")
    answered = sum(
        1 for mentee, weeks in ANSWERS.items() for w in weeks if w in expected_prompts(mentee)
    )
    assert len(forwards) == answered
    assert result.replies.get("processed") == answered + 1  # + Ben's RSVP
    for m in forwards:
        [mentor] = m.to
        mentee = m.reply_to[0]
        assert MENTOR[mentee] == mentor
        assert "Finished the parser fix" in m.text()
        assert m.msg["In-Reply-To"] == f"<{mentee.split('@')[0]}-{m.week}@mail.test>"


def test_no_message_id_twice_and_every_email_is_what_spec_5_says(run) -> None:  # type: ignore[no-untyped-def]
    _, out, result, mails = run
    ids = [m.message_id for m in mails]
    assert len(ids) == len(set(ids))
    files = [e.file for e in result.emails]
    assert files == sorted(files)
    assert [m.date for m in mails] == sorted(m.date for m in mails)  # names sort in send order
    for e, m in zip(result.emails, mails, strict=True):
        assert m.date == e.at.replace(microsecond=0)
        assert m.msg["From"].addresses[0].addr_spec == ORGANIZER
        assert m.msg["Auto-Submitted"] == "auto-generated"
        assert m.msg["X-Auto-Response-Suppress"] == "OOF, AutoReply"
        assert START - timedelta(days=1) <= m.date <= END
    assert len(list((out / "outbox").glob("*.eml"))) == len(mails)
    kinds = Counter(m.kind for m in mails)
    assert set(kinds) <= {
        "checkin",
        "reminder",
        "escalation",
        "forward",
        "invite",
        "cancel",
        "evaluation",
        "digest",
        "notice",  # extensions of SPEC §5's list: a decline nobody could rebook,
        "nudge",  # and a mentor's reminder to answer a check-in,
        "recap",  # after a meeting, where recaps are on
        "survey",  # and the 1-5 question, where surveys are on
    }
    assert kinds["digest"] == 10  # one per program week, the Monday after it


def _calendars(mails: list[Sent], to: str) -> dict[str, bytes]:
    """The latest REQUEST calendar per series that `to` received."""
    latest: dict[str, bytes] = {}
    for m in by_kind(mails, "invite"):
        if m.to == [to]:
            cal = m.calendar()
            assert cal is not None
            latest[str(m.msg["X-Rota-Series"])] = cal
    return latest


def test_first_invites_read_back_in_ical_js_as_the_plan(run) -> None:  # type: ignore[no-untyped-def]
    config, _, _, mails = run
    plan = plan_json_of(config)
    first = {}
    for m in by_kind(mails, "invite"):
        key = (str(m.msg["X-Rota-Series"]), m.to[0])
        if m.msg["X-Rota-Sequence"] == "0":
            first.setdefault(key, m)
    for s in plan["series"]:
        expected = sorted((o["start"], o["end"]) for o in s["occurrences"] if "start" in o)
        for attendee in s["attendees"]:
            m = first[(s["id"], attendee)]
            got = icaljs.expand(m.calendar())  # type: ignore[arg-type]
            assert got["errors"] == []
            [uid] = {e["uid"] for e in got["events"]}
            assert uid == series_uid(ORGANIZER, date(2026, 3, 2), s["id"])
            assert icaljs.starts_by_uid(got)[uid] == expected, (s["id"], attendee)


def test_a_declined_occurrence_moves_within_its_week_and_both_get_the_update(run) -> None:  # type: ignore[no-untyped-def]
    config, _, _, mails = run
    sid = "call/ben@example.org/ana@example.org"
    plan = plan_json_of(config)
    before = {
        o["week"]: (o["start"], o["end"])
        for o in next(s for s in plan["series"] if s["id"] == sid)["occurrences"]
        if "start" in o
    }
    updates = [
        m
        for m in by_kind(mails, "invite")
        if m.msg["X-Rota-Series"] == sid and m.msg["X-Rota-Sequence"] == "1"
    ]
    assert sorted(m.to[0] for m in updates) == ["ana@example.org", "ben@example.org"]
    for m in updates:
        assert m.date >= datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
        assert m.subject.startswith("Updated: ")
        got = icaljs.expand(m.calendar())  # type: ignore[arg-type]
        after = {}
        for e in got["events"]:
            week = (datetime.fromisoformat(e["start"].replace("Z", "+00:00")) - START).days // 7
            after[week] = (e["start"], e["end"])
        moved = {w for w in before if after.get(w) != before[w]}
        assert moved == {DECLINE_WEEK}, (before, after)
        new_start = datetime.fromisoformat(after[DECLINE_WEEK][0].replace("Z", "+00:00"))
        assert new_start >= datetime(2026, 3, 24, 14, 0, tzinfo=UTC)  # after the decline (+2 h)
        assert (new_start - START).days // 7 == DECLINE_WEEK
        old_start = datetime.fromisoformat(before[DECLINE_WEEK][0].replace("Z", "+00:00"))
        old_end = datetime.fromisoformat(before[DECLINE_WEEK][1].replace("Z", "+00:00"))
        assert not (new_start < old_end and old_start < new_start + timedelta(minutes=30))
        for who in ("ben@example.org", "ana@example.org"):  # a time both can attend
            loc = local(new_start, who)
            assert loc.weekday() in workdays(who) and time(7) <= loc.time() <= time(21, 30)
    assert not [m for m in mails if m.kind == "notice"]


def test_the_whole_run_is_deterministic(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, _, result, _ = run
    _inbox(config, tmp_path, decline_at=datetime(2026, 3, 24, 12, 0, tzinfo=UTC))
    again = asyncio.run(simulate(config, tmp_path, START, END, SECRET))
    assert [e.to_json() for e in again.emails] == [e.to_json() for e in result.emails]
