"""Parsers for the value types a Rota config uses, each failing with a message and a hint.

Every parser takes the raw TOML value and returns a typed value or raises `Invalid`, whose
text is what the admin reads after `FILE:LINE: key.path:`. No parser knows where the value
sits; the loader adds that.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from mail.headers import one_line
from scheduling.model import DayWindow


class Invalid(ValueError):
    """A value that cannot be used, with what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# Bounds on every value, so what passes check-config can be planned, scheduled and mailed
# (a miss_cost of 1e23 once passed and then broke every plan; a date in year 9999 overflows)
MAX_TEXT = 1000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
MAX_WEEKS = 260  # five years: the longest span a cadence, phase or program may have

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_RANGE = re.compile(r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*([wdhm])\s*$")
_EMAIL = re.compile(r"^(?!.*=\?)[^@\s<>\"',;()\[\]\\:]+@[^@\s<>\"',;()\[\]\\:]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def suggest(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint, or '' when nothing is close."""
    pool = list(choices)
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return f"did you mean '{lowered[word.lower()]}'?"
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def text(value: object, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected text, got {_kind(value)}", 'write it in quotes, e.g. "…"')
    if "\r" in value or "\n" in value:
        raise Invalid("must be a single line", "remove the line break")
    if _CONTROL.search(value):
        raise Invalid("contains a control character", "remove it; write plain text")
    if "=?" in value and one_line(value, len(value) + 1) != " ".join(value.split()):
        raise Invalid(
            "contains an encoded word (=?…?=) that would change in an email header",
            "write the text itself, not its MIME encoding",
        )
    if not allow_empty and not value.strip():
        raise Invalid("must not be empty")
    if len(value) > MAX_TEXT:
        raise Invalid(f"is too long ({len(value)} characters)", f"keep it under {MAX_TEXT}")
    return value.strip()


def email(value: object) -> str:
    raw = text(value)
    if not _EMAIL.match(raw):
        raise Invalid(f"'{raw}' is not an e-mail address", "write it as name@example.org")
    return raw.lower()


def address(value: object) -> tuple[str, str]:
    """'Name <addr>' or a bare address → (name, lowercased address)."""
    raw = text(value)
    name, addr = parseaddr(raw)
    if not addr or not _EMAIL.match(addr):
        raise Invalid(
            f"'{raw}' is not an address", 'write it as "Mentorship Team <mentorship@example.org>"'
        )
    return name.strip(), addr.lower()


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1024)
def _loads(name: str) -> bool:
    """Whether the zone's data loads (once per name: ZoneInfo keeps only a few strongly)."""
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def zone(value: object) -> str:
    raw = text(value)
    if raw in _zones() and _loads(raw):
        return raw
    hint = suggest(raw, sorted(_zones())) or "use an IANA name such as 'Europe/Lisbon'"
    if re.match(r"^(UTC|GMT)?\s*[+-]\d", raw):
        hint = (
            "use an IANA name such as 'America/Sao_Paulo', not a fixed offset (offsets ignore DST)"
        )
    raise Invalid(f"unknown time zone '{raw}'", hint)


def day(value: object) -> date:
    if isinstance(value, datetime):
        raise Invalid("expected a date, got a date and time", "write only the date: 2026-03-02")
    found: date | None = value if isinstance(value, date) else None
    if isinstance(value, str):
        try:
            found = date.fromisoformat(value.strip())
        except ValueError:
            pass
    if found is not None:
        if not FIRST_DAY <= found <= LAST_DAY:
            raise Invalid(
                f"{found} is outside the dates Rota plans for",
                f"use a date from {FIRST_DAY} to {LAST_DAY}",
            )
        return found
    raise Invalid(
        f"expected a date, got {_show(value)}", "write it as 2026-03-02 (no quotes needed)"
    )


def clock(value: object, *, allow_24: bool = False) -> int:
    """'HH:MM' → minutes after midnight."""
    if not isinstance(value, str):
        raise Invalid(
            f'expected a time like "15:00", got {_show(value)}', 'write it in quotes: "15:00"'
        )
    m = _TIME.match(value)
    if not m:
        raise Invalid(f"'{value}' is not a time", 'write it as "HH:MM", e.g. "09:30"')
    h, mi = int(m.group(1)), int(m.group(2))
    minutes = h * 60 + mi
    if mi >= 60 or minutes > 24 * 60 or (minutes == 24 * 60 and not allow_24):
        raise Invalid(f"'{value}' is not a time of day", "hours 00-23, minutes 00-59")
    return minutes


def hours(value: object) -> DayWindow:
    """'HH:MM-HH:MM' → a window that does not wrap midnight (24:00 may end it)."""
    if not isinstance(value, str) or not _RANGE.match(value):
        raise Invalid(f"{_show(value)} is not a range of hours", 'write it as "09:00-17:00"')
    a, b = value.split("-")
    start, end = clock(a), clock(b, allow_24=True)
    if end <= start:
        raise Invalid(
            f"'{value}' ends before it starts",
            'hours do not wrap midnight; use at most "00:00-24:00"',
        )
    return DayWindow(start, end)


def duration(value: object) -> timedelta:
    if not isinstance(value, str):
        raise Invalid(
            f'expected a duration like "30m", got {_show(value)}',
            'write it in quotes with a unit: "2w", "3d", "4h" or "30m"',
        )
    m = _DURATION.match(value)
    if not m:
        raise Invalid(
            f"'{value}' is not a duration", 'use a number and one unit: "2w", "3d", "4h", "30m"'
        )
    digits, unit = m.group(1), m.group(2)
    limit = {"w": MAX_WEEKS, "d": MAX_WEEKS * 7, "h": MAX_WEEKS * 7 * 24, "m": MAX_WEEKS * 7 * 1440}
    if len(digits) > 7 or int(digits) > limit[unit]:
        raise Invalid(f"'{value}' is too long", f"use at most {MAX_WEEKS}w (five years)")
    n = int(digits)
    return {
        "w": timedelta(weeks=n),
        "d": timedelta(days=n),
        "h": timedelta(hours=n),
        "m": timedelta(minutes=n),
    }[unit]


def span(value: object, *, least: timedelta, most: timedelta, hint: str) -> timedelta:
    """A duration between `least` and `most`."""
    found = duration(value)
    if not least <= found <= most:
        raise Invalid(f"'{value}' is out of range", hint)
    return found


def weeks(value: object, *, allow_zero: bool = False) -> int:
    span = duration(value)
    if span % timedelta(weeks=1):
        raise Invalid(f"'{value}' is not a whole number of weeks", 'use weeks, e.g. "2w" or "14d"')
    n = span // timedelta(weeks=1)
    if n == 0 and not allow_zero:
        raise Invalid("must be at least one week", 'e.g. "1w"')
    return n


def minutes(value: object) -> int:
    span = duration(value)
    if span % timedelta(minutes=1) or span <= timedelta(0):
        raise Invalid(f"'{value}' must be a positive number of minutes", 'e.g. "30m" or "1h"')
    if span > timedelta(hours=12):
        raise Invalid(f"'{value}' is longer than a meeting can be", "use at most 12h")
    return span // timedelta(minutes=1)


def weekday(value: object) -> int:
    if isinstance(value, str):
        v = value.strip().lower()
        if v in WEEKDAYS:
            return WEEKDAYS.index(v)
        if v in _FULL_DAYS:
            return _FULL_DAYS.index(v)
        raise Invalid(
            f"'{value}' is not a weekday",
            suggest(v[:3], WEEKDAYS) or "use mon, tue, wed, thu, fri, sat or sun",
        )
    raise Invalid(f'expected a weekday like "fri", got {_show(value)}', 'write it in quotes: "fri"')


def weekdays(value: object) -> frozenset[int]:
    if not isinstance(value, list):
        raise Invalid(
            f"expected a list of weekdays, got {_show(value)}", 'e.g. ["mon", "tue", "wed"]'
        )
    days = [weekday(v) for v in value]
    if not days:
        raise Invalid("needs at least one weekday", 'e.g. ["mon", "tue", "wed", "thu", "fri"]')
    if len(set(days)) != len(days):
        raise Invalid("lists a weekday twice", "name each day once")
    return frozenset(days)


def number(value: object, *, minimum: float = 0.0, maximum: float = 1e6) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"expected a number, got {_show(value)}")
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid(
            f"expected a number, got {value}", f"use a value from {minimum:g} to {maximum:g}"
        )
    if value < minimum:
        raise Invalid(f"must be at least {minimum:g}")
    if value > maximum:
        raise Invalid(f"{value:g} is too large", f"use at most {maximum:g}")
    return float(value)


def count(value: object, *, minimum: int = 1, maximum: int = 1_000_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"expected a whole number, got {_show(value)}")
    if value < minimum:
        raise Invalid(f"must be at least {minimum}")
    if value > maximum:
        raise Invalid(f"{value} is too large", f"use at most {maximum}")
    return value


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {_show(value)}", "write true or false")
    return value


def choice(value: object, options: tuple[str, ...]) -> str:
    raw = text(value)
    if raw.lower() not in options:
        raise Invalid(f"'{raw}' is not one of {', '.join(options)}", suggest(raw, options))
    return raw.lower()


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return _kind(value)
