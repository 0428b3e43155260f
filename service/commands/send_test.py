"""`rota send-test -c FILE --to EMAIL`: one test email through the configured transport,
and a clear sentence about what failed if it did (DNS, TLS, login, refusal)."""

from __future__ import annotations

import argparse
import asyncio
import socket

from mail.compose import build_message, message_bytes
from mail.errors import MailError
from mail.transport import Envelope
from service.clock import SystemClock
from service.config.fields import Invalid, email
from service.config.load import load_config
from service.emails import Mailer, load_templates
from service.errors import RotaError, UsageError
from service.wiring import describe_transport, transport_of


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        to = email(args.to)
    except Invalid as bad:
        raise UsageError(f"--to: {bad.message}") from None
    clock = SystemClock()
    mailer = Mailer(config, load_templates(config), None)
    out = mailer.test(to, clock.now(), describe_transport(config))
    data = message_bytes(build_message(out))
    transport = transport_of(config, clock)

    async def send() -> list[str]:
        async with transport.session() as session:
            return await session.send(
                Envelope(out.message_id, config.program.organizer, [to], data), lambda: None
            )

    try:
        refused = asyncio.run(send())
    except MailError as bad:
        raise RotaError(f"could not send the test email: {bad}") from None
    except socket.gaierror as bad:  # pragma: no cover - transports translate this already
        raise RotaError(f"could not send the test email: DNS: {bad}") from None
    if refused:
        raise RotaError(f"the server refused {', '.join(refused)}")
    print(f"sent a test email to {to} through {describe_transport(config)} ({out.message_id})")
    return 0
