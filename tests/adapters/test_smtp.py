"""Sending through a real SMTP server on loopback: batches, faults, retries, TLS, AUTH, races."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from mail.compose import Outgoing, Person, build_message, message_bytes
from mail.errors import PermanentError, TransientError
from mail.smtp import SmtpSettings, SmtpTransport
from mail.transport import Envelope
from service.clock import ManualClock
from service.sending import Sender
from service.store.outbox import RetryPolicy
from service.store.store import Store
from tests.support.smtp_server import Authenticator, Recorder, start_smtp

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue(store: Store, n: int, now: datetime, to: str = "ana@example.org") -> list[str]:
    ids = []
    with store.engine.begin() as conn:
        for i in range(n):
            mid = f"<rota.test{i}@example.org>"
            out = Outgoing(
                "checkin",
                mid,
                Person("Team", "team@example.org"),
                (Person("", to),),
                f"Test {i}",
                f"Body {i}\n",
                date=now,
            )
            store.outbox.add(
                conn,
                message_id=mid,
                kind="checkin",
                sender="team@example.org",
                recipients=[to],
                subject=f"Test {i}",
                eml=message_bytes(build_message(out)),
                due_at=now,
                now=now,
            )
            ids.append(mid)
    return ids


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'rota.db'}", RetryPolicy(max_attempts=4))


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def server_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    return ctx


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
async def plain() -> AsyncIterator[tuple[Recorder, int]]:
    rec = Recorder()
    srv, port = await start_smtp(rec)
    yield rec, port
    srv.close()


def sender(store: Store, port: int, clock: ManualClock, worker: str = "w1", **kw: object) -> Sender:
    settings = SmtpSettings("127.0.0.1", port, "none", timeout=5, **kw)  # type: ignore[arg-type]
    return Sender(store.outbox, SmtpTransport(settings), clock, worker)


async def test_a_batch_goes_out_over_one_connection(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    ids = queue(store, 25, T0)
    report = await sender(store, port, clock).drain()
    assert sorted(report.sent) == sorted(ids)
    assert sorted(rec.ids()) == sorted(ids)
    assert rec.connections == 1
    assert store.outbox.counts() == {"sent": 25}
    again = await sender(store, port, clock).drain()
    assert again.sent == [] and rec.connections == 1, "nothing is sent twice"


async def test_451_is_retried_with_backoff_and_delivered_once(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    [mid] = queue(store, 1, T0)
    rec.data_replies.extend(["451 4.3.0 mailbox busy, try later", "452 4.3.1 out of storage"])
    s = sender(store, port, clock)
    first = await s.drain()
    assert first.retried == 1 and rec.accepted == []
    row = store.outbox.by_message_id(mid)
    assert row is not None and row.state == "pending" and "451" in (row.last_error or "")
    assert timedelta(seconds=40) <= row.next_attempt_at - T0 <= timedelta(seconds=80)
    assert (await s.drain()).sent == [], "not before its backoff"
    clock.set(row.next_attempt_at)
    second = await s.drain()
    row2 = store.outbox.by_message_id(mid)
    assert second.retried == 1 and row2 is not None
    assert row2.next_attempt_at - clock.now() > row.next_attempt_at - T0, "backoff grows"
    clock.set(row2.next_attempt_at)
    assert (await s.drain()).sent == [mid]
    assert rec.ids() == [mid]


async def test_one_451_on_data_delays_that_email_only_and_the_batch_goes_on(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    ids = queue(store, 5, T0)
    rec.data_replies.append("451 4.7.1 greylisted, try again later")
    report = await sender(store, port, clock).drain()
    assert report.retried == 1 and len(report.sent) == 4 and report.error is None
    assert rec.connections == 1, "the same connection carries the rest of the batch"
    assert store.outbox.counts() == {"sent": 4, "pending": 1}
    clock.advance(timedelta(minutes=5))
    assert len((await sender(store, port, clock).drain()).sent) == 1
    assert sorted(rec.ids()) == sorted(ids)


async def test_550_is_permanent_recorded_and_never_retried(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    [mid] = queue(store, 1, T0)
    rec.data_replies.append("550 5.7.1 message refused by policy")
    report = await sender(store, port, clock).drain()
    assert report.failed == 1
    row = store.outbox.by_message_id(mid)
    assert row is not None and row.state == "failed" and "550 5.7.1" in (row.last_error or "")
    clock.advance(timedelta(days=3))
    assert (await sender(store, port, clock).drain()).sent == []
    assert rec.accepted == []


async def test_a_refused_recipient_is_permanent(store: Store, plain: tuple[Recorder, int]) -> None:
    rec, port = plain
    rec.refuse.add("gone@example.org")
    clock = ManualClock(T0)
    [mid] = queue(store, 1, T0, to="gone@example.org")
    report = await sender(store, port, clock).drain()
    row = store.outbox.by_message_id(mid)
    assert report.failed == 1 and row is not None and row.state == "failed"
    assert "gone@example.org: 550" in (row.last_error or "")


async def test_a_dropped_connection_and_a_421_greeting_are_retried(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    ids = queue(store, 3, T0)
    rec.data_replies.append("drop")
    report = await sender(store, port, clock).drain()
    assert report.sent == [] and report.retried == 3, "the batch stops; nothing is lost"
    rec.greet_421 = 1
    clock.advance(timedelta(minutes=5))
    report = await sender(store, port, clock).drain()
    assert report.error is not None and "421" in report.error
    clock.advance(timedelta(minutes=10))
    report = await sender(store, port, clock).drain()
    assert sorted(report.sent) == sorted(ids)
    assert sorted(rec.ids()) == sorted(ids), "each delivered exactly once"


async def test_after_repeated_failures_a_row_is_parked_not_dropped(
    store: Store, plain: tuple[Recorder, int]
) -> None:
    rec, port = plain
    clock = ManualClock(T0)
    [mid] = queue(store, 1, T0)
    rec.data_replies.extend(["451 4.3.0 later"] * 4)
    s = sender(store, port, clock)
    for _ in range(4):
        await s.drain()
        clock.advance(timedelta(hours=2))
    row = store.outbox.by_message_id(mid)
    assert row is not None and row.state == "parked" and row.attempts == 4
    assert store.outbox.requeue_parked(clock.now()) == 1
    assert (await s.drain()).sent == [mid] and rec.ids() == [mid]


async def test_a_server_down_for_hours_is_caught_up_cleanly(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    ids = queue(store, 5, T0)
    dead = sender(store, 1, clock)  # nothing listens on port 1
    for _ in range(6):
        await dead.drain()
        clock.advance(timedelta(hours=1))
    errors = [
        r for r in caplog.records if r.name == "rota.send" and "cannot send mail" in r.getMessage()
    ]
    assert len(errors) == 1, "one clear log line for the outage, not one per email"
    rec = Recorder()
    srv, port = await start_smtp(rec)
    try:
        report = await sender(store, port, clock).drain()
        assert sorted(report.sent) == sorted(ids) and sorted(rec.ids()) == sorted(ids)
    finally:
        srv.close()


def test_two_senders_never_send_one_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    store_a, store_b = Store(url), Store(url)
    ids = queue(store_a, 60, T0)
    rec = Recorder()
    ready = threading.Event()
    holder: dict[str, object] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        srv, port = loop.run_until_complete(start_smtp(rec))
        holder["port"], holder["loop"] = port, loop
        ready.set()
        loop.run_forever()
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    port = int(holder["port"])  # type: ignore[call-overload]

    def drain(store: Store, worker: str) -> None:
        s = sender(store, port, ManualClock(T0), worker)

        async def run() -> None:
            while (await s.drain(limit=3)).sent:
                pass

        asyncio.run(run())

    threads = [
        threading.Thread(target=drain, args=(st, w)) for st, w in ((store_a, "a"), (store_b, "b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    loop = holder["loop"]
    loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]
    assert sorted(rec.ids()) == sorted(ids), "every row exactly once"
    assert len(set(rec.ids())) == len(rec.ids())
    assert store_a.outbox.counts() == {"sent": 60}


async def test_required_starttls_is_never_skipped(store: Store) -> None:
    rec = Recorder()
    srv, port = await start_smtp(rec)  # offers no STARTTLS
    try:
        transport = SmtpTransport(SmtpSettings("127.0.0.1", port, "starttls", timeout=5))
        with pytest.raises(PermanentError, match="does not offer STARTTLS"):
            async with transport.session():
                pass
        assert not rec.saw_plain_mail_from and rec.accepted == []
    finally:
        srv.close()


async def test_starttls_verifies_the_certificate(ca: trustme.CA, ca_file: str) -> None:
    rec = Recorder()
    srv, port = await start_smtp(rec, starttls=server_ctx(ca), require_starttls=True)
    env = Envelope(
        "<t@x>",
        "team@example.org",
        ["ana@example.org"],
        b"Subject: x\r\nMessage-ID: <t@x>\r\n\r\nhi\r\n",
    )
    try:
        untrusted = SmtpTransport(SmtpSettings("localhost", port, "starttls", timeout=5))
        with pytest.raises(PermanentError, match="not trusted"):
            async with untrusted.session():
                pass
        trusted = SmtpTransport(
            SmtpSettings("localhost", port, "starttls", timeout=5, ca_file=ca_file)
        )
        async with trusted.session() as session:
            await session.send(env, lambda: None)
        assert rec.ids() == ["<t@x>"]
    finally:
        srv.close()


async def test_implicit_tls_and_auth(ca: trustme.CA, ca_file: str) -> None:
    rec = Recorder()
    srv, port = await start_smtp(
        rec, implicit_tls=server_ctx(ca), auth=Authenticator("rota", "s3cret")
    )
    env = Envelope(
        "<t@x>",
        "team@example.org",
        ["ana@example.org"],
        b"Subject: x\r\nMessage-ID: <t@x>\r\n\r\nhi\r\n",
    )
    try:
        wrong = SmtpTransport(
            SmtpSettings("localhost", port, "tls", "rota", "nope", timeout=5, ca_file=ca_file)
        )
        with pytest.raises(PermanentError, match=r"login .* refused"):
            async with wrong.session():
                pass
        right = SmtpTransport(
            SmtpSettings("localhost", port, "tls", "rota", "s3cret", timeout=5, ca_file=ca_file)
        )
        async with right.session() as session:
            await session.send(env, lambda: None)
        assert rec.ids() == ["<t@x>"]
    finally:
        srv.close()


async def test_dns_failure_is_a_clear_transient_error() -> None:
    transport = SmtpTransport(SmtpSettings("no-such-host.invalid", 25, "starttls", timeout=5))
    with pytest.raises(TransientError, match=r"cannot resolve no-such-host\.invalid"):
        async with transport.session():
            pass
