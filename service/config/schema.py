"""The config schema, declared once: every table, key, type, default and its help text.

The loader reads it to parse and validate (unknown keys, types, defaults), and the tests read
it to prove `config/example.toml` shows every option. Defaults here are the SPEC §2 ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from service.config import fields as f


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    parse: Callable[[object], Any]
    default: Any = REQUIRED
    help: str = ""


def env_name(value: object) -> str:
    raw = f.text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", raw):
        raise f.Invalid(f"'{raw}' is not an environment variable name", "e.g. ROTA_SECRET")
    return raw


def store_url(value: object) -> str:
    raw = f.text(value)
    if not raw.startswith(("sqlite://", "postgresql://", "postgresql+")):
        raise f.Invalid(
            f"'{raw}' is not a supported store URL",
            'use "sqlite:///var/rota.db" or "postgresql://user@host/db"',
        )
    return raw


def port(value: object) -> int:
    n = f.count(value)
    if n > 65535:
        raise f.Invalid(f"{n} is not a TCP port", "use 1-65535")
    return n


def text_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise f.Invalid("expected a list of text", 'e.g. ["What went well?", "What was hard?"]')
    if len(value) > 20:
        raise f.Invalid(f"{len(value)} items is too many", "use at most 20")
    return tuple(f.text(v) for v in value)


def role_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise f.Invalid("expected a list of role names", 'e.g. ["host", "note-taker"]')
    roles = tuple(f.text(v) for v in value)
    if len(roles) > 5:
        raise f.Invalid(f"{len(roles)} roles is too many", "use at most 5")
    if len({r.lower() for r in roles}) != len(roles):
        raise f.Invalid("lists a role twice", "name each role once")
    return roles


MAX_MISS_COST = 1000.0


def miss_cost(value: object) -> float:
    """Hours² of burden for a missed group meeting: 16 is a meeting 4 h outside one's hours;
    the cap (about 31 h outside) keeps every burden sum exact in the solver's integers."""
    return f.number(value, maximum=MAX_MISS_COST)


def _optional_text(value: object) -> str:
    return f.text(value, allow_empty=True)


def location(value: object) -> str:
    """Where a meeting happens: a video link or a room, one line for the invite."""
    raw = f.text(value, allow_empty=True)
    if len(raw) > 500:
        raise f.Invalid("is too long for a location", "use a link or a short place name")
    return raw


LOCATION_HELP = "where it happens: a video link or a room, shown in every invite"
RECAP_HELP = "after each meeting, the note-taker (or mentor) is asked for a recap, sent to all"
SURVEY_HELP = "after each meeting, those who came rate it 1-5, anonymously (shown from 3 answers)"


PROGRAM = (
    Field("name", f.text, REQUIRED, "shown in every subject line and report"),
    Field(
        "organizer",
        f.address,
        REQUIRED,
        'From: of every email and ORGANIZER of every invite, as "Name <address>"',
    ),
    Field("starts", f.day, REQUIRED, "week 0 is the ISO week (Mon-Sun, program zone) holding it"),
    Field("ends", f.day, REQUIRED, "the last week is the one whose Monday is on or before it"),
    Field("timezone", f.zone, "UTC", "reference zone for program weeks and reports"),
    Field(
        "secret_env",
        env_name,
        "ROTA_SECRET",
        "environment variable holding the reply-token key (needed only to send or verify mail)",
    ),
)

DEFAULTS = (
    Field("preferred_hours", f.hours, "09:00-17:00", "soft: meetings inside cost nothing"),
    Field(
        "available_hours",
        f.hours,
        "07:00-22:00",
        "hard: a meeting never starts before or ends after these, local time",
    ),
    Field(
        "workdays",
        f.weekdays,
        ["mon", "tue", "wed", "thu", "fri"],
        "hard: days with meetings and emails, in the person's own calendar",
    ),
    Field(
        "miss_cost",
        miss_cost,
        16,
        "burden (hours²) of being left out of a group meeting one could not attend",
    ),
)

PERSON = (
    Field("email", f.email, REQUIRED, "compared lowercased"),
    Field("name", f.text, "", "defaults to the address"),
    Field("timezone", f.zone, REQUIRED, 'IANA name, e.g. "America/New_York"'),
    Field("preferred_hours", f.hours, None, "overrides [defaults]"),
    Field("available_hours", f.hours, None, "overrides [defaults]"),
    Field("workdays", f.weekdays, None, "overrides [defaults]"),
    Field("miss_cost", miss_cost, None, "overrides [defaults]"),
    Field(
        "away", lambda v: v, [], "inclusive local dates: [{ from = 2026-04-06, to = 2026-04-10 }]"
    ),
    Field("interests", text_list, (), "topics, for pairing rounds (shared ones pair first)"),
    Field("level", _optional_text, "", "e.g. junior or senior, for rounds (levels mix first)"),
)

ROUND = (
    Field("name", f.text, REQUIRED, "unique; each meeting's series id starts round/NAME/"),
    Field("people", lambda v: v, None, "peers who all may meet each other"),
    Field("mentors", lambda v: v, None, "or: mentors, each meeting one of the mentees per round"),
    Field("mentees", lambda v: v, None, "and the mentees, who meet a new mentor each round"),
    Field("capacity", lambda v: f.count(v, maximum=10), 1, "mentees a mentor meets per round"),
    Field("every", f.weeks, "2w", "weeks between rounds"),
    Field("duration", f.minutes, "30m", "length of each meeting"),
    Field("offset", lambda v: f.weeks(v, allow_zero=True), "0w", "first round in this week"),
    Field("location", location, "", LOCATION_HELP),
    Field("recap", f.boolean, False, RECAP_HELP),
    Field("survey", f.boolean, False, SURVEY_HELP),
)

AWAY = (
    Field("from", f.day, REQUIRED, "first local date away"),
    Field("to", f.day, REQUIRED, "last local date away (inclusive)"),
)

PAIR = (
    Field("mentor", f.email, REQUIRED, "a person's email"),
    Field("mentee", f.email, REQUIRED, "a person's email"),
    Field("location", location, "", "this pair's own meeting place (default: the cadence's)"),
)

GROUP = (
    Field("name", f.text, REQUIRED, "unique; the series id is group/NAME"),
    Field("members", lambda v: v, REQUIRED, "people's emails"),
    Field("cadence", f.text, None, "a group cadence under [cadences]; default: the only one"),
    Field(
        "quorum", lambda v: v, None, "members needed: a count, or a share rounded up; default all"
    ),
    Field("location", location, "", "this group's own meeting place (default: the cadence's)"),
    Field("roles", role_list, (), 'facilitation that rotates fairly, e.g. ["host", "note-taker"]'),
    Field(
        "volunteers",
        lambda v: v,
        {},
        'who may take a role, e.g. { host = ["ana@example.org"] } (default: any member)',
    ),
)

CHECKIN = (
    Field("every", f.weeks, "1w", "how often the check-in prompt goes out"),
    Field("weekday", f.weekday, "fri", "mentee-local weekday of the prompt"),
    Field("at", f.clock, "15:00", "mentee-local time of the prompt"),
    Field(
        "remind_after",
        lambda v: f.span(
            v, least=timedelta(minutes=1), most=timedelta(weeks=4), hint='use "1h" to "4w"'
        ),
        "2d",
        "one reminder this long after an unanswered prompt",
    ),
    Field(
        "escalate_after_missed",
        lambda v: f.count(v, maximum=52),
        2,
        "tell the mentor after this many missed in a row",
    ),
    Field(
        "nudge_after",
        lambda v: f.span(
            v, least=timedelta(0), most=timedelta(weeks=2), hint='use "0h" (off) to "2w"'
        ),
        "24h",
        "remind a mentor this long after a forwarded check-in is delivered unanswered (0h: never)",
    ),
    Field(
        "offset", lambda v: f.weeks(v, allow_zero=True), "0w", "first prompt in this program week"
    ),
)

CALL = (
    Field("every", f.weeks, "2w", "weeks between calls"),
    Field("duration", f.minutes, "30m", "length of each call"),
    Field("offset", lambda v: f.weeks(v, allow_zero=True), "0w", "first call in this program week"),
    Field("location", location, "", LOCATION_HELP),
    Field("recap", f.boolean, False, RECAP_HELP),
    Field("survey", f.boolean, False, SURVEY_HELP),
)

REVIEW = (
    Field("every", f.weeks, "4w", "weeks between goal reviews"),
    Field("duration", f.minutes, "45m", "length of each review"),
    Field(
        "offset", lambda v: f.weeks(v, allow_zero=True), "0w", "first review in this program week"
    ),
    Field("location", location, "", LOCATION_HELP),
    Field("recap", f.boolean, False, RECAP_HELP),
    Field("survey", f.boolean, False, SURVEY_HELP),
)

GROUP_CADENCE = (
    Field("every", f.weeks, "4w", "weeks between group meetings"),
    Field("duration", f.minutes, "60m", "length of each meeting"),
    Field(
        "offset", lambda v: f.weeks(v, allow_zero=True), "0w", "first meeting in this program week"
    ),
    Field("location", location, "", LOCATION_HELP),
    Field("recap", f.boolean, False, RECAP_HELP),
    Field("survey", f.boolean, False, SURVEY_HELP),
)

FIXED_CADENCES = {"checkin": CHECKIN, "call": CALL, "review": REVIEW}

PHASE = (Field("after", f.weeks, REQUIRED, "counted from the program start"),)

EVALUATION = (
    Field("name", f.text, REQUIRED, "subject of the evaluation prompt"),
    Field("on", f.day, REQUIRED, "local date the prompt goes out to each mentee"),
    Field("headings", text_list, (), "the prompt's headings; default: a mid-term/final set"),
    Field("mentors", f.boolean, True, "mentors get one too, about each of their mentees"),
    Field("mentor_headings", text_list, (), "the mentors' headings; default: a mentor's set"),
)

MAIL = (
    Field(
        "transport",
        lambda v: f.choice(v, ("maildir", "imap-smtp")),
        "maildir",
        '"maildir" (embedded default, no network) or "imap-smtp"',
    ),
    Field("maildir", f.text, "var/mail", "outbox/ gets every email; drop replies into inbox/"),
    Field("smtp", lambda v: v, None, "SMTP server (transport imap-smtp)"),
    Field("imap", lambda v: v, None, "IMAP server (transport imap-smtp)"),
    Field(
        "authserv_id",
        _optional_text,
        "",
        "trust Authentication-Results headers from this server only",
    ),
    Field(
        "templates", _optional_text, "", "folder of your own templates (default: the packaged ones)"
    ),
    Field(
        "reply_to",
        lambda v: f.email(v) if v != "" else "",
        "",
        "replies go to local+TOKEN@domain; default checkins@ organizer's domain",
    ),
)

SERVER_COMMON = (
    Field("host", f.text, REQUIRED, "server name"),
    Field("username", lambda v: f.text(v, allow_empty=True), "", "login name"),
    Field(
        "password_env",
        lambda v: env_name(v) if v else "",
        "",
        "environment variable holding the password",
    ),
    Field(
        "timeout",
        lambda v: f.number(v, minimum=1, maximum=3600),
        30,
        "seconds per network operation",
    ),
    Field(
        "ca_file", _optional_text, "", "PEM file of a private CA to trust (default: the system's)"
    ),
)

SMTP = (
    *SERVER_COMMON,
    Field("port", port, None, "default: 465 for tls, 587 for starttls, 25 for none"),
    Field(
        "security",
        lambda v: f.choice(v, ("tls", "starttls", "none")),
        "starttls",
        '"tls" (implicit), "starttls" (required, never opportunistic) or "none" (loopback only)',
    ),
)

IMAP = (
    *SERVER_COMMON,
    Field("port", port, None, "default: 993 for tls, 143 otherwise"),
    Field(
        "security",
        lambda v: f.choice(v, ("tls", "starttls", "none")),
        "tls",
        '"tls" (implicit, port 993), "starttls" (port 143, required, never opportunistic) '
        'or "none" (loopback only)',
    ),
    Field("folder", f.text, "INBOX", "where replies arrive"),
    Field("processed_folder", f.text, "Rota/Processed", "where handled mail is moved"),
    Field("review_folder", f.text, "Rota/Review", "where mail for a human goes, with its reason"),
)

STORE = (
    Field("url", store_url, "sqlite:///var/rota.db", "SQLAlchemy URL: SQLite file or PostgreSQL"),
)

TOP = (
    "program",
    "defaults",
    "people",
    "pairs",
    "groups",
    "cadences",
    "phases",
    "evaluations",
    "rounds",
    "mail",
    "store",
)
