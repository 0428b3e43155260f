"""Drain the outbox through a transport: claim, send, mark, exactly once per row.

One session (one SMTP connection) per batch. A refused or failing message is sorted by its
error: transient (4xx, dropped connection, timeout) → retried with backoff until the deadline,
then parked; permanent (5xx) → failed and recorded. Problems reaching the server at all (DNS,
connection, TLS, login) are logged once per outage, not once per email, and every waiting
email goes out when the server comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from mail.errors import MailError, PermanentError, TransientError
from mail.transport import Envelope, Transport
from service.clock import Clock
from service.crashpoints import crash_point
from service.store.outbox import Outbox, OutboxRow

log = logging.getLogger("rota.send")


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)  # Message-IDs
    retried: int = 0
    failed: int = 0
    parked: int = 0
    refused: dict[str, list[str]] = field(default_factory=dict)  # Message-ID → refused recipients
    error: str | None = None  # the session-level problem of this batch, if any


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        transport: Transport,
        clock: Clock,
        worker: str,
        on_refused: Callable[[OutboxRow, list[str]], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.clock = clock
        self.worker = worker
        self.on_refused = on_refused
        self._outage: str | None = None
        self._outage_level = 0
        self.should_stop: Callable[[], bool] = lambda: False

    def _marker(self, row: OutboxRow) -> Callable[[], None]:
        def committing() -> None:
            self.outbox.committing(row.id, self.worker)

        return committing

    def _retry(self, row: OutboxRow, error: str, report: SendReport) -> None:
        if self.outbox.retry(row, self.worker, self.clock.now(), error) == "parked":
            report.parked += 1
            log.error(
                "gave up on %s to %s after retries: %s (parked for the admin)",
                row.kind,
                ", ".join(row.recipients),
                error,
            )
        else:
            report.retried += 1

    async def drain(self, limit: int = 200) -> SendReport:
        """Send what is due now, one batch; safe to call as often as you like."""
        report = SendReport()
        rows = self.outbox.claim(self.worker, self.clock.now(), limit)
        if not rows:
            return report
        done = 0
        try:
            async with self.transport.session() as session:
                for row in rows:
                    if self.should_stop():  # shutting down: the rest waits for the next start
                        for rest in rows[done:]:
                            self.outbox.release(rest.id, self.worker)
                        done = len(rows)
                        break
                    envelope = Envelope(row.message_id, row.sender, row.recipients, row.eml)
                    try:
                        refused = await session.send(envelope, self._marker(row))
                    except PermanentError as bad:
                        done += 1
                        self.outbox.failed(row, self.worker, self.clock.now(), str(bad))
                        report.failed += 1
                        log.error(
                            "%s to %s failed permanently: %s",
                            row.kind,
                            ", ".join(row.recipients),
                            bad,
                        )
                        continue
                    except TransientError as bad:
                        done += 1
                        self._retry(row, str(bad), report)
                        if getattr(session, "broken", False):
                            raise
                        continue
                    done += 1
                    crash_point("send.after_data")  # the server said 250; not yet marked sent
                    self.outbox.sent(row.id, self.worker, self.clock.now())
                    report.sent.append(row.message_id)
                    if refused:
                        report.refused[row.message_id] = refused
                        if self.on_refused:
                            self.on_refused(row, refused)
        except MailError as bad:
            # the session itself failed (could not connect, log in, or it dropped): everything
            # not yet tried waits for the server, with a backoff shared by the whole outage; a
            # config problem (TLS, login) waits too, so fixing the config lets the mail flow
            report.error = str(bad)
            self._outage_level += 1
            delay = min(
                self.outbox.policy.first_delay * 2 ** (self._outage_level - 1),
                self.outbox.policy.max_delay,
            )
            now = self.clock.now()
            for row in rows[done:]:
                if self.outbox.postpone(row, self.worker, now, now + delay, str(bad)) == "parked":
                    report.parked += 1
                else:
                    report.retried += 1
            if self._outage != str(bad):
                log.error(
                    "cannot send mail: %s (%d email(s) wait and will be retried)",
                    bad,
                    len(rows) - done,
                )
                self._outage = str(bad)
            return report
        if self._outage is not None:
            log.warning("sending works again (%d sent)", len(report.sent))
            self._outage = None
        self._outage_level = 0
        return report
