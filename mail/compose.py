"""Build the emails Rota sends: headers, parts, threading (SPEC §5 "Mail behaviour").

Pure: an `Outgoing` value in, an `EmailMessage` out. Every message is From the organizer,
has a Message-ID derived from what it is, `Auto-Submitted: auto-generated` and
`X-Auto-Response-Suppress: OOF, AutoReply` (so out-of-office robots stay quiet), and a Date
that is its send time. Every header value from data passes through `mail.headers`, so no
CR/LF from a name or subject ever becomes a header line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime

from mail.headers import address, msg_id, one_line


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everything an email is, before it is bytes."""

    kind: str
    message_id: str
    sender: Person  # the organizer
    to: tuple[Person, ...]
    subject: str
    text: str
    html: str | None = None
    cc: tuple[Person, ...] = ()
    reply_to: tuple[Person, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    calendar: bytes | None = None  # iCalendar bytes for an iTIP message
    method: str | None = None  # REQUEST | CANCEL, must equal the calendar's METHOD
    date: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)  # X-Rota-* bookkeeping

    @property
    def recipients(self) -> list[str]:
        return [p.email for p in (*self.to, *self.cc)]


def _ids(values: Sequence[str]) -> str:
    return " ".join(v for v in (msg_id(x) for x in values) if v)


def build_message(out: Outgoing) -> EmailMessage:
    """An RFC 5322 message; with a calendar, multipart/alternative as calendar servers send it."""
    if out.date is None or out.date.tzinfo is None:
        raise ValueError("an email needs an aware send time")
    msg = EmailMessage(policy=default)
    msg["From"] = address(out.sender.name, out.sender.email)
    msg["To"] = [address(p.name, p.email) for p in out.to]
    if out.cc:
        msg["Cc"] = [address(p.name, p.email) for p in out.cc]
    if out.reply_to:
        msg["Reply-To"] = [address(p.name, p.email) for p in out.reply_to]
    msg["Subject"] = one_line(out.subject, 250)
    msg["Date"] = format_datetime(out.date)
    own_id = msg_id(out.message_id)
    if own_id is None:
        raise ValueError(f"not a Message-ID: {out.message_id!r}")
    msg["Message-ID"] = own_id
    # threading ids may come from inbound mail: copied only when they are well-formed ids
    in_reply_to = msg_id(out.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    references = _ids(out.references)
    if references:
        msg["References"] = references
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg["X-Rota-Kind"] = out.kind
    for name, value in out.headers.items():
        msg[one_line(name, 60)] = one_line(value, 300)
    msg.set_content(out.text)
    if out.html is not None:
        msg.add_alternative(out.html, subtype="html")
    if out.calendar is not None:
        if out.method not in ("REQUEST", "CANCEL", "PUBLISH", "REPLY"):
            raise ValueError(f"bad iTIP method {out.method!r}")
        if not msg.is_multipart():
            msg.make_alternative()
        msg.add_alternative(
            out.calendar.decode("utf-8"), subtype="calendar", params={"method": out.method}
        )
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent on the wire (CRLF line endings)."""
    return msg.as_bytes(policy=SMTP)
