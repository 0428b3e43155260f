"""Near-optimal fair plan for components too large to solve exactly.

Construction: a clash-free greedy pass picks each occurrence's slot by a weighted cost, the
weights of people carrying the most burden raised between passes (multiplicative weights, a
Lagrangian view of min-max); the best pass is kept. Improvement: local search that moves one
occurrence, or two occurrences of the same series at once (a swap of who takes the hard
hour), whenever that lowers the largest burden, or keeps it and lowers how many people carry
it, or keeps both and lowers the total. Moves are scored for all slots at once with numpy.
Deterministic: no randomness, fixed iteration counts.
"""

from __future__ import annotations

import numpy as np

from scheduling.availability import BoolArray
from scheduling.candidates import Problem
from scheduling.zones import IntArray

ROUNDS = 10
MAX_PASSES = 400
RELIEF_TRIES = 6
CHAIN_DEPTH = 3  # how many meetings an ejection chain may move to seat one
CHAIN_TRIES = 8  # slots tried per level of a chain
Key = tuple[int, int, int]


def _neighbours(problem: Problem) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in problem.occs]
    for a, b in problem.conflicts:
        out[a].append(b)
        out[b].append(a)
    return out


def _clashes_with(
    problem: Problem, o: int, s: int, choice: list[int], neighbours: list[list[int]], skip: int = -1
) -> bool:
    return any(
        k != skip and choice[k] >= 0 and problem.clash(o, s, k, choice[k]) for k in neighbours[o]
    )


def _key(burden: IntArray) -> Key:
    top = int(burden.max(initial=0))
    return top, int((burden == top).sum()), int(burden.sum())


def _keys(
    burden: IntArray, members: IntArray, delta: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """(max, count at max, total) of `burden` after adding each row of `delta` to `members`."""
    rest = np.delete(burden, members)
    rest_max = int(rest.max(initial=-1))
    rest_cnt = int((rest == rest_max).sum()) if rest.size else 0
    trial = burden[members][None, :] + delta
    top = np.maximum(trial.max(axis=1), rest_max)
    cnt = (trial == top[:, None]).sum(axis=1) + np.where(top == rest_max, rest_cnt, 0)
    total = int(burden.sum()) + delta.sum(axis=1)
    return top, cnt, total


def _better(keys: tuple[IntArray, IntArray, IntArray], than: Key) -> BoolArray:
    top, cnt, total = keys
    tie = top == than[0]
    better = (
        (top < than[0]) | (tie & (cnt < than[1])) | (tie & (cnt == than[1]) & (total < than[2]))
    )
    return np.asarray(better, dtype=np.bool_)


def _order(keys: tuple[IntArray, IntArray, IntArray], rows: IntArray) -> IntArray:
    top, cnt, total = keys
    return rows[np.lexsort((rows, total[rows], cnt[rows], top[rows]))]


def greedy(problem: Problem, weights: np.ndarray, neighbours: list[list[int]]) -> list[int]:
    """One clash-free pass, larger and tighter meetings first, each at its cheapest weighted slot."""
    order = sorted(
        range(len(problem.occs)),
        key=lambda o: (-len(problem.occs[o].members), len(problem.occs[o].slots), o),
    )
    choice = [-1] * len(problem.occs)
    for o in order:
        occ = problem.occs[o]
        score = occ.cost @ weights[occ.members] + occ.rank * 1e-9
        for s in np.argsort(score, kind="stable").tolist():
            if not _clashes_with(problem, o, s, choice, neighbours):
                choice[o] = s
                break
    return choice


def _reseat(
    problem: Problem,
    blockers: list[int],
    choice: list[int],
    burden: IntArray,
    neighbours: list[list[int]],
    depth: int = CHAIN_DEPTH,
    frozen: frozenset[int] = frozenset(),
) -> list[tuple[int, int]] | None:
    """Give each of `blockers` (already unseated in `choice`/`burden`) a slot, evicting and
    re-seating what is in the way up to `depth` levels deep (an ejection chain). On failure
    `choice` and `burden` are left as they were given."""
    moves: list[tuple[int, int]] = []
    for k in blockers:
        seated = _seat(problem, k, choice, burden, neighbours, depth, frozen | set(blockers))
        if seated is None:
            for j, _ in reversed(moves):  # undo what this call seated
                burden[problem.occs[j].members] -= problem.occs[j].cost[choice[j]]
                choice[j] = -1
            return None
        moves += seated
    return moves


def _seat(
    problem: Problem,
    k: int,
    choice: list[int],
    burden: IntArray,
    neighbours: list[list[int]],
    depth: int,
    frozen: frozenset[int],
) -> list[tuple[int, int]] | None:
    occ = problem.occs[k]
    keys = _keys(burden, occ.members, occ.cost)
    order = _order(keys, np.arange(len(occ.slots))).tolist()
    for t in order:
        if not _clashes_with(problem, k, t, choice, neighbours):
            choice[k] = t
            burden[occ.members] += occ.cost[t]
            return [(k, t)]
    if depth <= 0:
        return None
    for t in order[:CHAIN_TRIES]:
        way = [j for j in neighbours[k] if choice[j] >= 0 and problem.clash(k, t, j, choice[j])]
        if not way or len(way) > 2 or frozen.intersection(way):
            continue
        saved = {j: choice[j] for j in way}
        for j in way:
            burden[problem.occs[j].members] -= problem.occs[j].cost[choice[j]]
            choice[j] = -1
        choice[k] = t
        burden[occ.members] += occ.cost[t]
        rest = _reseat(problem, way, choice, burden, neighbours, depth - 1, frozen | {k})
        if rest is not None:
            return [(k, t), *rest]
        burden[occ.members] -= occ.cost[t]
        choice[k] = -1
        for j, old in saved.items():
            choice[j] = old
            burden[problem.occs[j].members] += problem.occs[j].cost[old]
    return None


def repair(problem: Problem, choice: list[int], neighbours: list[list[int]]) -> list[int]:
    """Seat occurrences the greedy pass could not place by moving the meetings in their way."""
    choice = list(choice)
    for o in [i for i, c in enumerate(choice) if c < 0]:
        occ = problem.occs[o]
        burden = problem.burden(choice)
        keys = _keys(burden, occ.members, occ.cost)
        for s in _order(keys, np.arange(len(occ.slots))).tolist():
            blockers = [
                k for k in neighbours[o] if choice[k] >= 0 and problem.clash(o, s, k, choice[k])
            ]
            trial, trial_burden = list(choice), burden.copy()
            trial[o] = s
            trial_burden[occ.members] += occ.cost[s]
            for k in blockers:
                trial_burden[problem.occs[k].members] -= problem.occs[k].cost[choice[k]]
                trial[k] = -1
            if _reseat(problem, blockers, trial, trial_burden, neighbours) is not None:
                choice = trial
                break
    return choice


def _single_move(
    problem: Problem,
    choice: list[int],
    burden: IntArray,
    key: Key,
    hot: set[int],
    neighbours: list[list[int]],
) -> list[tuple[int, int]] | None:
    best: tuple[Key, list[tuple[int, int]]] | None = None
    for o, occ in enumerate(problem.occs):
        if choice[o] < 0 or hot.isdisjoint(occ.members.tolist()):
            continue
        delta = occ.cost - occ.cost[choice[o]][None, :]
        keys = _keys(burden, occ.members, delta)
        good = np.flatnonzero(_better(keys, key if best is None else best[0]))
        for s in _order(keys, good).tolist():
            if not _clashes_with(problem, o, s, choice, neighbours):
                best = ((int(keys[0][s]), int(keys[1][s]), int(keys[2][s])), [(o, s)])
                break
    return None if best is None else best[1]


def _paired_move(
    problem: Problem,
    choice: list[int],
    burden: IntArray,
    key: Key,
    hot: set[int],
    by_series: dict[str, list[int]],
    neighbours: list[list[int]],
) -> list[tuple[int, int]] | None:
    """Move one occurrence off a hot person and a sibling occurrence of its series to compensate."""
    best: tuple[Key, list[tuple[int, int]]] | None = None
    for o, occ in enumerate(problem.occs):
        if choice[o] < 0 or hot.isdisjoint(occ.members.tolist()):
            continue
        delta_o = occ.cost - occ.cost[choice[o]][None, :]
        hot_cols = [j for j, p in enumerate(occ.members.tolist()) if p in hot]
        gain = delta_o[:, hot_cols].max(axis=1)
        relief = np.flatnonzero(gain < 0)
        relief = relief[np.argsort(gain[relief], kind="stable")][:RELIEF_TRIES]
        for s in relief.tolist():
            if _clashes_with(problem, o, s, choice, neighbours):
                continue
            for k in by_series[occ.series.id]:
                if k == o or choice[k] < 0:
                    continue
                sib = problem.occs[k]
                delta = sib.cost - sib.cost[choice[k]][None, :] + delta_o[s][None, :]
                keys = _keys(burden, occ.members, delta)
                good = np.flatnonzero(_better(keys, key if best is None else best[0]))
                if not good.size:
                    continue
                saved, choice[o] = choice[o], s
                for t in _order(keys, good).tolist():
                    if not _clashes_with(problem, k, t, choice, neighbours):
                        best = (
                            (int(keys[0][t]), int(keys[1][t]), int(keys[2][t])),
                            [(o, s), (k, t)],
                        )
                        break
                choice[o] = saved
    return None if best is None else best[1]


def _displace_move(
    problem: Problem,
    choice: list[int],
    burden: IntArray,
    key: Key,
    hot: set[int],
    neighbours: list[list[int]],
) -> list[tuple[int, int]] | None:
    """Move a hot occurrence onto a slot another meeting holds, and re-seat that meeting."""
    best: tuple[Key, list[tuple[int, int]]] | None = None
    for o, occ in enumerate(problem.occs):
        if choice[o] < 0 or hot.isdisjoint(occ.members.tolist()):
            continue
        delta_o = occ.cost - occ.cost[choice[o]][None, :]
        hot_cols = [j for j, p in enumerate(occ.members.tolist()) if p in hot]
        gain = delta_o[:, hot_cols].max(axis=1)
        relief = np.flatnonzero(gain < 0)
        for s in relief[np.argsort(gain[relief], kind="stable")][:RELIEF_TRIES].tolist():
            blockers = [
                k for k in neighbours[o] if choice[k] >= 0 and problem.clash(o, s, k, choice[k])
            ]
            if not blockers or len(blockers) > 2:
                continue
            trial_choice = list(choice)
            trial = burden.copy()
            trial[occ.members] += delta_o[s]
            trial_choice[o] = s
            moves = [(o, s)]
            for k in blockers:
                sib = problem.occs[k]
                trial[sib.members] -= sib.cost[choice[k]]
                trial_choice[k] = -1
            seated = _reseat(problem, blockers, trial_choice, trial, neighbours)
            if seated is None:
                continue
            moves += seated
            k2 = _key(trial)
            if k2 < key and (best is None or k2 < best[0]):
                best = (k2, moves)
    return None if best is None else best[1]


def improve(problem: Problem, choice: list[int], neighbours: list[list[int]]) -> list[int]:
    """Apply the best single, else paired, move while the (max, count at max, total) key drops."""
    choice = list(choice)
    burden = problem.burden(choice)
    by_series: dict[str, list[int]] = {}
    for o, occ in enumerate(problem.occs):
        by_series.setdefault(occ.series.id, []).append(o)
    for _ in range(MAX_PASSES):
        key = _key(burden)
        hot = set(np.flatnonzero(burden == key[0]).tolist())
        move = _single_move(problem, choice, burden, key, hot, neighbours)
        if move is None:
            move = _paired_move(problem, choice, burden, key, hot, by_series, neighbours)
        if move is None:
            move = _displace_move(problem, choice, burden, key, hot, neighbours)
        if move is None:
            break
        for o, s in move:
            occ = problem.occs[o]
            burden[occ.members] += occ.cost[s] - occ.cost[choice[o]]
            choice[o] = s
    return choice


def solve_heuristic(problem: Problem, rounds: int = ROUNDS) -> list[int]:
    """A clash-free choice (−1 where an occurrence could not be placed at all)."""
    neighbours = _neighbours(problem)
    weights = np.ones(len(problem.people))
    best: list[int] | None = None
    best_key: tuple[int, int, int, int] | None = None
    for _ in range(rounds):
        choice = improve(
            problem, repair(problem, greedy(problem, weights, neighbours), neighbours), neighbours
        )
        burden = problem.burden(choice)
        k = (sum(1 for c in choice if c < 0), *_key(burden))
        if best_key is None or k < best_key:
            best, best_key = choice, k
        top = max(float(burden.max(initial=0)), 1.0)
        weights = weights * np.exp(2.0 * (burden / top - 1.0))
        weights = weights / weights.mean()
    assert best is not None
    return best
