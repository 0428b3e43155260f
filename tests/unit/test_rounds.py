"""Pairing rounds: a pool paired anew every round, nobody meeting the same person twice before
they have met everyone they can, odd pools with a trio, only people who share a fair slot,
mentors and mentees each meeting someone new; each meeting planned and invited."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from scheduling.model import DayWindow, Person
from scheduling.rounds import FAIR_COST, RoundPool, pair_rounds
from scheduling.weeks import build_grid
from tests.support import icaljs

WEEKDAYS = frozenset(range(5))


def person(email: str, zone: str = "Europe/Berlin", available: tuple[int, int] = (7, 22)) -> Person:
    return Person(
        email,
        zone,
        DayWindow(9 * 60, 17 * 60),
        DayWindow(available[0] * 60, available[1] * 60),
        WEEKDAYS,
    )


def met_counts(meetings) -> Counter[frozenset[str]]:  # type: ignore[no-untyped-def]
    out: Counter[frozenset[str]] = Counter()
    for m in meetings:
        for a, b in itertools.combinations(m.members, 2):
            out[frozenset((a, b))] += 1
    return out


@pytest.mark.parametrize("n", [4, 6, 8, 10])
def test_an_even_pool_meets_everyone_once_in_n_minus_one_rounds(n: int) -> None:
    people = {f"p{i}@x": person(f"p{i}@x") for i in range(n)}
    grid = build_grid("UTC", date(2026, 3, 2), n - 1)
    meetings = pair_rounds(
        RoundPool("Chat", 30, tuple(range(n - 1)), people=tuple(people)), people, grid
    )
    assert all(len(m.members) == 2 for m in meetings)
    assert met_counts(meetings) == Counter(
        {frozenset(p): 1 for p in itertools.combinations(people, 2)}
    )
    for week in range(n - 1):  # everyone meets someone every round
        assert sorted(e for m in meetings if m.week == week for e in m.members) == sorted(people)


@pytest.mark.parametrize("n", [5, 7, 9])
def test_an_odd_pool_has_one_trio_a_round_and_everyone_meets(n: int) -> None:
    people = {f"p{i}@x": person(f"p{i}@x") for i in range(n)}
    grid = build_grid("UTC", date(2026, 3, 2), n)
    meetings = pair_rounds(
        RoundPool("Chat", 30, tuple(range(n)), people=tuple(people)), people, grid
    )
    for week in range(n):
        this = [m for m in meetings if m.week == week]
        assert sorted(e for m in this for e in m.members) == sorted(people)
        assert [len(m.members) for m in this].count(3) == 1
    counts = met_counts(meetings)
    assert set(counts) == {frozenset(p) for p in itertools.combinations(people, 2)}
    # a trio uses three pairs at once, so an odd pool repeats some, evenly; the one left out
    # rotates (nobody is the third twice before everyone once)
    assert max(counts.values()) - min(counts.values()) <= 2
    thirds = [next(m for m in meetings if m.week == w and len(m.members) == 3) for w in range(n)]
    assert len({frozenset(t.members) for t in thirds}) == n


def test_only_people_sharing_a_fair_slot_are_paired() -> None:
    people = {
        "la@x": person("la@x", "America/Los_Angeles", (9, 18)),
        "in@x": person("in@x", "Asia/Kolkata", (9, 18)),  # never overlaps LA
        "ny@x": person("ny@x", "America/New_York"),
        "de@x": person("de@x", "Europe/Berlin"),
    }
    grid = build_grid("UTC", date(2026, 3, 2), 6)
    meetings = pair_rounds(
        RoundPool("Chat", 30, tuple(range(6)), people=tuple(people)), people, grid
    )
    assert frozenset(("la@x", "in@x")) not in met_counts(meetings)
    # and each meeting has a start inside everyone's hours costing nobody over FAIR_COST
    from scheduling.availability import CostModel

    model = CostModel(grid)
    for m in meetings:
        lo, hi = grid.week_slots(m.week)
        ok = None
        for e in m.members:
            can, _ = model.attend(people[e], 30)
            fair = can[lo:hi] & (model.profile(people[e], 30).cost[lo:hi] <= FAIR_COST)
            ok = fair if ok is None else ok & fair
        assert ok is not None and ok.any(), m


def test_mentees_meet_a_new_mentor_each_round_within_capacity() -> None:
    mentors = ("m1@x", "m2@x")
    mentees = ("e1@x", "e2@x", "e3@x", "e4@x")
    people = {e: person(e) for e in (*mentors, *mentees)}
    grid = build_grid("UTC", date(2026, 3, 2), 2)
    pool = RoundPool("Rotation", 45, (0, 1), mentors=mentors, mentees=mentees, capacity=2)
    meetings = pair_rounds(pool, people, grid)
    for week in (0, 1):
        this = [m for m in meetings if m.week == week]
        assert sorted(
            m.members[1] if m.members[0] in mentors else m.members[0] for m in this
        ) == sorted(mentees)
        load = Counter(e for m in this for e in m.members if e in mentors)
        assert max(load.values()) <= 2
    assert set(met_counts(meetings).values()) == {1}  # every mentor meets every mentee once


def test_rounds_are_planned_and_invited_a_week_ahead(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import EXAMPLE

    plan = json.loads(rota("plan", "-c", str(EXAMPLE), "--format", "json").out)
    rounds = [s for s in plan["series"] if s["kind"] == "round"]
    assert rounds and all(s["id"].startswith("round/Coffee chat/") for s in rounds)
    assert all(len(s["occurrences"]) == 1 for s in rounds)
    done = rota(
        "simulate", "-c", str(EXAMPLE), "--until", "2026-12-27", "--out", str(tmp_path / "sim"),
        "--format", "json",
    )  # fmt: skip
    sent = [e for e in json.loads(done.out) if e["subject"].startswith("Coffee chat")]
    first_round = [s for s in rounds if s["id"].startswith("round/Coffee chat/3/")]
    assert {e["subject"] for e in sent} == {s["title"] for s in first_round}
    monday = datetime(2026, 12, 21, tzinfo=UTC)  # week 3
    assert all(
        monday - timedelta(days=7)
        <= datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        < monday
        for e in sent
    )
    eml = (tmp_path / "sim" / sent[0]["file"]).read_bytes()
    cal = next(
        p
        for p in __import__("email").message_from_bytes(eml).walk()
        if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    [event] = icalendar.Calendar.from_ical(cal).walk("VEVENT")
    assert str(event["LOCATION"]) == "https://meet.example.org/coffee"
    seen = icaljs.expand(cal)["events"]
    start = next(s for s in first_round if s["title"] == sent[0]["subject"])["occurrences"][0][
        "start"
    ]
    assert [e["start"] for e in seen] == [start]


def test_planned_rounds_pass_the_independent_reference_in_many_zones() -> None:
    from tests.support.configs import P, Program, plan_json_of
    from tests.support.reference import check_plan

    zones = ["America/New_York", "Europe/Lisbon", "Asia/Kolkata", "Europe/Berlin",
             "America/Santiago", "Australia/Adelaide", "Africa/Accra", "America/Los_Angeles",
             "Asia/Tokyo"]  # fmt: skip
    people = [P(f"p{i}@x.org", z, name=f"P{i}") for i, z in enumerate(zones)]
    emails = [p.email for p in people]
    for extra in (
        f'[[rounds]]\nname = "Chat"\npeople = {json.dumps(emails)}\nevery = "1w"\n',
        f'[[rounds]]\nname = "Chat"\npeople = {json.dumps(emails[:6])}\nevery = "2w"\nduration = "45m"\n',
        f'[[rounds]]\nname = "Rotation"\nmentors = {json.dumps(emails[:3])}\n'
        f'mentees = {json.dumps(emails[3:])}\ncapacity = 2\nevery = "2w"\n',
    ):
        config = Program(
            people=people,
            pairs=[("p0@x.org", "p1@x.org")],
            starts="2026-03-02",
            ends="2026-05-29",
            extra=extra,
        ).load()
        plan = plan_json_of(config)
        assert [s for s in plan["series"] if s["kind"] == "round"]
        assert check_plan(config, plan) == [], extra
