"""Drain the inbox: every message placed exactly once, the inbox left holding only what is new.

For each new message (by UID): a size check (oversized ones go to review unread), fetch,
record (service.inbound: one transaction), and only then move it to the processed or review
folder. A crash after recording and before moving finds the message again next time; its
record is found too, nothing is recorded twice, and it is moved. UIDVALIDITY is remembered: a
reset folder is re-read from the start, and duplicates are recognised the same way. A message
whose handling fails goes to review with the error; the next one is handled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import OperationalError

from service.clock import Clock
from service.crashpoints import crash_point
from service.inbound import Inbound, Outcome
from service.parsing import ParserProcess
from service.store import schema
from service.store.store import Store

log = logging.getLogger("rota.ingest")
FETCH_BATCH = 20


class Inbox(Protocol):
    uidvalidity: int | None

    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def list_new(self, after_uid: int) -> list[tuple[int, int]]: ...
    async def fetch(self, uids: list[int]) -> dict[int, bytes]: ...
    async def move(self, uid: int, where: str) -> None: ...
    async def move_many(self, uids: list[int], where: str) -> None: ...
    async def wait_for_mail(self, seconds: float) -> bool: ...


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


class Ingester:
    def __init__(
        self,
        store: Store,
        inbound: Inbound,
        inbox: Inbox,
        clock: Clock,
        name: str,
        parser: ParserProcess | None = None,
    ) -> None:
        self.store = store
        self.inbound = inbound
        self.inbox = inbox
        self.clock = clock
        self.key = f"inbox:{name}"
        self.connected = False
        self.parser = parser or ParserProcess(inbound.limits)

    def _last_uid(self) -> int:
        validity = self.inbox.uidvalidity
        stored = self.store.get(f"{self.key}:uidvalidity")
        if validity is not None and stored != str(validity):
            if stored is not None:
                log.warning(
                    "UIDVALIDITY of %s changed (%s → %s): re-reading the folder",
                    self.key,
                    stored,
                    validity,
                )
            with self.store.engine.begin() as conn:
                self.store.put(conn, f"{self.key}:uidvalidity", str(validity))
                self.store.put(conn, f"{self.key}:last_uid", "0")
            return 0
        return int(self.store.get(f"{self.key}:last_uid", "0") or 0)

    def _remember(self, uid: int) -> None:
        with self.store.engine.begin() as conn:
            self.store.put(conn, f"{self.key}:last_uid", str(uid))

    async def run_once(self) -> IngestReport:
        """Handle everything new now (connecting if needed)."""
        if not self.connected:
            await self.inbox.connect()
            self.connected = True
        report = IngestReport()
        try:
            items = await self.inbox.list_new(self._last_uid())
            for start in range(0, len(items), FETCH_BATCH):
                batch = items[start : start + FETCH_BATCH]
                small = [uid for uid, size in batch if size <= self.inbound.limits.max_bytes]
                bodies = await self.inbox.fetch(small)
                crash_point("ingest.after_fetch")
                folders: dict[str, list[int]] = {}
                for uid, size in batch:
                    outcome = await self._handle(uid, size, bodies.get(uid))
                    crash_point("ingest.after_commit")
                    if outcome.folder == "review" and hasattr(self.inbox, "note"):
                        self.inbox.note(uid, outcome.reason)
                    folders.setdefault(outcome.folder, []).append(uid)
                    report.outcomes.append(outcome)
                # every message of the batch is recorded; filed together (a crash before
                # this leaves them in the inbox, read again and known as duplicates)
                for folder, uids in folders.items():
                    await self.inbox.move_many(uids, folder)
                self._remember(max(uid for uid, _ in batch))
        except Exception:
            self.connected = False
            await self.inbox.close()
            raise
        with self.store.engine.begin() as conn:
            self.store.put(conn, f"{self.key}:last_sync", self.clock.now().isoformat())
        return report

    async def _handle(self, uid: int, size: int, raw: bytes | None) -> Outcome:
        now = self.clock.now()
        if raw is None:
            reason = f"message too large ({size / 1048576:.1f} MB): left unread for a human"
            return self._review_without_body(uid, reason, now)
        try:
            # parsed in the worker process (time limit, memory cap), recorded here
            parsed = await self.parser.parse(raw)
            return self.inbound.record(raw, parsed, now)
        except OperationalError:
            raise  # the store cannot write (disk full, read-only): the message waits in the inbox
        except Exception as bad:  # one bad message never stops the others
            log.exception("handling inbox message %s failed", uid)
            return self._review_without_body(
                uid, f"processing failed: {type(bad).__name__}: {bad}", now, raw
            )

    def _review_without_body(
        self, uid: int, reason: str, now: datetime, raw: bytes | None = None
    ) -> Outcome:
        marker = f"{self.key}:{self.inbox.uidvalidity}:{uid}"
        with self.store.engine.begin() as conn:
            exists = conn.execute(
                schema.inbound.select().where(schema.inbound.c.message_id == marker)
            ).first()
            if exists is None:
                conn.execute(
                    schema.inbound.insert().values(
                        message_id=marker,
                        content_hash=marker,
                        kind="unknown",
                        outcome="review",
                        reason=reason,
                        sender="",
                        received_at=now,
                        processed_at=now,
                        raw=raw,
                    )
                )
        return Outcome("review", "review", reason, "unknown", marker)
