"""Fair plan for a star: one person (a mentor with several mentees) shared by every pair.

Each spoke (the hub and one other person) is solved exactly by Pareto DP, giving every
trade-off (A_i for the hub, B_i for the spoke). The spokes are then combined exactly: the
smallest largest burden T is found by trying each breakpoint (each spoke takes its cheapest
hub cost with B_i within T; the hub carries the sum), and the total is minimised under it as a
multiple-choice knapsack. That ignores one thing only, the hub's meetings of different spokes
clashing in the same week, so its value is a lower bound; clashes are then repaired and the
result polished by local search. When the polished plan reaches the bound it is optimal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scheduling.candidates import Problem
from scheduling.heuristic import polish, unclash_at_equal_cost
from scheduling.pareto import Frontier, _frontier, pair_frontier, solve_pair
from scheduling.zones import IntArray


@dataclass(frozen=True, slots=True)
class StarResult:
    choice: list[int]
    bound: int  # no plan has a smaller largest burden
    optimal: bool  # the choice reaches the bound and the relaxed total


def hub_of(problem: Problem) -> int | None:
    """The person in every series, when every series is a pair and there are 3+ people."""
    if len(problem.people) < 3 or not problem.occs:
        return None
    shared: set[int] | None = None
    for o in problem.occs:
        if len(o.members) != 2:
            return None
        members = set(o.members.tolist())
        shared = members if shared is None else shared & members
    return next(iter(shared)) if shared and len(shared) == 1 else None


def _by_pair(problem: Problem) -> dict[tuple[int, int], list[int]]:
    """Occurrences of two-person series, grouped by the pair of people."""
    out: dict[tuple[int, int], list[int]] = {}
    for o, occ in enumerate(problem.occs):
        if len(occ.members) == 2:
            a, b = occ.members.tolist()
            out.setdefault((min(a, b), max(a, b)), []).append(o)
    return out


def _pair_problem(problem: Problem, idx: list[int], first: int) -> Problem:
    """Occurrences `idx` (all shared by one pair, `first` one of them) as a two-person problem."""
    local = {o: i for i, o in enumerate(idx)}
    occs = [
        replace(problem.occs[o], members=np.where(problem.occs[o].members == first, 0, 1))
        for o in idx
    ]
    conflicts = [(local[a], local[b]) for a, b in problem.conflicts if a in local and b in local]
    other = next(p for p in problem.occs[idx[0]].members.tolist() if p != first)
    return Problem(
        (problem.people[first], problem.people[other]), np.zeros(2, dtype=np.int64), occs, conflicts
    )


def pairs_start(problem: Problem) -> list[int]:
    """Every pair's meetings at that pair's own fair optimum; other meetings left unseated
    (a start for local search on components that mix pairs and groups)."""
    choice = [-1] * len(problem.occs)
    for (first, _), idx in sorted(_by_pair(problem).items()):
        solved = solve_pair(_pair_problem(problem, idx, first))
        if solved is not None:
            for o, slot in zip(idx, solved, strict=True):
                choice[o] = slot
    return choice


def _min_hub_cost(front: Frontier, limit: IntArray) -> tuple[IntArray, IntArray]:
    """For each spoke limit x: the smallest hub cost with spoke cost ≤ x, and its point."""
    # frontier points are sorted by a ascending, so b descending: {b ≤ x} is a suffix
    rev_b = front.b[::-1]
    n = len(front.b)
    count = np.searchsorted(rev_b, limit, side="right")  # how many points have b ≤ x
    point = n - count  # first point of the suffix
    ok = count > 0
    a = np.where(ok, front.a[np.minimum(point, n - 1)], np.iinfo(np.int64).max // 4)
    return a, np.where(ok, point, -1)


def solve_star(problem: Problem) -> StarResult | None:
    hub = hub_of(problem)
    if hub is None:
        return None
    parts = []
    for (a, b), idx in sorted(_by_pair(problem).items()):
        front = pair_frontier(_pair_problem(problem, idx, hub))
        if front is None:
            return None
        parts.append((b if a == hub else a, idx, front))
    g_hub = int(problem.base[hub])
    breaks = np.unique(np.concatenate([front.b + int(problem.base[o]) for o, _, front in parts]))
    hub_total = np.full(len(breaks), g_hub, dtype=np.int64)
    for other, _, front in parts:
        least, _ = _min_hub_cost(front, breaks - int(problem.base[other]))
        hub_total += least
    worst = np.maximum(breaks, hub_total)
    bound = int(worst.min())
    # stage 2: least total with every burden ≤ bound (multiple-choice knapsack on hub cost)
    sums = np.zeros(1, dtype=np.int64)  # hub cost so far
    totals = np.zeros(1, dtype=np.int64)
    ranks = np.zeros(1, dtype=np.int64)
    backs: list[tuple[IntArray, IntArray]] = []
    for other, _, front in parts:
        allowed = np.flatnonzero(front.b + int(problem.base[other]) <= bound)
        na = (sums[:, None] + front.a[allowed][None, :]).reshape(-1)
        nt = (totals[:, None] + (front.a + front.b)[allowed][None, :]).reshape(-1)
        nr = (ranks[:, None] + front.rank[allowed][None, :]).reshape(-1)
        fits = np.flatnonzero(na + g_hub <= bound)
        keep = fits[_frontier(na[fits], nt[fits], nr[fits])]
        k = len(allowed)
        backs.append((keep // k, allowed[keep % k]))
        sums, totals, ranks = na[keep], nt[keep], nr[keep]
    best = int(np.lexsort((ranks, totals))[0])
    relaxed_total = int(totals[best]) + int(problem.base.sum())
    choice = [-1] * len(problem.occs)
    for (_, idx, front), (parent, point) in reversed(list(zip(parts, backs, strict=True))):
        for o, slot in zip(idx, front.choice(int(point[best])), strict=True):
            choice[o] = slot
        best = int(parent[best])
    choice = unclash_at_equal_cost(problem, choice)
    clash = any(problem.clash(a, choice[a], b, choice[b]) for a, b in problem.conflicts)
    if not clash:  # the relaxed optimum is a valid plan, so it is the optimum
        return StarResult(choice, bound, True)
    polished = polish(problem, choice)
    burden = problem.burden(polished)
    optimal = (
        min(polished) >= 0 and int(burden.max()) == bound and int(burden.sum()) == relaxed_total
    )
    return StarResult(polished, bound, optimal)
