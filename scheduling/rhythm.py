"""The third fairness criterion: as few distinct local start times per series as possible.

After the burdens are settled, an occurrence may move to any other kept slot with the very
same cost vector and attendance (burdens stay exactly as they are). Per series we then pick,
greedily, the local start signature (every member's local weekday and time) that the most
occurrences can share, assign it, and repeat, so a pair gets "Tuesdays 15:00" week after week
and a globe-spanning circle cycles through a few regular slots.
"""

from __future__ import annotations

import numpy as np

from scheduling.candidates import Candidates, Problem
from scheduling.zones import IntArray

OPTIONS = 48  # equal-cost alternatives considered per occurrence, best-ranked first
_BITS = 14  # a member's local weekday·1440 + minute is < 2¹⁴


def _signatures(occ: Candidates, rows: IntArray) -> list[object]:
    """A hashable local-time signature per slot: one integer for up to four members."""
    local = occ.local[rows]
    if local.shape[1] <= 4:
        shifts = np.arange(local.shape[1], dtype=np.int64) * _BITS
        return (local << shifts[None, :]).sum(axis=1).tolist()  # type: ignore[no-any-return]
    return [tuple(r) for r in local.tolist()]


def settle_rhythm(problem: Problem, choice: list[int]) -> list[int]:
    choice = list(choice)
    neighbours: list[list[int]] = [[] for _ in problem.occs]
    for a, b in problem.conflicts:
        neighbours[a].append(b)
        neighbours[b].append(a)
    by_series: dict[str, list[int]] = {}
    for o, occ in enumerate(problem.occs):
        if choice[o] >= 0:
            by_series.setdefault(occ.series.id, []).append(o)
    for sid in sorted(by_series):
        todo = by_series[sid]
        if len(todo) < 2:
            continue
        options: dict[int, dict[object, int]] = {}
        for o in todo:
            occ = problem.occs[o]
            cur = choice[o]
            same = np.flatnonzero(
                (occ.cost == occ.cost[cur]).all(axis=1)
                & (occ.attend == occ.attend[cur]).all(axis=1)
            )
            same = same[np.argsort(occ.rank[same], kind="stable")][:OPTIONS]
            options[o] = dict(zip(_signatures(occ, same), same.tolist(), strict=True))
        pending = set(todo)
        while pending:
            tally: dict[object, tuple[int, int]] = {}
            for o in sorted(pending):
                rank = problem.occs[o].rank
                for sig, s in options[o].items():
                    n, r = tally.get(sig, (0, 0))
                    tally[sig] = (n + 1, r + int(rank[s]))
            if not tally:
                break
            sig = min(tally, key=lambda k: (-tally[k][0], tally[k][1], str(k)))
            placed = []
            for o in sorted(pending):
                slot = options[o].get(sig)
                if slot is None:
                    continue
                if all(
                    choice[k] < 0 or not problem.clash(o, slot, k, choice[k]) for k in neighbours[o]
                ):
                    choice[o] = slot
                placed.append(o)
            pending.difference_update(placed)
            if not placed:
                break
    return choice
