"""Realistic programs (seven time zones, pairs, overlapping circles, phases) are planned within
5% of the best possible worst burden: the linear relaxation bounds the optimum from below, so
a plan within 5% of the bound is within 5% of the optimum."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.programs import realistic
from scheduling.plan import lower_bound, plan_program
from service.config.load import parse_config
from service.program import program_spec
from tests.support.configs import plan_json_of
from tests.support.reference import check_plan


@pytest.mark.parametrize(
    ("seed", "people"), [(0, 8), (1, 8), (2, 8), (0, 20), (1, 35), (2, 50), (3, 50)]
)
def test_a_realistic_program_is_planned_within_five_percent_of_the_optimum(
    seed: int, people: int
) -> None:
    config = parse_config(realistic(seed, people), Path("realistic.toml"))
    spec = program_spec(config)
    plan = plan_program(spec)
    worst = max(plan.burden.values())
    bound = lower_bound(spec)
    assert bound > 0
    assert worst <= bound * 1.05, (worst, bound, worst / bound)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_realistic_plan_keeps_every_hard_rule(seed: int) -> None:
    # the independent reference knows no phases: the same programs without them
    config = parse_config(realistic(seed, 20, phases=False), Path("realistic.toml"))
    assert check_plan(config, plan_json_of(config)) == []
