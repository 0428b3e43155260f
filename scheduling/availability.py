"""Who can attend which grid slot, and at what inconvenience (SPEC §3), for whole programs at once.

For a person and a meeting length we compute, for every candidate start of the program, the
local wall-clock start and end, whether the meeting lies inside their available hours on one
of their workdays, and its inconvenience d² in minutes². Everything is computed in the
person's own zone from the IANA database, so DST shifts change it exactly as the spec says.
Results are cached by the person's profile (zone, hours, workdays) because large programs have
many people with the same profile; away periods are applied on top, per person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduling.model import Person
from scheduling.weeks import WeekGrid
from scheduling.zones import DAY, IntArray, offset_table

BoolArray = npt.NDArray[np.bool_]
EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class LocalClock:
    """Local start day (epoch days), start minute and end minute (relative to that day)."""

    day: IntArray
    start: IntArray
    end: IntArray
    weekday: IntArray  # 0 = Monday


@dataclass(frozen=True, slots=True)
class Availability:
    ok: BoolArray  # inside available hours on a workday (away not applied)
    cost: IntArray  # d² in minutes²; meaningful where ok
    clock: LocalClock


def local_clock(zone: str, starts: IntArray, duration: int, grid: WeekGrid) -> LocalClock:
    """Local wall-clock start and end of meetings starting at `starts` (UTC seconds)."""
    table = offset_table(zone, int(grid.bounds[0]) // DAY - 1, int(grid.bounds[-1]) // DAY + 1)
    local_start = starts + table.offset(starts)
    ends = starts + duration * 60
    local_end = ends + table.offset(ends)
    day = local_start // DAY
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    return LocalClock(
        day, (local_start - day * DAY) // 60, -((day * DAY - local_end) // 60), weekday
    )


def inconvenience(start: IntArray, end: IntArray, pref_start: int, pref_end: int) -> IntArray:
    """d² in minutes², d = minutes started before plus minutes ended after the preferred window."""
    d = np.maximum(0, pref_start - start) + np.maximum(0, end - pref_end)
    return np.asarray(d * d, dtype=np.int64)


class CostModel:
    """Availability and inconvenience of every person over one program's grid."""

    def __init__(self, grid: WeekGrid) -> None:
        self.grid = grid
        self._profiles: dict[tuple[object, ...], Availability] = {}
        self._people: dict[tuple[object, ...], tuple[BoolArray, BoolArray]] = {}

    def profile(self, person: Person, duration: int) -> Availability:
        key = (person.profile(), duration)
        hit = self._profiles.get(key)
        if hit is None:
            clock = local_clock(person.zone, self.grid.slots, duration, self.grid)
            ok = (
                (clock.start >= person.available.start)
                & (clock.end <= person.available.end)
                & np.isin(clock.weekday, sorted(person.workdays))
            )
            cost = inconvenience(
                clock.start, clock.end, person.preferred.start, person.preferred.end
            )
            hit = Availability(ok, cost.astype(np.int64), clock)
            self._profiles[key] = hit
        return hit

    def attend(self, person: Person, duration: int) -> tuple[BoolArray, BoolArray]:
        """(can attend, is away) for every grid slot of the program."""
        key = (person.profile(), person.away, duration)
        hit = self._people.get(key)
        if hit is None:
            prof = self.profile(person, duration)
            away = np.zeros(prof.ok.shape, dtype=np.bool_)
            for period in person.away:
                first = period.first.toordinal() - EPOCH_ORDINAL
                last = period.last.toordinal() - EPOCH_ORDINAL
                away |= (prof.clock.day >= first) & (prof.clock.day <= last)
            hit = (prof.ok & ~away, away)
            self._people[key] = hit
        return hit
