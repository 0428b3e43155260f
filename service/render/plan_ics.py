"""`rota plan --format ics`: one VCALENDAR with every series, readable by any calendar.

Reproducible: DTSTAMP is the program's first Monday (or SOURCE_DATE_EPOCH when set), so the
same config always exports the same bytes. The live invites (mail/invites) stamp send time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from mail.calendar import Attendee, Meeting, SeriesEvent, build_calendar, series_events
from mail.ids import series_uid
from scheduling.model import Plan
from service.config.model import Config
from service.program import location_of
from service.render.view import PlanView


def series_event(
    config: Config,
    plan: Plan,
    series_id: str,
    view: PlanView | None,
    dtstamp: datetime,
    description: str = "",
    sequence: int = 0,
) -> SeriesEvent:
    s = plan.series(series_id)
    people = {p.email: p for p in config.people}
    occs = view.occurrences(s.id) if view else list(plan.occurrences[s.id])
    meetings = tuple(
        Meeting(o.week, o.start, o.end, frozenset(o.left_out))
        for o in occs
        if o.start is not None and o.end is not None
    )
    return SeriesEvent(
        uid=series_uid(config.program.organizer, config.program.starts, s.id),
        summary=f"{s.title}",
        organizer=(config.program.organizer_name, config.program.organizer),
        attendees=tuple(Attendee(m, people[m].name, people[m].timezone) for m in s.members),
        meetings=meetings,
        description=description,
        sequence=sequence,
        dtstamp=dtstamp,
        location=location_of(config, s.id),
    )


def export_stamp(config: Config, source_date_epoch: str | None) -> datetime:
    if source_date_epoch and source_date_epoch.isdigit():
        return datetime.fromtimestamp(int(source_date_epoch), tz=UTC)
    start = config.program.starts
    monday = start - timedelta(days=start.weekday())
    return datetime.combine(monday, time(0), tzinfo=UTC)


def render_ics(config: Config, plan: Plan, view: PlanView, dtstamp: datetime) -> bytes:
    events = []
    for s in plan.program.series:
        events += series_events(series_event(config, plan, s.id, view, dtstamp))
    span = (config.program.starts, config.program.ends)
    return bytes(build_calendar(events, span=span).to_ical())
