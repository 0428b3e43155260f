"""Candidate slots of each occurrence, with cost vectors, pruned without losing optimality.

For one occurrence (a series in a week) every grid slot where enough members can attend is a
candidate; its cost vector holds each member's d² (or miss cost when left out, zero when
away). Most candidates are interchangeable, so we keep, per distinct cost vector, only as
many slots as other meetings could ever block, and drop cost vectors that enough strictly
better slots dominate. That keeps exactness (a blocked dominated choice can always be
swapped for a free better one) while shrinking problems by one to two orders of magnitude.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scheduling.availability import BoolArray, CostModel
from scheduling.model import Away, Person, Series
from scheduling.weeks import SLOT_SECONDS, WeekGrid
from scheduling.zones import DAY, IntArray


@dataclass(slots=True)
class Candidates:
    """The kept candidate slots of one occurrence."""

    series: Series
    week: int
    members: IntArray  # component-person index of each series member
    slots: IntArray  # [k] UTC start seconds
    attend: BoolArray  # [k, m] member can attend (else left out)
    cost: IntArray  # [k, m] minutes²
    rank: IntArray  # [k] 0 = most comfortable: the tie-break among equal costs
    local: IntArray  # [k, m] member-local weekday·1440 + start minute (the rhythm signature)
    regime: tuple[object, ...] | None = None  # what the candidates depend on, when shared
    memo: dict[object, object] = field(default_factory=dict)  # derived data, shared per regime

    @property
    def duration(self) -> int:
        return self.series.duration

    @property
    def seconds(self) -> int:
        return self.series.duration * 60

    def span(self) -> tuple[int, int]:
        """[first start, last end) of the candidates: what other meetings could overlap."""
        rel = self.memo.get("span")
        if not isinstance(rel, tuple):
            rel = self.memo["span"] = (
                int(self.slots.min() - self.slots[0]),
                int(self.slots.max() - self.slots[0]),
            )
        first = int(self.slots[0])
        lo: int = rel[0]
        hi: int = rel[1]
        return first + lo, first + hi + self.seconds


@dataclass(frozen=True, slots=True)
class Blocked:
    """An occurrence with no candidate and why."""

    series: Series
    week: int
    blocked_by: tuple[str, ...]
    reason: str


@dataclass(slots=True)
class Problem:
    """One connected component: its people, their carried burden and its occurrences."""

    people: tuple[str, ...]
    base: IntArray  # [n] burden already carried (ledger) in minutes²
    occs: list[Candidates]
    conflicts: list[tuple[int, int]]  # occurrence pairs that may overlap in time and share a member

    def burden(self, choice: Sequence[int]) -> IntArray:
        out = self.base.copy()
        for o, s in zip(self.occs, choice, strict=True):
            if s >= 0:
                out[o.members] += o.cost[s]
        return out

    def clash(self, a: int, sa: int, b: int, sb: int) -> bool:
        """Do occurrence a at slot sa and b at sb overlap in time with a shared attendee?"""
        oa, ob = self.occs[a], self.occs[b]
        ta, tb = int(oa.slots[sa]), int(ob.slots[sb])
        if not (ta < tb + ob.seconds and tb < ta + oa.seconds):
            return False
        shared_a = oa.members[oa.attend[sa]]
        shared_b = ob.members[ob.attend[sb]]
        return bool(np.intersect1d(shared_a, shared_b).size)


def _comfort_rank(
    slots: IntArray,
    starts: IntArray,
    ends: IntArray,
    weekday0: IntArray,
    attend: BoolArray,
    centers: IntArray,
) -> IntArray:
    """Rank slots: closest to the middle of everyone's preferred hours, then mid-week, then time."""
    off = (starts + ends) - centers[None, :]
    comfort = np.where(attend, off * off, 0).sum(axis=1)
    order = np.lexsort((slots, np.abs(weekday0 - 2), comfort))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank


def occurrence_candidates(
    model: CostModel,
    series: Series,
    week: int,
    people: Mapping[str, Person],
    index: Mapping[str, int],
    busy: Mapping[str, Sequence[tuple[int, int]]],
) -> Candidates | Blocked:
    """Every slot of `week` where `series` can meet, or why none exists."""
    grid = model.grid
    lo, hi = grid.week_slots(week)
    slots = grid.slots[lo:hi]
    members = [people[e] for e in series.members]
    m = len(members)
    dur = series.duration
    can = np.empty((hi - lo, m), dtype=np.bool_)
    away = np.empty((hi - lo, m), dtype=np.bool_)
    cost = np.empty((hi - lo, m), dtype=np.int64)
    starts = np.empty((hi - lo, m), dtype=np.int64)
    ends = np.empty((hi - lo, m), dtype=np.int64)
    local = np.empty((hi - lo, m), dtype=np.int64)
    clash = np.zeros((hi - lo, m), dtype=np.bool_)
    for j, p in enumerate(members):
        ok, aw = model.attend(p, dur)
        prof = model.profile(p, dur)
        can[:, j] = ok[lo:hi]
        away[:, j] = aw[lo:hi]
        cost[:, j] = prof.cost[lo:hi]
        starts[:, j] = prof.clock.start[lo:hi]
        ends[:, j] = prof.clock.end[lo:hi]
        local[:, j] = prof.clock.weekday[lo:hi] * 1440 + prof.clock.start[lo:hi]
        for b_start, b_end in busy.get(p.email, ()):
            clash[:, j] |= (slots < b_end) & (b_start < slots + dur * 60)
    enough = can.sum(axis=1) >= series.quorum
    feasible = enough & ~(can & clash).any(axis=1)
    if not feasible.any():
        return _explain(series, week, grid, members, can, enough)
    keep = np.flatnonzero(feasible)
    can, away, cost = can[keep], away[keep], cost[keep]
    miss = np.asarray([p.miss_cost for p in members], dtype=np.int64)
    cost = np.where(can, cost, np.where(away, 0, miss[None, :]))
    centers = np.asarray([p.preferred.start + p.preferred.end for p in members], dtype=np.int64)
    weekday0 = local[keep, 0] // 1440
    rank = _comfort_rank(slots[keep], starts[keep], ends[keep], weekday0, can, centers)
    return Candidates(
        series=series,
        week=week,
        members=np.asarray([index[e] for e in series.members], dtype=np.int64),
        slots=slots[keep],
        attend=can,
        cost=cost,
        rank=rank,
        local=local[keep],
    )


def _away_in_week(person: Person, grid: WeekGrid, week: int, margin: int = 0) -> list[Away]:
    """Away periods touching the program week (widened by `margin` days on each side: a
    person's local dates reach a day past the program zone's week on either end)."""
    monday = grid.monday(week).toordinal()
    return [
        a
        for a in person.away
        if a.first.toordinal() <= monday + 6 + margin and a.last.toordinal() >= monday - margin
    ]


def _explain(
    series: Series,
    week: int,
    grid: WeekGrid,
    members: Sequence[Person],
    can: BoolArray,
    enough: BoolArray,
) -> Blocked:
    """Name the people whose constraints leave an occurrence without any slot, and why."""
    m = len(members)
    alone = [not bool(can[:, j].any()) for j in range(m)]

    def own_reason(p: Person) -> str:
        periods = _away_in_week(p, grid, week)
        if periods:
            return ", ".join(a.label() for a in periods)
        return (
            f"no {series.duration}-minute window inside available hours on a workday "
            f"this week ({p.zone})"
        )

    if series.quorum == m:
        if any(alone):
            who = [p for p, a in zip(members, alone, strict=True) if a]
            return Blocked(
                series,
                week,
                tuple(p.email for p in who),
                "; ".join(
                    f"{p.email}: {own_reason(p)}" if len(who) > 1 else own_reason(p) for p in who
                ),
            )
        if not enough.any():
            zones = ", ".join(f"{p.email} {p.zone}" for p in members)
            return Blocked(
                series,
                week,
                tuple(p.email for p in members),
                f"no time this week when all can attend ({zones})",
            )
        return Blocked(
            series,
            week,
            tuple(p.email for p in members),
            "every common slot overlaps a meeting already fixed",
        )
    counts = can.sum(axis=1)
    best = int(counts.max()) if counts.size else 0
    if best >= series.quorum:
        return Blocked(
            series,
            week,
            tuple(p.email for p in members),
            "every slot with a quorum overlaps a meeting already fixed",
        )
    at_best = can[counts == best] if counts.size else can
    absent = [p for j, p in enumerate(members) if not at_best[:, j].any()] if at_best.size else []
    if not absent:
        absent = [p for j, p in enumerate(members) if alone[j]] or list(members)
    notes = [f"{p.email}: {own_reason(p)}" for p in absent if _away_in_week(p, grid, week)]
    reason = f"quorum {series.quorum} of {m} not reachable: at most {best} can attend at once"
    if notes:
        reason += " (" + "; ".join(notes) + ")"
    return Blocked(series, week, tuple(p.email for p in absent), reason)


def potential_conflicts(occs: Sequence[Candidates]) -> list[tuple[int, int]]:
    """Pairs of occurrences sharing a member whose candidate time spans overlap."""
    by_person: dict[int, list[int]] = {}
    for i, o in enumerate(occs):
        for p in o.members.tolist():
            by_person.setdefault(p, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for idx in by_person.values():
        spans = sorted((*occs[i].span(), i) for i in idx)
        for a in range(len(spans)):
            _start_a, end_a, ia = spans[a]
            for b in range(a + 1, len(spans)):
                start_b, _, ib = spans[b]
                if start_b >= end_a:
                    break
                pairs.add((min(ia, ib), max(ia, ib)))
    return sorted(pairs)


def blocking_budget(o: Candidates, others: Sequence[Candidates]) -> int:
    """How many start slots of `o` the other meetings could block at most."""
    step = SLOT_SECONDS // 60
    mine = -(-o.duration // step)
    return sum(mine + -(-k.duration // step) - 1 for k in others)


def prune(o: Candidates, budget: int) -> Candidates:
    """Keep per cost vector the `budget + 1` best-ranked slots; drop vectors that more than
    `budget` strictly better slots dominate. Exact: some kept slot is always free and no worse."""
    if o.cost.shape[1] <= 2 and o.cost.size and int(o.cost.max()) < 1 << 30:
        flat = o.cost[:, 0] << 31 | (o.cost[:, 1] if o.cost.shape[1] == 2 else 0)
        _, first, inverse, sizes = np.unique(
            flat, return_index=True, return_inverse=True, return_counts=True
        )
        classes = o.cost[first]
    else:
        classes, inverse, sizes = np.unique(o.cost, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    le = (classes[:, None, :] <= classes[None, :, :]).all(axis=2)
    lt = (classes[:, None, :] < classes[None, :, :]).any(axis=2)
    dominates = le & lt  # [a, b]: a strictly dominates b
    dominated_by = (dominates * sizes[:, None]).sum(axis=0)
    alive = dominated_by <= budget
    order = np.lexsort((o.rank, inverse))  # by class, then rank
    keep: list[int] = []
    taken = np.zeros(len(classes), dtype=np.int64)
    for i in order.tolist():
        c = inverse[i]
        if alive[c] and taken[c] <= budget:
            keep.append(i)
            taken[c] += 1
    k = np.asarray(sorted(keep, key=lambda i: int(o.rank[i])), dtype=np.int64)
    return Candidates(
        o.series,
        o.week,
        o.members,
        o.slots[k],
        o.attend[k],
        o.cost[k],
        np.argsort(np.argsort(o.rank[k], kind="stable"), kind="stable"),
        o.local[k],
    )


# a series' duration and quorum; per member: profile, the zone's offset per week, irregular weeks
_SeriesFacts = tuple[
    tuple[object, ...], list[tuple[tuple[object, ...], list[object], frozenset[int]]]
]


class CandidateSource:
    """Candidates of every occurrence of one program, computed once per *regime*.

    An occurrence's candidates depend only on its members' profiles, its length and quorum,
    and the UTC offsets of their zones (and the program's) that week, as long as nobody is
    away or already booked then. Weeks and series sharing all of those share candidates,
    shifted in time; large programs have few such regimes, so this is where planning time goes
    from per-occurrence to per-regime.
    """

    def __init__(
        self,
        model: CostModel,
        people: Mapping[str, Person],
        zone: str,
        busy: Mapping[str, Sequence[tuple[int, int]]],
    ) -> None:
        self.model = model
        self.people = people
        self.zone = zone
        self.busy = busy
        self._offsets: dict[str, list[object]] = {}  # zone → per week (see _steady_offset)
        self._regimes: dict[tuple[str, int], tuple[object, ...] | None] = {}
        self._own: dict[str, tuple[tuple[object, ...], str, frozenset[int]]] = {}
        self._facts: dict[str, _SeriesFacts] = {}
        self._raw: dict[tuple[object, ...], Candidates | None] = {}
        self._pruned: dict[tuple[object, ...], Candidates] = {}
        self.hits = 0

    def _steady_offset(self, zone: str, week: int) -> object:
        """The zone's UTC offset if it holds all week (with a day's margin); otherwise the week
        itself, since candidates then follow that week's own changes."""
        return self._zone_offsets(zone)[week]

    def _zone_offsets(self, zone: str) -> list[object]:
        found = self._offsets.get(zone)
        if found is None:
            found = self._offsets[zone] = self._zone_weeks(zone)
        return found

    def _zone_weeks(self, zone: str) -> list[object]:
        """_steady_offset of every week of the program, for one zone, at once."""
        from scheduling.zones import offset_table

        grid = self.model.grid
        bounds = grid.bounds.astype(np.int64)
        lo, hi = bounds[:-1] - DAY, bounds[1:] + DAY
        table = offset_table(zone, int(bounds[0]) // DAY - 1, int(bounds[-1]) // DAY + 1)
        off_lo, off_hi = table.offset(lo), table.offset(hi)
        moves = np.asarray([t.at for t in table.transitions], dtype=np.int64)
        out: list[object] = []
        for w in range(len(lo)):
            inside = bool(((moves > lo[w]) & (moves <= hi[w])).any()) if moves.size else False
            out.append(("week", w) if inside or off_lo[w] != off_hi[w] else int(off_lo[w]))
        return out

    def regime(self, series: Series, week: int) -> tuple[object, ...] | None:
        """What this occurrence's candidates depend on, or None when they are its own."""
        key = (series.id, week)
        if key in self._regimes:
            return self._regimes[key]
        return self.regimes(series, [week])[0]

    def regimes(self, series: Series, weeks: Sequence[int]) -> list[tuple[object, ...] | None]:
        """`regime` of each of `weeks` of one series (computed once each, then kept)."""
        head, members = self._series_facts(series)
        program = self._zone_offsets(self.zone)
        known = self._regimes
        out: list[tuple[object, ...] | None] = []
        for week in weeks:
            key = (series.id, week)
            if key in known:
                out.append(known[key])
                continue
            found: tuple[object, ...] | None = None
            if not any(week in irregular for _, _, irregular in members):
                parts: list[object] = [*head, program[week]]
                for profile, offsets, _ in members:
                    parts += (profile, offsets[week])
                found = tuple(parts)
            known[key] = found
            out.append(found)
        return out

    def _series_facts(self, series: Series) -> _SeriesFacts:
        """What a series' regime is made of in every week, gathered once per series."""
        found = self._facts.get(series.id)
        if found is None:
            members = []
            for email in series.members:
                own = self._own.get(email)
                if own is None:
                    own = self._own[email] = self._person_facts(email)
                profile, zone, irregular = own
                members.append((profile, self._zone_offsets(zone), irregular))
            found = self._facts[series.id] = ((series.duration, series.quorum), members)
        return found

    def _person_facts(self, email: str) -> tuple[tuple[object, ...], str, frozenset[int]]:
        """A person's profile, zone, and the weeks their away periods or fixed meetings touch."""
        p = self.people[email]
        busy = self.busy.get(email, ())
        if not p.away and not busy:
            return (p.profile(), p.miss_cost), p.zone, frozenset()
        grid = self.model.grid
        bounds = grid.bounds.tolist()
        weeks = set()
        for w in range(grid.weeks):
            if p.away and _away_in_week(p, grid, w, margin=1):
                weeks.add(w)
            first, last = bounds[w] - DAY, bounds[w + 1] + DAY
            if any(first < b_end and b_start < last for b_start, b_end in busy):
                weeks.add(w)
        return (p.profile(), p.miss_cost), p.zone, frozenset(weeks)

    def candidates(
        self, series: Series, week: int, index: Mapping[str, int]
    ) -> Candidates | Blocked:
        key = self.regime(series, week)
        if key is None:
            return occurrence_candidates(self.model, series, week, self.people, index, self.busy)
        base = int(self.model.grid.bounds[week])
        if key not in self._raw:
            found = occurrence_candidates(self.model, series, week, self.people, index, self.busy)
            if isinstance(found, Blocked):
                self._raw[key] = None
                return found
            found.slots = found.slots - base
            self._raw[key] = found
        else:
            self.hits += 1
        template = self._raw[key]
        if template is None:
            return occurrence_candidates(self.model, series, week, self.people, index, self.busy)
        members = np.asarray([index[e] for e in series.members], dtype=np.int64)
        return Candidates(
            series,
            week,
            members,
            template.slots + base,
            template.attend,
            template.cost,
            template.rank,
            template.local,
            regime=key,
        )

    def pruned(self, o: Candidates, budget: int) -> Candidates:
        if o.regime is None:
            return prune(o, budget)
        base = int(self.model.grid.bounds[o.week])
        key = (o.regime, budget)
        hit = self._pruned.get(key)
        if hit is None:
            hit = prune(o, budget)
            hit.slots = hit.slots - base
            self._pruned[key] = hit
        return Candidates(
            o.series,
            o.week,
            o.members,
            hit.slots + base,
            hit.attend,
            hit.cost,
            hit.rank,
            hit.local,
            regime=o.regime,
            memo=hit.memo,
        )
