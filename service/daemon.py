"""`rota run`: the program's rhythm driven by the clock (SPEC §4, §6).

APScheduler (3.x, AsyncIOScheduler) holds one date job, "wake", at the next moment anything
is due (a job of the program, an email waiting for a retry); it runs `App.step` and sets
itself again. Its misfire grace is unlimited and runs coalesce, so a moment that passed while
the process was stopped or the machine slept runs once, late, instead of being skipped. The
inbox has its own task: read what is there, then wait with IDLE (or polling); whatever it
records wakes the rhythm at once (forwards, RSVPs). The store is the truth: everything is
rebuilt from it and the config at start.

Signals: SIGTERM/SIGINT finish the email in flight, close IMAP and exit 0; SIGHUP re-reads the
config, and applies it only when it is valid (its errors are logged and the old one keeps
running otherwise). A minute's heartbeat in the store lets `rota status --check` tell a live
daemon from a dead one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mail.imap import IDLE_SECONDS
from service.app import App
from service.clock import Clock, SystemClock
from service.config.load import ConfigError, load_config
from service.config.model import Config
from service.errors import RotaError
from service.guard import StoreUnverified, guard_store
from service.store.lock import StoreLock
from service.store.store import Store
from service.wiring import describe_transport, inbox_of, secret_of, transport_of

log = logging.getLogger("rota")
HEARTBEAT = "daemon:heartbeat"
INBOX_HEALTH = "daemon:inbox"
INBOX_UNHEALTHY_AFTER = 3  # failed reads in a row before `rota status --check` fails
HEARTBEAT_SECONDS = 60
RETRY_AFTER_FAILURE = timedelta(seconds=30)


def build_app(config: Config, store: Store, clock: Clock) -> App:
    """The running parts a config asks for (a missing secret or password is an error here)."""
    secret = secret_of(config)
    transport = transport_of(config, clock)
    inbox, name = inbox_of(config)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return App(config, store, secret, clock, transport, inbox, name, worker)


async def run_once(path: Path, new_store: bool = False) -> list[str]:
    """`rota run --once`: everything due now, then exit (for cron)."""
    config = load_config(path)
    with StoreLock(config.store.url):
        store = Store(config.store.url)
        try:
            clock = SystemClock()
            app = build_app(config, store, clock)
            await guard_store(config, store, app.inbox, new_store, clock.now())
            app.start()
            try:
                return await app.step(ingest=True)
            finally:
                await app.close()
        finally:
            store.close()


class Daemon:
    def __init__(self, path: Path, clock: Clock | None = None, new_store: bool = False) -> None:
        self.path = path
        self.new_store = new_store
        self.clock = clock or SystemClock()
        self.stop_event = asyncio.Event()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 3},
        )
        self.app: App | None = None
        self.store: Store | None = None
        self._ingest: asyncio.Task[None] | None = None
        self._reloading = False
        self._reload_task: asyncio.Future[bool] | None = None
        self.inbox_retry = 5.0  # seconds before the first retry of a failed inbox read
        self._health_written: object = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def run(self) -> int:
        config = load_config(self.path)
        lock = StoreLock(config.store.url)
        lock.acquire()
        self.store = Store(config.store.url)
        try:
            self.app = build_app(config, self.store, self.clock)
            if not await self._guard(config):
                return 0  # stopped while waiting for the mail server
            self.app.start()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
            loop.add_signal_handler(signal.SIGHUP, self._on_hup)
            self.scheduler.start()
            self.scheduler.add_job(
                self._heartbeat,
                IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=UTC),
                id="heartbeat",
                next_run_time=self.clock.now(),
            )
            self.wake()
            self._start_ingest()
            log.info(
                "Rota is running %s (%d people, %d pairs, %d group(s)); mail through %s",
                config.program.name,
                len(config.people),
                len(config.pairs),
                len(config.groups),
                describe_transport(config),
            )
            await self.stop_event.wait()
            await self._shutdown()
            log.info("Rota stopped")
            return 0
        finally:
            self.store.close()
            lock.release()

    async def _guard(self, config: Config) -> bool:
        """The store check of service.guard; a new store waits (with a growing pause) while
        the mail folder that would tell whether the program ran before cannot be read."""
        assert self.app is not None and self.store is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        pause = self.inbox_retry
        while True:
            try:
                await guard_store(
                    config, self.store, self.app.inbox, self.new_store, self.clock.now()
                )
                return True
            except StoreUnverified as bad:
                log.error("%s (retrying in %.0f s)", bad, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), pause)
            if self.stop_event.is_set():
                return False
            pause = min(pause * 2, 300.0)

    def stop(self) -> None:
        if not self.stop_event.is_set():
            log.info("stopping: finishing the email in flight")
            if self.app is not None:
                self.app.stopping = True
            self.stop_event.set()

    async def _shutdown(self) -> None:
        # APScheduler's shutdown cancels the jobs it is running: a step in the middle of an
        # SMTP DATA would be cut off. So no new job starts, the step in flight ends after its
        # current email (app.stopping), and only then does the scheduler go.
        self.scheduler.pause()
        await self._stop_ingest()
        assert self.app is not None
        async with self.app.lock:
            self.scheduler.shutdown(wait=False)
            await self.app.close()
        if self.store is not None:
            with self.store.engine.begin() as conn:
                self.store.put(conn, HEARTBEAT, f"stopped {self.clock.now().isoformat()}")

    # -- the rhythm ---------------------------------------------------------------------------
    def wake(self, when: datetime | None = None) -> None:
        """Run a step at `when` (now by default)."""
        if self.stop_event.is_set():
            return
        self.scheduler.add_job(
            self._wake,
            DateTrigger(run_date=when or self.clock.now(), timezone=UTC),
            id="wake",
            replace_existing=True,
        )

    async def _wake(self) -> None:
        assert self.app is not None
        failed = False
        try:
            await self.app.step(ingest=False)
        except Exception:  # the daemon lives on: the store or a template may recover
            log.exception("a step of the program failed; retrying in %s", RETRY_AFTER_FAILURE)
            failed = True
        when = self.app.next_wakeup()
        now = self.clock.now()
        if failed and (when is None or when <= now):
            when = now + RETRY_AFTER_FAILURE
        if when is not None:
            self.wake(max(when, now))

    async def _heartbeat(self) -> None:
        if self.store is None:
            return
        now = self.clock.now()
        try:
            with self.store.engine.begin() as conn:
                self.store.put(conn, HEARTBEAT, f"{now.isoformat()} pid {os.getpid()}")
        except Exception as bad:
            log.error("cannot write to the store: %s", bad)
        self._write_inbox_health(force=True)
        # the inbox reader is supervised; should it have ended anyway, start it again
        task = self._ingest
        if task is not None and task.done() and not self.stop_event.is_set():
            problem = task.exception() if not task.cancelled() else None
            log.error("the inbox reader stopped (%s); starting it again", problem)
            self._start_ingest()
        # self-healing: if a wake-up was lost (the machine slept), take it now
        if self.app is not None and self.scheduler.get_job("wake") is None:
            due = self.app.next_wakeup()
            if due is not None:
                self.wake(max(due, now))

    # -- the inbox ----------------------------------------------------------------------------
    def _start_ingest(self) -> None:
        self._ingest = asyncio.create_task(self._ingest_loop())

    async def _stop_ingest(self) -> None:
        task, self._ingest = self._ingest, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ingest_loop(self) -> None:
        """Read the inbox, then wait for mail (IDLE or polling), for as long as Rota runs.
        Every failure (the server, the store refusing a write, anything) is noted for
        `rota status`, and retried after a pause that grows to five minutes; the loop itself
        never ends on an error."""
        pause = self.inbox_retry
        while not self.stop_event.is_set():
            app = self.app
            assert app is not None and app.inbox is not None
            try:
                async with app.lock:
                    if self.stop_event.is_set():
                        return
                    report = await app.ingest()
            except asyncio.CancelledError:
                raise
            except Exception as bad:
                log.debug("reading the inbox failed", exc_info=True)
                app.inbox_failed(f"{type(bad).__name__}: {bad}")
                report = None
            self._write_inbox_health()
            if report is None:  # unreachable or failing: try again, less often each time
                await asyncio.sleep(pause)
                pause = min(pause * 2, 300.0)
                continue
            pause = self.inbox_retry
            if report.outcomes:
                self.wake()
            try:
                await app.inbox.wait_for_mail(IDLE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as bad:  # the connection dropped while idle: reconnect
                log.warning("inbox connection lost while waiting (%s); reconnecting", bad)
                if app.ingester is not None:
                    app.ingester.connected = False
                with contextlib.suppress(Exception):
                    await app.inbox.close()

    def _write_inbox_health(self, force: bool = False) -> None:
        """Keep the inbox reader's health in the store for `rota status` (best effort: a
        store that cannot be written shows as a stale heartbeat instead)."""
        if self.app is None or self.store is None or self.app.inbox is None:
            return
        health = dict(self.app.inbox_health)
        if not force and health == self._health_written:
            return
        try:
            with self.store.engine.begin() as conn:
                self.store.put(conn, INBOX_HEALTH, json.dumps(health))
            self._health_written = health
        except Exception as bad:
            log.debug("cannot record the inbox health: %s", bad)

    # -- reload -------------------------------------------------------------------------------
    def _on_hup(self) -> None:
        if not self._reloading:
            self._reload_task = asyncio.ensure_future(self.reload())

    async def reload(self) -> bool:
        """Apply the config file again if it is valid; keep running the old one otherwise."""
        self._reloading = True
        try:
            try:
                config = load_config(self.path)
            except ConfigError as bad:
                log.error("the config has errors; still running the previous one:")
                for line in bad.lines:
                    log.error("  %s", line)
                return False
            assert self.app is not None and self.store is not None
            if config.store.url != self.app.config.store.url:
                log.error(
                    "store.url changed: restart Rota to use another store; still running the "
                    "previous config"
                )
                return False
            try:
                new = build_app(config, self.store, self.clock)
            except RotaError as bad:
                log.error("cannot apply the new config (%s); still running the previous one", bad)
                return False
            await self._stop_ingest()
            async with self.app.lock:
                await self.app.close()
                new.start()
                self.app = new
            self._start_ingest()
            self.wake()
            log.info("config reloaded from %s", self.path)
            return True
        finally:
            self._reloading = False


def inbox_health(store: Store) -> dict[str, object]:
    """What the daemon last said about reading the inbox ({} if it never said)."""
    found = store.get(INBOX_HEALTH)
    try:
        value = json.loads(found) if found else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def heartbeat_age(store: Store, now: datetime) -> tuple[timedelta | None, bool]:
    """How long ago a daemon last wrote its heartbeat, and whether it said it stopped."""
    found = store.get(HEARTBEAT)
    if not found:
        return None, False
    words = found.split()
    stopped = words[0] == "stopped"
    return now - datetime.fromisoformat(words[1] if stopped else words[0]), stopped
