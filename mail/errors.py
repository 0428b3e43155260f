"""Errors of the mail package. Adapters turn library exceptions into these two kinds, so the
sender only decides "try again later" or "this will never work", as Mailman does."""

from __future__ import annotations


class MailError(Exception):
    """Base of every mail error; the message is what an admin reads."""


class TransientError(MailError):
    """Worth retrying: 4xx replies, dropped connections, timeouts, a server that is down."""


class PermanentError(MailError):
    """Retrying will not help: 5xx replies, refused recipients, bad credentials, TLS failures."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
