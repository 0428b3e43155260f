"""The plan is the fair optimum: checked against brute force on instances small enough."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings

from tests.support.brute import brute_optimum, impossible
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
    assert unschedulable == impossible(config)
    worst, total = _key(plan)
    assert math.isclose(worst, best[0], abs_tol=1e-9), (worst, best)
    assert math.isclose(total, best[1], abs_tol=1e-9), (total, best)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(tiny_program())
def test_the_heuristic_never_strays_far_from_the_optimum(prog: Program) -> None:
    config = prog.load()
    best = brute_optimum(config)
    assume(best is not None)
    plan = plan_json_of(config, method="heuristic")
    assert check_plan(config, plan) == []
    unschedulable = sum(
        o.get("unschedulable", False) for s in plan["series"] for o in s["occurrences"]
    )
    assert unschedulable == impossible(config), (
        "the heuristic must seat everything that can be seated"
    )
    worst, _ = _key(plan)
    assert worst <= best[0] * 1.25 + 1e-9, (worst, best)


def test_the_heuristic_is_within_one_percent_of_optimal_on_average() -> None:
    """A fixed sample (derandomised), so the number is comparable between runs."""
    ratios: list[float] = []

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(tiny_program())
    def sample(prog: Program) -> None:
        config = prog.load()
        best = brute_optimum(config)
        if best is None or best[0] == 0:
            return
        worst, _ = _key(plan_json_of(config, method="heuristic"))
        ratios.append(worst / best[0])

    sample()
    assert len(ratios) >= 80
    assert sum(ratios) / len(ratios) <= 1.01, sorted(ratios)[-5:]
