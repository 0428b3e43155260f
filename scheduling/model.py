"""The scheduling core's own vocabulary: what it is asked to plan and what it answers.

These are plain frozen values. The config layer (service/config) builds them; nothing here
knows about TOML, e-mail or the store. Times of day are minutes after local midnight, costs
are integers in minutes² (so every sum is exact); hours² appear only at the edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

MINUTES_PER_HOUR = 60
COST_UNITS_PER_HOUR2 = MINUTES_PER_HOUR * MINUTES_PER_HOUR  # cost is stored in minutes²


def cost_to_hours2(cost: int) -> float:
    """Turn an exact cost in minutes² into the hours² the spec speaks of."""
    return cost / COST_UNITS_PER_HOUR2


def hours2_to_cost(hours2: float) -> int:
    """Turn a cost in hours² (config, ledger) into exact minutes² units."""
    return round(hours2 * COST_UNITS_PER_HOUR2)


@dataclass(frozen=True, slots=True)
class DayWindow:
    """A local wall-clock window [start, end) in minutes after midnight; never wraps midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"bad day window {self.start}..{self.end}")

    def contains(self, other: DayWindow) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, slots=True)
class Away:
    """Inclusive local dates on which the person has no meeting and gets no prompt."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def label(self) -> str:
        return f"away {self.first.isoformat()}..{self.last.isoformat()}"


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    zone: str
    preferred: DayWindow
    available: DayWindow
    workdays: frozenset[int]  # 0 = Monday … 6 = Sunday, in the person's own calendar
    away: tuple[Away, ...] = ()
    miss_cost: int = 16 * COST_UNITS_PER_HOUR2  # minutes²

    def profile(self) -> tuple[str, int, int, int, int, tuple[int, ...]]:
        """Everything that shapes availability and cost except away periods (cache key)."""
        return (
            self.zone,
            self.preferred.start,
            self.preferred.end,
            self.available.start,
            self.available.end,
            tuple(sorted(self.workdays)),
        )


@dataclass(frozen=True, slots=True)
class Series:
    """One invite series: a pair's calls, a pair's reviews or a group's meetings."""

    id: str
    kind: str  # "call" | "review" | "group"
    title: str
    members: tuple[str, ...]  # pairs: (mentor, mentee); groups: in config order
    duration: int  # minutes
    weeks: tuple[int, ...]  # program weeks with an occurrence, ascending
    quorum: int  # members needed; every member for pairs
    # facilitation that rotates (scheduling.roles), not part of the slot choice
    roles: tuple[str, ...] = ()
    volunteers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # role → who may take it

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    def role_plan(self, occurrences: Sequence[Occurrence]) -> dict[int, dict[str, str]]:
        """week → role → email for these occurrences of this series (empty without roles)."""
        if not self.roles:
            return {}
        from scheduling.roles import assign_roles

        return assign_roles(self.members, occurrences, self.roles, dict(self.volunteers))


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """What to plan: the people, the series and the program's weeks."""

    name: str
    zone: str  # reference zone for weeks
    week0: date  # Monday of week 0 in the program zone
    weeks: int  # number of program weeks (0 .. weeks-1)
    people: tuple[Person, ...]
    series: tuple[Series, ...]

    def person(self, email: str) -> Person:
        for p in self.people:
            if p.email == email:
                return p
        raise KeyError(email)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """An occurrence already fixed (sent, or in the past) with the burden it carried.

    Entries whose series and week still exist pin that occurrence; the others (a removed
    pair, a week no longer in the program) still count towards their people's burden so
    rotation continues across config changes.
    """

    series_id: str
    week: int
    start: datetime  # aware, UTC
    burden: Mapping[str, int] = field(default_factory=dict)  # minutes² per person
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One planned (or unschedulable) meeting of a series in a program week."""

    series_id: str
    week: int
    start: datetime | None  # aware UTC; None when unschedulable
    end: datetime | None
    attendees: tuple[str, ...] = ()  # members who attend (can attend the chosen slot)
    left_out: tuple[str, ...] = ()  # group members who cannot attend it
    cost: Mapping[str, int] = field(default_factory=dict)  # minutes² per member
    fixed: bool = False  # taken from the ledger, not re-planned
    blocked_by: tuple[str, ...] = ()
    reason: str = ""

    @property
    def unschedulable(self) -> bool:
        return self.start is None


@dataclass(frozen=True, slots=True)
class ComponentReport:
    """How one connected group of people was solved (for benchmarks and --debug)."""

    people: tuple[str, ...]
    method: str  # "trivial" | "pareto" | "milp" | "heuristic" | "cached"
    optimal: bool  # proven optimal for (max burden, total burden)
    worst: int  # minutes²
    total: int


@dataclass(frozen=True, slots=True)
class Plan:
    program: ProgramSpec
    occurrences: Mapping[str, tuple[Occurrence, ...]]  # by series id, in week order
    burden: Mapping[str, int]  # minutes², every person, planned occurrences only
    components: tuple[ComponentReport, ...] = ()

    def series(self, series_id: str) -> Series:
        for s in self.program.series:
            if s.id == series_id:
                return s
        raise KeyError(series_id)
