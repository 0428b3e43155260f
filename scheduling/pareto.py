"""Exact fair plan for two people: dynamic programming over Pareto frontiers.

A component of two people (a mentor and a mentee, with their calls and reviews) has a burden
vector (A, B). Both criteria of the fairness rule, max(A, B) then A + B, only improve when
A or B shrinks, so the optimum lies on the Pareto frontier of reachable (A, B). Occurrences
that may clash (a call and a review in the same week) are joined into one bundle whose
options are their non-clashing combinations. The frontier is carried bundle by bundle with
vectorised numpy, so a pair is solved exactly in about a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scheduling.candidates import Problem
from scheduling.zones import IntArray


def bundles(problem: Problem) -> list[list[int]]:
    """Occurrences joined by possible clashes (connected components of the conflict graph)."""
    parent = list(range(len(problem.occs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in problem.conflicts:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(len(problem.occs)):
        groups.setdefault(find(i), []).append(i)
    return [groups[k] for k in sorted(groups)]


def _attend_mask(problem: Problem, o: int) -> IntArray:
    occ = problem.occs[o]
    bits = (1 << occ.members).astype(np.int64)
    return np.asarray((occ.attend * bits[None, :]).sum(axis=1), dtype=np.int64)


def bundle_options(
    problem: Problem, members: Sequence[int], width: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Non-clashing slot combinations of a bundle: (choices [k, len], costs [k, width], rank [k])."""
    first = problem.occs[members[0]]
    choice = np.arange(len(first.slots), dtype=np.int64)[:, None]
    cost = np.zeros((len(first.slots), width), dtype=np.int64)
    cost[:, first.members] += first.cost
    rank = first.rank.astype(np.int64).copy()
    masks = [_attend_mask(problem, members[0])]
    for pos, o in enumerate(members[1:], start=1):
        occ = problem.occs[o]
        mask_o = _attend_mask(problem, o)
        n, k = choice.shape[0], len(occ.slots)
        ok = np.ones((n, k), dtype=np.bool_)
        for prev_pos in range(pos):
            prev = problem.occs[members[prev_pos]]
            t_prev = prev.slots[choice[:, prev_pos]]
            overlap = (t_prev[:, None] < occ.slots[None, :] + occ.seconds) & (
                occ.slots[None, :] < t_prev[:, None] + prev.seconds
            )
            shared = (masks[prev_pos][choice[:, prev_pos]][:, None] & mask_o[None, :]) != 0
            ok &= ~(overlap & shared)
        rows, cols = np.nonzero(ok)
        add = np.zeros((k, width), dtype=np.int64)
        add[:, occ.members] += occ.cost
        choice = np.concatenate([choice[rows], cols[:, None]], axis=1)
        cost = cost[rows] + add[cols]
        rank = rank[rows] + occ.rank[cols]
        masks.append(mask_o)
    if width == 2 and len(choice):
        keep = _frontier(cost[:, 0], cost[:, 1], rank)
        choice, cost, rank = choice[keep], cost[keep], rank[keep]
    return choice, cost, rank


def _frontier(a: IntArray, b: IntArray, r: IntArray) -> IntArray:
    """Indices of the Pareto-minimal (a, b) points, the lowest r among equal points."""
    order = np.lexsort((r, b, a))
    bs = b[order]
    best_before = np.minimum.accumulate(np.concatenate([[np.iinfo(np.int64).max], bs[:-1]]))
    return order[bs < best_before]


def solve_pair(problem: Problem) -> list[int] | None:
    """Exact (max, total) optimum for a component of at most two people; None if a bundle
    has no clash-free combination (the caller falls back to a solver that can drop one)."""
    width = 2
    base = np.zeros(2, dtype=np.int64)
    base[: len(problem.base)] = problem.base
    groups = bundles(problem)
    a = np.zeros(1, dtype=np.int64)
    b = np.zeros(1, dtype=np.int64)
    r = np.zeros(1, dtype=np.int64)
    backs: list[tuple[IntArray, IntArray]] = []
    options: list[IntArray] = []
    for members in groups:
        choice, cost, rank = bundle_options(problem, members, width)
        if not len(choice):
            return None
        na = (a[:, None] + cost[None, :, 0]).reshape(-1)
        nb = (b[:, None] + cost[None, :, 1]).reshape(-1)
        nr = (r[:, None] + rank[None, :]).reshape(-1)
        keep = _frontier(na, nb, nr)
        k = len(cost)
        backs.append((keep // k, keep % k))
        options.append(choice)
        a, b, r = na[keep], nb[keep], nr[keep]
    worst = np.maximum(a + base[0], b + base[1])
    best = int(np.lexsort((r, a + b, worst))[0])
    picks: list[int] = []
    for parent, option in reversed(backs):
        picks.append(int(option[best]))
        best = int(parent[best])
    picks.reverse()
    out = [0] * len(problem.occs)
    for members, choice, pick in zip(groups, options, picks, strict=True):
        for pos, o in enumerate(members):
            out[o] = int(choice[pick, pos])
    return out
