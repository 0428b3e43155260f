"""plan_program: the fair schedule of a whole program (SPEC §3), decided purely.

The program splits into connected components of people (a pair, a mentor with her mentees, a
circle with its members' pairs); burdens in one component never depend on another, so each
is solved on its own: at once when every meeting fits everyone's preferred hours, exactly by
Pareto dynamic programming for two people, exactly by integer programming while the component
is small, and by a deterministic heuristic beyond. A ledger of occurrences already fixed pins
those and carries their burden, so re-planning mid-program continues the rotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from scheduling.availability import CostModel
from scheduling.candidates import (
    Blocked,
    Candidates,
    Problem,
    blocking_budget,
    occurrence_candidates,
    potential_conflicts,
    prune,
)
from scheduling.exact import solve_exact
from scheduling.heuristic import solve_heuristic
from scheduling.model import (
    ComponentReport,
    LedgerEntry,
    Occurrence,
    Person,
    Plan,
    ProgramSpec,
    Series,
)
from scheduling.pareto import solve_pair
from scheduling.rhythm import settle_rhythm
from scheduling.weeks import build_grid, to_datetime

EXACT_LIMIT = 4_000  # kept candidate slots in a component up to which we solve by MILP
METHODS = ("auto", "exact", "heuristic")


@dataclass(frozen=True, slots=True)
class Solved:
    choice: list[int]
    method: str
    optimal: bool


def _components(spec: ProgramSpec) -> list[tuple[tuple[str, ...], list[Series]]]:
    parent = {p.email: p.email for p in spec.people}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in spec.series:
        root = find(s.members[0])
        for m in s.members[1:]:
            r = find(m)
            if r != root:
                parent[r] = root
    order = {p.email: i for i, p in enumerate(spec.people)}
    people: dict[str, list[str]] = {}
    for p in spec.people:
        people.setdefault(find(p.email), []).append(p.email)
    series: dict[str, list[Series]] = {}
    for s in spec.series:
        series.setdefault(find(s.members[0]), []).append(s)
    roots = sorted(series, key=lambda r: order[people[r][0]])
    return [(tuple(people[r]), series[r]) for r in roots]


def _zero_cost_choice(problem: Problem) -> list[int] | None:
    """The best-ranked all-zero slots, if they are clash-free: then the component costs nothing."""
    choice: list[int] = []
    for occ in problem.occs:
        zero = np.flatnonzero(~occ.cost.any(axis=1))
        if not zero.size:
            return None
        choice.append(int(zero[np.argmin(occ.rank[zero])]))
    for a, b in problem.conflicts:
        if problem.clash(a, choice[a], b, choice[b]):
            return None
    return choice


def _key(problem: Problem, choice: Sequence[int]) -> tuple[int, int]:
    burden = problem.burden(choice)
    return int(burden.max(initial=0)), int(burden.sum())


def solve(problem: Problem, method: str = "auto") -> Solved:
    """Choose one kept slot per occurrence (−1: none left without double-booking someone)."""
    if not problem.occs:
        return Solved([], "trivial", True)
    zero = _zero_cost_choice(problem)
    if zero is not None:
        return Solved(zero, "trivial", True)
    if method == "heuristic":
        return Solved(solve_heuristic(problem), "heuristic", False)
    if len(problem.people) <= 2 and method == "auto":
        pair = solve_pair(problem)
        if pair is not None:
            return Solved(pair, "pareto", True)
    size = sum(len(o.slots) for o in problem.occs)
    if method == "exact" or size <= EXACT_LIMIT:
        exact = solve_exact(problem)
        if exact is not None and exact.optimal:
            return Solved(exact.choice, "milp", True)
        guess = solve_heuristic(problem)
        if exact is not None and (
            min(guess) < 0 or _key(problem, exact.choice) <= _key(problem, guess)
        ):
            return Solved(exact.choice, "milp", False)
        return Solved(guess, "heuristic", False)
    return Solved(solve_heuristic(problem), "heuristic", False)


def _busy(
    spec: ProgramSpec, fixed: dict[tuple[str, int], LedgerEntry]
) -> dict[str, list[tuple[int, int]]]:
    busy: dict[str, list[tuple[int, int]]] = {}
    for s in spec.series:
        for w in s.weeks:
            e = fixed.get((s.id, w))
            if e is None:
                continue
            t = int(e.start.timestamp())
            for m in s.members:
                if m not in e.left_out:
                    busy.setdefault(m, []).append((t, t + s.duration * 60))
    return busy


def _fixed_occurrence(s: Series, e: LedgerEntry) -> Occurrence:
    return Occurrence(
        series_id=s.id,
        week=e.week,
        start=e.start,
        end=e.start + timedelta(minutes=s.duration),
        attendees=tuple(m for m in s.members if m not in e.left_out),
        left_out=tuple(m for m in s.members if m in e.left_out),
        cost={m: int(e.burden.get(m, 0)) for m in s.members},
        fixed=True,
    )


def _planned(occ: Candidates, slot: int, people: Sequence[str]) -> Occurrence:
    start = to_datetime(int(occ.slots[slot]))
    members = [people[i] for i in occ.members.tolist()]
    attend = occ.attend[slot].tolist()
    return Occurrence(
        series_id=occ.series.id,
        week=occ.week,
        start=start,
        end=start + timedelta(minutes=occ.duration),
        attendees=tuple(m for m, a in zip(members, attend, strict=True) if a),
        left_out=tuple(m for m, a in zip(members, attend, strict=True) if not a),
        cost={m: int(c) for m, c in zip(members, occ.cost[slot].tolist(), strict=True)},
    )


def plan_program(
    spec: ProgramSpec, ledger: Iterable[LedgerEntry] = (), *, method: str = "auto"
) -> Plan:
    """The fair plan of `spec`, continuing from `ledger`. Same input, same plan."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    grid = build_grid(spec.zone, spec.week0, spec.weeks)
    model = CostModel(grid)
    people: dict[str, Person] = {p.email: p for p in spec.people}
    entries = list(ledger)
    existing = {(s.id, w) for s in spec.series for w in s.weeks}
    fixed = {(e.series_id, e.week): e for e in entries if (e.series_id, e.week) in existing}
    carried: dict[str, int] = {}
    for e in entries:
        for m, c in e.burden.items():
            carried[m] = carried.get(m, 0) + int(c)
    busy = _busy(spec, fixed)
    occurrences: dict[str, list[Occurrence]] = {s.id: [] for s in spec.series}
    reports: list[ComponentReport] = []
    for members, series in _components(spec):
        index = {e: i for i, e in enumerate(members)}
        raw: list[Candidates] = []
        for s in series:
            for w in s.weeks:
                pinned = fixed.get((s.id, w))
                if pinned is not None:
                    occurrences[s.id].append(_fixed_occurrence(s, pinned))
                    continue
                found = occurrence_candidates(model, s, w, people, index, busy)
                if isinstance(found, Blocked):
                    occurrences[s.id].append(
                        Occurrence(
                            series_id=s.id,
                            week=w,
                            start=None,
                            end=None,
                            blocked_by=found.blocked_by,
                            reason=found.reason,
                        )
                    )
                else:
                    raw.append(found)
        conflicts = potential_conflicts(raw)
        others: list[list[Candidates]] = [[] for _ in raw]
        for a, b in conflicts:
            others[a].append(raw[b])
            others[b].append(raw[a])
        occs = [prune(o, blocking_budget(o, others[i])) for i, o in enumerate(raw)]
        base = np.asarray([carried.get(m, 0) for m in members], dtype=np.int64)
        problem = Problem(members, base, occs, potential_conflicts(occs))
        solved = solve(problem, method)
        choice = settle_rhythm(problem, solved.choice)
        for occ, slot in zip(occs, choice, strict=True):
            if slot >= 0:
                occurrences[occ.series.id].append(_planned(occ, slot, members))
            else:
                occurrences[occ.series.id].append(
                    Occurrence(
                        series_id=occ.series.id,
                        week=occ.week,
                        start=None,
                        end=None,
                        blocked_by=tuple(members[i] for i in occ.members.tolist()),
                        reason="every slot left overlaps another meeting of a member",
                    )
                )
        burden = problem.burden(choice)
        reports.append(
            ComponentReport(
                members,
                solved.method,
                solved.optimal,
                int(burden.max(initial=0)),
                int(burden.sum()),
            )
        )
    ordered = {sid: tuple(sorted(v, key=lambda o: o.week)) for sid, v in occurrences.items()}
    totals = {p.email: 0 for p in spec.people}
    for occs_of in ordered.values():
        for o in occs_of:
            for m, c in o.cost.items():
                totals[m] += c
    return Plan(spec, ordered, totals, tuple(reports))
