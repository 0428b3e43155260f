"""Build the I/O parts a config asks for: the sending transport, the secret, the store.

Secrets come only from the environment (SPEC §2); a missing one is a clear error naming the
variable, raised only by commands that need it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mail.imap import ImapInbox, ImapSettings
from mail.maildir import MaildirInbox, MaildirOutbox
from mail.smtp import SmtpSettings, SmtpTransport
from mail.transport import Transport
from service.clock import Clock
from service.config.model import Config, ServerSettings
from service.errors import UsageError
from service.ingest import Inbox


def secret_of(
    config: Config, env: Mapping[str, str] | None = None, required: bool = True
) -> bytes | None:
    """The reply-token key from the environment variable the config names."""
    env = os.environ if env is None else env
    name = config.program.secret_env
    value = env.get(name, "")
    if not value:
        if required:
            raise UsageError(
                f"the environment variable {name} (program.secret_env) is not set: "
                f"it holds the key that signs reply addresses, e.g. export {name}=$(openssl rand -hex 32)"
            )
        return None
    if len(value) < 16:
        raise UsageError(f"{name} is too short to be a secret: use at least 16 characters")
    return value.encode("utf-8")


def password_of(server: ServerSettings, what: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if not server.password_env:
        return ""
    value = env.get(server.password_env)
    if value is None:
        raise UsageError(
            f"the environment variable {server.password_env} ({what}.password_env) is not set"
        )
    return value


def smtp_settings(config: Config, env: Mapping[str, str] | None = None) -> SmtpSettings:
    s = config.mail.smtp
    if s is None:
        raise UsageError("this config has no [mail] smtp server")
    return SmtpSettings(
        host=s.host,
        port=s.port,
        security=s.security,
        username=s.username,
        password=password_of(s, "mail.smtp", env),
        timeout=s.timeout,
        ca_file=s.ca_file or None,
    )


def transport_of(config: Config, clock: Clock, env: Mapping[str, str] | None = None) -> Transport:
    if config.mail.transport == "maildir":
        return MaildirOutbox(config.mail.maildir, clock.now)
    return SmtpTransport(smtp_settings(config, env))


def inbox_of(config: Config, env: Mapping[str, str] | None = None) -> tuple[Inbox, str]:
    """The inbox the config reads replies from, and the name its progress is kept under."""
    if config.mail.transport == "maildir":
        return MaildirInbox(config.mail.maildir), "maildir"
    i = config.mail.imap
    if i is None:
        raise UsageError("this config has no [mail] imap server")
    settings = ImapSettings(
        host=i.host,
        port=i.port,
        security=i.security,
        username=i.username,
        password=password_of(i, "mail.imap", env),
        folder=i.folder,
        processed_folder=i.processed_folder,
        review_folder=i.review_folder,
        timeout=i.timeout,
        ca_file=i.ca_file or None,
    )
    return ImapInbox(settings), inbox_name(config)


def inbox_name(config: Config) -> str:
    i = config.mail.imap
    if config.mail.transport == "maildir" or i is None:
        return "maildir"
    return f"imap:{i.username}@{i.host}/{i.folder}"


def describe_transport(config: Config) -> str:
    if config.mail.transport == "maildir":
        return f"maildir {config.mail.maildir}/outbox"
    s = config.mail.smtp
    assert s is not None
    security = {"tls": "implicit TLS", "starttls": "STARTTLS", "none": "no TLS"}[s.security]
    return f"SMTP {s.host}:{s.port} ({security})"
