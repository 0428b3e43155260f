"""Properties every plan has, on random programs: checked by the independent reference."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from tests.support.configs import Program, plan_json_of
from tests.support.reference import check_plan
from tests.support.strategies import program

SETTINGS = settings(
    max_examples=int(os.environ.get("ROTA_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(program())
def test_every_plan_satisfies_the_spec_rules(prog: Program) -> None:
    """Every chosen slot is feasible for every attending member, nobody is double-booked,
    left-out members and inconvenience are as the spec defines, burden is the sum, and an
    occurrence called unschedulable really has no free slot."""
    config = prog.load()
    assert check_plan(config, plan_json_of(config)) == []


@SETTINGS
@given(program(max_people=6, max_weeks=3))
def test_the_heuristic_also_satisfies_every_hard_rule(prog: Program) -> None:
    config = prog.load()
    assert check_plan(config, plan_json_of(config, method="heuristic")) == []


@settings(max_examples=25, deadline=None)
@given(program())
def test_same_config_same_plan(prog: Program) -> None:
    config = prog.load()
    assert plan_json_of(config) == plan_json_of(prog.load())
