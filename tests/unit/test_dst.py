"""Local times and inconvenience across DST weeks, odd offsets and other weekends.

The 2026 weeks that matter: the US moves on 8 March and 1 November, the EU on 29 March and
25 October, so for three weeks in March and one in late October New York is an hour closer
to Europe; Adelaide, Auckland and Santiago leave DST on 5 April and re-enter in September or
October; Kolkata (+5:30) and Kathmandu (+5:45) put meetings off the whole hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from scheduling.availability import inconvenience, local_clock
from scheduling.weeks import build_grid, count_weeks, week0_monday
from tests.support.configs import P, Program, plan_json_of
from tests.support.reference import check_plan


def _at(zone: str, utc: datetime, minutes: int = 30) -> tuple[int, int, int]:
    """(weekday, local start minute, local end minute) from the vectorised clock."""
    grid = build_grid("UTC", week0_monday(utc.date()), 2)
    ts = np.asarray([int(utc.timestamp())], dtype=np.int64)
    clock = local_clock(zone, ts, minutes, grid)
    return int(clock.weekday[0]), int(clock.start[0]), int(clock.end[0])


@pytest.mark.parametrize(
    ("zone", "utc", "weekday", "local"),
    [
        # US on DST, EU not yet (9-27 March 2026)
        ("America/New_York", datetime(2026, 3, 16, 14, 0, tzinfo=UTC), 0, "10:00"),
        ("Europe/London", datetime(2026, 3, 16, 14, 0, tzinfo=UTC), 0, "14:00"),
        ("Europe/Berlin", datetime(2026, 3, 16, 14, 0, tzinfo=UTC), 0, "15:00"),
        ("America/New_York", datetime(2026, 3, 6, 14, 0, tzinfo=UTC), 4, "09:00"),
        ("Europe/Berlin", datetime(2026, 3, 30, 14, 0, tzinfo=UTC), 0, "16:00"),
        # EU back on standard time, US not yet (26-30 October 2026)
        ("Europe/Berlin", datetime(2026, 10, 27, 14, 0, tzinfo=UTC), 1, "15:00"),
        ("America/New_York", datetime(2026, 10, 27, 14, 0, tzinfo=UTC), 1, "10:00"),
        ("America/New_York", datetime(2026, 11, 3, 14, 0, tzinfo=UTC), 1, "09:00"),
        # half-hour and 45-minute zones
        ("Asia/Kolkata", datetime(2026, 3, 16, 4, 0, tzinfo=UTC), 0, "09:30"),
        ("Asia/Kathmandu", datetime(2026, 3, 16, 4, 0, tzinfo=UTC), 0, "09:45"),
        ("Australia/Eucla", datetime(2026, 3, 16, 1, 0, tzinfo=UTC), 0, "09:45"),
        # southern hemisphere: DST ends on 5 April 2026
        ("Australia/Adelaide", datetime(2026, 4, 2, 0, 0, tzinfo=UTC), 3, "10:30"),
        ("Australia/Adelaide", datetime(2026, 4, 7, 0, 0, tzinfo=UTC), 1, "09:30"),
        ("Pacific/Auckland", datetime(2026, 4, 1, 21, 0, tzinfo=UTC), 3, "10:00"),
        ("Pacific/Auckland", datetime(2026, 4, 6, 21, 0, tzinfo=UTC), 1, "09:00"),
        ("America/Santiago", datetime(2026, 4, 2, 13, 0, tzinfo=UTC), 3, "10:00"),
        ("America/Santiago", datetime(2026, 4, 7, 13, 0, tzinfo=UTC), 1, "09:00"),
        ("America/Santiago", datetime(2026, 9, 8, 13, 0, tzinfo=UTC), 1, "10:00"),
        ("Pacific/Auckland", datetime(2026, 9, 28, 21, 0, tzinfo=UTC), 1, "10:00"),
    ],
)
def test_local_wall_clock_follows_the_iana_database(
    zone: str, utc: datetime, weekday: int, local: str
) -> None:
    wd, start, end = _at(zone, utc)
    assert (wd, f"{start // 60:02d}:{start % 60:02d}") == (weekday, local)
    assert end == start + 30


def test_a_meeting_across_a_spring_forward_is_measured_in_wall_clock_time() -> None:
    # 01:30-02:00 EST on 8 March 2026 ends at 03:00 EDT on the wall clock
    _, start, end = _at("America/New_York", datetime(2026, 3, 8, 6, 30, tzinfo=UTC))
    assert (start, end) == (90, 180)


@pytest.mark.parametrize(
    ("start", "end", "cost"),
    [
        ("07:30", "08:00", 2.25),
        ("08:30", "09:00", 0.25),
        ("17:30", "18:00", 1.0),
        ("09:00", "17:00", 0.0),
        ("06:00", "18:00", 16.0),
        ("08:45", "09:15", 0.0625),
    ],
)
def test_inconvenience_is_d_squared_against_preferred_hours(
    start: str, end: str, cost: float
) -> None:
    def m(t: str) -> int:
        h, mm = t.split(":")
        return int(h) * 60 + int(mm)

    got = inconvenience(np.asarray([m(start)]), np.asarray([m(end)]), 9 * 60, 17 * 60)
    assert int(got[0]) / 3600 == cost  # 06:00-18:00: 3 h before + 1 h after, d = 4


def _weekly(
    people: list[P], pair: tuple[str, str], first: date, weeks: int, **kw: object
) -> Program:
    return Program(
        people=people,
        pairs=[pair],
        starts=first.isoformat(),
        ends=(first + timedelta(weeks=weeks - 1, days=4)).isoformat(),
        call={"every": "1w", "duration": "30m"},
        review=None,
        **kw,
    )  # type: ignore[arg-type]


def _occurrences(plan: dict, sid: str) -> list[dict]:  # type: ignore[type-arg]
    return next(s for s in plan["series"] if s["id"] == sid)["occurrences"]


CASES = [
    # id, people, first monday, weeks, local offsets each week must show
    (
        "us-moved-eu-not-march",
        [P("ny@x.org", "America/New_York"), P("ber@x.org", "Europe/Berlin")],
        date(2026, 3, 2),
        5,
        {
            "ny@x.org": ["-05:00", "-04:00", "-04:00", "-04:00", "-04:00"],
            "ber@x.org": ["+01:00", "+01:00", "+01:00", "+01:00", "+02:00"],
        },
    ),
    (
        "eu-moved-us-not-october",
        [P("ny@x.org", "America/New_York"), P("ber@x.org", "Europe/Berlin")],
        date(2026, 10, 19),
        3,
        {"ny@x.org": ["-04:00", "-04:00", "-05:00"], "ber@x.org": ["+02:00", "+01:00", "+01:00"]},
    ),
    (
        "kolkata-kathmandu",
        [P("in@x.org", "Asia/Kolkata"), P("np@x.org", "Asia/Kathmandu")],
        date(2026, 3, 2),
        2,
        {"in@x.org": ["+05:30"] * 2, "np@x.org": ["+05:45"] * 2},
    ),
    (
        "adelaide-santiago-april",
        [
            P("au@x.org", "Australia/Adelaide", available="06:00-23:00"),
            P("cl@x.org", "America/Santiago", available="06:00-23:00"),
        ],
        date(2026, 3, 30),
        2,
        {"au@x.org": ["+10:30", "+09:30"], "cl@x.org": ["-03:00", "-04:00"]},
    ),
    (
        "auckland-london-april",
        [
            P("nz@x.org", "Pacific/Auckland", available="06:00-23:00"),
            P("uk@x.org", "Europe/London", available="06:00-23:00"),
        ],
        date(2026, 3, 23),
        3,
        {"nz@x.org": ["+13:00", "+13:00", "+12:00"], "uk@x.org": ["+00:00", "+01:00", "+01:00"]},
    ),
]


@pytest.mark.parametrize(
    ("name", "people", "first", "weeks", "offsets"), CASES, ids=[c[0] for c in CASES]
)
def test_plans_in_dst_weeks_pass_the_reference_and_show_the_right_offsets(
    name: str, people: list[P], first: date, weeks: int, offsets: dict[str, list[str]]
) -> None:
    config = _weekly(people, (people[0].email, people[1].email), first, weeks).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    occs = _occurrences(plan, f"call/{people[0].email}/{people[1].email}")
    assert len(occs) == weeks and not any(o.get("unschedulable") for o in occs)
    for email, want in offsets.items():
        assert [o["local"][email][-6:] for o in occs] == want, email


def test_new_york_berlin_keeps_zero_cost_through_the_march_gap() -> None:
    config = _weekly(
        [P("ny@x.org", "America/New_York"), P("ber@x.org", "Europe/Berlin")],
        ("ny@x.org", "ber@x.org"),
        date(2026, 3, 2),
        5,
    ).load()
    plan = plan_json_of(config)
    assert plan["burden"] == {"ny@x.org": 0.0, "ber@x.org": 0.0}
    # the overlap 09:00-11:00 NY / 15:00-17:00 Berlin shifts by an hour in UTC but stays free
    starts = [o["start"][11:16] for o in _occurrences(plan, "call/ny@x.org/ber@x.org")]
    assert len(set(starts)) >= 2


def test_kathmandu_meetings_sit_at_quarter_past_or_to_the_hour() -> None:
    config = _weekly(
        [P("np@x.org", "Asia/Kathmandu"), P("de@x.org", "Europe/Berlin")],
        ("np@x.org", "de@x.org"),
        date(2026, 3, 2),
        2,
    ).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    for o in _occurrences(plan, "call/np@x.org/de@x.org"):
        assert o["local"]["np@x.org"][14:16] in ("15", "45")


def test_jerusalem_sunday_to_thursday_week_meets_only_on_shared_workdays() -> None:
    noa = P("noa@x.org", "Asia/Jerusalem", workdays=["sun", "mon", "tue", "wed", "thu"])
    kai = P("kai@x.org", "Asia/Tokyo", workdays=["mon", "tue", "wed", "thu", "fri"])
    config = _weekly([noa, kai], ("noa@x.org", "kai@x.org"), date(2026, 3, 2), 6).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    for o in _occurrences(plan, "call/noa@x.org/kai@x.org"):
        for email, allowed in (("noa@x.org", {6, 0, 1, 2, 3}), ("kai@x.org", {0, 1, 2, 3, 4})):
            assert datetime.fromisoformat(o["local"][email]).weekday() in allowed


def test_jerusalem_only_shares_sunday_with_a_sunday_worker() -> None:
    noa = P("noa@x.org", "Asia/Jerusalem", workdays=["sun"])
    eli = P("eli@x.org", "Asia/Dubai", workdays=["sun", "mon"])
    config = _weekly([noa, eli], ("noa@x.org", "eli@x.org"), date(2026, 3, 2), 2).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    for o in _occurrences(plan, "call/noa@x.org/eli@x.org"):
        assert datetime.fromisoformat(o["local"]["noa@x.org"]).strftime("%a") == "Sun"


def test_someone_away_all_week_makes_that_occurrence_unschedulable_with_the_reason() -> None:
    ana = P("ana@x.org", "Europe/Lisbon", away=[("2026-03-16", "2026-03-20")])
    config = _weekly(
        [P("ben@x.org", "America/New_York"), ana], ("ben@x.org", "ana@x.org"), date(2026, 3, 2), 4
    ).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    week2 = _occurrences(plan, "call/ben@x.org/ana@x.org")[2]
    assert week2 == {
        "week": 2,
        "unschedulable": True,
        "blocked_by": ["ana@x.org"],
        "reason": "away 2026-03-16..2026-03-20",
    }


def test_someone_away_part_of_the_week_meets_on_the_other_days() -> None:
    ana = P("ana@x.org", "Europe/Lisbon", away=[("2026-03-16", "2026-03-18")])
    config = _weekly(
        [P("ben@x.org", "America/New_York"), ana], ("ben@x.org", "ana@x.org"), date(2026, 3, 2), 4
    ).load()
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    week2 = _occurrences(plan, "call/ben@x.org/ana@x.org")[2]
    assert datetime.fromisoformat(week2["local"]["ana@x.org"]).date() > date(2026, 3, 18)


def test_program_weeks_follow_the_program_zone() -> None:
    assert count_weeks(date(2026, 3, 4), date(2026, 3, 9)) == 2  # Monday 9 March starts week 1
    grid = build_grid("Asia/Kathmandu", date(2026, 3, 2), 1)
    assert datetime.fromtimestamp(int(grid.bounds[0]), UTC) == datetime(
        2026, 3, 1, 18, 15, tzinfo=UTC
    )
    first = datetime.fromtimestamp(int(grid.slots[0]), UTC)
    assert first == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # first :00/:30 instant inside
