"""One program running: its jobs, the outbox sender and the inbox, on one clock.

`step()` is the whole of what happens at a moment: read what arrived (when asked to), decide
what is due (service.jobs), send what the outbox holds that is due. The daemon calls it when
its scheduler fires, `rota run --once` calls it once, `rota simulate` calls it at every
instant something is due on a simulated clock — the same code in all three.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from mail.errors import MailError
from mail.transport import Transport
from service.clock import Clock
from service.config.model import Config
from service.crashpoints import crash_point
from service.inbound import Inbound
from service.ingest import Inbox, Ingester, IngestReport
from service.jobs import Jobs
from service.plans import PlanCache
from service.sending import Sender
from service.store.store import Store

log = logging.getLogger("rota")


class App:
    def __init__(
        self,
        config: Config,
        store: Store,
        secret: bytes | None,
        clock: Clock,
        transport: Transport,
        inbox: Inbox | None = None,
        inbox_name: str = "inbox",
        worker: str = "rota",
        plans: PlanCache | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.jobs = Jobs(config, store, secret, clock, plans)
        self.sender = Sender(store.outbox, transport, clock, worker)
        self.sender.should_stop = lambda: self.stopping
        self.inbox = inbox
        self.ingester = (
            Ingester(store, Inbound(config, store, secret), inbox, clock, inbox_name)
            if inbox is not None
            else None
        )
        self.lock = asyncio.Lock()
        self.stopping = False
        self._inbox_problem: str | None = None
        # how reading the inbox goes: {"state": "ok"|"failing", "since", "failures", "error"}
        self.inbox_health: dict[str, object] = {"state": "starting"}

    def start(self) -> None:
        """Pick up after whatever happened before: claims of a dead process are released (a
        message handed to the server is never resent), and the agenda comes from the store."""
        now = self.clock.now()
        requeued, unconfirmed = self.store.outbox.recover(now + self.store.outbox.policy.lease)
        if requeued or unconfirmed:
            log.warning(
                "recovered the outbox: %d email(s) to send again, %d possibly delivered "
                "before a crash (not resent; see rota status)",
                requeued,
                unconfirmed,
            )
        self.jobs.rebuild(unpark=True)

    def inbox_failed(self, problem: str) -> None:
        """Note a failed read of the inbox (the server, the store, anything): logged once per
        kind of problem, counted, and shown by `rota status`."""
        now = self.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        h = self.inbox_health
        failures = int(str(h.get("failures", 0))) + 1 if h.get("state") == "failing" else 1
        self.inbox_health = {
            "state": "failing",
            "since": h.get("since", now) if h.get("state") == "failing" else now,
            "failures": failures,
            "error": problem,
        }
        if self._inbox_problem != problem:
            log.error("cannot read the inbox: %s (will retry)", problem)
            self._inbox_problem = problem

    async def ingest(self) -> IngestReport | None:
        """Read the inbox once; a server problem is logged once and retried next time (None).
        Anything else (the store refusing a write) is raised for the caller to retry."""
        if self.ingester is None:
            return None
        try:
            report = await self.ingester.run_once()
        except MailError as bad:
            self.inbox_failed(str(bad))
            return None
        if self._inbox_problem is not None:
            log.warning("reading the inbox works again")
            self._inbox_problem = None
        self.inbox_health = {
            "state": "ok",
            "since": self.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for o in report.outcomes:
            if o.status == "review":
                log.warning("inbox: %s to review: %s", o.message_id, o.reason)
        return report

    async def step(self, ingest: bool = True) -> list[str]:
        """Everything due now: ingest (if asked), decide, send. Returns what was decided."""
        async with self.lock:
            if ingest:
                await self.ingest()
            done = self.jobs.run_due(self.clock.now())
            crash_point("outbox.after_write")
            await self.drain()
            return done

    async def drain(self) -> None:
        """Send every email that is due, batch after batch, unless asked to stop."""
        while not self.stopping:
            report = await self.sender.drain()
            if report.error or not (report.sent or report.failed or report.retried):
                return
            due = self.store.outbox.next_due()
            if due is None or due > self.clock.now():
                return

    def next_wakeup(self) -> datetime | None:
        """The next moment something is due: a job, or an email waiting in the outbox."""
        times = [t for t in (self.jobs.next_due(), self.store.outbox.next_due()) if t]
        return min(times) if times else None

    async def close(self) -> None:
        if self.ingester is not None:
            self.ingester.parser.close()
        if self.inbox is not None:
            await self.inbox.close()
