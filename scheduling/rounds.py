"""Pairing rounds: who meets whom in each round of a rotating pool (pure, deterministic).

A pool of peers (everyone may meet everyone) or of mentors and mentees (each mentee meets a
mentor, a mentor meets up to `capacity` mentees per round) is paired anew every round so that
nobody meets the same person again before they have met everyone they can. Two people can be
paired in a round only when they have a fair common slot that week: a start on the 30-minute
grid inside both people's available hours, on their workdays, not away, costing neither more
than FAIR_HOURS² (SPEC §3's d²; 2 h outside their preferred hours at most). Among the pairs
possible, people with the fewest possible partners choose first; a partner not yet met comes
before one met longer ago; a shared interest, then a different level (mentoring across levels)
break ties, then config order. Someone left over (an odd pool, or no partner free) joins a
pair as a third when all three share a fair slot; otherwise they sit the round out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scheduling.availability import CostModel
from scheduling.model import COST_UNITS_PER_HOUR2, Person
from scheduling.weeks import WeekGrid

FAIR_HOURS = 2  # a slot costing someone more than this many hours outside preferred is not fair
FAIR_COST = FAIR_HOURS * FAIR_HOURS * COST_UNITS_PER_HOUR2


@dataclass(frozen=True, slots=True)
class RoundPool:
    name: str
    duration: int  # minutes
    weeks: tuple[int, ...]  # program weeks with a round
    people: tuple[str, ...] = ()  # peers: everyone may meet everyone
    mentors: tuple[str, ...] = ()  # or mentors and mentees: each pair is one of each
    mentees: tuple[str, ...] = ()
    capacity: int = 1  # mentees a mentor meets per round
    interests: Mapping[str, frozenset[str]] = field(default_factory=dict)
    levels: Mapping[str, str] = field(default_factory=dict)

    @property
    def mentoring(self) -> bool:
        return bool(self.mentors)

    @property
    def everyone(self) -> tuple[str, ...]:
        return self.people or (*self.mentors, *self.mentees)


@dataclass(frozen=True, slots=True)
class RoundMeeting:
    week: int
    members: tuple[str, ...]  # two, or three (the odd one out joined them)


def _fair_slots(
    model: CostModel, person: Person, duration: int, grid: WeekGrid, week: int
) -> np.ndarray:
    ok, _ = model.attend(person, duration)
    cost = model.profile(person, duration).cost
    lo, hi = grid.week_slots(week)
    return np.asarray(ok[lo:hi] & (cost[lo:hi] <= FAIR_COST))


def pair_rounds(
    pool: RoundPool, people: Mapping[str, Person], grid: WeekGrid
) -> list[RoundMeeting]:
    """Every round's meetings, in week order."""
    model = CostModel(grid)
    order = {e: i for i, e in enumerate(pool.everyone)}
    history: dict[frozenset[str], tuple[int, int]] = {}  # pair → (times met, round last met)
    spares: dict[str, int] = {}  # how often someone was the odd one out (a trio's third)
    out: list[RoundMeeting] = []
    for n, week in enumerate(pool.weeks):
        fair = {e: _fair_slots(model, people[e], pool.duration, grid, week) for e in pool.everyone}
        out.extend(_one_round(pool, n, week, fair, order, history, spares))
    return out


def _possible(pool: RoundPool, fair: Mapping[str, np.ndarray]) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {e: [] for e in pool.everyone}
    if pool.mentoring:
        candidates = [(m, e) for m in pool.mentors for e in pool.mentees if m != e]
    else:
        ppl = pool.people
        candidates = [(ppl[i], ppl[j]) for i in range(len(ppl)) for j in range(i + 1, len(ppl))]
    for a, b in candidates:
        if bool((fair[a] & fair[b]).any()):
            pairs[a].append(b)
            pairs[b].append(a)
    return pairs


def _one_round(
    pool: RoundPool,
    n: int,
    week: int,
    fair: Mapping[str, np.ndarray],
    order: Mapping[str, int],
    history: dict[frozenset[str], tuple[int, int]],
    spares: dict[str, int],
) -> list[RoundMeeting]:
    partners = _possible(pool, fair)
    load: dict[str, int] = dict.fromkeys(pool.everyone, 0)  # meetings this round
    limit = {e: (pool.capacity if pool.mentoring and e in pool.mentors else 1) for e in load}

    def times(a: str, b: str) -> int:
        return history.get(frozenset((a, b)), (0, -1))[0]

    def met(a: str, b: str) -> int:
        return history.get(frozenset((a, b)), (0, -1))[1]

    def fresh_left(e: str) -> int:
        return sum(1 for p in partners[e] if times(e, p) == 0)

    def score(a: str, b: str) -> tuple[object, ...]:
        shared = bool(pool.interests.get(a, frozenset()) & pool.interests.get(b, frozenset()))
        across = pool.levels.get(a) != pool.levels.get(b)
        return (times(a, b), met(a, b), not shared, not across, order[b])

    meetings: list[list[str]] = []
    spare: str | None = None
    if not pool.mentoring:
        found = _best_round(pool.people, partners, times, order, spares, fair)
        if found is not None:  # a round as new as it can be: least-met partners, in total
            pairs, third = found
            for a, b in pairs:
                load[a] += 1
                load[b] += 1
                meetings.append([a, b])
            spare = third
            if spare is not None:
                load[spare] = limit[spare]
        elif len([e for e in pool.people if partners[e]]) % 2:
            # no round of new partners only: the odd one out is chosen first (the one left
            # out least often), the others pair with who they met least
            spare = min(
                (e for e in pool.people if partners[e]),
                key=lambda e: (spares.get(e, 0), order[e]),
            )
            load[spare] = limit[spare]  # held back for a trio below
    # people who may still meet someone they have not met are served first, and among them
    # those with the fewest partners possible (the hardest to place)
    choosers = sorted(
        (e for e in pool.everyone if not pool.mentoring or e in pool.mentees),
        key=lambda e: (len(partners[e]), -fresh_left(e), order[e]),
    )
    for a in choosers:
        if load[a] >= limit[a]:
            continue
        free = [b for b in partners[a] if load[b] < limit[b]]
        if not free:
            continue
        b = min(free, key=lambda b: score(a, b))
        load[a] += 1
        load[b] += 1
        meetings.append([a, b] if order[a] < order[b] else [b, a])
    if spare is not None:
        load[spare] = 0
    # a peer left over joins a pair they share a fair slot with (a trio), not a mentee
    if not pool.mentoring:
        for e in sorted(pool.everyone, key=lambda x: (x != spare, order[x])):
            if load[e] or not partners[e]:
                continue
            best: tuple[tuple[int, int, int], list[str]] | None = None
            for m in meetings:
                if len(m) != 2 or not bool((fair[m[0]] & fair[m[1]] & fair[e]).any()):
                    continue
                key = (
                    times(e, m[0]) + times(e, m[1]),
                    max(met(e, m[0]), met(e, m[1])),
                    order[m[0]],
                )
                if best is None or key < best[0]:
                    best = (key, m)
            if best is not None:
                best[1].append(e)
                best[1].sort(key=lambda x: order[x])
                load[e] += 1
                spares[e] = spares.get(e, 0) + 1
    result = []
    for m in sorted(meetings, key=lambda m: [order[x] for x in m]):
        for i in range(len(m)):
            for j in range(i + 1, len(m)):
                pair = frozenset((m[i], m[j]))
                history[pair] = (history.get(pair, (0, -1))[0] + 1, n)
        result.append(RoundMeeting(week, tuple(m)))
    return result


SEARCH_BUDGET = 10_000  # steps of the search for the round that repeats the fewest pairs


def _best_round(
    people: Sequence[str],
    partners: Mapping[str, list[str]],
    times: Callable[[str, str], int],
    order: Mapping[str, int],
    spares: Mapping[str, int],
    fair: Mapping[str, np.ndarray],
) -> tuple[list[tuple[str, str]], str | None] | None:
    """The round whose meetings repeat the least (the sum over its pairs of the squared times
    they met before: a first repeat before anyone's third), found by a depth-first search
    with bounds (the hardest to place first); in an odd pool, the one who makes a trio is
    someone left out least often so far. None when no such round covers everyone able to
    meet or the search runs out of budget (a greedy pass then does its best)."""
    able = [e for e in people if partners[e]]
    steps = 0

    def cost(a: str, b: str) -> int:
        t = times(a, b)
        return t * t

    def search(left: list[str], bound: int) -> tuple[int, list[tuple[str, str]]] | None:
        nonlocal steps
        steps += 1
        if not left:
            return 0, []
        if steps > SEARCH_BUDGET or bound <= 0:
            return None
        a = min(left, key=lambda e: (sum(1 for p in partners[e] if p in left), order[e]))
        rest = [e for e in left if e != a]
        best: tuple[int, list[tuple[str, str]]] | None = None
        for b in sorted(
            (p for p in partners[a] if p in rest), key=lambda p: (cost(a, p), order[p])
        ):
            c = cost(a, b)
            limit = (best[0] if best else bound) - c
            if limit <= 0:
                break  # sorted by cost: nothing cheaper follows
            found = search([e for e in rest if e != b], limit)
            if found is not None and (best is None or c + found[0] < best[0]):
                best = (c + found[0], [(a, b) if order[a] < order[b] else (b, a), *found[1]])
                if best[0] == 0:
                    break
        return best

    infinity = 10**9
    if len(able) % 2 == 0:
        found = search(sorted(able, key=lambda e: order[e]), infinity)
        return (found[1], None) if found is not None else None
    least = min(spares.get(e, 0) for e in able)
    best: tuple[int, list[tuple[str, str]], str] | None = None
    for spare in sorted(able, key=lambda e: (spares.get(e, 0), order[e])):
        if spares.get(spare, 0) > least and best is not None:
            break  # the third rotates: only those left out least often
        found = search(sorted((e for e in able if e != spare), key=lambda e: order[e]), infinity)
        if found is None:
            continue
        joins = [
            cost(spare, a) + cost(spare, b)
            for a, b in found[1]
            if bool((fair[a] & fair[b] & fair[spare]).any())
        ]
        if not joins:
            continue
        total = found[0] + min(joins)
        if best is None or total < best[0]:
            best = (total, found[1], spare)
        if steps > SEARCH_BUDGET:
            break
    return (best[1], best[2]) if best is not None else None
