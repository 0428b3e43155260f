"""When each email of the program is due (SPEC §1, §5 "When emails go out"). Pure functions.

A prompt goes at the cadence's weekday and time in the mentee's local calendar of that
program week; on a day that is not one of their workdays, or one they are away, it moves to
the last workday before it that week on which they are there, and when there is none (away
the whole week up to that day) there is no prompt at all. A reminder,
an escalation or a forward that would land on a non-workday or while the person is away moves
to the start of their preferred hours on their next workday. Every instant is computed from
the IANA database, so DST weeks come out right.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.config.model import Config, PersonConfig
from service.program import checkin_cadence, checkin_weeks, program_weeks


def _at(day: date, minutes: int, zone: str) -> datetime:
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def week_monday(config: Config, week: int) -> date:
    start = config.program.starts
    return start - timedelta(days=start.weekday()) + timedelta(weeks=week)


def week_start(config: Config, week: int) -> datetime:
    """The program week's first instant (Monday 00:00 in the program zone), as UTC."""
    return _at(week_monday(config, week), 0, config.program.timezone)


def can_email(person: PersonConfig, day: date) -> bool:
    return day.weekday() in person.workdays and not person.is_away(day)


def _last_emailable(person: PersonConfig, day: date, earliest: date) -> date | None:
    """`day`, or the last day before it (not before `earliest`) that is one of `person`'s
    workdays and not an away day; None when there is none."""
    while day >= earliest:
        if can_email(person, day):
            return day
        day -= timedelta(days=1)
    return None


def prompt_day(config: Config, person: PersonConfig, week: int, weekday: int) -> date | None:
    """The local date of `person`'s prompt in `week`: the cadence weekday, or the last day
    before it that week that is a workday they are not away; None when there is none."""
    monday = week_monday(config, week)
    return _last_emailable(person, monday + timedelta(days=weekday), monday)


def prompt_time(config: Config, mentee: str, week: int) -> datetime | None:
    cadence = checkin_cadence(config, week)
    if cadence is None:
        return None
    person = config.person(mentee)
    day = prompt_day(config, person, week, cadence.weekday)
    return _at(day, cadence.at, person.timezone) if day else None


def prompt_schedule(config: Config, mentee: str) -> list[tuple[int, datetime]]:
    """Every (week, send time) of a mentee's check-in prompts."""
    out = []
    for week in checkin_weeks(config):
        when = prompt_time(config, mentee, week)
        if when is not None:
            out.append((week, when))
    return out


def week_end(config: Config, person: PersonConfig, week: int) -> datetime:
    """The end of program `week` in `person`'s own calendar (their Sunday 24:00)."""
    return _at(week_monday(config, week) + timedelta(days=7), 0, person.timezone)


def prompt_deadlines(
    config: Config, mentee: str, schedule: list[tuple[int, datetime]]
) -> list[datetime]:
    """When each prompt of `schedule` counts as missed if unanswered (SPEC §5): the mentee's
    next prompt when it follows in the next cadence week, else the end of the prompt's
    cadence period (a week away, the program's end, check-ins switched off)."""
    person = config.person(mentee)
    out = []
    for i, (week, _) in enumerate(schedule):
        cadence = checkin_cadence(config, week)
        every = cadence.every if cadence else 1
        nxt = schedule[i + 1] if i + 1 < len(schedule) else None
        if nxt is not None and nxt[0] == week + every:
            out.append(nxt[1])
        else:
            out.append(week_end(config, person, week + every - 1))
    return out


def deliverable(person: PersonConfig, when: datetime) -> datetime:
    """`when`, or if that is a non-workday or an away day for `person`, the start of their
    preferred hours on their next workday."""
    zone = ZoneInfo(person.timezone)
    day = when.astimezone(zone).date()
    if can_email(person, day):
        return when
    for _ in range(370):
        day += timedelta(days=1)
        if can_email(person, day):
            return _at(day, person.preferred.start, person.timezone)
    return when  # away for more than a year: send anyway rather than never


def evaluation_time(config: Config, mentee: str, on: date) -> datetime | None:
    """An evaluation prompt: the check-in time on its date, or like a check-in prompt, the
    last workday before it (within a week) that the mentee is not away."""
    person = config.person(mentee)
    day = _last_emailable(person, on, on - timedelta(days=6))
    return _at(day, config.checkin.at, person.timezone) if day else None


DIGEST_AT = 9 * 60  # Monday 09:00 in the program zone, about the week just ended


def digest_time(config: Config, week: int) -> datetime:
    """The digest about `week` goes out the Monday after it."""
    return _at(week_monday(config, week + 1), DIGEST_AT, config.program.timezone)


def digest_weeks(config: Config) -> range:
    return range(program_weeks(config))
