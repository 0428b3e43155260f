"""`rota run` as a real process: signals, reload, and kill -9 at the injected crash points.

The program in these tests is running now (it started last week), so the daemon has invites
to send the moment it starts; everyone works every day, so nothing waits for a workday.
Each crash test kills the daemon with SIGKILL at one point (ROTA_CRASH_AT), starts it again
and checks that no due email was lost, none the server acknowledged was sent twice, and no
reply was lost or recorded twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import select

from service.config.load import load_config
from service.store import schema
from service.store.store import Store
from tests.support import dovecot as dovecot_support
from tests.support.configs import P, Program
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.replies import plain_checkin
from tests.support.smtp_server import Recorder, start_smtp

ROOT = Path(__file__).resolve().parents[2]
SECRET = "daemon test secret 0123456789"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


def program(pairs: list[tuple[str, str]] | None = None, extra: str = "") -> Program:
    people = [
        P(e, z, name=n, workdays=EVERY_DAY, available="06:00-22:00")
        for e, n, z in (
            ("ben@example.org", "Ben Ortiz", "America/New_York"),
            ("ana@example.org", "Ana Sousa", "Europe/Lisbon"),
            ("priya@example.org", "Priya Raman", "Asia/Kolkata"),
            ("mia@example.org", "Mia Chen", "Australia/Sydney"),
        )
    ]
    return Program(
        people=people,
        pairs=pairs or [("ben@example.org", "ana@example.org")],
        starts=str(_monday() - timedelta(weeks=1)),
        ends=str(_monday() + timedelta(weeks=8)),
        extra=extra,
    )


def maildir_extra(tmp: Path) -> str:
    return f'[mail]\nmaildir = "{tmp / "mail"}"\n\n[store]\nurl = "sqlite:///{tmp / "rota.db"}"\n'


def start(
    config: Path, tmp: Path, crash: str | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    full = {**os.environ, "ROTA_SECRET": SECRET, **(env or {})}
    full.pop("ROTA_CRASH_AT", None)
    if crash:
        full["ROTA_CRASH_AT"] = crash
    log = open(tmp / "daemon.log", "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "run", "-c", str(config)],
        cwd=ROOT,
        env=full,
        stdout=log,
        stderr=log,
    )


def wait_for(
    what: Callable[[], bool], timeout: float = 60, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the daemon exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def outbox_files(tmp: Path) -> list[Path]:
    box = tmp / "mail" / "outbox"
    return sorted(box.glob("*.eml")) if box.is_dir() else []


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


def log_of(tmp: Path) -> str:
    return (tmp / "daemon.log").read_text(errors="replace")


def test_the_daemon_runs_reloads_a_valid_config_refuses_a_bad_one_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    config = program(extra=maildir_extra(tmp_path)).write(tmp_path)
    proc = start(config, tmp_path)
    try:
        wait_for(lambda: len(outbox_files(tmp_path)) >= 4, proc=proc)  # call + review, 2 each
        time.sleep(0.5)
        first = len(outbox_files(tmp_path))
        status = subprocess.run(
            [sys.executable, "-m", "service.cli", "status", "-c", str(config), "--check"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert "running (heartbeat" in status.stdout

        # one process per store: cron's --once and a second daemon are refused, clearly
        for extra in (["--once"], []):
            other = subprocess.run(
                [sys.executable, "-m", "service.cli", "run", "-c", str(config), *extra],
                cwd=ROOT,
                env={**os.environ, "ROTA_SECRET": SECRET},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert other.returncode == 1, other.stderr
            assert f"is in use by Rota (pid {proc.pid})" in other.stderr
            assert "Traceback" not in other.stderr
        assert len(outbox_files(tmp_path)) == first

        good = config.read_text()
        config.write_text(good.replace('timezone = "Asia/Kolkata"', 'timezone = "Asia/Kolkatta"'))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "still running the previous one" in log_of(tmp_path), proc=proc)
        assert "people[2].timezone: unknown time zone 'Asia/Kolkatta'" in log_of(tmp_path)
        assert proc.poll() is None

        program(
            pairs=[
                ("ben@example.org", "ana@example.org"),
                ("ben@example.org", "priya@example.org"),
            ],
            extra=maildir_extra(tmp_path),
        ).write(tmp_path)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reloaded" in log_of(tmp_path), proc=proc)
        wait_for(lambda: len(outbox_files(tmp_path)) >= first + 4, proc=proc)  # Priya's series
        new = [f.read_bytes() for f in outbox_files(tmp_path)[first:]]
        assert all(b"priya@example.org" in m for m in new)
    finally:
        code = stop(proc)
    assert code == 0
    assert "Rota stopped" in log_of(tmp_path)


def _sent_ids(store: Store) -> Counter[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.outbox.c.message_id, schema.outbox.c.state)).all()
    return Counter(r.state for r in rows)


def test_killed_after_the_outbox_write_nothing_is_lost_on_restart(tmp_path: Path) -> None:
    config = program(
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        extra=maildir_extra(tmp_path),
    ).write(tmp_path)
    proc = start(config, tmp_path, crash="outbox.after_write")
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert outbox_files(tmp_path) == []  # decided and stored, not yet sent
    # the kernel dropped the dead daemon's lock: --once may run at once (and would send)
    store = Store(load_config(config).store.url)
    due = _sent_ids(store)["pending"]
    assert _sent_ids(store) == {"pending": due} and due >= 8  # 8 invites, maybe prompts, a digest
    store.close()
    proc = start(config, tmp_path)
    try:
        wait_for(lambda: len(outbox_files(tmp_path)) >= due, proc=proc)
        time.sleep(1)
    finally:
        assert stop(proc) == 0
    files = outbox_files(tmp_path)
    assert len(files) == due
    ids = [
        next(line for line in f.read_bytes().splitlines() if line.lower().startswith(b"message-id"))
        for f in files
    ]
    assert len(set(ids)) == due
    store = Store(load_config(config).store.url)
    assert _sent_ids(store) == {"sent": due}
    store.close()


async def _wait_async(what: Callable[[], bool], proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while not what():
        if proc.returncode is not None:
            raise AssertionError(f"the daemon exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.1)


def _log(tmp: Path) -> BinaryIO:
    return open(tmp / "daemon.log", "ab")


async def _spawn(
    config: Path,
    tmp: Path,
    crash: str | None = None,
    env: dict[str, str] | None = None,
    *args: str,
) -> asyncio.subprocess.Process:
    full = {**os.environ, "ROTA_SECRET": SECRET, **(env or {})}
    full.pop("ROTA_CRASH_AT", None)
    if crash:
        full["ROTA_CRASH_AT"] = crash
    log = _log(tmp)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "run",
        "-c",
        str(config),
        *args,
        cwd=ROOT,
        env=full,
        stdout=log,
        stderr=log,
    )


async def _stop(proc: asyncio.subprocess.Process) -> int:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), 30)


def smtp_extra(tmp: Path, smtp_port: int, imap: str = "") -> str:
    imap = (
        imap
        or 'imap = { host = "127.0.0.1", port = 1, security = "none", username = "x", password_env = "NO_SUCH_VARIABLE_IS_NEEDED" }'
    )
    return (
        f'[mail]\ntransport = "imap-smtp"\n'
        f'smtp = {{ host = "127.0.0.1", port = {smtp_port}, security = "none" }}\n{imap}\n\n'
        f'[store]\nurl = "sqlite:///{tmp / "rota.db"}"\n'
    )


async def test_killed_after_the_server_said_250_the_message_is_never_sent_twice(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    server, port = await start_smtp(recorder)
    imap = 'imap = { host = "127.0.0.1", port = 9, security = "none", username = "x" }'
    config = program(
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        extra=smtp_extra(tmp_path, port, imap),
    ).write(tmp_path)
    try:
        # no IMAP server here: a first start could not tell a new program from a lost store,
        # so it is told (a new store would otherwise wait for the mail server)
        proc = await _spawn(config, tmp_path, "send.after_data", None, "--new-store")
        assert await asyncio.wait_for(proc.wait(), 60) == -signal.SIGKILL
        assert len(recorder.accepted) == 1  # the server has it; Rota died before marking it
        store = Store(load_config(config).store.url)
        due = sum(_sent_ids(store).values())
        store.close()
        proc = await _spawn(config, tmp_path)
        try:
            await _wait_async(lambda: len(recorder.accepted) >= due, proc)
            await asyncio.sleep(1)
        finally:
            assert await _stop(proc) == 0
    finally:
        server.close()
    ids = recorder.ids()
    assert len(ids) == due and len(set(ids)) == due, Counter(ids)
    store = Store(load_config(config).store.url)
    assert _sent_ids(store) == {"sent": due - 1, "unconfirmed": 1}
    store.close()
    status = subprocess.run(  # noqa: ASYNC221 - the servers are done: nothing to keep serving
        [sys.executable, "-m", "service.cli", "status", "-c", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "1 unconfirmed" in status.stdout and "unconfirmed: " in status.stdout
    assert "daemon:  stopped" in status.stdout


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_support.start()


@pytest.mark.parametrize("point", ["ingest.after_fetch", "ingest.after_commit"])
async def test_killed_while_reading_the_inbox_no_reply_is_lost_or_recorded_twice(
    point: str, dovecot: Dovecot, tmp_path: Path
) -> None:
    import imaplib

    recorder = Recorder()
    server, port = await start_smtp(recorder)
    user = dovecot.user()
    imap = (
        f'imap = {{ host = "127.0.0.1", port = {dovecot.port}, security = "none", '
        f'username = "{user}", password_env = "DAEMON_IMAP_PASSWORD" }}'
    )
    prog = program(extra=smtp_extra(tmp_path, port, imap))
    config_path = prog.write(tmp_path)
    config = load_config(config_path)
    m = imaplib.IMAP4("127.0.0.1", dovecot.port)
    m.login(user, PASSWORD)
    for week in range(3):
        when = datetime.now(UTC) - timedelta(hours=3 - week)
        m.append(
            "INBOX",
            None,
            None,
            plain_checkin(
                config, SECRET.encode(), "ana@example.org", week, when, f"w{week}@mail.test"
            ),
        )
    m.logout()
    env = {"DAEMON_IMAP_PASSWORD": PASSWORD}
    try:
        proc = await _spawn(config_path, tmp_path, crash=point, env=env)
        assert await asyncio.wait_for(proc.wait(), 60) == -signal.SIGKILL
        proc = await _spawn(config_path, tmp_path, env=env)
        store = Store(config.store.url)

        def forwarded() -> bool:
            return sum(1 for a in recorder.accepted if b"Check-in from Ana" in a.data) >= 3

        try:
            await _wait_async(forwarded, proc)
            await asyncio.sleep(1)
        finally:
            assert await _stop(proc) == 0
    finally:
        server.close()
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.checkins.c.week, schema.checkins.c.message_id)).all()
    store.close()
    assert sorted(r.week for r in rows) == [0, 1, 2]
    forwards = [a.message_id for a in recorder.accepted if b"Check-in from Ana" in a.data]
    assert len(forwards) == 3 and len(set(forwards)) == 3
    m = imaplib.IMAP4("127.0.0.1", dovecot.port)
    m.login(user, PASSWORD)
    assert m.select("INBOX")[1] == [b"0"]
    # the three replies, and the marker that ties the program to its store (service.guard)
    assert m.select("Rota/Processed")[1] == [b"4"]
    assert len(m.search(None, "HEADER", "X-Rota-Store", '""')[1][0].split()) == 1
    m.logout()
