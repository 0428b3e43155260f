"""UTC offsets of IANA zones for many instants at once.

zoneinfo answers one instant at a time; planning needs the local wall clock of every
30-minute slot of a program for every zone. A zone's offset is piecewise constant between
transitions, so we find the transitions in the window once (probing daily, then bisecting
to the second) and look offsets up with a binary search. Exact for every zone in the IANA
database, including half-hour and 45-minute offsets and southern-hemisphere DST.
Pure: no clock, no I/O beyond the zoneinfo database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

IntArray = npt.NDArray[np.int64]


def _offset_at(zone: ZoneInfo, ts: int) -> int:
    off = (_EPOCH + timedelta(seconds=ts)).astimezone(zone).utcoffset()
    assert off is not None
    return int(off.total_seconds())


@dataclass(frozen=True, slots=True)
class Transition:
    at: int  # UTC seconds since the epoch: the first instant of the new offset
    before: int  # offset seconds before
    after: int  # offset seconds from `at` on


@dataclass(frozen=True, slots=True)
class OffsetTable:
    """Offsets of one zone over a window: `offsets[i]` holds from `starts[i]` on."""

    zone: str
    starts: IntArray
    offsets: IntArray
    transitions: tuple[Transition, ...]

    def offset(self, ts: IntArray) -> IntArray:
        idx = np.searchsorted(self.starts, ts, side="right") - 1
        return self.offsets[np.clip(idx, 0, None)]


@lru_cache(maxsize=1024)
def offset_table(zone: str, first_day: int, last_day: int) -> OffsetTable:
    """Offsets of `zone` between two UTC epoch days (inclusive), transitions exact to the second."""
    tz = ZoneInfo(zone)
    probes = range((first_day - 1) * DAY, (last_day + 2) * DAY, DAY)
    transitions: list[Transition] = []
    prev_ts = probes[0]
    prev_off = _offset_at(tz, prev_ts)
    for ts in probes[1:]:
        off = _offset_at(tz, ts)
        if off != prev_off:
            lo, hi = prev_ts, ts  # offset(lo) == prev_off, offset(hi) != prev_off
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_at(tz, mid) == prev_off:
                    lo = mid
                else:
                    hi = mid
            transitions.append(Transition(hi, prev_off, _offset_at(tz, hi)))
        prev_ts, prev_off = ts, off
    first_off = _offset_at(tz, probes[0])
    starts = [probes[0] - 100 * 366 * DAY] + [t.at for t in transitions]
    offsets = [first_off] + [t.after for t in transitions]
    return OffsetTable(
        zone,
        np.asarray(starts, dtype=np.int64),
        np.asarray(offsets, dtype=np.int64),
        tuple(transitions),
    )


def transitions_between(zone: str, start: datetime, end: datetime) -> tuple[Transition, ...]:
    """Every offset change of `zone` in [start, end) (aware datetimes)."""
    first_day = int(start.timestamp()) // DAY
    last_day = int(end.timestamp()) // DAY
    table = offset_table(zone, first_day, last_day)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    return tuple(t for t in table.transitions if lo <= t.at < hi)
