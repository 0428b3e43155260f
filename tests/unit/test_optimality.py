"""The plan is the fair optimum: checked against brute force on instances small enough."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings

from tests.support.brute import brute_optimum
from tests.support.configs import Program, plan_json_of
from tests.support.reference import check_plan
from tests.support.strategies import tiny_program


def _key(plan: dict) -> tuple[float, float]:  # type: ignore[type-arg]
    return max(plan["burden"].values()), sum(plan["burden"].values())


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(tiny_program())
def test_the_plan_has_the_smallest_worst_burden_then_the_smallest_total(prog: Program) -> None:
    config = prog.load()
    best = brute_optimum(config)
    assume(best is not None)
    plan = plan_json_of(config)
    assert check_plan(config, plan) == []
    unschedulable = sum(
        o.get("unschedulable", False) for s in plan["series"] for o in s["occurrences"]
    )
    assume(unschedulable == 0)  # brute force only scores plans that place every occurrence
    worst, total = _key(plan)
    assert math.isclose(worst, best[0], abs_tol=1e-9), (worst, best)
    assert math.isclose(total, best[1], abs_tol=1e-9), (total, best)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(tiny_program())
def test_the_heuristic_stays_within_five_percent_of_the_optimum(prog: Program) -> None:
    config = prog.load()
    best = brute_optimum(config)
    assume(best is not None)
    plan = plan_json_of(config, method="heuristic")
    unschedulable = sum(
        o.get("unschedulable", False) for s in plan["series"] for o in s["occurrences"]
    )
    assume(unschedulable == 0)
    worst, _ = _key(plan)
    assert worst <= best[0] * 1.05 + 1e-9, (worst, best)
