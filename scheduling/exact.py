"""Exact fair plan for a component by integer programming (HiGHS through scipy.optimize.milp).

Variables x[o, s] pick one kept slot per occurrence. Stage 1 minimises the largest burden M;
stage 2 fixes M at its optimum and minimises the total. No one is double-booked: for every
person and every instant where two of their candidate meetings could overlap, at most one of
the meetings covering that instant is chosen (interval cliques, far tighter than pairwise
cuts). Limits are counted in branch-and-bound nodes, not seconds, so the same input always
gives the same plan on any machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from scheduling.candidates import Problem

NODE_LIMIT = 20_000


@contextmanager
def _solver_output_suppressed() -> Iterator[None]:
    """HiGHS prints some diagnostics with C printf regardless of its output options; they
    must never reach our stdout (it may be carrying `rota plan --format json`)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (embedded): nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True, slots=True)
class ExactResult:
    choice: list[int]
    optimal: bool  # both stages proven optimal


def _index(problem: Problem) -> tuple[list[int], int]:
    offsets, n = [], 0
    for o in problem.occs:
        offsets.append(n)
        n += len(o.slots)
    return offsets, n


def _clique_rows(problem: Problem, offsets: list[int]) -> list[list[int]]:
    """Sets of variables of which at most one may be 1 (a person in two places at once)."""
    involved: dict[int, set[int]] = {}
    for a, b in problem.conflicts:
        involved.setdefault(a, set()).add(b)
        involved.setdefault(b, set()).add(a)
    rows: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for person in range(len(problem.people)):
        intervals: list[tuple[int, int, int, int]] = []  # start, end, occ, var
        for o in sorted(involved):
            occ = problem.occs[o]
            col = np.flatnonzero(occ.members == person)
            if not col.size:
                continue
            who = occ.attend[:, col[0]]
            for s in np.flatnonzero(who).tolist():
                t = int(occ.slots[s])
                intervals.append((t, t + occ.seconds, o, offsets[o] + s))
        if not intervals:
            continue
        intervals.sort()
        starts = sorted({iv[0] for iv in intervals})
        active: list[tuple[int, int, int, int]] = []
        i = 0
        for t in starts:
            while i < len(intervals) and intervals[i][0] <= t:
                active.append(intervals[i])
                i += 1
            active = [iv for iv in active if iv[1] > t]
            if len({iv[2] for iv in active}) < 2:
                continue
            key = tuple(sorted(iv[3] for iv in active))
            if key not in seen:
                seen.add(key)
                rows.append(list(key))
    return rows


def solve_exact(
    problem: Problem, upper: int | None = None, node_limit: int = NODE_LIMIT
) -> ExactResult | None:
    """(max, total)-optimal choice, or None when no clash-free plan exists or none was found."""
    offsets, n = _index(problem)
    people = len(problem.people)
    m_col = n  # the max-burden variable
    rows_i: list[int] = []
    cols_i: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    r = 0
    for o, occ in enumerate(problem.occs):  # exactly one slot per occurrence
        k = len(occ.slots)
        rows_i += [r] * k
        cols_i += range(offsets[o], offsets[o] + k)
        vals += [1.0] * k
        lo.append(1.0)
        hi.append(1.0)
        r += 1
    for clique in _clique_rows(problem, offsets):
        rows_i += [r] * len(clique)
        cols_i += clique
        vals += [1.0] * len(clique)
        lo.append(-np.inf)
        hi.append(1.0)
        r += 1
    burden_row0 = r
    total = np.zeros(n + 1)
    for o, occ in enumerate(problem.occs):
        for j, p in enumerate(occ.members.tolist()):
            c = occ.cost[:, j]
            nz = np.flatnonzero(c)
            rows_i += [burden_row0 + p] * len(nz)
            cols_i += (offsets[o] + nz).tolist()
            vals += c[nz].astype(float).tolist()
            total[offsets[o] : offsets[o] + len(c)] += c
    for p in range(people):  # base + Σ cost·x − M ≤ 0
        rows_i.append(burden_row0 + p)
        cols_i.append(m_col)
        vals.append(-1.0)
        lo.append(-np.inf)
        hi.append(-float(problem.base[p]))
    r += people
    a = coo_matrix((vals, (rows_i, cols_i)), shape=(r, n + 1)).tocsr()
    constraints = LinearConstraint(a, np.asarray(lo), np.asarray(hi))
    with _solver_output_suppressed():
        return _solve(problem, n, m_col, constraints, total, upper, offsets, node_limit)


def _solve(
    problem: Problem,
    n: int,
    m_col: int,
    constraints: LinearConstraint,
    total: np.ndarray,
    upper: int | None,
    offsets: list[int],
    node_limit: int,
) -> ExactResult | None:
    integrality = np.ones(n + 1)
    integrality[m_col] = 0
    m_hi = float(upper) if upper is not None else np.inf
    options = {"node_limit": node_limit, "mip_rel_gap": 1e-7, "presolve": True}
    c1 = np.zeros(n + 1)
    c1[m_col] = 1.0
    res1 = milp(
        c1,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.zeros(n + 1), np.r_[np.ones(n), m_hi]),
        options=options,
    )
    if res1.x is None:
        return None
    # Costs are integers, so the optimum is too: rounding up only absorbs solver tolerance.
    m_star = float(np.ceil(res1.fun - 1e-6))
    res2 = milp(
        total,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.zeros(n + 1), np.r_[np.ones(n), m_star]),
        options=options,
    )
    best = res2 if res2.x is not None else res1
    x = best.x
    choice = [
        int(np.argmax(x[offsets[o] : offsets[o] + len(occ.slots)]))
        for o, occ in enumerate(problem.occs)
    ]
    return ExactResult(choice, bool(res1.status == 0 and res2.status == 0))
