"""Near-optimal fair plan for components too large to solve exactly.

Construction: a clash-free greedy pass (larger, tighter meetings first) picks each
occurrence's slot by a weighted cost; the weights of people carrying the most burden rise
between passes (multiplicative weights, a Lagrangian view of min-max) and the best pass is
kept. An occurrence the pass could not seat is seated by an ejection chain that moves the
meetings in its way. Improvement: local search whose moves shift one occurrence, two of the
same series (who takes the hard hour), or one onto a slot another meeting holds (re-seating
that one), whenever the largest burden drops, or stays and fewer people carry it, or both
stay and the total drops. Moves are scored for all slots at once with numpy; only occurrences
of the people at the maximum are examined. Deterministic: no randomness, bounded loops.
"""

from __future__ import annotations

import numpy as np

from scheduling.availability import BoolArray
from scheduling.candidates import Problem
from scheduling.zones import IntArray

FloatArray = np.ndarray

ROUNDS = 10  # greedy passes with re-weighting (fewer for very large components)
MAX_PASSES = 400  # improving moves per round
RELIEF_TRIES = 6  # slots tried per hot occurrence in the compound moves
CHAIN_DEPTH = 3  # how many meetings an ejection chain may move to seat one
CHAIN_TRIES = 8  # slots tried per level of a chain
PATIENCE = 2  # re-weighted rounds in a row without a better plan before giving up
Key = tuple[int, int, int]
Move = list[tuple[int, int]]
Keys = tuple[IntArray, IntArray, IntArray]


def _key(burden: IntArray) -> Key:
    top = int(burden.max(initial=0))
    return top, int((burden == top).sum()), int(burden.sum())


def _rest(burden: IntArray, members: IntArray) -> tuple[int, int]:
    """Largest burden among everyone but `members`, and how many carry it."""
    rest = np.delete(burden, members)
    rest_max = int(rest.max(initial=-1))
    return rest_max, int((rest == rest_max).sum()) if rest.size else 0


def _keys(
    burden: IntArray, members: IntArray, delta: IntArray, rest: tuple[int, int] | None = None
) -> Keys:
    """(max, count at max, total) of `burden` after adding each row of `delta` to `members`."""
    rest_max, rest_cnt = rest if rest is not None else _rest(burden, members)
    trial = burden[members][None, :] + delta
    top = np.maximum(trial.max(axis=1), rest_max)
    cnt = (trial == top[:, None]).sum(axis=1) + np.where(top == rest_max, rest_cnt, 0)
    total = int(burden.sum()) + delta.sum(axis=1)
    return top, cnt, total


def _better(keys: Keys, than: Key) -> BoolArray:
    top, cnt, total = keys
    tie = top == than[0]
    better = (
        (top < than[0]) | (tie & (cnt < than[1])) | (tie & (cnt == than[1]) & (total < than[2]))
    )
    return np.asarray(better, dtype=np.bool_)


def _order(keys: Keys, rows: IntArray) -> IntArray:
    top, cnt, total = keys
    return rows[np.lexsort((rows, total[rows], cnt[rows], top[rows]))]


class _Search:
    """One component's choice of slots and the burden it implies, with the moves on it."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.neighbours: list[list[int]] = [[] for _ in problem.occs]
        for a, b in problem.conflicts:
            self.neighbours[a].append(b)
            self.neighbours[b].append(a)
        self.by_person: list[list[int]] = [[] for _ in problem.people]
        self.by_series: dict[str, list[int]] = {}
        for o, occ in enumerate(problem.occs):
            self.by_series.setdefault(occ.series.id, []).append(o)
            for person in occ.members.tolist():
                self.by_person[person].append(o)
        self.choice: list[int] = [-1] * len(problem.occs)
        self.burden: IntArray = problem.base.copy()
        self._rest: dict[tuple[int, ...], tuple[int, int]] = {}  # valid for one pass

    def rest(self, members: IntArray) -> tuple[int, int]:
        key = tuple(members.tolist())
        hit = self._rest.get(key)
        if hit is None:
            hit = self._rest[key] = _rest(self.burden, members)
        return hit

    # -- state -----------------------------------------------------------------------------
    def reset(self, choice: list[int]) -> None:
        self.choice = list(choice)
        self.burden = self.p.burden(self.choice)

    def place(self, o: int, s: int) -> None:
        occ = self.p.occs[o]
        if self.choice[o] >= 0:
            self.burden[occ.members] -= occ.cost[self.choice[o]]
        if s >= 0:
            self.burden[occ.members] += occ.cost[s]
        self.choice[o] = s

    def snapshot(self) -> list[int]:
        return list(self.choice)

    def restore(self, snap: list[int]) -> None:
        """Return to `snap`, touching only what differs (unseat all first: no double count)."""
        diff = [i for i, (a, b) in enumerate(zip(self.choice, snap, strict=True)) if a != b]
        for i in diff:
            self.place(i, -1)
        for i in diff:
            self.place(i, snap[i])

    def clashes(self, o: int, s: int, skip: int = -1) -> bool:
        return any(
            k != skip and self.choice[k] >= 0 and self.p.clash(o, s, k, self.choice[k])
            for k in self.neighbours[o]
        )

    def blockers(self, o: int, s: int) -> list[int]:
        return [
            k
            for k in self.neighbours[o]
            if self.choice[k] >= 0 and self.p.clash(o, s, k, self.choice[k])
        ]

    def hot(self) -> tuple[Key, list[int], set[int]]:
        key = _key(self.burden)
        people = set(np.flatnonzero(self.burden == key[0]).tolist())
        occs = sorted(
            {o for person in people for o in self.by_person[person] if self.choice[o] >= 0}
        )
        return key, occs, people

    # -- construction ----------------------------------------------------------------------
    def unclash(self) -> None:
        """Unseat the later of every clashing pair (a start built without looking at clashes)."""
        for a, b in self.p.conflicts:
            ca, cb = self.choice[a], self.choice[b]
            if ca >= 0 and cb >= 0 and self.p.clash(a, ca, b, cb):
                self.place(b, -1)

    def greedy(self, weights: np.ndarray) -> None:
        """One clash-free pass, larger and tighter meetings first, each at its cheapest weighted slot."""
        self.reset([-1] * len(self.p.occs))
        occs = self.p.occs
        order = sorted(
            range(len(occs)), key=lambda o: (-len(occs[o].members), len(occs[o].slots), o)
        )
        for o in order:
            occ = occs[o]
            score = occ.cost @ weights[occ.members] + occ.rank * 1e-9
            for s in np.argsort(score, kind="stable").tolist():
                if not self.clashes(o, s):
                    self.place(o, s)
                    break

    def seat(self, k: int, depth: int, frozen: frozenset[int]) -> Move | None:
        """Seat unseated `k` at its best free slot, or evict what is in the way (≤ depth deep).
        On failure everything is as it was."""
        occ = self.p.occs[k]
        order = _order(
            _keys(self.burden, occ.members, occ.cost), np.arange(len(occ.slots))
        ).tolist()
        for t in order:
            if not self.clashes(k, t):
                self.place(k, t)
                return [(k, t)]
        if depth <= 0:
            return None
        snap = self.snapshot()
        for t in order[:CHAIN_TRIES]:
            way = self.blockers(k, t)
            if not way or len(way) > 2 or frozen.intersection(way):
                continue
            for j in way:
                self.place(j, -1)
            self.place(k, t)
            rest = self.reseat(way, depth - 1, frozen | {k})
            if rest is not None:
                return [(k, t), *rest]
            self.restore(snap)
        return None

    def reseat(
        self, ks: list[int], depth: int = CHAIN_DEPTH, frozen: frozenset[int] = frozenset()
    ) -> Move | None:
        snap = self.snapshot()
        moves: Move = []
        for k in ks:
            seated = self.seat(k, depth, frozen | set(ks))
            if seated is None:
                self.restore(snap)
                return None
            moves += seated
        return moves

    def repair(self) -> None:
        """Seat occurrences the greedy pass could not place by moving the meetings in their way."""
        for o in [i for i, c in enumerate(self.choice) if c < 0]:
            occ = self.p.occs[o]
            keys = _keys(self.burden, occ.members, occ.cost)
            snap = self.snapshot()
            for s in _order(keys, np.arange(len(occ.slots))).tolist():
                way = self.blockers(o, s)
                for j in way:
                    self.place(j, -1)
                self.place(o, s)
                if self.reseat(way, frozen=frozenset({o})) is not None:
                    break
                self.restore(snap)

    # -- improvement -----------------------------------------------------------------------
    def single_move(self, key: Key, occs: list[int]) -> Move | None:
        best: tuple[Key, Move] | None = None  # a move is a list of (occurrence, new slot)
        for o in occs:
            occ = self.p.occs[o]
            delta = occ.cost - occ.cost[self.choice[o]][None, :]
            keys = _keys(self.burden, occ.members, delta, self.rest(occ.members))
            good = np.flatnonzero(_better(keys, key if best is None else best[0]))
            for s in _order(keys, good).tolist():
                if not self.clashes(o, s):
                    best = ((int(keys[0][s]), int(keys[1][s]), int(keys[2][s])), [(o, s)])
                    break
        return None if best is None else best[1]

    def _relief(self, o: int, hot: set[int]) -> tuple[IntArray, list[int]]:
        """Slots of `o` that lower some hot person's cost, most relief first (a few)."""
        occ = self.p.occs[o]
        delta = occ.cost - occ.cost[self.choice[o]][None, :]
        cols = [j for j, person in enumerate(occ.members.tolist()) if person in hot]
        gain = delta[:, cols].max(axis=1)
        relief = np.flatnonzero(gain < 0)
        return delta, relief[np.argsort(gain[relief], kind="stable")][:RELIEF_TRIES].tolist()

    def paired_move(self, key: Key, occs: list[int], hot: set[int]) -> Move | None:
        """Move one occurrence off a hot person and a sibling of its series to compensate."""
        best: tuple[Key, Move] | None = None
        for o in occs:
            occ = self.p.occs[o]
            siblings = [k for k in self.by_series[occ.series.id] if k != o and self.choice[k] >= 0]
            if not siblings:
                continue
            deltas = [
                self.p.occs[k].cost - self.p.occs[k].cost[self.choice[k]][None, :] for k in siblings
            ]
            owner = np.concatenate([np.full(len(d), i) for i, d in enumerate(deltas)])
            slot = np.concatenate([np.arange(len(d)) for d in deltas])
            stacked = np.concatenate(deltas)
            rest = self.rest(occ.members)
            delta_o, relief = self._relief(o, hot)
            for s in relief:
                if self.clashes(o, s):
                    continue
                keys = _keys(self.burden, occ.members, stacked + delta_o[s][None, :], rest)
                good = np.flatnonzero(_better(keys, key if best is None else best[0]))
                if not good.size:
                    continue
                saved, self.choice[o] = self.choice[o], s  # clash view only; burden untouched
                for row in _order(keys, good).tolist():
                    k, t = siblings[int(owner[row])], int(slot[row])
                    if not self.clashes(k, t):
                        best = (
                            (int(keys[0][row]), int(keys[1][row]), int(keys[2][row])),
                            [(o, s), (k, t)],
                        )
                        break
                self.choice[o] = saved
        return None if best is None else best[1]

    def displace_move(self, key: Key, occs: list[int], hot: set[int]) -> Move | None:
        """Move a hot occurrence onto a slot another meeting holds, and re-seat that meeting."""
        best: tuple[Key, Move] | None = None
        for o in occs:
            _, relief = self._relief(o, hot)
            for s in relief:
                way = self.blockers(o, s)
                if not way or len(way) > 2:
                    continue
                snap = self.snapshot()
                for j in way:
                    self.place(j, -1)
                self.place(o, s)
                seated = self.reseat(way, frozen=frozenset({o}))
                if seated is not None:
                    k2 = _key(self.burden)
                    if k2 < key and (best is None or k2 < best[0]):
                        best = (k2, [(i, c) for i, c in enumerate(self.choice) if c != snap[i]])
                self.restore(snap)
        return None if best is None else best[1]

    def improve(self) -> None:
        for _ in range(MAX_PASSES):
            self._rest.clear()
            key, occs, hot = self.hot()
            move = (
                self.single_move(key, occs)
                or self.paired_move(key, occs, hot)
                or self.displace_move(key, occs, hot)
            )
            if not move:
                return
            target = self.snapshot()
            for o, s in move:
                target[o] = s
            self.restore(target)


def solve_heuristic(
    problem: Problem,
    rounds: int = ROUNDS,
    start: list[int] | None = None,
    weights: FloatArray | None = None,
    enough: int | None = None,
) -> list[int]:
    """A clash-free choice (−1 where an occurrence could not be placed at all). With `start`
    (say, every pair at its own optimum), the first round polishes that instead of a greedy pass;
    `weights` (a person's share of the largest burden, e.g. from the linear relaxation) seed
    the greedy passes instead of equal weights. Rounds stop early once every occurrence is
    seated and the largest burden is at most `enough` (a bound nothing can beat, say)."""
    search = _Search(problem)
    if len(problem.occs) > 1_000:
        rounds = min(rounds, 2)
    elif len(problem.occs) > 150:
        rounds = min(rounds, 2)
    if weights is None or not weights.sum() > 0:
        weights = np.ones(len(problem.people))
    else:
        weights = np.maximum(weights / weights.mean(), 0.05)
    best: list[int] | None = None
    best_key: tuple[int, int, int, int] | None = None
    stale = 0
    for round_ in range(rounds):
        if round_ == 0 and start is not None:
            search.reset(start)
            search.unclash()
        else:
            search.greedy(weights)
        search.repair()
        search.improve()
        k = (sum(1 for c in search.choice if c < 0), *_key(search.burden))
        if best_key is None or k < best_key:
            best, best_key, stale = list(search.choice), k, 0
        else:
            stale += 1
        if enough is not None and best_key[0] == 0 and best_key[1] <= enough:
            break
        if stale >= PATIENCE:  # the weights keep pointing at plans no better than the best
            break
        top = max(float(search.burden.max(initial=0)), 1.0)
        weights = weights * np.exp(2.0 * (search.burden / top - 1.0))
        weights = weights / weights.mean()
    assert best is not None
    return best


def polish(problem: Problem, choice: list[int]) -> list[int]:
    """Make a near-plan valid and better: unseat the later of any clashing pair, seat every
    unseated occurrence (ejection chains), then improve by local search."""
    search = _Search(problem)
    search.reset(choice)
    for a, b in problem.conflicts:
        if (
            search.choice[a] >= 0
            and search.choice[b] >= 0
            and problem.clash(a, search.choice[a], b, search.choice[b])
        ):
            search.place(b, -1)
    search.repair()
    search.improve()
    return search.choice


def unclash_at_equal_cost(problem: Problem, choice: list[int]) -> list[int]:
    """Resolve clashes by moving a meeting to another slot with exactly the same cost vector
    and attendance (burdens unchanged), where one is free. Clashes left stay for `polish`."""
    search = _Search(problem)
    search.reset(choice)
    for a, b in problem.conflicts:
        ca, cb = search.choice[a], search.choice[b]
        if ca < 0 or cb < 0 or not problem.clash(a, ca, b, cb):
            continue
        for o in (b, a):
            occ = problem.occs[o]
            cur = search.choice[o]
            same = np.flatnonzero(
                (occ.cost == occ.cost[cur]).all(axis=1)
                & (occ.attend == occ.attend[cur]).all(axis=1)
            )
            free = [
                s
                for s in same[np.argsort(occ.rank[same], kind="stable")].tolist()
                if not search.clashes(o, s)
            ]
            if free:
                search.place(o, free[0])
                break
    return search.choice
