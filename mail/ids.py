"""Stable identities: calendar UIDs and Message-IDs derived from what a thing is.

A UID never changes for a series (RFC 5545: changing it duplicates events in every
calendar), and the same email always gets the same Message-ID, so a resend after a crash is
recognisable as the same message. Both are hashes of the identifying facts, never of time.
"""

from __future__ import annotations

import hashlib
from datetime import date


def _digest(*parts: str, size: int = 20) -> str:
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:size]


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1] if "@" in address else "rota.invalid"


def series_uid(organizer: str, starts: date, series_id: str) -> str:
    """The UID of a series, fixed by the program (organizer, start) and the series id."""
    kind = series_id.split("/", 1)[0]
    return f"rota-{kind}-{_digest(organizer.lower(), starts.isoformat(), series_id)}@{domain_of(organizer)}"


def message_id(organizer: str, *facts: str) -> str:
    """`<…@domain>` from the facts that make an email what it is (kind, series, week, revision)."""
    return f"<rota.{_digest(organizer.lower(), *facts, size=32)}@{domain_of(organizer)}>"
