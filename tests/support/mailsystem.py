"""A small real mail system for end-to-end tests: an SMTP server on loopback (aiosmtpd) that
delivers every accepted message into the recipients' mailboxes on a real Dovecot (IMAP
APPEND, as a local delivery agent would), with plus-addressing (`checkins+TOKEN@…` lands
in the mailbox of `checkins@…`).
"""

from __future__ import annotations

import asyncio
import imaplib
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP

from tests.support.dovecot import PASSWORD, Dovecot


@dataclass
class Delivery:
    dovecot: Dovecot
    users: dict[str, str]  # address (without +tag) → Dovecot user
    delivered: list[tuple[str, bytes]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def user_of(self, address: str) -> str | None:
        local, _, domain = address.lower().partition("@")
        return self.users.get(f"{local.split('+', 1)[0]}@{domain}")

    def _append(self, user: str, data: bytes) -> None:
        m = imaplib.IMAP4("127.0.0.1", self.dovecot.port, timeout=30)
        m.login(user, PASSWORD)
        m.append("INBOX", None, None, data)
        m.logout()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.user_of(address) is None:
            self.unknown.append(address)
            return f"550 5.1.1 <{address}>: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content)
        for rcpt in envelope.rcpt_tos:
            user = self.user_of(rcpt)
            assert user is not None
            await asyncio.to_thread(self._append, user, data)
            self.delivered.append((rcpt.lower(), data))
        return "250 2.0.0 delivered"


async def start_delivery(delivery: Delivery) -> tuple[asyncio.base_events.Server, int]:
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(delivery, hostname="localhost", enable_SMTPUTF8=True), "127.0.0.1", 0
    )
    return srv, srv.sockets[0].getsockname()[1]


def mailbox(dovecot: Dovecot, user: str, folder: str = "INBOX") -> list[EmailMessage]:
    """Every message in a user's folder, in arrival order."""
    m = imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=30)
    m.login(user, PASSWORD)
    typ, _ = m.select(folder, readonly=True)
    out: list[EmailMessage] = []
    if typ == "OK":
        _, data = m.uid("search", None, "ALL")  # type: ignore[arg-type]
        for uid in data[0].split():
            _, fetched = m.uid("fetch", uid, "(BODY.PEEK[])")
            raw = next(x[1] for x in fetched if isinstance(x, tuple))
            out.append(message_from_bytes(raw, policy=default))  # type: ignore[arg-type]
    m.logout()
    return out
