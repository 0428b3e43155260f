"""Benchmark outbound mail: building emails and invites, and sending to a local SMTP sink.

    .venv/bin/python benchmarks/send.py [--count 10000]

The sink is aiosmtpd on 127.0.0.1 in its own process (so it has the other core), accepting
and discarding. Sending is measured with one connection reused for the whole batch and with
one connection per email; the ratio is the number to compare between runs (shared machines
are noisy, ratios much less so). Also: the full outbox path (claim, send, mark in SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def sink(port_out: multiprocessing.Queue, cert_pem: bytes | None) -> None:  # type: ignore[type-arg]
    """An SMTP server that accepts and discards, on its own event loop in its own process;
    with a certificate it offers (and requires) STARTTLS."""
    import ssl
    import tempfile

    from aiosmtpd.smtp import SMTP

    tls = None
    if cert_pem:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as f:
            f.write(cert_pem)
        tls.load_cert_chain(f.name)

    class Discard:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(
            lambda: SMTP(
                Discard(), hostname="localhost", tls_context=tls, require_starttls=tls is not None
            ),
            "127.0.0.1",
            0,
        )
        port_out.put(srv.sockets[0].getsockname()[1])
        await asyncio.sleep(3600)

    asyncio.run(serve())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument(
        "--per-connection", type=int, default=1_000, help="emails sent one connection each"
    )
    args = parser.parse_args()

    from mail.compose import build_message, message_bytes
    from mail.smtp import SmtpSettings, SmtpTransport
    from mail.transport import Envelope
    from scheduling.plan import plan_program
    from service.clock import ManualClock
    from service.config.load import load_config
    from service.emails import Mailer, load_templates
    from service.program import program_spec
    from service.resources import example_config
    from service.sending import Sender
    from service.store.store import Store

    config = load_config(example_config())
    mailer = Mailer(config, load_templates(config), b"benchmark secret, not a real one")
    mentees = [p.mentee for p in config.pairs]
    when = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)

    t = time.perf_counter()
    blobs = []
    for i in range(args.count):
        out = mailer.checkin(mentees[i % len(mentees)], i, when)
        out = type(out)(
            **{
                **{f: getattr(out, f) for f in out.__dataclass_fields__},
                "message_id": f"<bench.{i}@example.org>",
            }
        )
        blobs.append((out.message_id, out.to[0].email, message_bytes(build_message(out))))
    build_s = time.perf_counter() - t
    print(
        f"built {args.count} check-in emails in {build_s:.2f} s: {args.count / build_s:,.0f} emails/s"
    )

    plan = plan_program(program_spec(config))
    series = [s.id for s in plan.program.series]
    n_inv = 400
    t = time.perf_counter()
    for i in range(n_inv):
        msgs, _, _ = mailer.invites(plan, series[i % len(series)], when, sequence=i)
        for m in msgs:
            message_bytes(build_message(m))
    inv_s = time.perf_counter() - t
    print(
        f"built {n_inv} invite series (REQUEST, one email per attendee, every occurrence): "
        f"{n_inv / inv_s:,.1f} series/s"
    )

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ca_file = Path(tempfile.mkdtemp()) / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ctx = multiprocessing.get_context("spawn")
    settings = None
    for label, pem in (
        ("plain loopback", None),
        (
            "STARTTLS, verified certificate",
            b"".join(b.bytes() for b in (cert.private_key_pem, *cert.cert_chain_pems)),
        ),
    ):
        q: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=sink, args=(q, pem), daemon=True)
        proc.start()
        port = q.get(timeout=60)
        settings = SmtpSettings(
            "localhost",
            port,
            "starttls" if pem else "none",
            timeout=30,
            ca_file=str(ca_file) if pem else None,
        )

        async def reuse(settings: SmtpSettings = settings) -> float:
            t0 = time.perf_counter()
            async with SmtpTransport(settings).session() as s:
                for mid, to, data in blobs:
                    await s.send(Envelope(mid, "mentorship@example.org", [to], data), lambda: None)
            return time.perf_counter() - t0

        async def per_email(n: int, settings: SmtpSettings = settings) -> float:
            t0 = time.perf_counter()
            for mid, to, data in blobs[:n]:
                async with SmtpTransport(settings).session() as s:
                    await s.send(Envelope(mid, "mentorship@example.org", [to], data), lambda: None)
            return time.perf_counter() - t0

        reuse_s = asyncio.run(reuse())
        per_s = asyncio.run(per_email(args.per_connection))
        reuse_rate, per_rate = args.count / reuse_s, args.per_connection / per_s
        print(
            f"SMTP ({label}), one connection for all {args.count}: {reuse_s:.2f} s, {reuse_rate:,.0f} emails/s"
        )
        print(
            f"SMTP ({label}), one connection per email ({args.per_connection}): {per_s:.2f} s, "
            f"{per_rate:,.0f} emails/s"
        )
        print(f"SMTP ({label}): connection reuse is ×{reuse_rate / per_rate:.1f} faster")
        if pem is not None:
            break
        proc.terminate()
    assert settings is not None

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        clock = ManualClock(when)
        with store.engine.begin() as conn:
            for mid, to, data in blobs:
                store.outbox.add(
                    conn,
                    message_id=mid,
                    kind="checkin",
                    sender="mentorship@example.org",
                    recipients=[to],
                    subject="s",
                    eml=data,
                    due_at=when,
                    now=when,
                )
        sender = Sender(store.outbox, SmtpTransport(settings), clock, "bench")

        async def drain_all() -> float:
            t0 = time.perf_counter()
            while (await sender.drain(limit=500)).sent:
                clock.advance(timedelta(seconds=1))
            return time.perf_counter() - t0

        out_s = asyncio.run(drain_all())
        print(
            f"outbox → SMTP (claim, send, mark sent in SQLite, batches of 500): {args.count / out_s:,.0f} emails/s"
        )
    proc.terminate()


if __name__ == "__main__":
    main()
