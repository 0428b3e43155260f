"""Away days at the edge of a program week: a person's local dates reach a day beyond the
program zone's week on either side, so an away day there must still block them."""

from __future__ import annotations

from tests.support.configs import P, Program, plan_json_of
from tests.support.reference import check_plan


def test_an_away_sunday_before_a_kathmandu_week_still_blocks_new_york() -> None:
    # week 2 starts Mon 30 Mar 00:00 in Kathmandu, which is still Sunday 29 Mar in New York,
    # the last day p0 is away: no meeting of p0's may be put there
    people = [
        P("p0@x.org", "America/New_York", preferred="06:00-22:00", available="05:00-22:00",
          workdays=["wed", "sun"], away=[("2026-03-23", "2026-03-29")]),
        P("p1@x.org", "America/New_York", preferred="09:30-18:30", available="06:30-18:30",
          workdays=["mon", "tue", "sun"]),
    ]  # fmt: skip
    config = Program(
        people=people,
        pairs=[("p0@x.org", "p1@x.org")],
        starts="2026-03-16",
        ends="2026-04-03",
        timezone="Asia/Kathmandu",
        call={"every": "1w", "duration": "30m"},
        review={"every": "1w", "duration": "45m"},
    ).load()
    for method in ("heuristic", "auto"):
        plan = plan_json_of(config, method=method)
        assert check_plan(config, plan) == [], method
        starts = [o.get("start", "") for s in plan["series"] for o in s["occurrences"]]
        assert not any(s.startswith("2026-03-29") or s.startswith("2026-03-30T0") for s in starts)


def test_a_mentor_whose_mentees_share_one_free_slot_gets_a_free_plan_from_the_heuristic() -> None:
    # p2 is free only Monday 01:00, p1 also Friday: the one with fewer free slots chooses first
    people = [
        P("p0@x.org", "Europe/Lisbon", preferred="00:30-01:30", available="00:00-02:30", workdays=["mon", "fri"]),
        P("p1@x.org", "Europe/Lisbon", preferred="01:00-01:30", available="00:00-02:30", workdays=["mon", "fri"]),
        P("p2@x.org", "Europe/Lisbon", preferred="01:00-02:00", available="00:00-02:30", workdays=["mon"]),
    ]  # fmt: skip
    config = Program(
        people=people,
        pairs=[("p0@x.org", "p1@x.org"), ("p0@x.org", "p2@x.org")],
        starts="2026-03-02",
        ends="2026-03-13",
        call={"every": "1w", "duration": "30m"},
        review=None,
    ).load()
    for method in ("heuristic", "auto"):
        assert max(plan_json_of(config, method=method)["burden"].values()) == 0.0, method
