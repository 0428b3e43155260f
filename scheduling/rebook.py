"""Move one occurrence that an attendee declined (SPEC §5 "RSVP"): the next fair slot that week.

The other meetings of the plan stay where they are (their invites are out); the declined
occurrence gets the candidate of its own week that keeps the members' burden fairest: the
smallest worst burden among its members after the move, then the smallest cost of the
meeting itself, then the earliest start. A candidate must start at or after `not_before`,
must not overlap the declined time for anyone who declined it, nor any other meeting of an
attendee. Pure: the caller passes the plan and the time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np

from scheduling.availability import CostModel
from scheduling.candidates import Blocked, occurrence_candidates
from scheduling.model import Occurrence, Plan
from scheduling.weeks import build_grid, to_datetime


def _busy(plan: Plan, skip: tuple[str, int]) -> dict[str, list[tuple[int, int]]]:
    busy: dict[str, list[tuple[int, int]]] = {}
    for sid, occs in plan.occurrences.items():
        for o in occs:
            if o.start is None or o.end is None or (sid, o.week) == skip:
                continue
            for m in o.attendees:
                busy.setdefault(m, []).append((int(o.start.timestamp()), int(o.end.timestamp())))
    return busy


def rebook(
    plan: Plan,
    series_id: str,
    week: int,
    declined_by: Collection[str],
    not_before: datetime,
    also_busy: Mapping[str, Sequence[tuple[datetime, datetime]]] | None = None,
) -> Occurrence | None:
    """The occurrence's new slot, or None when no candidate is left that week."""
    spec = plan.program
    series = plan.series(series_id)
    current = next((o for o in plan.occurrences[series_id] if o.week == week), None)
    if current is None or current.start is None or current.end is None:
        return None
    grid = build_grid(spec.zone, spec.week0, spec.weeks)
    model = CostModel(grid)
    people = {p.email: p for p in spec.people if p.email in series.members}
    index = {e: i for i, e in enumerate(series.members)}
    busy = _busy(plan, (series_id, week))
    declined = (int(current.start.timestamp()), int(current.end.timestamp()))
    for m in declined_by:
        busy.setdefault(m, []).append(declined)
    for m, spans in (also_busy or {}).items():
        for a, b in spans:
            busy.setdefault(m, []).append((int(a.timestamp()), int(b.timestamp())))
    found = occurrence_candidates(model, series, week, people, index, busy)
    if isinstance(found, Blocked):
        return None
    ok = found.slots >= int(not_before.timestamp())
    # (a decliner is busy at the declined time, so slots overlapping it are infeasible)
    ok &= found.slots != declined[0]
    if not ok.any():
        return None
    keep = np.flatnonzero(ok)
    before = np.asarray(
        [plan.burden.get(m, 0) - int(current.cost.get(m, 0)) for m in series.members],
        dtype=np.int64,
    )
    after = before[None, :] + found.cost[keep]
    order = np.lexsort((found.slots[keep], found.cost[keep].sum(axis=1), after.max(axis=1)))
    k = int(keep[order[0]])
    start = to_datetime(int(found.slots[k]))
    return Occurrence(
        series_id=series_id,
        week=week,
        start=start,
        end=start + timedelta(minutes=series.duration),
        attendees=tuple(m for j, m in enumerate(series.members) if found.attend[k, j]),
        left_out=tuple(m for j, m in enumerate(series.members) if not found.attend[k, j]),
        cost={m: int(found.cost[k, j]) for j, m in enumerate(series.members)},
        fixed=True,
    )
