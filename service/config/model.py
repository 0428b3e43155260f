"""The validated program: frozen values built from the config file (SPEC §2).

Nothing here parses or checks; `service.config.load` does that and only ever builds these
from input it has validated, so the rest of Rota can trust every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from scheduling.model import Away, DayWindow


@dataclass(frozen=True, slots=True)
class ProgramInfo:
    name: str
    organizer_name: str
    organizer: str  # lowercased address
    starts: date
    ends: date
    timezone: str
    secret_env: str


@dataclass(frozen=True, slots=True)
class PersonConfig:
    email: str
    name: str
    timezone: str
    preferred: DayWindow
    available: DayWindow
    workdays: frozenset[int]
    away: tuple[Away, ...]
    miss_cost: float  # hours²
    interests: tuple[str, ...] = ()  # for pairing rounds
    level: str = ""

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.email

    def is_away(self, day: date) -> bool:
        return any(a.covers(day) for a in self.away)


@dataclass(frozen=True, slots=True)
class PairConfig:
    mentor: str
    mentee: str
    location: str = ""  # the pair's own meeting place; "" = the cadence's


@dataclass(frozen=True, slots=True)
class GroupConfig:
    name: str
    members: tuple[str, ...]
    cadence: str
    quorum: int  # resolved to a count
    location: str = ""  # the group's own meeting place; "" = the cadence's
    roles: tuple[str, ...] = ()  # facilitation that rotates fairly (host, note-taker…)
    volunteers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # role → who may take it


@dataclass(frozen=True, slots=True)
class CheckinCadence:
    every: int  # weeks
    weekday: int  # 0 = Monday
    at: int  # minutes after local midnight, mentee-local
    remind_after: timedelta
    escalate_after_missed: int
    offset: int = 0
    nudge_after: timedelta = timedelta(hours=24)  # a mentor's reminder to answer; 0: never


@dataclass(frozen=True, slots=True)
class MeetingCadence:
    name: str
    every: int  # weeks
    duration: int  # minutes
    offset: int = 0  # weeks
    location: str = ""  # a video link or a room, for every series of this cadence
    recap: bool = False  # a recap is asked for after each meeting
    survey: bool = False  # attendees rate each meeting 1-5, anonymously


@dataclass(frozen=True, slots=True)
class Phase:
    after: int  # weeks from program start
    # cadence name → None ("off") or the fields it changes
    changes: Mapping[str, Mapping[str, object] | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoundConfig:
    """A pool that is paired anew every round (scheduling.rounds)."""

    name: str
    people: tuple[str, ...]  # peers; or mentors and mentees below
    mentors: tuple[str, ...]
    mentees: tuple[str, ...]
    capacity: int
    every: int  # weeks
    duration: int  # minutes
    offset: int
    location: str = ""
    recap: bool = False
    survey: bool = False


@dataclass(frozen=True, slots=True)
class Evaluation:
    name: str
    on: date
    headings: tuple[str, ...] = ()
    mentors: bool = True  # mentors are asked too, about each of their mentees
    mentor_headings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    security: str  # "tls" | "starttls" | "none"
    username: str
    password_env: str
    timeout: float = 30.0
    ca_file: str = ""


@dataclass(frozen=True, slots=True)
class ImapSettings(ServerSettings):
    folder: str = "INBOX"
    processed_folder: str = "Rota/Processed"
    review_folder: str = "Rota/Review"


@dataclass(frozen=True, slots=True)
class MailSettings:
    transport: str  # "maildir" | "imap-smtp"
    maildir: Path
    smtp: ServerSettings | None = None
    imap: ImapSettings | None = None
    authserv_id: str = ""
    templates: Path | None = None
    reply_to: str = ""  # base address for reply tokens; default checkins@<organizer domain>


@dataclass(frozen=True, slots=True)
class StoreSettings:
    url: str


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    program: ProgramInfo
    people: tuple[PersonConfig, ...]
    pairs: tuple[PairConfig, ...]
    groups: tuple[GroupConfig, ...]
    checkin: CheckinCadence
    meetings: Mapping[str, MeetingCadence]  # "call", "review" and group cadences
    phases: tuple[Phase, ...]
    evaluations: tuple[Evaluation, ...]
    mail: MailSettings
    store: StoreSettings
    miss_cost: float = 16.0
    rounds: tuple[RoundConfig, ...] = ()
    _by_email: dict[str, PersonConfig] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # what is derived from the config once (the rounds' pairings): the config never changes
    derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_email.update((p.email, p) for p in self.people)

    def person(self, email: str) -> PersonConfig:
        return self._by_email[email]

    @property
    def reply_address(self) -> str:
        if self.mail.reply_to:
            return self.mail.reply_to
        return "checkins@" + self.program.organizer.rsplit("@", 1)[1]
