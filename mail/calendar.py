"""A meeting series as iCalendar: one master VEVENT with overrides (RFC 5545, RFC 5546).

The master carries a weekly RRULE anchored where the series is most regular (the zone and
local weekday/time most occurrences share), so calendars show one tidy recurring meeting;
each occurrence the plan puts elsewhere is an override with RECURRENCE-ID (the rule's
instance it replaces), and each rule instance without a meeting is an EXDATE. Left-out group
members stay invited as OPT-PARTICIPANT on that occurrence. Pure: times and DTSTAMP come in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from mail.vtimezone import vtimezone

PRODID = "-//Rota//Rota mentorship scheduler//EN"


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str
    zone: str


@dataclass(frozen=True, slots=True)
class Meeting:
    """One planned occurrence: its program week, UTC start and end, and who may miss it."""

    week: int
    start: datetime
    end: datetime
    optional: frozenset[str] = frozenset()  # left out: invited as OPT-PARTICIPANT


@dataclass(frozen=True, slots=True)
class SeriesEvent:
    uid: str
    summary: str
    organizer: tuple[str, str]  # (name, email)
    attendees: tuple[Attendee, ...]
    meetings: tuple[Meeting, ...]  # planned occurrences, any order
    description: str = ""
    sequence: int = 0
    dtstamp: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    location: str = ""  # a video link or a room (LOCATION)
    extra_weeks: tuple[int, ...] = ()  # series weeks with no meeting (unschedulable/cancelled)


@dataclass(frozen=True, slots=True)
class Anchor:
    zone: str
    first: datetime  # aware, in `zone`: DTSTART of the rule's first instance
    interval: int  # weeks
    count: int
    first_week: int

    def instance(self, week: int) -> datetime:
        """The rule's instance for program `week`: same local weekday and time, DST-correct."""
        naive = self.first.replace(tzinfo=None) + timedelta(weeks=week - self.first_week)
        return (
            naive.replace(tzinfo=ZoneInfo(self.zone))
            if self.zone != "UTC"
            else naive.replace(tzinfo=UTC)
        )

    def weeks(self) -> range:
        return range(self.first_week, self.first_week + self.interval * self.count, self.interval)

    def covering(self, weeks: Iterable[int]) -> Anchor | None:
        """This rule stretched to cover `weeks`, or None if some week is not on it."""
        ws = list(weeks)
        if not ws or any(w < self.first_week or (w - self.first_week) % self.interval for w in ws):
            return None
        count = max(self.count, (max(ws) - self.first_week) // self.interval + 1)
        return Anchor(self.zone, self.first, self.interval, count, self.first_week)

    def to_json(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "first": self.first.replace(tzinfo=None).isoformat(),
            "interval": self.interval,
            "count": self.count,
            "first_week": self.first_week,
        }

    @staticmethod
    def from_json(data: dict[str, object]) -> Anchor:
        zone = str(data["zone"])
        tz = UTC if zone == "UTC" else ZoneInfo(zone)
        first = datetime.fromisoformat(str(data["first"])).replace(tzinfo=tz)
        return Anchor(
            zone,
            first,
            int(str(data["interval"])),
            int(str(data["count"])),
            int(str(data["first_week"])),
        )


def _local(dt: datetime, zone: str) -> datetime:
    return dt.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))


def choose_anchor(meetings: Sequence[Meeting], zones: Iterable[str]) -> Anchor:
    """The zone and local (weekday, time) that the most meetings share; ties go to the first zone."""
    ordered = sorted(meetings, key=lambda m: m.week)
    first_week = ordered[0].week
    gaps = [b.week - a.week for a, b in itertools.pairwise(ordered)]
    interval = math.gcd(*gaps) if gaps else 1
    count = (ordered[-1].week - first_week) // interval + 1
    best = -1
    anchor: Anchor | None = None
    for zone in dict.fromkeys([*zones, "UTC"]):
        tally: dict[tuple[int, int, int], int] = {}  # insertion order = first appearance
        for m in ordered:
            loc = _local(m.start, zone)
            key = (loc.weekday(), loc.hour, loc.minute)
            tally[key] = tally.get(key, 0) + 1
        sig = max(tally, key=lambda k: tally[k])
        if tally[sig] > best:  # strict: ties keep the earlier zone (attendees first)
            best = tally[sig]
            first_local = _local(ordered[0].start, zone)
            day = first_local.date() - timedelta(days=first_local.weekday() - sig[0])
            tz = UTC if zone == "UTC" else ZoneInfo(zone)
            first = datetime(day.year, day.month, day.day, sig[1], sig[2], tzinfo=tz)
            anchor = Anchor(zone, first, interval, count, first_week)
    assert anchor is not None
    return anchor


def _address(email: str, name: str, **params: str) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    if name:
        addr.params["CN"] = vText(name)
    for k, v in params.items():
        addr.params[k.replace("_", "-").upper()] = v
    return addr


def _base(ev: SeriesEvent, dtstart: datetime, dtend: datetime, optional: frozenset[str]) -> Event:
    e = Event()
    e.add("uid", ev.uid)
    e.add("dtstamp", ev.dtstamp.astimezone(UTC))
    e.add("sequence", ev.sequence)
    e.add("summary", ev.summary)
    e.add("dtstart", dtstart)
    e.add("dtend", dtend)
    if ev.description:
        e.add("description", ev.description)
    if ev.location:
        e.add("location", ev.location)
    e.add("status", "CONFIRMED")
    e.add("transp", "OPAQUE")
    e.add("organizer", _address(ev.organizer[1], ev.organizer[0]))
    for a in ev.attendees:
        role = "OPT-PARTICIPANT" if a.email in optional else "REQ-PARTICIPANT"
        e.add(
            "attendee",
            _address(
                a.email,
                a.name,
                cutype="INDIVIDUAL",
                role=role,
                partstat="NEEDS-ACTION",
                rsvp="TRUE",
            ),
            encode=True,
        )
    return e


def series_events(ev: SeriesEvent, anchor: Anchor | None = None) -> list[Event]:
    """The master VEVENT and its overrides (empty when the series has no meeting). With the
    `anchor` of an invite already sent, the same rule is kept whenever the meetings still fit
    it, so every RECURRENCE-ID calendars know keeps meaning the same instance."""
    return series_with_anchor(ev, anchor)[0]


def series_with_anchor(
    ev: SeriesEvent, previous: Anchor | None = None
) -> tuple[list[Event], Anchor | None]:
    if not ev.meetings:
        return [], previous
    anchor = previous.covering(m.week for m in ev.meetings) if previous else None
    if anchor is None:
        anchor = choose_anchor(ev.meetings, [a.zone for a in ev.attendees])
    by_week = {m.week: m for m in ev.meetings}
    length = min(ev.meetings, key=lambda m: m.week)
    duration = length.end - length.start
    first_end = anchor.first + duration
    master = _base(ev, anchor.first, first_end, frozenset())
    if anchor.count > 1:
        master.add("rrule", {"FREQ": "WEEKLY", "INTERVAL": anchor.interval, "COUNT": anchor.count})
    exdates = []
    overrides = []
    for week in anchor.weeks():
        rule_start = anchor.instance(week)
        m = by_week.get(week)
        if m is None:
            exdates.append(rule_start)
            continue
        same_time = m.start == rule_start.astimezone(UTC) and m.end - m.start == duration
        if same_time and not m.optional:
            continue
        o = _base(ev, _local(m.start, anchor.zone), _local(m.end, anchor.zone), m.optional)
        o.add("recurrence-id", rule_start)
        overrides.append(o)
    for when in exdates:  # one per line: a comma list is where some parsers stumble
        master.add("exdate", when)
    return [master, *overrides], anchor


def cancel_events(ev: SeriesEvent, anchor: Anchor | None, weeks: Iterable[int] = ()) -> list[Event]:
    """CANCEL components (RFC 5546 §3.2.5): one per cancelled week with that instance's
    RECURRENCE-ID, or, when `weeks` is empty, the series' master as last sent, cancelled."""
    ws = list(weeks)
    if not ws:
        events, _ = series_with_anchor(ev, anchor)
        if not events:
            return []
        master = events[0]
        master["status"] = "CANCELLED"
        return [master]
    by_week = {m.week: m for m in ev.meetings}
    out = []
    for week in ws:
        m = by_week.get(week)
        if anchor is None or m is None:
            continue
        e = _base(ev, _local(m.start, anchor.zone), _local(m.end, anchor.zone), m.optional)
        e["status"] = "CANCELLED"
        e.add("recurrence-id", anchor.instance(week))
        out.append(e)
    return out


def zones_used(events: Iterable[Event]) -> set[str]:
    found: set[str] = set()
    for e in events:
        for prop in ("dtstart", "dtend", "recurrence-id"):
            value = e.get(prop)
            if value is not None and getattr(value.dt, "tzinfo", None) is not None:
                key = getattr(value.dt.tzinfo, "key", None)
                if key and key != "UTC":
                    found.add(key)
    return found


def build_calendar(
    events: Sequence[Event], *, method: str | None = None, span: tuple[date, date] | None = None
) -> Calendar:
    """A VCALENDAR holding `events` and a VTIMEZONE for every zone they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if span is None and events:
        starts = [e.decoded("dtstart") for e in events]
        span = (min(starts).date(), max(starts).date())
    if span is not None:
        for zone in sorted(zones_used(events)):
            cal.add_component(vtimezone(zone, span[0], span[1]))
    for e in events:
        cal.add_component(e)
    return cal
