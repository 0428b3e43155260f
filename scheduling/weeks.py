"""Program weeks, cadence weeks and the 30-minute UTC candidate grid (SPEC §3).

Week 0 is the ISO week (Monday to Sunday, program zone) holding the start date; a week runs
from Monday 00:00 to the next Monday 00:00 in the program zone, which is 167 or 169 hours
across a DST change. Candidates are the UTC instants on the :00/:30 grid inside a week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from scheduling.zones import IntArray

SLOT_SECONDS = 30 * 60


def week0_monday(starts: date) -> date:
    """Monday of the ISO week that holds `starts`."""
    return starts - timedelta(days=starts.weekday())


def count_weeks(starts: date, ends: date) -> int:
    """Number of program weeks: every week whose Monday is on or before `ends`."""
    monday = week0_monday(starts)
    if ends < monday:
        return 0
    return (ends - monday).days // 7 + 1


@dataclass(frozen=True, slots=True)
class CadenceSegment:
    """A cadence in force over weeks [first, stop): `every` weeks, shifted by `offset`."""

    first: int
    stop: int
    every: int
    offset: int = 0


def occurrence_weeks(segments: Iterable[CadenceSegment]) -> tuple[int, ...]:
    """Weeks with an occurrence: week = offset + k·every, within the segment in force.

    SPEC §3 puts occurrence k of "every Nw" in week offset + k·N; when a phase changes the
    cadence, the same formula applies to the weeks that phase covers.
    """
    weeks: set[int] = set()
    for seg in segments:
        if seg.every <= 0:
            continue
        start = seg.offset
        if start < seg.first:
            start += -(-(seg.first - start) // seg.every) * seg.every
        weeks.update(range(start, seg.stop, seg.every))
    return tuple(sorted(weeks))


@dataclass(frozen=True, slots=True)
class WeekGrid:
    """Week boundaries and every candidate start of the program, as UTC epoch seconds."""

    zone: str
    week0: date
    bounds: IntArray  # bounds[w] = start of week w; bounds[weeks] = end of the last week
    slots: IntArray  # every grid instant in [bounds[0], bounds[-1])
    first_slot: IntArray  # first_slot[w] = index in `slots` of week w's first candidate

    @property
    def weeks(self) -> int:
        return len(self.bounds) - 1

    def week_slots(self, week: int) -> tuple[int, int]:
        """Index range [lo, hi) of `slots` inside `week`."""
        return int(self.first_slot[week]), int(self.first_slot[week + 1])

    def week_of(self, ts: int) -> int:
        """The program week holding instant `ts` (may be < 0 or ≥ weeks)."""
        return int(np.searchsorted(self.bounds, ts, side="right")) - 1

    def monday(self, week: int) -> date:
        return self.week0 + timedelta(weeks=week)


def local_midnight_utc(day: date, zone: str) -> int:
    """UTC epoch seconds of 00:00 on `day` in `zone` (the earlier instant if ambiguous)."""
    return int(datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).timestamp())


def build_grid(zone: str, week0: date, weeks: int) -> WeekGrid:
    bounds = np.asarray(
        [local_midnight_utc(week0 + timedelta(weeks=w), zone) for w in range(weeks + 1)],
        dtype=np.int64,
    )
    first = -(-int(bounds[0]) // SLOT_SECONDS) * SLOT_SECONDS
    slots = np.arange(first, int(bounds[-1]), SLOT_SECONDS, dtype=np.int64)
    first_slot = np.searchsorted(slots, bounds, side="left").astype(np.int64)
    return WeekGrid(zone, week0, bounds, slots, first_slot)


def to_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def weeks_overlapping(grid: WeekGrid, lo: date | None, hi: date | None) -> Sequence[int]:
    """Program weeks that share at least one day with [lo, hi] (program-local dates)."""
    out = []
    for w in range(grid.weeks):
        monday = grid.monday(w)
        sunday = monday + timedelta(days=6)
        if (lo is None or sunday >= lo) and (hi is None or monday <= hi):
            out.append(w)
    return out
