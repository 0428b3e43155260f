"""RSVPs: iTIP REPLY messages as Google, Outlook, Apple and Thunderbird send them (RFC 5546).

The calendar is the `text/calendar` part (method=REPLY) or an `.ics` attachment. We read the
attendee that answered (the one with a PARTSTAT, preferably the sender), the UID, the
RECURRENCE-ID of the one occurrence answered (in UTC, `20260316T140000Z`) or None for the whole
series, SEQUENCE and COMMENT. A calendar that cannot be read is a value with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar


@dataclass(frozen=True, slots=True)
class Rsvp:
    uid: str
    attendee: str
    partstat: str
    recurrence_id: str | None
    sequence: int | None
    comment: str | None
    method: str

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "attendee": self.attendee,
            "partstat": self.partstat,
            "recurrence_id": self.recurrence_id,
            "sequence": self.sequence,
            "comment": self.comment,
        }


def calendar_part(msg: EmailMessage) -> bytes | None:
    """The iCalendar data of a message, if it carries any."""
    for part in msg.walk():
        ctype = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if ctype in ("text/calendar", "application/ics") or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                return payload
    return None


def _utc_stamp(value: Any) -> str | None:
    if value is None:
        return None
    dt = value.dt if hasattr(value, "dt") else value
    if isinstance(dt, datetime):
        if dt.tzinfo is None:  # floating: the best we can do is read it as UTC
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(dt, date):
        return dt.strftime("%Y%m%d")
    return None


def _address(value: Any) -> str:
    return str(value).strip().removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()


def parse_reply(data: bytes, sender: str | None = None) -> Rsvp | str:
    """The RSVP in iCalendar `data`, or the reason it is not one."""
    try:
        cal = Calendar.from_ical(data)
    except Exception as bad:  # icalendar raises ValueError and friends on broken data
        return f"unreadable calendar: {bad}"
    method = str(cal.get("METHOD", "")).upper()
    events = list(cal.walk("VEVENT"))
    if not events:
        return "calendar without an event"
    ev = events[0]
    raw = ev.get("ATTENDEE")
    attendees = raw if isinstance(raw, list) else ([raw] if raw is not None else [])
    answered = [
        a
        for a in attendees
        if str(a.params.get("PARTSTAT", "")).upper() not in ("", "NEEDS-ACTION")
    ]
    if method and method != "REPLY":
        return f"a {method} calendar, not a reply"
    if not answered:
        return "the reply names no attendee with an answer"
    chosen = next((a for a in answered if sender and _address(a) == sender.lower()), answered[0])
    try:
        rid = _utc_stamp(ev.get("RECURRENCE-ID"))
    except Exception as bad:
        return f"unreadable RECURRENCE-ID: {bad}"
    seq = ev.get("SEQUENCE")
    comment = ev.get("COMMENT")
    if isinstance(comment, list):
        comment = comment[0] if comment else None
    return Rsvp(
        uid=str(ev.get("UID", "")).strip(),
        attendee=_address(chosen),
        partstat=str(chosen.params.get("PARTSTAT")).upper(),
        recurrence_id=rid,
        sequence=int(seq) if seq is not None else None,
        comment=str(comment).strip() if comment is not None and str(comment).strip() else None,
        method=method or "REPLY",
    )
