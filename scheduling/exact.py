"""Exact fair plan for a component by integer programming (HiGHS, through highspy).

Variables x[o, s] pick one kept slot per occurrence. Stage 1 minimises the largest burden M;
stage 2 fixes M at its optimum and minimises the total. No one is double-booked: for every
person and every instant where two of their candidate meetings could overlap, at most one of
the meetings covering that instant is chosen (interval cliques, far tighter than pairwise
cuts). Limits are counted in branch-and-bound nodes, not seconds, so the same input always
gives the same plan on any machine. The linear relaxation (`relax`) gives, in milliseconds, a
lower bound on the largest burden and a fractional plan the heuristic can start from.

highspy, not scipy.optimize: the same solver, imported in a tenth of the time (a plan of a
small program is mostly interpreter start-up), with its own options (one thread, node limits,
a starting solution).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np

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
    """Sets of variables of which at most one may be 1 (a person in two places at once): for
    each person, the meetings they would attend that run at one instant. Only the maximal
    sets are kept (the smaller ones are implied). A person's slots fall into clusters that
    overlap in time (about a week each; a late Sunday meeting can reach into Monday); each
    cluster is done at once: a slots × instants coverage matrix, the instants where two or
    more occurrences run, those whose set is not contained in the next one's."""
    by_person: dict[int, list[tuple[int, int]]] = {}  # person → (occurrence, its column)
    for o in sorted({o for pair in problem.conflicts for o in pair}):
        for col, person in enumerate(problem.occs[o].members.tolist()):
            by_person.setdefault(person, []).append((o, col))
    rows: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for person in sorted(by_person):
        members = by_person[person]
        if len(members) < 2:
            continue  # one occurrence's own slots are already "exactly one"
        begin_parts, end_parts, occ_parts, var_parts = [], [], [], []
        for o, col in members:
            occ = problem.occs[o]
            picked = np.flatnonzero(occ.attend[:, col])
            begin = occ.slots[picked].astype(np.int64)
            begin_parts.append(begin)
            end_parts.append(begin + occ.seconds)
            occ_parts.append(np.full(picked.size, o, dtype=np.int64))
            var_parts.append(offsets[o] + picked.astype(np.int64))
        begin, end = np.concatenate(begin_parts), np.concatenate(end_parts)
        occ_of, var = np.concatenate(occ_parts), np.concatenate(var_parts)
        order = np.lexsort((var, begin))
        begin, end, occ_of, var = begin[order], end[order], occ_of[order], var[order]
        reach = np.maximum.accumulate(end)  # a cluster ends where nothing before reaches on
        cuts = np.flatnonzero(begin[1:] >= reach[:-1]) + 1
        for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, begin.size].tolist(), strict=True):
            occs = occ_of[lo:hi]
            if hi - lo >= 2 and occs.min() != occs.max():
                _cluster_cliques(begin[lo:hi], end[lo:hi], occs, var[lo:hi], rows, seen)
    return rows


def _cluster_cliques(
    begin: np.ndarray,
    end: np.ndarray,
    occ_of: np.ndarray,
    var: np.ndarray,
    rows: list[list[int]],
    seen: set[tuple[int, ...]],
) -> None:
    times = begin[np.r_[True, begin[1:] != begin[:-1]]]  # begin is sorted
    cover = (begin[:, None] <= times[None, :]) & (end[:, None] > times[None, :])
    # at least two different occurrences running at that instant
    kinds = np.unique(occ_of)
    per_occ = np.stack([cover[occ_of == k].any(axis=0) for k in kinds])
    useful = per_occ.sum(axis=0) >= 2
    # maximal: not contained in the next instant's set
    contained = np.zeros(times.size, dtype=np.bool_)
    contained[:-1] = ~(cover[:, :-1] & ~cover[:, 1:]).any(axis=0)
    for j in np.flatnonzero(useful & ~contained).tolist():
        clique = tuple(sorted(var[cover[:, j]].tolist()))
        if clique not in seen:
            seen.add(clique)
            rows.append(list(clique))


@dataclass(frozen=True, slots=True)
class _Model:
    start: np.ndarray  # the constraint matrix, row-wise (CSR)
    index: np.ndarray
    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: int  # slot variables; column n is M, the largest burden
    total: np.ndarray
    offsets: list[int]
    burden_rows: int  # the first of the per-person burden rows (the last len(people) rows)


def _model(problem: Problem) -> _Model:
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
    rows, cols = np.asarray(rows_i, dtype=np.int64), np.asarray(cols_i, dtype=np.int32)
    order = np.lexsort((cols, rows))
    start = np.searchsorted(rows[order], np.arange(r + 1)).astype(np.int32)
    return _Model(
        start,
        cols[order],
        np.asarray(vals, dtype=np.float64)[order],
        np.asarray(lo, dtype=np.float64),
        np.asarray(hi, dtype=np.float64),
        n,
        total,
        offsets,
        burden_row0,
    )


def _highs(m: _Model, cost: np.ndarray, m_upper: float, integer: bool) -> highspy.Highs:
    """A HiGHS instance holding the model, quiet, single-threaded, deterministic."""
    with _solver_output_suppressed():  # the constructor prints a banner
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    for name, value in (("output_flag", False), ("log_to_console", False), ("threads", 1)):
        h.setOptionValue(name, value)
    lp = highspy.HighsLp()
    lp.num_col_ = m.n + 1
    lp.num_row_ = len(m.lo)
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(m.n + 1)
    lp.col_upper_ = np.r_[np.ones(m.n), m_upper]
    lp.row_lower_ = m.lo
    lp.row_upper_ = m.hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = m.n + 1
    lp.a_matrix_.num_row_ = len(m.lo)
    lp.a_matrix_.start_ = m.start
    lp.a_matrix_.index_ = m.index
    lp.a_matrix_.value_ = m.value
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * m.n + [highspy.HighsVarType.kContinuous]
    h.passModel(lp)
    return h


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The linear relaxation of stage 1: a lower bound on the largest burden (no plan can do
    better), the fractional choice, and each person's weight in it (the duals of their burden
    rows: who the bound is made of)."""

    bound: float
    x: np.ndarray
    weights: np.ndarray

    def start(self, problem: Problem) -> list[int]:
        """Each occurrence at its most-chosen slot (ties: the best-ranked), clashes and all."""
        offsets, _ = _index(problem)
        out = []
        for o, occ in enumerate(problem.occs):
            part = self.x[offsets[o] : offsets[o] + len(occ.slots)]
            top = np.flatnonzero(part >= part.max() - 1e-9)
            out.append(int(top[np.argmin(occ.rank[top])]))
        return out


def relax(problem: Problem) -> Relaxation | None:
    """Solve the stage-1 linear relaxation (deterministic; milliseconds where the integer
    program takes minutes). None when even the relaxation has no solution."""
    m = _model(problem)
    c = np.zeros(m.n + 1)
    c[m.n] = 1.0
    h = _highs(m, c, np.inf, integer=False)
    with _solver_output_suppressed():
        h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    duals = np.abs(
        np.asarray(solution.row_dual)[m.burden_rows : m.burden_rows + len(problem.people)]
    )
    return Relaxation(float(x[m.n]), x, duals)


def solve_exact(
    problem: Problem,
    upper: int | None = None,
    node_limit: int = NODE_LIMIT,
    start: list[int] | None = None,
) -> ExactResult | None:
    """(max, total)-optimal choice, or None when no clash-free plan exists or none was found.
    `upper` bounds the largest burden (a plan known to reach it); `start` is such a plan, to
    begin the search from."""
    m = _model(problem)
    c1 = np.zeros(m.n + 1)
    c1[m.n] = 1.0
    h = _highs(m, c1, float(upper) if upper is not None else np.inf, integer=True)
    h.setOptionValue("mip_max_nodes", int(node_limit))
    h.setOptionValue("mip_rel_gap", 1e-7)
    given = _as_solution(problem, m, start) if start is not None else None
    with _solver_output_suppressed():
        if given is not None:
            h.setSolution(given)
        h.run()
        first = _found(h)
        if first is None:
            return None
        proven1 = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        # Costs are integers, so the optimum is too: rounding up only absorbs solver tolerance.
        m_star = float(np.ceil(first[m.n] - 1e-6))
        h.changeColBounds(m.n, 0.0, m_star)
        h.changeColsCost(m.n + 1, np.arange(m.n + 1, dtype=np.int32), m.total)
        h.run()
        second = _found(h)
        proven2 = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = second if second is not None else first
    choice = [
        int(np.argmax(x[m.offsets[o] : m.offsets[o] + len(occ.slots)]))
        for o, occ in enumerate(problem.occs)
    ]
    return ExactResult(choice, bool(proven1 and proven2 and second is not None))


def _found(h: highspy.Highs) -> np.ndarray | None:
    """The best integer solution of the last run, if it found one."""
    if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    return np.asarray(h.getSolution().col_value)


def _as_solution(problem: Problem, m: _Model, choice: list[int]) -> highspy.HighsSolution | None:
    if min(choice, default=0) < 0:
        return None
    x = np.zeros(m.n + 1)
    for o, s in enumerate(choice):
        x[m.offsets[o] + s] = 1.0
    x[m.n] = float(problem.burden(choice).max(initial=0))
    given = highspy.HighsSolution()
    given.col_value = list(x)
    return given
