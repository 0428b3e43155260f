"""The outbox: every email is a row before it is sent, and a sent row is never sent again.

Deciding an email and writing its row happen in one transaction (the caller's); the row's
Message-ID is deterministic and unique, so deciding it twice adds nothing. Senders claim rows
with a conditional UPDATE, so two senders never hold one row. A row is marked `committing`
just before the SMTP DATA is handed over; if the process dies after that, the row becomes
`unconfirmed` on recovery and is never resent (the server may have accepted it), and the
admin sees it in `rota status`. Failures: transient ones retry with exponential backoff and
deterministic jitter up to a deadline, then the row is parked; permanent ones are recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from service.store.schema import outbox


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    deadline: timedelta = timedelta(hours=48)  # after this since it was due: park it
    lease: timedelta = timedelta(minutes=10)  # a claim older than this is considered dead

    def delay(self, message_id: str, attempts: int) -> timedelta:
        """Exponential backoff with ±25% jitter, derived from the message so it is repeatable."""
        base: timedelta = min(self.first_delay * (2 ** max(0, attempts - 1)), self.max_delay)
        h = int.from_bytes(hashlib.sha256(f"{message_id}|{attempts}".encode()).digest()[:4], "big")
        jittered: timedelta = base * (0.75 + 0.5 * (h / 0xFFFFFFFF))
        return jittered


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    message_id: str
    kind: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    eml: bytes
    due_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    series_id: str | None
    week: int | None
    sent_at: datetime | None


def _row(r: Any) -> OutboxRow:
    return OutboxRow(
        id=r.id,
        message_id=r.message_id,
        kind=r.kind,
        sender=r.sender,
        recipients=tuple(json.loads(r.recipients)),
        subject=r.subject,
        eml=bytes(r.eml),
        due_at=r.due_at,
        state=r.state,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
        series_id=r.series_id,
        week=r.week,
        sent_at=r.sent_at,
    )


def insert_ignoring_duplicates(
    conn: Connection, table: Any, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """INSERT unless a row with the same unique `keys` exists; True if a row was added."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    return bool(conn.execute(stmt).rowcount)


class Outbox:
    def __init__(self, engine: Engine, policy: RetryPolicy | None = None) -> None:
        self.engine = engine
        self.policy = policy or RetryPolicy()

    def add(
        self,
        conn: Connection,
        *,
        message_id: str,
        kind: str,
        sender: str,
        recipients: Sequence[str],
        subject: str,
        eml: bytes,
        due_at: datetime,
        now: datetime,
        series_id: str | None = None,
        week: int | None = None,
    ) -> bool:
        """Queue an email inside the caller's transaction; False if it was already queued."""
        return insert_ignoring_duplicates(
            conn,
            outbox,
            {
                "message_id": message_id,
                "kind": kind,
                "sender": sender,
                "recipients": json.dumps(list(recipients)),
                "subject": subject,
                "eml": eml,
                "due_at": due_at,
                "created_at": now,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": due_at,
                "series_id": series_id,
                "week": week,
            },
            ["message_id"],
        )

    def recover(self, now: datetime) -> tuple[int, int]:
        """After a crash: claims past their lease go back to pending, unless the data had been
        handed over (committing), which become unconfirmed. Returns (requeued, unconfirmed)."""
        stale = now - self.policy.lease
        with self.engine.begin() as conn:
            requeued = conn.execute(
                update(outbox)
                .where(outbox.c.state == "sending", outbox.c.claimed_at < stale)
                .values(state="pending", claimed_by=None, claimed_at=None)
            ).rowcount
            unconfirmed = conn.execute(
                update(outbox)
                .where(outbox.c.state == "committing", outbox.c.claimed_at < stale)
                .values(
                    state="unconfirmed",
                    last_error="the process stopped after handing the message to the server; "
                    "it was probably delivered and is not sent again",
                )
            ).rowcount
        return requeued, unconfirmed

    def claim(self, worker: str, now: datetime, limit: int = 100) -> list[OutboxRow]:
        """Claim up to `limit` due rows for `worker`; a row another sender holds is skipped.
        One conditional UPDATE (state still 'pending') decides who wins each row."""
        with self.engine.begin() as conn:
            due = (
                select(outbox.c.id)
                .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
            )
            if conn.dialect.update_returning:
                stmt = (
                    update(outbox)
                    .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.state == "pending")
                    .values(state="sending", claimed_by=worker, claimed_at=now)
                    .returning(*outbox.c)
                )
                return sorted(
                    (_row(r) for r in conn.execute(stmt).all()),
                    key=lambda r: (r.next_attempt_at, r.id),
                )
            ids = conn.execute(due).scalars().all()
        claimed = []
        for row_id in ids:
            with self.engine.begin() as conn:
                won = conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row_id, outbox.c.state == "pending")
                    .values(state="sending", claimed_by=worker, claimed_at=now)
                ).rowcount
                if won:
                    claimed.append(
                        _row(conn.execute(select(outbox).where(outbox.c.id == row_id)).one())
                    )
        return claimed

    def _set(self, row_id: int, worker: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == row_id,
                    or_(outbox.c.claimed_by == worker, outbox.c.claimed_by.is_(None)),
                )
                .values(**values)
            )

    def committing(self, row_id: int, worker: str) -> None:
        self._set(row_id, worker, state="committing")

    def sent(self, row_id: int, worker: str, now: datetime) -> None:
        self._set(row_id, worker, state="sent", sent_at=now, last_error=None)

    def release(self, row_id: int, worker: str) -> None:
        """Give a claimed row back untouched (its batch stopped before reaching it)."""
        self._set(row_id, worker, state="pending", claimed_by=None, claimed_at=None)

    def failed(self, row: OutboxRow, worker: str, now: datetime, error: str) -> None:
        self._set(
            row.id,
            worker,
            state="failed",
            attempts=row.attempts + 1,
            last_error=error,
            claimed_by=None,
            claimed_at=None,
        )

    def retry(self, row: OutboxRow, worker: str, now: datetime, error: str) -> str:
        """Schedule another attempt, or park the row; returns the new state."""
        attempts = row.attempts + 1
        if attempts >= self.policy.max_attempts or now - row.due_at >= self.policy.deadline:
            self._set(
                row.id,
                worker,
                state="parked",
                attempts=attempts,
                last_error=error,
                claimed_by=None,
                claimed_at=None,
            )
            return "parked"
        self._set(
            row.id,
            worker,
            state="pending",
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + self.policy.delay(row.message_id, attempts),
            claimed_by=None,
            claimed_at=None,
        )
        return "pending"

    def postpone(
        self, row: OutboxRow, worker: str, now: datetime, until: datetime, error: str
    ) -> str:
        """The server could not be reached at all: wait, without spending one of this email's
        attempts (an outage is nobody's fault); parked only once past the deadline."""
        if now - row.due_at >= self.policy.deadline:
            self._set(
                row.id, worker, state="parked", last_error=error, claimed_by=None, claimed_at=None
            )
            return "parked"
        self._set(
            row.id,
            worker,
            state="pending",
            last_error=error,
            next_attempt_at=until,
            claimed_by=None,
            claimed_at=None,
        )
        return "pending"

    def requeue_parked(self, now: datetime) -> int:
        """An admin's "try those again": parked rows become due now."""
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    update(outbox)
                    .where(outbox.c.state == "parked")
                    .values(state="pending", attempts=0, next_attempt_at=now, due_at=now)
                ).rowcount
            )

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
        return {state: int(n) for state, n in rows}

    def rows(self, states: Sequence[str] | None = None, limit: int = 1000) -> list[OutboxRow]:
        with self.engine.connect() as conn:
            q = select(outbox).order_by(outbox.c.id).limit(limit)
            if states:
                q = q.where(outbox.c.state.in_(list(states)))
            return [_row(r) for r in conn.execute(q).all()]

    def next_due(self) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.state == "pending")
            ).scalar()

    def by_message_id(self, message_id: str) -> OutboxRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(outbox).where(outbox.c.message_id == message_id)).first()
        return _row(r) if r else None
