"""plan_program: the fair schedule of a whole program (SPEC §3), decided purely.

The program splits into connected components of people (a pair, a mentor with her mentees, a
circle with its members' pairs); burdens in one component never depend on another, so each
is solved on its own: at once when every meeting fits everyone's preferred hours, exactly by
Pareto dynamic programming for two people, exactly by integer programming while the component
is small, and by a deterministic heuristic beyond. A ledger of occurrences already fixed pins
those and carries their burden, so re-planning mid-program continues the rotation.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from scheduling.availability import CostModel
from scheduling.candidates import (
    Blocked,
    Candidates,
    CandidateSource,
    Problem,
    blocking_budget,
    potential_conflicts,
)
from scheduling.exact import NODE_LIMIT, relax, solve_exact
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
from scheduling.stars import pairs_start, solve_star
from scheduling.weeks import build_grid, to_datetime

SMALL_EXACT = 500  # kept candidate slots up to which integer programming decides outright
SMALL_NODES = 5_000  # its branch-and-bound budget (small components finish in far fewer)
EXACT_LIMIT = 4_000  # beyond SMALL_EXACT, slots up to which a far-off heuristic gets MILP help
BUDGET_NODES = 300  # the help's budget: a good plan in about a second, not a proof
RELAX_LIMIT = 60_000  # slots up to which the linear relaxation is worth its time
TIGHT = 1.02  # the heuristic stops improving a plan this close to the relaxation's bound
GAP = 1.05  # a plan this close to it gets no integer programming
EXACT_PROGRAM_OCCURRENCES = 5_000  # programs up to this size get MILP wherever it is needed
PARALLEL_MIN_COMPONENTS = 400  # below this, starting processes costs more than it saves
PARALLEL_MIN_OCCURRENCES = 20_000
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
    """A clash-free all-zero plan (best-ranked zero slots first), if there is an easy one: then
    the component costs nothing and nothing can be fairer. The occurrences with the fewest
    free slots choose first (a mentee free only on Monday before one free on Monday or Friday)."""
    neighbours: list[list[int]] = [[] for _ in problem.occs]
    for a, b in problem.conflicts:
        neighbours[a].append(b)
        neighbours[b].append(a)
    zeros = [np.flatnonzero(~occ.cost.any(axis=1)) for occ in problem.occs]
    choice = [-1] * len(problem.occs)
    for o in sorted(range(len(problem.occs)), key=lambda o: (zeros[o].size, o)):
        occ, zero = problem.occs[o], zeros[o]
        for s in zero[np.argsort(occ.rank[zero], kind="stable")].tolist():
            if not any(choice[k] >= 0 and problem.clash(o, s, k, choice[k]) for k in neighbours[o]):
                choice[o] = s
                break
        else:
            return None
    return choice


def _best_zero(occ: Candidates) -> int:
    zero = np.flatnonzero(~occ.cost.any(axis=1))
    return int(zero[np.argmin(occ.rank[zero])]) if zero.size else -1


def _key(problem: Problem, choice: Sequence[int]) -> tuple[int, int]:
    burden = problem.burden(choice)
    return int(burden.max(initial=0)), int(burden.sum())


def _seat_key(problem: Problem, choice: Sequence[int]) -> tuple[int, int, int]:
    return (sum(1 for c in choice if c < 0), *_key(problem, choice))


def solve(
    problem: Problem, method: str = "auto", exact_ok: bool = True, zero_tried: bool = False
) -> Solved:
    """Choose one kept slot per occurrence (−1: none left without double-booking someone).

    Fast exact methods first (nothing to trade, two people, a star reaching its bound), and
    integer programming outright for small components, where it takes milliseconds. Beyond,
    the heuristic first: from the pairs' own optima, and from the linear relaxation's choice
    with its people's weights. The relaxation's value bounds the optimum from below, so a plan
    within GAP of it is within GAP of the best there is; only a plan further off gets a
    bounded integer program (a node budget, so the same input gives the same plan anywhere).
    """
    if not problem.occs:
        return Solved([], "trivial", True)
    zero = None if zero_tried else _zero_cost_choice(problem)
    if zero is not None:
        return Solved(zero, "trivial", True)
    if method == "heuristic":
        return Solved(solve_heuristic(problem), "heuristic", False)
    fallback: Solved | None = None
    if method == "auto":
        if len(problem.people) <= 2:
            pair = solve_pair(problem)
            if pair is not None:
                return Solved(pair, "pareto", True)
        star = solve_star(problem)
        if star is not None:
            if star.optimal:
                return Solved(star.choice, "star", True)
            fallback = Solved(star.choice, "star", False)
    size = sum(len(o.slots) for o in problem.occs)
    if method == "exact" or (exact_ok and size <= SMALL_EXACT):
        exact = solve_exact(problem, node_limit=NODE_LIMIT if method == "exact" else SMALL_NODES)
        if exact is not None and exact.optimal:
            return Solved(exact.choice, "milp", True)
        guess = fallback or Solved(
            solve_heuristic(problem, start=pairs_start(problem)), "heuristic", False
        )
        if exact is not None and _seat_key(problem, exact.choice) <= _seat_key(
            problem, guess.choice
        ):
            return Solved(exact.choice, "milp", False)
        return guess
    # heuristic first; the relaxation says how far from the optimum it can be
    tries = [fallback] if fallback is not None else []
    relaxed = relax(problem) if size <= RELAX_LIMIT else None
    bound = int(np.ceil(relaxed.bound - 1e-6)) if relaxed is not None else None
    if relaxed is not None and bound is not None:
        guided = solve_heuristic(
            problem,
            start=relaxed.start(problem),
            weights=relaxed.weights,
            enough=int(bound * TIGHT),
        )
        tries.append(Solved(guided, "heuristic+lp", False))
    if bound is None or _seat_key(problem, tries[-1].choice)[1] > bound * TIGHT:
        plain = solve_heuristic(problem, start=pairs_start(problem), enough=bound)
        tries.append(Solved(plain, "heuristic", False))
    best = min(tries, key=lambda t: _seat_key(problem, t.choice))
    if bound is None:
        return best
    unseated, worst, _ = _seat_key(problem, best.choice)
    if not unseated and worst <= bound:
        return best  # the largest burden is the least possible
    if exact_ok and size <= EXACT_LIMIT and (unseated or worst > bound * GAP):
        exact = solve_exact(
            problem,
            upper=None if unseated else worst,
            node_limit=BUDGET_NODES,
            start=None if unseated else best.choice,
        )
        if exact is not None and _seat_key(problem, exact.choice) < _seat_key(problem, best.choice):
            return Solved(exact.choice, "milp", exact.optimal)
    return best


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


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a solved occurrence landed, independent of which people and week it is."""

    offset: int  # seconds after the start of its program week; -1 when it could not be seated
    attend: tuple[bool, ...]
    cost: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    seats: tuple[Seat | Blocked, ...]  # one per occurrence to plan, in component order
    method: str
    optimal: bool
    worst: int
    total: int


def _component_shape(
    source: CandidateSource,
    members: Sequence[str],
    series: Sequence[Series],
    todo: Sequence[tuple[Series, int]],
    base: np.ndarray,
) -> tuple[object, ...] | None:
    """Everything a component's outcome depends on, when every occurrence has a shared regime:
    components of the same shape (same profiles, weeks, carried burden) get the same outcome."""
    index = {e: i for i, e in enumerate(members)}
    position = {s.id: i for i, s in enumerate(series)}
    parts: list[object] = [
        tuple(base.tolist()),
        tuple(tuple(index[m] for m in s.members) for s in series),
    ]
    weeks: dict[str, list[int]] = {}
    by_id: dict[str, Series] = {}
    for s, w in todo:  # grouped by series, in todo order
        weeks.setdefault(s.id, []).append(w)
        by_id[s.id] = s
    for sid, ws in weeks.items():
        regimes = source.regimes(by_id[sid], ws)
        if any(r is None for r in regimes):
            return None
        parts += [(position[sid], w, r) for w, r in zip(ws, regimes, strict=True)]
    return tuple(parts)


def _solve_component(
    source: CandidateSource,
    members: tuple[str, ...],
    todo: Sequence[tuple[Series, int]],
    base: np.ndarray,
    method: str,
    exact_ok: bool,
) -> Outcome:
    index = {e: i for i, e in enumerate(members)}
    found = [source.candidates(s, w, index) for s, w in todo]
    raw = [f for f in found if isinstance(f, Candidates)]
    conflicts = potential_conflicts(raw)  # pruning only narrows spans, so these stay a superset
    problem = Problem(members, base, raw, conflicts)
    zero = _zero_cost_choice(problem) if method != "heuristic" else None
    rhythm = True
    if zero is not None:
        solved = Solved(zero, "trivial", True)
        # each occurrence got its best-ranked free slot: rank follows local times, so the
        # series already keeps one rhythm wherever its regime does; nothing to settle
        rhythm = any(s != _best_zero(o) for o, s in zip(raw, zero, strict=True))
    else:
        others: list[list[Candidates]] = [[] for _ in raw]
        for a, b in conflicts:
            others[a].append(raw[b])
            others[b].append(raw[a])
        occs = [source.pruned(o, blocking_budget(o, others[i])) for i, o in enumerate(raw)]
        problem = Problem(members, base, occs, conflicts)
        # a zero-cost plan was looked for before pruning (which only takes slots away)
        solved = solve(problem, method, exact_ok, zero_tried=method != "heuristic")
    occs = problem.occs
    choice = settle_rhythm(problem, solved.choice) if rhythm else solved.choice
    burden = problem.burden(choice)
    bounds = source.model.grid.bounds
    seats: list[Seat | Blocked] = []
    picks = iter(zip(occs, choice, strict=True))
    for f in found:
        if isinstance(f, Blocked):
            seats.append(f)
            continue
        occ, slot = next(picks)
        if slot < 0:
            seats.append(Seat(-1, (), ()))
            continue
        seats.append(
            Seat(
                int(occ.slots[slot]) - int(bounds[occ.week]),
                tuple(occ.attend[slot].tolist()),
                tuple(int(c) for c in occ.cost[slot].tolist()),
            )
        )
    return Outcome(
        tuple(seats), solved.method, solved.optimal, int(burden.max(initial=0)), int(burden.sum())
    )


def _occurrence(s: Series, week: int, seat: Seat | Blocked, start_of_week: int) -> Occurrence:
    if isinstance(seat, Blocked):
        return Occurrence(
            series_id=s.id,
            week=week,
            start=None,
            end=None,
            blocked_by=seat.blocked_by,
            reason=seat.reason,
        )
    if seat.offset < 0:
        return Occurrence(
            series_id=s.id,
            week=week,
            start=None,
            end=None,
            blocked_by=s.members,
            reason="every slot left overlaps another meeting of a member",
        )
    start = _EPOCH + timedelta(seconds=start_of_week + seat.offset)
    members = s.members
    attendees: tuple[str, ...] = members
    left_out: tuple[str, ...] = ()
    if all(seat.attend):  # the common case, built without a pass over the members
        pass
    else:
        attendees = tuple(m for m, a in zip(members, seat.attend, strict=True) if a)
        left_out = tuple(m for m, a in zip(members, seat.attend, strict=True) if not a)
    return Occurrence(
        s.id,
        week,
        start,
        start + timedelta(minutes=s.duration),
        attendees,
        left_out,
        dict(zip(members, seat.cost, strict=True)),
    )


_EPOCH = to_datetime(0)


@dataclass(frozen=True, slots=True)
class _Job:
    members: tuple[str, ...]
    todo: tuple[tuple[Series, int], ...]
    base: np.ndarray
    shape: tuple[object, ...] | None

    def weight(self) -> int:
        """A cost estimate, to share the work fairly between processes (measured: per
        occurrence, a star's take 1.5 times a pair's and a circle's 4.5 times)."""
        if any(s.is_group for s, _ in self.todo):
            return 9 * len(self.todo)
        return (2 if len(self.members) <= 2 else 3) * len(self.todo)


class _Planner:
    """Everything one plan needs, built deterministically from the spec and the ledger."""

    def __init__(
        self, spec: ProgramSpec, entries: Sequence[LedgerEntry], method: str, shapes: bool = True
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        self.spec, self.method = spec, method
        self.grid = build_grid(spec.zone, spec.week0, spec.weeks)
        people: dict[str, Person] = {p.email: p for p in spec.people}
        existing = {(s.id, w) for s in spec.series for w in s.weeks}
        self.fixed = {
            (e.series_id, e.week): e for e in entries if (e.series_id, e.week) in existing
        }
        carried: dict[str, int] = {}
        for e in entries:
            for m, c in e.burden.items():
                carried[m] = carried.get(m, 0) + int(c)
        self.source = CandidateSource(
            CostModel(self.grid), people, spec.zone, _busy(spec, self.fixed)
        )
        # Exact integer programming only where a whole program is small enough for it everywhere.
        self.exact_ok = sum(len(s.weeks) for s in spec.series) <= EXACT_PROGRAM_OCCURRENCES
        self.jobs: list[_Job] = []
        for members, series in _components(spec):
            todo = tuple((s, w) for s in series for w in s.weeks if (s.id, w) not in self.fixed)
            base = np.asarray([carried.get(m, 0) for m in members], dtype=np.int64)
            shape = _component_shape(self.source, members, series, todo, base) if shapes else None
            self.jobs.append(_Job(members, todo, base, shape))

    def solve(self, i: int) -> Outcome:
        job = self.jobs[i]
        return _solve_component(
            self.source, job.members, job.todo, job.base, self.method, self.exact_ok
        )


_WORKER: _Planner | None = None  # a worker process's own planner, built once


def _start_worker(spec: ProgramSpec, entries: Sequence[LedgerEntry], method: str) -> None:
    """Worker process start: rebuild the planner (deterministic) once, for all its tasks."""
    global _WORKER
    gc.disable()  # as in plan_program; this process lives for one plan
    _WORKER = _Planner(spec, entries, method, shapes=False)


def _solve_jobs(indices: Sequence[int]) -> list[tuple[int, Outcome]]:
    """Worker process task: solve some components."""
    assert _WORKER is not None
    return [(i, _WORKER.solve(i)) for i in indices]


Progress = Callable[[int, int], None]  # (components solved, components to solve)


def _solve_many(
    planner: _Planner,
    indices: list[int],
    pool: ProcessPoolExecutor | None,
    workers: int,
    progress: Progress | None,
    done: list[int],
    total: int,
    idle: Callable[[dict[int, Outcome]], bool] | None = None,
) -> dict[int, Outcome]:
    """Outcomes of the components `indices`. With a pool, `idle` (given the outcomes so far, in
    the order they came) is this process's work while it waits for the others; it says
    whether it did any."""
    out: dict[int, Outcome] = {}
    if pool is None or len(indices) < PARALLEL_MIN_COMPONENTS:
        for i in indices:
            out[i] = planner.solve(i)
            done[0] += 1
            if progress is not None:
                progress(done[0], total)
        return out
    # small tasks, heaviest first, handed out as processes free up: the load evens out and
    # progress can be told. This process works too: it takes the lightest tasks from the
    # other end of the list while the pool's processes hold theirs.
    order = sorted(indices, key=lambda i: (-planner.jobs[i].weight(), i))
    target = sum(planner.jobs[i].weight() for i in order) / ((workers + 1) * 12)
    chunks: deque[list[int]] = deque()
    chunk: list[int] = []
    load = 0
    for i in order:  # chunks of about equal work: a few circles, or many pairs
        chunk.append(i)
        load += planner.jobs[i].weight()
        if load >= target:
            chunks.append(sorted(chunk))
            chunk, load = [], 0
    if chunk:
        chunks.append(sorted(chunk))
    running: set[Future[list[tuple[int, Outcome]]]] = set()

    def collect(finished: Iterable[Future[list[tuple[int, Outcome]]]]) -> None:
        for future in finished:
            running.discard(future)
            for i, outcome in future.result():
                out[i] = outcome
                done[0] += 1
        if progress is not None:
            progress(min(done[0], total), total)

    while chunks or running:
        while chunks and len(running) < 2 * workers:  # one queued: no process waits for this one
            running.add(pool.submit(_solve_jobs, chunks.popleft()))
        if chunks:
            mine = chunks.pop()
            for i in mine:
                out[i] = planner.solve(i)
                done[0] += 1
            collect([f for f in list(running) if f.done()])
        elif idle is not None and idle(out):
            collect([f for f in list(running) if f.done()])
        else:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            collect(finished)
    return out


def plan_program(
    spec: ProgramSpec,
    ledger: Iterable[LedgerEntry] = (),
    *,
    method: str = "auto",
    workers: int = 1,
    progress: Progress | None = None,
) -> Plan:
    """The fair plan of `spec`, continuing from `ledger`. Same input, same plan, whatever
    `workers` (processes sharing a large program's components) is. `progress` is told how
    many of the components are solved, now and then."""
    entries = list(ledger)
    # the planner makes millions of small objects and no reference cycles worth collecting:
    # the cycle collector would only walk them again and again (a tenth of a large plan)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _plan_with(spec, entries, method, workers, progress)
    finally:
        if collecting:
            gc.enable()


def _plan_with(
    spec: ProgramSpec,
    entries: list[LedgerEntry],
    method: str,
    workers: int,
    progress: Progress | None,
) -> Plan:
    big = sum(len(s.weeks) for s in spec.series) >= PARALLEL_MIN_OCCURRENCES
    if workers > 1 and big:
        # spawn, never fork: the caller (a daemon) may hold threads; this process is one of
        # the `workers`
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers - 1,
            mp_context=context,
            initializer=_start_worker,
            initargs=(spec, entries, method),
        )
        try:
            # start the processes now: they build their planners while this one builds its own
            for _ in range(workers - 1):
                pool.submit(int)
            return _plan(spec, entries, method, pool, workers - 1, progress)
        finally:
            # every task is done (or failed); idle processes exit on their own time, nobody
            # needs to wait for them to free their memory
            pool.shutdown(wait=False, cancel_futures=True)
    return _plan(spec, entries, method, None, 1, progress)


def _plan(
    spec: ProgramSpec,
    entries: Sequence[LedgerEntry],
    method: str,
    pool: ProcessPoolExecutor | None,
    workers: int,
    progress: Progress | None = None,
) -> Plan:
    planner = _Planner(spec, entries, method)
    jobs = planner.jobs
    first: dict[tuple[object, ...], int] = {}
    for i, job in enumerate(jobs):
        if job.shape is not None:
            first.setdefault(job.shape, i)
    leader = [i if job.shape is None else first[job.shape] for i, job in enumerate(jobs)]
    leaders = sorted(set(leader))
    leading = set(leaders)
    followers = [i for i in range(len(jobs)) if i not in leading]
    done = [0]
    occurrences: dict[str, list[Occurrence]] = {s.id: [] for s in spec.series}
    bounds = planner.grid.bounds.tolist()
    built: set[int] = set()
    following: dict[int, list[int]] = {}
    for i in followers:
        following.setdefault(leader[i], []).append(i)

    def build(i: int, outcome: Outcome) -> None:
        for (s, w), seat in zip(jobs[i].todo, outcome.seats, strict=True):
            occurrences[s.id].append(_occurrence(s, w, seat, bounds[w]))
        built.add(i)

    cursor = [0]

    def build_some(solved_so_far: dict[int, Outcome]) -> bool:
        """While the other processes finish: this process builds the occurrences of what is
        solved (a component copying a leader only if the leader had nothing blocked), a
        little at a time, so it hands out the next task soon."""
        solved = list(solved_so_far)
        work = 0
        while cursor[0] < len(solved) and work < 1_000:
            i = solved[cursor[0]]
            cursor[0] += 1
            outcome = solved_so_far[i]
            build(i, outcome)
            work += len(jobs[i].todo)
            if not any(isinstance(x, Blocked) for x in outcome.seats):
                for j in following.get(i, ()):
                    build(j, outcome)
                    work += len(jobs[j].todo)
        return work > 0

    outcomes = _solve_many(
        planner, leaders, pool, workers, progress, done, len(leaders), idle=build_some
    )
    # blocked reasons name people, so components copying a leader that had any are solved anew
    again = [i for i in followers if any(isinstance(x, Blocked) for x in outcomes[leader[i]].seats)]
    outcomes.update(
        _solve_many(planner, again, pool, workers, progress, done, len(leaders) + len(again))
    )
    for i in followers:
        outcomes.setdefault(i, outcomes[leader[i]])
    for (sid, _), e in planner.fixed.items():
        occurrences[sid].append(_fixed_occurrence(spec_series(spec, sid), e))
    reports: list[ComponentReport] = []
    for i, job in enumerate(jobs):
        outcome = outcomes[i]
        if i not in built:
            build(i, outcome)
        reports.append(
            ComponentReport(
                job.members, outcome.method, outcome.optimal, outcome.worst, outcome.total
            )
        )
    ordered = {sid: tuple(sorted(v, key=lambda o: o.week)) for sid, v in occurrences.items()}
    totals = dict.fromkeys((p.email for p in spec.people), 0)
    for occs_of in ordered.values():
        for o in occs_of:
            for m, c in o.cost.items():
                if c:
                    totals[m] += c
    return Plan(spec, ordered, totals, tuple(reports))


def spec_series(spec: ProgramSpec, series_id: str) -> Series:
    for s in spec.series:
        if s.id == series_id:
            return s
    raise KeyError(series_id)


def lower_bound(spec: ProgramSpec, ledger: Iterable[LedgerEntry] = ()) -> int:
    """No plan of `spec` has a smaller largest burden than this (minutes²): the largest of
    the components' linear-relaxation bounds. A plan's worst burden over it is how far from
    the optimum the plan can at most be."""
    planner = _Planner(spec, list(ledger), "auto", shapes=False)
    best = 0
    for job in planner.jobs:
        index = {e: i for i, e in enumerate(job.members)}
        found = [planner.source.candidates(s, w, index) for s, w in job.todo]
        raw = [f for f in found if isinstance(f, Candidates)]
        if not raw:
            best = max(best, int(job.base.max(initial=0)))
            continue
        conflicts = potential_conflicts(raw)
        others: list[list[Candidates]] = [[] for _ in raw]
        for a, b in conflicts:
            others[a].append(raw[b])
            others[b].append(raw[a])
        occs = [planner.source.pruned(o, blocking_budget(o, others[i])) for i, o in enumerate(raw)]
        relaxed = relax(Problem(job.members, job.base, occs, conflicts))
        if relaxed is not None:
            best = max(best, int(np.ceil(relaxed.bound - 1e-6)))
    return best
