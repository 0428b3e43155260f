"""Expand a calendar with the icalendar package and dateutil: a second, independent reader."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar


def _utc(dt: Any) -> datetime:
    assert isinstance(dt, datetime) and dt.tzinfo is not None, dt
    return dt.astimezone(UTC)


def expand(data: bytes) -> dict[str, list[tuple[datetime, datetime]]]:
    """UID → sorted (start, end) of every occurrence, overrides and EXDATEs applied."""
    cal = Calendar.from_ical(data)
    masters: dict[str, Any] = {}
    overrides: dict[str, dict[datetime, Any]] = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev["UID"])
        if "RECURRENCE-ID" in ev:
            overrides.setdefault(uid, {})[_utc(ev.decoded("RECURRENCE-ID"))] = ev
        else:
            masters[uid] = ev
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    for uid, ev in masters.items():
        start = ev.decoded("DTSTART")
        length = ev.decoded("DTEND") - start
        if "RRULE" in ev:
            rule = rrulestr(ev["RRULE"].to_ical().decode(), dtstart=start)
            instances = list(rule)
        else:
            instances = [start]
        exdates = set()
        for prop in (
            ev.get("EXDATE", []) if isinstance(ev.get("EXDATE"), list) else [ev.get("EXDATE")]
        ):
            if prop is None:
                continue
            for d in prop.dts:
                exdates.add(_utc(d.dt))
        items = []
        for inst in instances:
            key = _utc(inst)
            if key in exdates:
                continue
            o = overrides.get(uid, {}).get(key)
            if o is not None:
                if str(o.get("STATUS", "")) == "CANCELLED":
                    continue
                items.append((_utc(o.decoded("DTSTART")), _utc(o.decoded("DTEND"))))
            else:
                items.append((key, key + length))
        out[uid] = sorted(items)
    return out
