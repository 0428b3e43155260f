"""Replies as people send them: check-ins in the styles of the reply corpus, iTIP REPLYs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from mail.tokens import make_token, reply_address
from service.config.model import Config

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "replies"
STYLES = ("gmail_en", "outlook_en", "apple_mail", "iphone", "thunderbird", "fastmail_html_only")


def token_address(
    config: Config, secret: bytes, mentee: str, week: int, kind: str = "checkin"
) -> str:
    return reply_address(config.reply_address, make_token(secret, kind, week, mentee))


def corpus_checkin(
    style: str, config: Config, secret: bytes, mentee: str, week: int, when: datetime, mid: str
) -> bytes:
    """A corpus reply re-addressed: from `mentee`, to their week's token, sent at `when`."""
    raw = (CORPUS / f"{style}.eml").read_bytes()
    name = config.person(mentee).name
    token = token_address(config, secret, mentee, week).encode()
    raw = re.sub(rb"checkins\+[\w.]+@example\.org", token, raw)
    raw = re.sub(rb"(?im)^From: .*$", f"From: {name} <{mentee}>".encode(), raw, count=1)
    raw = re.sub(rb"(?im)^Date: .*$", f"Date: {format_datetime(when)}".encode(), raw, count=1)
    raw = re.sub(rb"(?im)^Message-ID: .*$", f"Message-ID: <{mid}>".encode(), raw, count=1)
    return raw


def plain_checkin(
    config: Config, secret: bytes, mentee: str, week: int, when: datetime, mid: str, body: str = ""
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{config.person(mentee).name} <{mentee}>"
    msg["To"] = token_address(config, secret, mentee, week)
    msg["Subject"] = f"Re: week {week} check-in"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(
        body
        or (
            "## What I Accomplished\n- Finished the parser fix\n\n"
            f"## Next Week's Goals\n- [x] Review week {week}\n- [ ] Write the docs for week {week}\n"
        )
    )
    return msg.as_bytes(policy=SMTP)


def rsvp(
    attendee: str,
    name: str,
    organizer: str,
    uid: str,
    partstat: str,
    when: datetime,
    mid: str,
    recurrence_id: datetime | None = None,
    sequence: int = 0,
    comment: str = "",
) -> bytes:
    """An iTIP REPLY as Outlook sends it: one VEVENT, the attendee's PARTSTAT, a RECURRENCE-ID
    (in UTC) when only one occurrence is answered."""
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"ORGANIZER:mailto:{organizer}",
        f'ATTENDEE;PARTSTAT={partstat};CN="{name}":mailto:{attendee}',
        f"SEQUENCE:{sequence}",
    ]
    if recurrence_id is not None:
        rid = recurrence_id.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        lines += [f"RECURRENCE-ID:{rid}", f"DTSTART:{rid}"]
    if comment:
        lines.append(f"COMMENT:{comment}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    msg = EmailMessage()
    msg["From"] = f"{name} <{attendee}>"
    msg["To"] = organizer
    msg["Subject"] = f"{partstat.title()}: meeting"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(f"{name} has replied to your invitation.\n")
    msg.add_alternative("\r\n".join(lines), subtype="calendar", params={"method": "REPLY"})
    return msg.as_bytes(policy=SMTP)
