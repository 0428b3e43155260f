"""Send through an SMTP server with aiosmtplib: one verified connection per batch.

Security is what the admin configured and nothing less: `tls` is implicit TLS, `starttls`
requires the upgrade (a server that does not offer it is an error, never a silent plaintext
fallback), `none` is for loopback relays only. Certificates are verified against the system
store, or an admin-given CA file. Library failures become our Transient/PermanentError with a
sentence an admin can act on: DNS, connection, TLS, authentication, refusal.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiosmtplib
from aiosmtplib import errors as smtp_errors

from mail.errors import MailError, PermanentError, TransientError
from mail.transport import Envelope

TRANSIENT_CODES = range(400, 500)  # 421, 450, 451, 452 and kin: try again later


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "tls" | "starttls" | "none"
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str | None = None
    local_hostname: str | None = None


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def describe(exc: BaseException, settings: SmtpSettings) -> MailError:
    """Turn a library or network exception into our error with a clear message."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, smtp_errors.SMTPAuthenticationError):
        return PermanentError(
            f"SMTP login to {where} refused ({exc.code} {exc.message}): "
            "check the username and the password environment variable",
            exc.code,
        )
    if isinstance(exc, smtp_errors.SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        detail = "; ".join(f"{e.recipient}: {e.code} {e.message}" for e in exc.recipients)
        if codes and all(c in TRANSIENT_CODES for c in codes):
            return TransientError(f"{where} deferred every recipient: {detail}")
        return PermanentError(f"{where} refused the recipients: {detail}", max(codes, default=None))
    if isinstance(exc, smtp_errors.SMTPResponseException):
        text = f"{where} answered {exc.code} {exc.message}"
        if exc.code in TRANSIENT_CODES:
            return TransientError(text)
        return PermanentError(text, exc.code)
    if isinstance(exc, smtp_errors.SMTPNotSupported) or "STARTTLS" in str(exc).upper():
        return PermanentError(
            f"{where} does not offer STARTTLS, which this config requires "
            "(never falling back to plain text)"
        )
    if isinstance(exc, ssl.SSLCertVerificationError) or (
        isinstance(exc.__cause__, ssl.SSLCertVerificationError)
    ):
        cause = exc if isinstance(exc, ssl.SSLCertVerificationError) else exc.__cause__
        return PermanentError(
            f"TLS certificate of {where} is not trusted: {getattr(cause, 'verify_message', cause)} "
            "(set ca_file for a private CA)"
        )
    if isinstance(exc, ssl.SSLError):
        return PermanentError(f"TLS with {where} failed: {exc}")
    if isinstance(exc, socket.gaierror) or isinstance(exc.__cause__, socket.gaierror):
        return TransientError(f"cannot resolve {settings.host}: check the host name and DNS")
    if isinstance(exc, (smtp_errors.SMTPConnectError, ConnectionError, OSError)):
        return TransientError(f"cannot connect to {where}: {exc}")
    if isinstance(exc, (smtp_errors.SMTPTimeoutError, asyncio.TimeoutError, TimeoutError)):
        return TransientError(f"{where} did not answer in time")
    if isinstance(exc, smtp_errors.SMTPException):
        return TransientError(f"SMTP with {where} failed: {exc}")
    return TransientError(f"sending through {where} failed: {type(exc).__name__}: {exc}")


class _SmtpSession:
    def __init__(self, client: aiosmtplib.SMTP, settings: SmtpSettings) -> None:
        self.client = client
        self.settings = settings
        self.broken = False

    async def send(self, envelope: Envelope, before_commit: Callable[[], None]) -> list[str]:
        try:
            await self.client.mail(envelope.sender)
            refused = []
            for rcpt in envelope.recipients:
                try:
                    await self.client.rcpt(rcpt)
                except smtp_errors.SMTPRecipientRefused as bad:
                    refused.append(bad)
            if refused and len(refused) == len(envelope.recipients):
                await self.client.rset()
                raise smtp_errors.SMTPRecipientsRefused(refused)
            before_commit()
            await self.client.data(envelope.data)
            return [r.recipient for r in refused]
        except smtp_errors.SMTPRecipientsRefused as exc:
            raise describe(exc, self.settings) from exc
        except (smtp_errors.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
            self.broken = True
            raise describe(exc, self.settings) from exc
        except smtp_errors.SMTPResponseException as exc:
            # the server answered (451 greylisted, 452 full…): that message waits, and the
            # connection carries on with the next one; only 421 means it is closing
            if exc.code == 421 or not self.client.is_connected:
                self.broken = True
            raise describe(exc, self.settings) from exc
        except Exception as exc:
            err = describe(exc, self.settings)
            if isinstance(err, TransientError):
                self.broken = True
            raise err from exc


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @asynccontextmanager
    async def session(self) -> AsyncIterator[_SmtpSession]:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",  # required when asked for, never opportunistic
            validate_certs=True,
            tls_context=tls_context(s.ca_file) if s.security != "none" else None,
            timeout=s.timeout,
            local_hostname=s.local_hostname,
        )
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password)
        except Exception as exc:
            client.close()
            raise describe(exc, s) from exc
        session = _SmtpSession(client, s)
        try:
            yield session
        finally:
            if session.broken or not client.is_connected:
                client.close()
            else:
                try:
                    await client.quit()
                except Exception:  # the batch is done; a failing QUIT changes nothing
                    client.close()
