"""Bounces: delivery status notifications (RFC 3464 multipart/report), and the classic
"Undelivered Mail Returned to Sender" messages that are not, read as well as they allow.

Status 5.x.x is permanent (the address fails), 4.x.x transient (a delay notice). The
Message-ID of the returned message, when present, links the bounce to what we sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import Any

_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|has failed|failure)|returned mail|mail delivery failed|"
    r"failure notice|nicht zustellbar|unzustellbar|non remis|no se puede entregar|non recapitabile|"
    r"onbestelbaar|не доставлено)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    status: str
    action: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5") or (not self.status and self.action == "failed")


@dataclass(frozen=True, slots=True)
class Bounce:
    recipients: tuple[Recipient, ...]
    original_message_id: str | None
    original_ref: str | None = None  # the returned X-Rota-Ref: proof we sent the original

    @property
    def permanent(self) -> bool:
        return any(r.permanent for r in self.recipients)

    def to_json(self) -> dict[str, Any]:
        return {
            "recipients": [
                {
                    "address": r.address,
                    "status": r.status,
                    "action": r.action,
                    "permanent": r.permanent,
                    "diagnostic": r.diagnostic,
                }
                for r in self.recipients
            ],
            "original_message_id": self.original_message_id,
            "permanent": self.permanent,
        }


def _field(block: Message | str | Any, name: str) -> str:
    if not isinstance(block, Message):
        return ""
    value = block.get(name)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _addr(value: str) -> str:
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def is_bounce(msg: EmailMessage, sender: str) -> bool:
    report = str(msg.get_param("report-type", "") or "").lower()
    if msg.get_content_type() == "multipart/report" and report == "delivery-status":
        return True
    return bool(_DAEMON.match(sender)) and bool(_BOUNCE_SUBJECT.search(str(msg.get("Subject", ""))))


def parse_bounce(msg: EmailMessage) -> Bounce:
    recipients: list[Recipient] = []
    original: str | None = None
    ref: str | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                addr = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
                if addr:
                    recipients.append(
                        Recipient(
                            _addr(addr),
                            _field(block, "Status"),
                            _field(block, "Action").lower(),
                            _field(block, "Diagnostic-Code"),
                        )
                    )
        elif (
            ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
            and original is None
        ):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original = _field(inner[0], "Message-ID") or None
                ref = _field(inner[0], "X-Rota-Ref") or None
            elif isinstance(inner, str):
                m = re.search(r"^Message-ID:\s*(<[^>]+>)", inner, re.IGNORECASE | re.MULTILINE)
                original = m.group(1) if m else None
                r = re.search(r"^X-Rota-Ref:\s*([a-z2-7]+)", inner, re.IGNORECASE | re.MULTILINE)
                ref = r.group(1).lower() if r else None
    if not recipients:  # a plain-text bounce: take the addresses it names with an error code
        body = msg.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        if original is None:  # qmail and kin quote the original message in the text
            m = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
            original = m.group(1) if m else None
        if ref is None:
            r = re.search(r"^X-Rota-Ref:\s*([a-z2-7]+)", text, re.IGNORECASE | re.MULTILINE)
            ref = r.group(1).lower() if r else None
        for m in re.finditer(
            r"<?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)>?[^\n]{0,200}?\b([45]\.\d{1,3}\.\d{1,3})\b", text
        ):
            recipients.append(Recipient(m.group(1).lower(), m.group(2), "failed", ""))
    return Bounce(tuple(recipients), original, ref)
