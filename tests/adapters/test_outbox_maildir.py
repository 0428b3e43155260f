"""The outbox across crashes, and the maildir transport (the embedded default)."""

from __future__ import annotations

import asyncio
import email
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

from sqlalchemy import inspect

from mail.maildir import MaildirOutbox
from mail.transport import Envelope
from service.clock import ManualClock
from service.sending import Sender
from service.store import schema
from service.store.migrations import LATEST, current_version
from service.store.outbox import RetryPolicy
from service.store.store import Store
from tests.adapters.test_smtp import queue

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_deciding_the_same_email_twice_queues_it_once(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    queue(store, 3, T0)
    queue(store, 3, T0)
    assert store.outbox.counts() == {"pending": 3}


def test_a_claim_abandoned_by_a_crash_is_sent_again_unless_the_data_was_handed_over(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}", RetryPolicy(lease=timedelta(minutes=10)))
    ids = queue(store, 2, T0)
    _a, b = store.outbox.claim("dead-worker", T0)
    store.outbox.committing(b.id, "dead-worker")  # died after handing b's data to the server
    assert store.outbox.claim("other", T0) == [], "claimed rows are not claimed again"
    assert store.outbox.recover(T0 + timedelta(minutes=5)) == (0, 0), (
        "within the lease nothing moves"
    )
    assert store.outbox.recover(T0 + timedelta(minutes=11)) == (1, 1)
    row_a, row_b = (store.outbox.by_message_id(i) for i in ids)
    assert row_a is not None and row_a.state == "pending"
    assert (
        row_b is not None
        and row_b.state == "unconfirmed"
        and "not sent again" in (row_b.last_error or "")
    )
    assert [r.message_id for r in store.outbox.claim("other", T0 + timedelta(minutes=11))] == [
        ids[0]
    ]


def test_backoff_is_exponential_with_repeatable_jitter() -> None:
    p = RetryPolicy()
    delays = [p.delay("<m@x>", n) for n in range(1, 9)]
    assert delays == [p.delay("<m@x>", n) for n in range(1, 9)], "same message, same schedule"
    assert all(
        0.74 <= d / min(p.first_delay * 2 ** (n), p.max_delay) <= 1.26 for n, d in enumerate(delays)
    )
    assert delays[-1] <= p.max_delay * 1.25
    assert p.delay("<m@x>", 3) != p.delay("<n@x>", 3), "jitter spreads different messages"


def test_the_schema_is_migrated_from_nothing_and_matches_the_declared_tables(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    assert current_version(store.engine) == LATEST
    insp = inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        assert insp.has_table(table.name), table.name
        assert {c["name"] for c in insp.get_columns(table.name)} == {
            c.name for c in table.columns
        }, table.name
    Store(f"sqlite:///{tmp_path / 'r.db'}")  # opening again migrates nothing and loses nothing
    assert current_version(store.engine) == LATEST


async def test_maildir_writes_each_email_once_in_send_order(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    box = MaildirOutbox(tmp_path / "mail", clock.now)
    async with box.session() as s:
        for i in range(3):
            clock.advance(timedelta(seconds=1))
            await s.send(
                Envelope(
                    f"<m{i}@x>",
                    "a@x",
                    ["b@x"],
                    f"Message-ID: <m{i}@x>\r\n\r\nbody {i}\r\n".encode(),
                ),
                lambda: None,
            )
        await s.send(
            Envelope("<m1@x>", "a@x", ["b@x"], b"Message-ID: <m1@x>\r\n\r\nagain\r\n"), lambda: None
        )
    files = sorted((tmp_path / "mail" / "outbox").iterdir())
    assert [
        email.message_from_bytes(f.read_bytes(), policy=default)["Message-ID"] for f in files
    ] == ["<m0@x>", "<m1@x>", "<m2@x>"]
    assert b"again" not in files[1].read_bytes()
    assert (tmp_path / "mail" / "inbox").is_dir()
    later = MaildirOutbox(tmp_path / "mail", clock.now)  # a restarted process continues the order
    async with later.session() as s:
        await s.send(Envelope("<m1@x>", "a@x", ["b@x"], b"dup"), lambda: None)
        await s.send(
            Envelope("<m3@x>", "a@x", ["b@x"], b"Message-ID: <m3@x>\r\n\r\n4\r\n"), lambda: None
        )
    names = sorted(p.name for p in (tmp_path / "mail" / "outbox").iterdir())
    assert len(names) == 4 and names[-1].split("-")[1] == "000004"


def test_the_sender_drains_into_the_maildir(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    clock = ManualClock(T0)
    ids = queue(store, 4, T0)
    sender = Sender(store.outbox, MaildirOutbox(tmp_path / "mail", clock.now), clock, "w")
    report = asyncio.run(sender.drain())
    assert sorted(report.sent) == sorted(ids)
    assert len(list((tmp_path / "mail" / "outbox").iterdir())) == 4
    assert store.outbox.counts() == {"sent": 4}
