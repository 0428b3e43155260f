"""From a validated Config to what the scheduling core plans: people, series and their weeks.

Phases apply cumulatively in order of `after`: each changes or switches off cadences from
that week on. A cadence's weeks inside a phase follow SPEC §3's formula (offset + k·every)
with the values in force there.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace

from scheduling.model import Person as CorePerson
from scheduling.model import ProgramSpec, Series, hours2_to_cost
from scheduling.weeks import CadenceSegment, count_weeks, occurrence_weeks, week0_monday
from service.config.model import (
    CheckinCadence,
    Config,
    MeetingCadence,
    PersonConfig,
    RoundConfig,
)


def program_weeks(config: Config) -> int:
    return count_weeks(config.program.starts, config.program.ends)


def _segments(config: Config, name: str, base: object | None) -> list[CadenceSegment]:
    """Where cadence `name` is in force and with which every/offset, phase by phase."""
    total = program_weeks(config)
    current = base
    bounds = [0] + [ph.after for ph in config.phases if 0 < ph.after < total] + [total]
    changes_at = {ph.after: ph.changes for ph in config.phases}
    segments: list[CadenceSegment] = []
    for first, stop in itertools.pairwise(bounds):
        change = changes_at.get(first, {}) if first else {}
        if name in change:
            diff = change[name]
            if diff is None:
                current = None
            else:
                start = current if current is not None else base
                current = replace(start, **diff) if start is not None else None  # type: ignore[type-var]
        if current is not None and first < stop:
            every = getattr(current, "every")  # noqa: B009 - both cadence kinds have it
            offset = getattr(current, "offset")  # noqa: B009
            segments.append(CadenceSegment(first, stop, every, offset))
    return segments


def cadence_in_force(config: Config, name: str, week: int) -> object | None:
    """The cadence `name` (checkin or a meeting cadence) as it stands in `week`, None if off."""
    base: object | None = config.checkin if name == "checkin" else config.meetings.get(name)
    current = base
    for ph in config.phases:
        if ph.after > week:
            break
        if name in ph.changes:
            diff = ph.changes[name]
            if diff is None:
                current = None
            else:
                start = current if current is not None else base
                current = replace(start, **diff) if start is not None else None  # type: ignore[type-var]
    return current


def checkin_weeks(config: Config) -> tuple[int, ...]:
    return occurrence_weeks(_segments(config, "checkin", config.checkin))


def checkin_cadence(config: Config, week: int) -> CheckinCadence | None:
    found = cadence_in_force(config, "checkin", week)
    return found if isinstance(found, CheckinCadence) else None


def meeting_duration(config: Config, name: str, week: int) -> int:
    found = cadence_in_force(config, name, week)
    return found.duration if isinstance(found, MeetingCadence) else config.meetings[name].duration


def core_person(p: PersonConfig) -> CorePerson:
    return CorePerson(
        p.email,
        p.timezone,
        p.preferred,
        p.available,
        p.workdays,
        p.away,
        hours2_to_cost(p.miss_cost),
    )


def round_series(config: Config) -> tuple[Series, ...]:
    """One series per meeting of every pairing round (scheduling.rounds), computed once."""
    found = config.derived.get("rounds")
    if isinstance(found, tuple):
        return found
    from scheduling.rounds import RoundPool, pair_rounds
    from scheduling.weeks import build_grid

    people = {p.email: p for p in config.people}
    core = {p.email: core_person(p) for p in config.people}
    total = program_weeks(config)
    out: list[Series] = []
    if config.rounds:
        grid = build_grid(config.program.timezone, week0_monday(config.program.starts), total)
        for rc in config.rounds:
            weeks = occurrence_weeks([CadenceSegment(0, total, rc.every, rc.offset)])
            everyone = rc.people or (*rc.mentors, *rc.mentees)
            pool = RoundPool(
                rc.name,
                rc.duration,
                weeks,
                rc.people,
                rc.mentors,
                rc.mentees,
                rc.capacity,
                {e: frozenset(people[e].interests) for e in everyone},
                {e: people[e].level for e in everyone if people[e].level},
            )
            for m in pair_rounds(pool, core, grid):
                firsts = [people[e].first_name for e in m.members]
                names = ", ".join(firsts[:-1]) + " & " + firsts[-1]
                out.append(
                    Series(
                        f"round/{rc.name}/{m.week}/{'+'.join(m.members)}",
                        "round",
                        f"{rc.name}: {names}",
                        m.members,
                        rc.duration,
                        (m.week,),
                        len(m.members),
                    )
                )
    config.derived["rounds"] = tuple(out)
    return tuple(out)


def round_of(config: Config, series_id: str) -> RoundConfig | None:
    kind, _, rest = series_id.partition("/")
    if kind != "round":
        return None
    name = rest.rsplit("/", 2)[0]
    return next((r for r in config.rounds if r.name == name), None)


def series_of(config: Config) -> tuple[Series, ...]:
    """Every invite series in config order: each pair's calls and reviews, the groups, then
    the pairing rounds' meetings."""
    people: Mapping[str, PersonConfig] = {p.email: p for p in config.people}
    out: list[Series] = []
    for pair in config.pairs:
        names = f"{people[pair.mentor].first_name} & {people[pair.mentee].first_name}"
        for kind, title in (("call", "Mentorship call"), ("review", "Goal review")):
            cadence = config.meetings.get(kind)
            weeks = occurrence_weeks(_segments(config, kind, cadence))
            if cadence is None and not weeks:
                continue
            duration = cadence.duration if cadence else 30
            out.append(
                Series(
                    f"{kind}/{pair.mentor}/{pair.mentee}",
                    kind,
                    f"{title}: {names}",
                    (pair.mentor, pair.mentee),
                    duration,
                    weeks,
                    2,
                )
            )
    for g in config.groups:
        cadence = config.meetings[g.cadence]
        weeks = occurrence_weeks(_segments(config, g.cadence, cadence))
        out.append(
            Series(
                f"group/{g.name}",
                "group",
                g.name,
                g.members,
                cadence.duration,
                weeks,
                g.quorum,
                g.roles,
                g.volunteers,
            )
        )
    out.extend(round_series(config))
    return tuple(out)


def program_spec(config: Config) -> ProgramSpec:
    return ProgramSpec(
        name=config.program.name,
        zone=config.program.timezone,
        week0=week0_monday(config.program.starts),
        weeks=program_weeks(config),
        people=tuple(core_person(p) for p in config.people),
        series=series_of(config),
    )


def location_of(config: Config, series_id: str) -> str:
    """Where a series meets: the pair's or group's own location, else its cadence's."""
    kind, _, rest = series_id.partition("/")
    found = round_of(config, series_id)
    if found is not None:
        return found.location
    if kind == "group":
        for g in config.groups:
            if g.name == rest:
                cadence = config.meetings.get(g.cadence)
                return g.location or (cadence.location if cadence else "")
        return ""
    mentor, _, mentee = rest.partition("/")
    cadence = config.meetings.get(kind)
    for pair in config.pairs:
        if pair.mentor == mentor and pair.mentee == mentee:
            return pair.location or (cadence.location if cadence else "")
    return cadence.location if cadence else ""


def meeting_options(config: Config, series_id: str) -> tuple[bool, bool]:
    """(recap, survey): what is asked after each meeting of a series."""
    found = round_of(config, series_id)
    if found is not None:
        return found.recap, found.survey
    kind, _, rest = series_id.partition("/")
    if kind == "group":
        g = next((g for g in config.groups if g.name == rest), None)
        cadence = config.meetings.get(g.cadence) if g else None
    else:
        cadence = config.meetings.get(kind)
    return (cadence.recap, cadence.survey) if cadence else (False, False)


def recap_writer(series: Series, roles: dict[str, str] | None) -> str | None:
    """Who writes a meeting's recap: its note-taker where a role says so (a circle), the
    mentor of a pair, the first of a round's pair; None for a circle without one."""
    for role, who in (roles or {}).items():
        if "note" in role.lower() and who:
            return who
    if series.kind in ("call", "review", "round"):
        return series.members[0]
    return None
