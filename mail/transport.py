"""The narrow interface every sending transport offers (SMTP, maildir).

A transport opens a session (one connection for a whole batch, for SMTP) and sends
envelopes through it. `before_commit` is called right before the message data is handed
over for good, so the outbox can record that point: a crash after it may have delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Envelope:
    message_id: str
    sender: str
    recipients: Sequence[str]
    data: bytes  # the whole message, CRLF line endings


class Session(Protocol):
    async def send(self, envelope: Envelope, before_commit: Callable[[], None]) -> list[str]:
        """Deliver; returns the recipients the server refused while accepting the others."""
        ...


class Transport(Protocol):
    name: str

    def session(self) -> AbstractAsyncContextManager[Session]: ...
