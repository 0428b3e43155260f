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
from dataclasses import dataclass

import numpy as np

from scheduling.candidates import Candidates, Problem
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


COMBINATIONS_LIMIT = 2_000_000  # slot combinations of one bundle, before clashes are dropped


class TooManyCombinations(Exception):
    """A bundle (occurrences chained by possible clashes: a meeting late on Sunday reaching
    into Monday joins two weeks) too large to enumerate; another solver takes over."""


def bundle_options(
    problem: Problem, members: Sequence[int], width: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Non-clashing slot combinations of a bundle: (choices [k, len], costs [k, width], rank [k]).
    Raises TooManyCombinations before building more than COMBINATIONS_LIMIT rows."""
    first = problem.occs[members[0]]
    if len(members) == 1:  # an occurrence alone: its own frontier, the same for its whole regime
        key = ("options", tuple(first.members.tolist()), width)
        hit = first.memo.get(key)
        if hit is None:
            hit = first.memo[key] = _single_options(first, width)
        return hit  # type: ignore[return-value]

    choice = np.arange(len(first.slots), dtype=np.int64)[:, None]
    cost = np.zeros((len(first.slots), width), dtype=np.int64)
    cost[:, first.members] += first.cost
    rank = first.rank.astype(np.int64).copy()
    masks = [_attend_mask(problem, members[0])]
    for pos, o in enumerate(members[1:], start=1):
        occ = problem.occs[o]
        mask_o = _attend_mask(problem, o)
        n, k = choice.shape[0], len(occ.slots)
        if n * k > COMBINATIONS_LIMIT:
            raise TooManyCombinations
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


def _single_options(occ: Candidates, width: int) -> tuple[IntArray, IntArray, IntArray]:
    choice = np.arange(len(occ.slots), dtype=np.int64)[:, None]
    cost = np.zeros((len(occ.slots), width), dtype=np.int64)
    cost[:, occ.members] += occ.cost
    rank = occ.rank.astype(np.int64)
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


@dataclass(frozen=True, slots=True)
class Frontier:
    """Every Pareto-optimal (A, B) burden pair of a two-person component, and how to get each."""

    a: IntArray
    b: IntArray
    rank: IntArray  # comfort tie-break: lower is nicer
    _groups: list[list[int]]
    _options: list[IntArray]
    _backs: list[tuple[IntArray, IntArray]]
    _size: int

    def choice(self, point: int) -> list[int]:
        """The slot of each occurrence that yields frontier point `point`."""
        picks: list[int] = []
        for parent, option in reversed(self._backs):
            picks.append(int(option[point]))
            point = int(parent[point])
        picks.reverse()
        out = [0] * self._size
        for members, choice, pick in zip(self._groups, self._options, picks, strict=True):
            for pos, o in enumerate(members):
                out[o] = int(choice[pick, pos])
        return out


def pair_frontier(problem: Problem) -> Frontier | None:
    """The Pareto frontier of a component of at most two people (columns 0 and 1), or None if
    some bundle has no clash-free combination."""
    groups = bundles(problem)
    a = np.zeros(1, dtype=np.int64)
    b = np.zeros(1, dtype=np.int64)
    r = np.zeros(1, dtype=np.int64)
    backs: list[tuple[IntArray, IntArray]] = []
    options: list[IntArray] = []
    for members in groups:
        try:
            choice, cost, rank = bundle_options(problem, members, 2)
        except TooManyCombinations:
            return None
        if not len(choice):
            return None
        if len(a) * len(cost) > COMBINATIONS_LIMIT:
            return None
        na = (a[:, None] + cost[None, :, 0]).reshape(-1)
        nb = (b[:, None] + cost[None, :, 1]).reshape(-1)
        nr = (r[:, None] + rank[None, :]).reshape(-1)
        keep = _frontier(na, nb, nr)
        k = len(cost)
        backs.append((keep // k, keep % k))
        options.append(choice)
        a, b, r = na[keep], nb[keep], nr[keep]
    return Frontier(a, b, r, groups, options, backs, len(problem.occs))


def solve_pair(problem: Problem) -> list[int] | None:
    """Exact (max, total) optimum for a component of at most two people; None if a bundle
    has no clash-free combination (the caller falls back to a solver that can drop one)."""
    front = pair_frontier(problem)
    if front is None:
        return None
    base = np.zeros(2, dtype=np.int64)
    base[: len(problem.base)] = problem.base
    worst = np.maximum(front.a + base[0], front.b + base[1])
    return front.choice(int(np.lexsort((front.rank, front.a + front.b, worst))[0]))
