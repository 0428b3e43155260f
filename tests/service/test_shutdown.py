"""SIGTERM lets the email in flight finish: the server gets all of it, the store marks it
sent, and the rest waits in the outbox for the next start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.daemon import Daemon
from service.store import schema
from tests.service.test_daemon import smtp_extra
from tests.service.test_inbox_supervision import until
from tests.support.configs import P, Program
from tests.support.driver import SECRET
from tests.support.smtp_server import Recorder, start_smtp


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_SECRET", SECRET.decode())


async def test_sigterm_finishes_the_email_in_flight(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    recorder = Recorder(data_delay=1.5)
    server, port = await start_smtp(recorder)
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    config = Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
        ],
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        starts=str(monday + timedelta(days=3)),  # invites are due now: several emails queue
        ends=str(monday + timedelta(weeks=6)),
        extra=smtp_extra(
            tmp_path,
            port,
            'imap = { host = "127.0.0.1", port = 9, security = "none", username = "x" }',
        ),
    ).write(tmp_path)
    daemon = Daemon(config, new_store=True)  # no IMAP server here to hold the store marker
    running = asyncio.create_task(daemon.run())
    try:
        await until(lambda: recorder.data_started >= 1 or running.done(), 30)
        assert not running.done(), running.exception()
        daemon.stop()  # what SIGTERM does, while the server is still reading the email
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        server.close()
    assert len(recorder.accepted) == 1, "the email in flight was finished, and no other begun"
    from service.store.store import Store

    store = Store(f"sqlite:///{tmp_path / 'rota.db'}")
    try:
        with store.engine.connect() as conn:
            states = dict(
                conn.execute(
                    select(schema.outbox.c.state, func.count()).group_by(schema.outbox.c.state)
                ).all()
            )
        [sent] = store.outbox.rows(["sent"], limit=5)
        assert sent.message_id == recorder.accepted[0].message_id
        assert states["sent"] == 1 and states.get("pending", 0) >= 1
        assert "committing" not in states and "unconfirmed" not in states
    finally:
        store.close()
