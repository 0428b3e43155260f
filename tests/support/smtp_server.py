"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, port 0, on the test's own event loop.

It records what it accepted and can misbehave on demand: refuse recipients (5xx), answer
DATA with a queued reply (451, 550…), drop the connection mid-DATA, greet with 421, require
STARTTLS or AUTH, or speak implicit TLS with a certificate from a test CA.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Accepted:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        return str(message_from_bytes(self.data, policy=default)["Message-ID"])


@dataclass
class Recorder:
    accepted: list[Accepted] = field(default_factory=list)
    data_replies: deque[str] = field(default_factory=deque)  # "451 …", "550 …", "drop"
    refuse: set[str] = field(default_factory=set)
    connections: int = 0
    greet_421: int = 0  # this many next connections get "421" and are closed
    saw_plain_mail_from: bool = False
    data_delay: float = 0.0  # seconds the server takes before answering DATA
    data_started: int = 0  # DATA commands received (answered or not)

    def ids(self) -> list[str]:
        return [a.message_id for a in self.accepted]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: Any
    ) -> str:
        if session.ssl is None and not getattr(server, "_tls_protocol", None):
            self.saw_plain_mail_from = True
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_started += 1
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_replies:
            reply = self.data_replies.popleft()
            if reply == "drop":
                server.transport.close()
                return "421 4.4.2 connection dropped"
            return reply
        self.accepted.append(
            Accepted(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 2.0.0 OK queued"


class _Server(SMTP):  # type: ignore[misc]
    recorder: Recorder

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.recorder.connections += 1
        if self.recorder.greet_421 > 0:
            self.recorder.greet_421 -= 1
            transport.write(b"421 4.3.2 service not available, closing\r\n")  # type: ignore[attr-defined]
            transport.close()
            return
        super().connection_made(transport)


class Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


async def start_smtp(
    recorder: Recorder,
    *,
    implicit_tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    auth: Authenticator | None = None,
) -> tuple[asyncio.base_events.Server, int]:
    loop = asyncio.get_running_loop()

    def factory() -> _Server:
        server = _Server(
            recorder,
            tls_context=starttls,
            require_starttls=require_starttls,
            authenticator=auth,
            auth_required=auth is not None,
            auth_require_tls=False,
            hostname="localhost",
            enable_SMTPUTF8=True,
        )
        server.recorder = recorder
        return server

    srv = await loop.create_server(factory, "127.0.0.1", 0, ssl=implicit_tls)
    return srv, srv.sockets[0].getsockname()[1]
