"""VTIMEZONE components that every calendar reads the same way (RFC 5545 §3.6.5).

Built from the IANA database. Where a zone's changes follow a yearly rule over the window we
emit the rule (`RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU`), as Google, Apple and Outlook do;
where they do not (a zone that changed its rules), one STANDARD/DAYLIGHT block per change.
Never a comma-separated RDATE list: Mozilla's ical.js (Thunderbird) reads only its first
value and then shows 09:00 New York on 2026-03-30 an hour off. Cached per zone and window,
since building one costs milliseconds. Pure: no I/O, no clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from scheduling.zones import DAY, Transition, offset_table

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class _Change:
    local: datetime  # naive wall-clock time of the change, in the offset before it
    before: int
    after: int
    dst: bool
    name: str


def _changes(zone: str, first_year: int, last_year: int) -> list[_Change]:
    lo = (date(first_year, 1, 1) - date(1970, 1, 1)).days
    hi = (date(last_year, 12, 31) - date(1970, 1, 1)).days
    table = offset_table(zone, lo, hi)
    tz = ZoneInfo(zone)
    out = []
    for t in table.transitions:
        if not lo * DAY <= t.at <= (hi + 1) * DAY:
            continue
        out.append(_describe(t, tz))
    return out


def _describe(t: Transition, tz: ZoneInfo) -> _Change:
    instant = datetime.fromtimestamp(t.at, tz=UTC).astimezone(tz)
    dst = instant.dst()
    local = datetime.fromtimestamp(t.at + t.before, tz=UTC).replace(tzinfo=None)
    return _Change(
        local, t.before, t.after, bool(dst and dst.total_seconds()), instant.tzname() or ""
    )


def _window_rule(days: list[date]) -> tuple[int, int] | None:
    """(weekday, first month day) such that each date is the first such weekday on or after
    that day of its month, for all `days` (same month); None when no such rule fits."""
    weekday = days[0].weekday()
    month = days[0].month
    if any(d.weekday() != weekday or d.month != month for d in days):
        return None
    # the usual rules first (nth or last weekday): a few years of data fit several windows
    last = min(calendar.monthrange(d.year, month)[1] for d in days) - 6
    for start in (1, 8, 15, 22, last, *range(1, 29)):
        if all(start <= d.day <= start + 6 for d in days) and (
            start != last or all(d.day > calendar.monthrange(d.year, month)[1] - 7 for d in days)
        ):
            return weekday, start
    return None


def _rrule(days: list[date]) -> vRecur | None:
    found = _window_rule(days)
    if found is None:
        return None
    weekday, start = found
    month = days[0].month
    rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": month}
    is_last = all(d.day > calendar.monthrange(d.year, month)[1] - 7 for d in days)
    if start in (1, 8, 15, 22):
        rule["BYDAY"] = f"{(start - 1) // 7 + 1}{_DAYS[weekday]}"
    elif is_last:
        rule["BYDAY"] = f"-1{_DAYS[weekday]}"
    else:
        rule["BYDAY"] = _DAYS[weekday]
        rule["BYMONTHDAY"] = list(range(start, start + 7))
    return vRecur(rule)


def _sub(change: _Change, rrule: vRecur | None) -> TimezoneStandard | TimezoneDaylight:
    sub = TimezoneDaylight() if change.dst else TimezoneStandard()
    sub.add("dtstart", change.local)
    sub.add("tzoffsetfrom", timedelta(seconds=change.before))
    sub.add("tzoffsetto", timedelta(seconds=change.after))
    if change.name:
        sub.add("tzname", change.name)
    if rrule is not None:
        sub.add("rrule", rrule)
    return sub


@lru_cache(maxsize=512)
def _build(zone: str, first_year: int, last_year: int) -> bytes:
    tz = Timezone()
    tz.add("tzid", zone)
    changes = _changes(zone, first_year, last_year)
    if not changes:
        probe = datetime(first_year, 7, 1, tzinfo=ZoneInfo(zone))
        off = probe.utcoffset() or timedelta(0)
        secs = int(off.total_seconds())
        tz.add_component(
            # VTIMEZONE onsets are floating local times by definition (RFC 5545 §3.6.5)
            _sub(_Change(datetime(1970, 1, 1), secs, secs, False, probe.tzname() or ""), None)  # noqa: DTZ001
        )
        return bytes(tz.to_ical())
    kinds: dict[tuple[int, int, bool, str], list[_Change]] = {}
    for ch in changes:
        kinds.setdefault((ch.before, ch.after, ch.dst, ch.name), []).append(ch)
    years = {ch.local.year for ch in changes}
    regular = len(kinds) <= 2 and all(
        len(group) == len(years) == last_year - first_year + 1
        and len({(c.local.time(), c.local.month) for c in group}) == 1
        and _rrule([c.local.date() for c in group]) is not None
        for group in kinds.values()
    )
    if regular:
        for group in sorted(kinds.values(), key=lambda g: g[0].local):
            tz.add_component(_sub(group[0], _rrule([c.local.date() for c in group])))
    else:
        first = changes[0]
        tz.add_component(
            _sub(
                _Change(
                    datetime(first_year, 1, 1),  # noqa: DTZ001 - floating local onset
                    first.before,
                    first.before,
                    False,
                    _name_before(zone, first),
                ),
                None,
            )
        )
        for ch in changes:
            tz.add_component(_sub(ch, None))
    return bytes(tz.to_ical())


def _name_before(zone: str, change: _Change) -> str:
    before = datetime(change.local.year, 1, 1, tzinfo=ZoneInfo(zone))
    return before.tzname() or ""


def vtimezone(zone: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for `zone` valid from the year before `first` to the year after `last`."""
    if zone == "UTC":
        raise ValueError("UTC needs no VTIMEZONE; write times with Z")
    return cast(Timezone, Timezone.from_ical(_build(zone, first.year - 1, last.year + 1)))
