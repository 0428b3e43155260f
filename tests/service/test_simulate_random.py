"""Random programs on the simulated clock, read email by email against SPEC §5.

Each seed draws a program the hand-written ten-week test does not: zones from +14 to -11
(Lord Howe's half-hour DST, Casablanca, Chatham, St John's, Tehran), any check-in weekday and
time (near midnight too), four- and six-day weeks and Tuesday–Saturday ones, remind and
escalate settings, a phase that changes or switches off check-ins, an evaluation, away days,
and mentees who answer now and then. Expectations are computed here from the config with
zoneinfo alone; nothing of Rota's timing code is reused.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service.simulate import simulate
from tests.support import icaljs
from tests.support.configs import G, P, Program, plan_json_of
from tests.support.mailread import Sent, read
from tests.support.replies import plain_checkin

SECRET = b"random simulation secret 0123456789"
ORGANIZER = "team@example.org"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = [
    "Pacific/Kiritimati",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Asia/Tokyo",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Asia/Tehran",
    "Asia/Jerusalem",
    "Africa/Casablanca",
    "Europe/Berlin",
    "Europe/London",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/St_Johns",
    "America/New_York",
    "America/Havana",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Pacific/Pago_Pago",
]
WEEKS = [
    ("mon", "tue", "wed", "thu", "fri"),
    ("sun", "mon", "tue", "wed", "thu"),
    ("mon", "tue", "wed", "thu"),
    ("tue", "wed", "thu", "fri", "sat"),
    ("mon", "tue", "wed", "thu", "fri", "sat"),
]
STARTS = [date(2026, 3, 2), date(2026, 9, 21), date(2027, 3, 8)]
PROGRAM_WEEKS = 12


@dataclass
class Drawn:
    """One random program and what its people do, with the expectations derived from it."""

    program: Program
    people: dict[str, P]
    mentor_of: dict[str, str]
    weekday: int
    at: time
    remind: timedelta
    escalate: int
    phase_after: int | None
    phase_every: int | None  # None: check-ins switched off from phase_after
    answers: dict[str, set[int]] = field(default_factory=dict)

    @property
    def week0(self) -> date:
        s = date.fromisoformat(self.program.starts)
        return s - timedelta(days=s.weekday())

    def zone(self, email: str) -> ZoneInfo:
        return ZoneInfo(self.people[email].timezone)

    def workdays(self, email: str) -> set[int]:
        wd = self.people[email].workdays
        return {DAYS.index(d) for d in (wd or WEEKS[0])}

    def away(self, email: str, day: date) -> bool:
        return any(
            date.fromisoformat(a) <= day <= date.fromisoformat(b)
            for a, b in self.people[email].away
        )

    def checkin_weeks(self) -> list[int]:
        weeks = []
        for w in range(PROGRAM_WEEKS):
            if self.phase_after is not None and w >= self.phase_after:
                if self.phase_every is None or w % self.phase_every:
                    continue
            weeks.append(w)
        return weeks

    def every(self, week: int) -> int:
        if self.phase_after is not None and week >= self.phase_after and self.phase_every:
            return self.phase_every
        return 1

    def prompts(self, mentee: str) -> dict[int, datetime]:
        """The cadence weekday and time, or the last day before it that week that is a
        workday the mentee is there; none when there is no such day."""
        out = {}
        for w in self.checkin_weeks():
            monday = self.week0 + timedelta(weeks=w)
            day = monday + timedelta(days=self.weekday)
            while day >= monday and (
                day.weekday() not in self.workdays(mentee) or self.away(mentee, day)
            ):
                day -= timedelta(days=1)
            if day < monday:
                continue
            out[w] = datetime.combine(day, self.at, tzinfo=self.zone(mentee)).astimezone(UTC)
        return out

    def next_workday_start(self, email: str, when: datetime) -> datetime:
        loc = when.astimezone(self.zone(email))
        if loc.weekday() in self.workdays(email) and not self.away(email, loc.date()):
            return when
        day = loc.date() + timedelta(days=1)
        while day.weekday() not in self.workdays(email) or self.away(email, day):
            day += timedelta(days=1)
        start = time.fromisoformat((self.people[email].preferred or "09:00-17:00")[:5])
        return datetime.combine(day, start, tzinfo=self.zone(email)).astimezone(UTC)

    def deadline(self, mentee: str, week: int, prompts: dict[int, datetime]) -> datetime:
        """SPEC §5: missed when the next prompt goes out, or the mentee's week ends, without one."""
        every = self.every(week)
        if week + every in prompts:
            return prompts[week + every]
        last_sunday = self.week0 + timedelta(weeks=week + every - 1, days=6)
        return datetime.combine(
            last_sunday + timedelta(days=1), time(0), tzinfo=self.zone(mentee)
        ).astimezone(UTC)

    def escalations(self, mentee: str) -> list[tuple[int, datetime]]:
        """(run length, when the mentor hears) for each escalation of `mentee`."""
        prompts = self.prompts(mentee)
        run, out = 0, []
        for week in sorted(prompts):
            if week in self.answers.get(mentee, set()):
                run = 0
                continue
            run += 1
            if run % self.escalate == 0:
                at = self.deadline(mentee, week, prompts)
                out.append((run, self.next_workday_start(self.mentor_of[mentee], at)))
        return out


def draw(seed: int) -> Drawn:
    rng = random.Random(seed)
    starts = rng.choice(STARTS)
    people: dict[str, P] = {}
    for i in range(12):
        email = f"p{i}@example.org"
        away: tuple[tuple[str, str], ...] = ()
        if rng.random() < 0.35:
            first = starts + timedelta(days=rng.randrange(0, PROGRAM_WEEKS * 7 - 7))
            away = ((str(first), str(first + timedelta(days=rng.randrange(0, 9)))),)
        preferred = rng.choice([None, "08:00-16:00", "10:30-18:30"])
        people[email] = P(
            email,
            rng.choice(ZONES),
            name=f"Person{i} Test",
            workdays=rng.choice(WEEKS),
            away=away,
            preferred=preferred,
            available="06:00-23:00" if preferred else None,
        )
    emails = list(people)
    pairs = [(emails[0], emails[1]), (emails[0], emails[2])]
    pairs += [(emails[i], emails[i + 1]) for i in range(3, 11, 2)]
    phase = rng.choice([None, "every", "off"])
    phase_after = rng.randrange(4, 9) if phase else None
    phase_every = 2 if phase == "every" else None
    weekday = rng.randrange(7)
    at = time(rng.choice([0, 7, 9, 15, 18, 23]), rng.choice([0, 30]))
    remind = timedelta(days=rng.choice([1, 2, 3]))
    escalate = rng.choice([1, 2, 3])
    extra = [
        "[cadences.checkin]",
        'every = "1w"',
        f'weekday = "{DAYS[weekday]}"',
        f'at = "{at:%H:%M}"',
        f'remind_after = "{remind.days}d"',
        f"escalate_after_missed = {escalate}",
        "",
    ]
    if phase_after is not None:
        extra += ["[[phases]]", f'after = "{phase_after}w"']
        extra.append('checkin = { every = "2w" }' if phase_every else 'checkin = "off"')
        extra.append("")
    on = starts + timedelta(weeks=5, days=rng.randrange(7))
    extra += ["[[evaluations]]", 'name = "Mid-term evaluation"', f"on = {on}", ""]
    program = Program(
        people=list(people.values()),
        pairs=pairs,
        groups=[G("Circle", emails[:8], quorum=0.5)],
        starts=str(starts),
        ends=str(starts + timedelta(weeks=PROGRAM_WEEKS - 1, days=4)),
        extra="\n".join(extra),
    )
    d = Drawn(
        program,
        people,
        {m: t for t, m in pairs},
        weekday,
        at,
        remind,
        escalate,
        phase_after,
        phase_every,
    )
    for _, mentee in pairs:
        style = rng.choice(["always", "never", "sometimes"])
        weeks = set(d.prompts(mentee))
        if style == "never":
            d.answers[mentee] = set()
        elif style == "sometimes":
            d.answers[mentee] = {w for w in weeks if rng.random() < 0.5}
        else:
            d.answers[mentee] = weeks
    return d


@dataclass
class Run:
    drawn: Drawn
    mails: list[Sent]
    plan: dict[str, object]


def run_seed(seed: int, out: Path) -> Run:
    d = draw(seed)
    config = d.program.load()
    inbox = out / "inbox"
    inbox.mkdir(parents=True)
    reply_after = min(d.remind - timedelta(hours=2), timedelta(hours=20))
    for mentee, weeks in d.answers.items():
        prompts = d.prompts(mentee)
        for week in weeks:
            raw = plain_checkin(
                config, SECRET, mentee, week, prompts[week] + reply_after, f"{mentee}-{week}@t"
            )
            (inbox / f"{mentee}-{week}.eml").write_bytes(raw)
    start = datetime.combine(d.week0, time(0), tzinfo=UTC) - timedelta(days=1)
    end = start + timedelta(weeks=PROGRAM_WEEKS + 2)
    result = asyncio.run(simulate(config, out, start, end, SECRET))
    mails = [read(out, e.kind, e.file) for e in result.emails]
    return Run(d, mails, plan_json_of(config))


# more programs: ROTA_SIM_SEEDS=1,2,3,... pytest tests/service/test_simulate_random.py
SEEDS = [int(s) for s in os.environ.get("ROTA_SIM_SEEDS", "11,23,37").split(",")]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_seed(request.param, tmp_path_factory.mktemp(f"sim{request.param}"))


def kind(r: Run, k: str) -> list[Sent]:
    return [m for m in r.mails if m.kind == k]


def test_prompts_at_the_mentees_local_weekday_and_time(run: Run) -> None:
    got: dict[str, dict[int, datetime]] = defaultdict(dict)
    for m in kind(run, "checkin"):
        [to] = m.to
        assert m.week is not None and m.week not in got[to], (to, m.week)
        got[to][m.week] = m.date
    for mentee in run.drawn.mentor_of:
        assert got[mentee] == run.drawn.prompts(mentee), mentee


def test_nobody_is_emailed_on_a_non_workday_or_while_away(run: Run) -> None:
    d = run.drawn
    for m in run.mails:
        for who in m.to:
            if who == ORGANIZER:
                continue
            day = m.date.astimezone(d.zone(who)).date()
            assert day.weekday() in d.workdays(who), (m.kind, who, m.date)
            assert not d.away(who, day), (m.kind, who, m.date)


def test_one_reminder_per_unanswered_prompt(run: Run) -> None:
    d = run.drawn
    got = Counter((m.to[0], m.week) for m in kind(run, "reminder"))
    want = {}
    for mentee in d.mentor_of:
        for week, at in d.prompts(mentee).items():
            if week not in d.answers[mentee]:
                want[(mentee, week)] = d.next_workday_start(mentee, at + d.remind)
    assert dict(got) == dict.fromkeys(want, 1)
    for m in kind(run, "reminder"):
        assert m.date == want[(m.to[0], m.week)]


def test_escalations_as_spec_says(run: Run) -> None:
    d = run.drawn
    got: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for m in kind(run, "escalation"):
        assert m.cc == [ORGANIZER]
        got[m.to[0]].append((m.subject, m.date))
    want: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for mentee, mentor in d.mentor_of.items():
        first = d.people[mentee].name.split()[0]  # type: ignore[union-attr]
        for n, at in d.escalations(mentee):
            unit = "week" if n == 1 else "weeks"
            want[mentor].append((f"{first} has not checked in for {n} {unit}", at))
    for mentor in set(got) | set(want):
        assert sorted(got[mentor]) == sorted(want[mentor]), mentor


def test_one_forward_per_checkin_and_evaluations_on_workdays(run: Run) -> None:
    d = run.drawn
    assert len(kind(run, "forward")) == sum(len(w) for w in d.answers.values())
    evaluations = Counter(m.to[0] for m in kind(run, "evaluation"))
    mentees_of = Counter(d.mentor_of.values())
    for who, n in evaluations.items():
        # a mentee is asked once; a mentor once about each of their mentees
        assert n == (1 if who in d.mentor_of else 0) + mentees_of[who], who
    assert set(evaluations) <= set(d.mentor_of) | set(mentees_of)


def test_no_message_id_twice(run: Run) -> None:
    ids = [m.message_id for m in run.mails]
    assert len(ids) == len(set(ids))
    assert [m.date for m in run.mails] == sorted(m.date for m in run.mails)


def test_every_invite_reads_in_ical_js_as_the_plan(run: Run) -> None:
    plan = run.plan
    latest: dict[tuple[str, str], Sent] = {}
    for m in kind(run, "invite"):
        latest.setdefault((str(m.msg["X-Rota-Series"]), m.to[0]), m)  # the first one
    for s in plan["series"]:  # type: ignore[attr-defined]
        expected = sorted((o["start"], o["end"]) for o in s["occurrences"] if "start" in o)
        for attendee in s["attendees"]:
            m = latest[(s["id"], attendee)]
            got = icaljs.expand(m.calendar())  # type: ignore[arg-type]
            assert got["errors"] == []
            [uid] = icaljs.starts_by_uid(got)
            assert icaljs.starts_by_uid(got)[uid] == expected, (s["id"], attendee)
