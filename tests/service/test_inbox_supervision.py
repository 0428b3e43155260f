"""The daemon's inbox reader survives what goes wrong under it (a store that refuses writes,
a broken inbox folder), keeps unread mail where it is, picks up when the fault clears, and
`rota status --check` tells an operator while it fails."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from service.daemon import Daemon
from tests.support.configs import P, Program
from tests.support.driver import SECRET, files_extra
from tests.support.replies import plain_checkin


def program(tmp: Path) -> Path:
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
        starts=str(monday - timedelta(weeks=1)),
        ends=str(monday + timedelta(weeks=6)),
        call=None,
        review=None,
        extra=files_extra(tmp),
    ).write(tmp)


async def until(what: Callable[[], bool], seconds: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not what():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_SECRET", SECRET.decode())


async def test_the_inbox_reader_outlives_a_store_that_refuses_writes(tmp_path: Path) -> None:
    config = program(tmp_path)
    daemon = Daemon(config)
    daemon.inbox_retry = 0.05
    running = asyncio.create_task(daemon.run())
    await until(lambda: daemon.app is not None and daemon.app.inbox_health["state"] == "ok")
    assert daemon.app is not None and daemon.store is not None
    # from now on SQLite itself refuses every write (what a read-only or full disk does)
    refuse = {"on": True}

    @event.listens_for(daemon.store.engine, "checkout")
    def _query_only(dbapi: Any, record: Any, proxy: Any) -> None:
        dbapi.execute(f"PRAGMA query_only = {1 if refuse['on'] else 0}")

    daemon.store.engine.pool.dispose()  # every connection from now on goes through checkout
    cfg = daemon.app.config
    when = datetime.now(UTC) - timedelta(minutes=5)
    reply = tmp_path / "mail" / "inbox" / "ana.eml"
    reply.write_bytes(plain_checkin(cfg, SECRET, "ana@example.org", 1, when, "ana-1@x"))
    await until(lambda: int(str(daemon.app.inbox_health.get("failures", 0))) >= 3)  # type: ignore[union-attr]
    assert "readonly" in str(daemon.app.inbox_health["error"])
    assert reply.exists(), "a reply that could not be recorded stays in the inbox"
    assert not list((tmp_path / "mail" / "review").glob("*.eml"))
    assert daemon._ingest is not None and not daemon._ingest.done()
    # the disk is writable again: the same reader records the reply, no restart needed
    refuse["on"] = False
    await until(lambda: not reply.exists())
    await until(lambda: daemon.app.inbox_health["state"] == "ok")  # type: ignore[union-attr]
    assert [p.name for p in (tmp_path / "mail" / "processed").glob("*.eml")] == ["ana.eml"]
    daemon.stop()
    assert await running == 0


async def test_status_check_fails_while_the_inbox_cannot_be_read(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = program(tmp_path)
    daemon = Daemon(config)
    daemon.inbox_retry = 0.05
    running = asyncio.create_task(daemon.run())
    await until(lambda: daemon.app is not None and daemon.app.inbox_health["state"] == "ok")
    await until(lambda: rota("status", "-c", str(config), "--check").code == 0)
    inbox = tmp_path / "mail" / "inbox"
    shutil.rmtree(inbox)
    inbox.write_text("not a folder")  # the inbox folder is broken under the running daemon
    await until(lambda: int(str(daemon.app.inbox_health.get("failures", 0))) >= 3)  # type: ignore[union-attr]
    await until(lambda: rota("status", "-c", str(config), "--check").code == 1)
    checked = rota("status", "-c", str(config), "--check")
    assert "unhealthy: reading the inbox fails since" in checked.err
    shown = json.loads(rota("status", "-c", str(config), "--format", "json").out)
    assert shown["daemon"]["alive"] and shown["inbox"]["health"]["state"] == "failing"
    assert "FAILING since" in rota("status", "-c", str(config)).out
    inbox.unlink()
    inbox.mkdir()
    await until(lambda: rota("status", "-c", str(config), "--check").code == 0)
    daemon.stop()
    assert await running == 0
