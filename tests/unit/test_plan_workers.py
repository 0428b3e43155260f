"""A large program is planned by several processes: the plan is the same whatever their
number, and the processes are started and let go without holding the caller up."""

from __future__ import annotations

import multiprocessing
import time

from benchmarks.plan import generate
from scheduling.plan import PARALLEL_MIN_COMPONENTS, PARALLEL_MIN_OCCURRENCES, plan_program


def test_two_processes_make_the_very_plan_one_makes() -> None:
    spec = generate(1_200, 12, weeks=24, seed=3)
    occurrences = sum(len(s.weeks) for s in spec.series)
    assert occurrences >= PARALLEL_MIN_OCCURRENCES  # large enough to use the pool at all
    one = plan_program(spec, workers=1)
    assert len(one.components) >= PARALLEL_MIN_COMPONENTS
    seen: list[tuple[int, int]] = []
    two = plan_program(spec, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert two.occurrences == one.occurrences
    assert two.burden == one.burden
    assert seen and seen[-1][0] == seen[-1][1]  # progress was told, up to every component
    deadline = time.monotonic() + 30  # the pool's processes end on their own, soon
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not multiprocessing.active_children()
