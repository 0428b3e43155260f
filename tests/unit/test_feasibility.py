"""Series that can never meet are reported by check-config with the fix, and the fix works;
the check agrees with the planner's own candidate slots on random programs."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.candidates import Blocked
from scheduling.plan import _Planner
from service.config.load import parse_config
from service.feasibility import never_meeting
from service.program import program_spec
from tests.support.configs import G, P, Program, plan_json_of
from tests.support.strategies import program as random_program

LA_KOLKATA = Program(
    people=[
        P("ben@example.org", "America/Los_Angeles", name="Ben Ortiz", available="09:00-18:00"),
        P("priya@example.org", "Asia/Kolkata", name="Priya Raman", available="09:00-18:00"),
        P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        P("mia@example.org", "Australia/Sydney", name="Mia Chen", available="09:00-18:00"),
    ],
    pairs=[("ben@example.org", "priya@example.org"), ("ben@example.org", "ana@example.org")],
    groups=[
        G("Circle", ["ben@example.org", "priya@example.org", "mia@example.org", "ana@example.org"])
    ],
    starts="2026-03-02",
    ends="2026-06-26",
)


def test_a_pair_that_never_overlaps_is_a_warning_with_the_fix(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = LA_KOLKATA.write(tmp_path)
    done = rota("check-config", "-c", str(config))
    assert done.code == 0 and "OK" in done.out
    lines = done.err.splitlines()
    pair = [line for line in lines if ": pairs[0]: warning: " in line]
    assert len(pair) == 2  # the calls and the reviews
    assert pair[0].startswith(f"{config}:")
    assert "Ben & Priya can never take place" in pair[0]
    # LA 09:00-18:00 and Kolkata 09:00-18:00 miss each other by 2 h 30 (PDT) to 1 h 30 (PST)
    assert 'widen Ben Ortiz\'s available_hours to "09:00-21:00" (3 h later)' in pair[0]
    assert 'Priya Raman\'s available_hours to "06:00-18:00" (3 h earlier)' in pair[0]
    [circle] = [line for line in lines if ": groups[0]: warning: " in line]
    assert "at most 3 of its 4 members" in circle and "set quorum = 3" in circle
    assert not any("pairs[1]" in line for line in lines)  # Ben and Ana can meet


def test_the_suggested_fixes_make_every_week_schedulable() -> None:
    for fix in ({"ben@example.org": "09:00-21:00"}, {"priya@example.org": "06:00-18:00"}):
        people = [
            P(p.email, p.timezone, name=p.name, available=fix.get(p.email, p.available))
            for p in LA_KOLKATA.people
        ]
        fixed = Program(**{**LA_KOLKATA.__dict__, "people": people, "groups": []})
        config = fixed.load()
        assert never_meeting(config) == []
        plan = plan_json_of(config)
        calls = next(
            s for s in plan["series"] if s["id"] == "call/ben@example.org/priya@example.org"
        )
        assert all("start" in o for o in calls["occurrences"]), calls
    quorum = Program(
        **{**LA_KOLKATA.__dict__, "groups": [G("Circle", LA_KOLKATA.groups[0].members, quorum=3)]}
    )
    assert [f.series_id for f in never_meeting(quorum.load())] == [
        "call/ben@example.org/priya@example.org",
        "review/ben@example.org/priya@example.org",
    ]


def test_no_warning_for_the_example_and_realistic_programs(rota) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.programs import realistic
    from tests.conftest import EXAMPLE

    assert rota("check-config", "-c", str(EXAMPLE)).err == ""
    for seed in range(4):
        assert never_meeting(parse_config(realistic(seed, 20), Path("r.toml"))) == []


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_program(max_people=5, max_weeks=3), st.booleans())
def test_the_check_agrees_with_the_planners_candidates(prog: Program, narrow: bool) -> None:
    people = [
        P(
            p.email,
            p.timezone,
            preferred="10:00-11:00",
            available="09:00-12:00",
            workdays=p.workdays,
        )
        if narrow
        else P(p.email, p.timezone, p.preferred, p.available, p.workdays)
        for p in prog.people
    ]  # no away periods: the check is about hours and workdays
    config = Program(**{**prog.__dict__, "people": people}).load()
    flagged = {f.series_id for f in never_meeting(config)}
    spec = program_spec(config)
    planner = _Planner(spec, [], "auto", shapes=False)
    for s in spec.series:
        index = {e: i for i, e in enumerate(s.members)}
        blocked = [isinstance(planner.source.candidates(s, w, index), Blocked) for w in s.weeks]
        assert (s.id in flagged) == all(blocked), (s.id, blocked)


def test_warnings_name_the_line_of_the_pair(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = LA_KOLKATA.write(tmp_path)
    text = config.read_text().splitlines()
    done = rota("check-config", "-c", str(config))
    line = int(re.search(r":(\d+): pairs\[0\]", done.err).group(1))  # type: ignore[union-attr]
    assert text[line - 1] == "[[pairs]]"


def test_the_digest_names_the_meetings_that_cannot_be_scheduled(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    from service.simulate import simulate
    from tests.support.mailread import read

    config = LA_KOLKATA.load()
    result = asyncio.run(
        simulate(
            config,
            tmp_path,
            datetime(2026, 3, 2, tzinfo=UTC),
            datetime(2026, 3, 10, tzinfo=UTC),
            b"x" * 32,
        )
    )
    [digest] = [read(tmp_path, e.kind, e.file) for e in result.emails if e.kind == "digest"]
    text = " ".join(digest.text().split())  # the text part is wrapped at 76 columns
    assert "Meetings that cannot be scheduled" in text
    assert "Mentorship call: Ben & Priya: Ben Ortiz, Priya Raman: no time this week" in text
