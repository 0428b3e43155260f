"""Series that can never meet, found before planning, with the change that would fix them.

A pair whose available hours never overlap on a shared workday (Los Angeles and Kolkata both
09:00–18:00), or a circle that never gathers its quorum, would be reported unschedulable week
after week. `rota check-config` names them at once, with the concrete fix: whose
available_hours to widen, to what, and by how much (or, for a circle, the quorum it can
reach). Away periods are left out on purpose: they block weeks, not the series.

Exact to SPEC §3's rules: starts on the 30-minute UTC grid inside the program week, the whole
meeting inside each attendee's local available hours on a local workday, local times from the
IANA database. Each distinct pattern of UTC offsets (DST) over the series' weeks is checked
once, so the check stays quick for large programs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduling.model import DayWindow, Series
from service.config.model import Config, PersonConfig
from service.program import series_of
from service.rhythm import week_monday, week_start

GRID = 1800  # seconds: candidate starts are on a 30-minute UTC grid
Intervals = tuple[tuple[int, int], ...]  # [first start, last start] in UTC seconds, closed


@dataclass(frozen=True, slots=True)
class Finding:
    series_id: str
    message: str
    hint: str


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}" if h and m else (f"{h} h" if h else f"{m} min")


@lru_cache(maxsize=65536)
def _starts(
    zone: str, window: DayWindow, workdays: frozenset[int], monday: date, duration: int
) -> Intervals:
    """When a meeting of `duration` minutes may start for this person in the week of
    `monday` (local dates, taken a day wide on each side so every UTC instant is covered)."""
    tz = ZoneInfo(zone)
    out = []
    for d in range(-1, 8):
        day = monday + timedelta(days=d)
        if day.weekday() not in workdays:
            continue
        # wall-clock times through zoneinfo: a DST change inside the window moves its end
        first_utc = int(_wall(day, window.start, tz).timestamp())
        last_utc = int(_wall(day, window.end, tz).timestamp()) - duration * 60
        if last_utc >= first_utc:
            out.append((first_utc, last_utc))
    return tuple(out)


def _wall(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    base = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    return base.replace(tzinfo=tz).astimezone(UTC)


def _grid_points(first: int, last: int, lo: int, hi: int) -> tuple[int, int] | None:
    """The grid starts in [first, last] ∩ [lo, hi), as a closed range, if any."""
    a = max(first, lo)
    a = -(-a // GRID) * GRID
    b = min(last, hi - 1)
    b = (b // GRID) * GRID
    return (a, b) if a <= b else None


def most_together(
    people: Sequence[PersonConfig], duration: int, lo: int, hi: int, monday: date
) -> int:
    """The most of `people` that can attend one start in [lo, hi)."""
    events: list[tuple[int, int]] = []
    for p in people:
        for first, last in _starts(p.timezone, p.available, p.workdays, monday, duration):
            found = _grid_points(first, last, lo, hi)
            if found:
                events.append((found[0], 1))
                events.append((found[1] + GRID, -1))
    best = current = 0
    for _, step in sorted(events):  # ends (-1) sort before starts at the same instant
        current += step
        best = max(best, current)
    return best


def _regime_weeks(
    config: Config, people: Sequence[PersonConfig], weeks: Iterable[int]
) -> list[int]:
    """One week for each distinct pattern of UTC offsets of `people` (DST)."""
    seen: dict[tuple[object, ...], int] = {}
    for w in weeks:
        monday = week_monday(config, w)
        key = tuple(_week_offsets(p.timezone, monday) for p in people)
        seen.setdefault(key, w)
    return sorted(seen.values())


@lru_cache(maxsize=65536)
def _week_offsets(zone: str, monday: date) -> tuple[timedelta | None, ...]:
    """The zone's UTC offset at noon of each day around the week of `monday`."""
    tz = ZoneInfo(zone)
    return tuple(
        tz.utcoffset(datetime.combine(monday + timedelta(days=d), time(12))) for d in range(-1, 8)
    )


def _together(config: Config, people: Sequence[PersonConfig], s: Series, week: int) -> int:
    lo = int(week_start(config, week).timestamp())
    hi = int(week_start(config, week + 1).timestamp())
    return most_together(people, s.duration, lo, hi, week_monday(config, week))


def _widen(config: Config, s: Series, people: list[PersonConfig], i: int, weeks: list[int]) -> str:
    """The smallest change to person i's available hours that lets the pair meet every week
    checked: an earlier start or a later end, within 00:00–24:00."""
    p = people[i]
    options = []
    for side in ("earlier", "later"):
        for steps in range(1, 49):
            delta = steps * 30
            start, end = p.available.start, p.available.end
            if side == "earlier":
                start -= delta
            else:
                end += delta
            if start < 0 or end > 24 * 60:
                break
            trial = [*people]
            trial[i] = replace(p, available=DayWindow(start, end))
            if all(_together(config, trial, s, w) >= s.quorum for w in weeks):
                hours = f'"{_hm(start)}-{_hm(end)}"'
                text = f"{p.name}'s available_hours to {hours} ({_span(delta)} {side})"
                options.append((delta, text))
                break
    if not options:
        return ""
    return min(options)[1]


def never_meeting(config: Config) -> list[Finding]:
    """Every series that cannot meet in any of its weeks (away periods aside)."""
    people = {p.email: p for p in config.people}
    found: list[Finding] = []
    for s in series_of(config):
        if not s.weeks:
            continue
        members = [people[m] for m in s.members]
        weeks = _regime_weeks(config, members, s.weeks)
        if any(_together(config, members, s, w) >= s.quorum for w in weeks):
            continue
        best = max(_together(config, members, s, w) for w in weeks)
        where = ", ".join(
            f"{p.name} ({p.timezone}, available {_hm(p.available.start)}-{_hm(p.available.end)})"
            for p in members
        )
        if not s.is_group:
            fixes = [f for f in (_widen(config, s, members, i, weeks) for i in (0, 1)) if f]
            found.append(
                Finding(
                    s.id,
                    f"{s.title} can never take place: {where} are never available together "
                    f"for {s.duration} minutes on a shared workday",
                    ("widen " + " or ".join(fixes))
                    if fixes
                    else "they share no workday: give one of them a workday the other has",
                )
            )
        else:
            found.append(
                Finding(
                    s.id,
                    f"{s.title} can never reach its quorum of {s.quorum}: at most {best} of its "
                    f"{len(members)} members are ever available together for {s.duration} minutes",
                    f"set quorum = {best}" if best >= 2 else "widen its members' available_hours",
                )
            )
    return found
