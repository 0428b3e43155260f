"""One way to run each item of the program's work, so none is lost and none stops the rest.

An item (a prompt, a reminder, a forward, an RSVP, one series' invites, the plan…) runs
through `WorkLog.attempt`. If it raises, the failure is recorded in the store with the error,
and the item is retried with backoff (1 min, doubling, at most an hour apart); after
`PARK_AFTER` attempts it is parked: kept, shown by `rota status` and the weekly digest, and
retried when Rota starts on a changed config or templates (the admin's fix). A success
deletes the record. While an item has a record it is never skipped as done: the job watermark
does not cover it, and a restart puts it back on the agenda.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from service.store import schema
from service.store.store import Store

log = logging.getLogger("rota.work")

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
PARK_AFTER = 8  # attempts: about three hours of retries


class Stale(Exception):
    """An item that kept failing until its moment passed: park it, do not drop it."""


@dataclass(frozen=True, slots=True)
class Failure:
    key: str
    kind: str
    args: tuple[Any, ...]
    due_at: datetime
    label: str
    attempts: int
    first_failed_at: datetime
    next_try_at: datetime
    state: str  # retrying | parked
    last_error: str

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.kind,
            "item": self.label,
            "attempts": self.attempts,
            "state": self.state,
            "since": self.first_failed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "next_try": None
            if self.state == "parked"
            else self.next_try_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "error": self.last_error,
        }


def work_key(kind: str, *args: Any) -> str:
    return ":".join([kind, *(str(a) for a in args)])


def _error_text(bad: BaseException) -> str:
    text = str(bad).strip().splitlines()[0] if str(bad).strip() else ""
    return f"{type(bad).__name__}: {text}"[:500] if text else type(bad).__name__


class WorkLog:
    def __init__(self, store: Store, revision: str) -> None:
        self.store = store
        self.revision = revision
        self.failures: dict[str, Failure] = {}

    def load(self, unpark: bool = False) -> list[Failure]:
        """Read the failures; with `unpark`, parked items that failed under another config or
        templates are given a new round of retries (the admin may have fixed the cause)."""
        t = schema.work
        if unpark:
            with self.store.engine.begin() as conn:
                conn.execute(
                    update(t)
                    .where(t.c.state == "parked", t.c.revision != self.revision)
                    .values(state="retrying", attempts=0, next_try_at=t.c.last_failed_at)
                )
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.first_failed_at, t.c.key)).all()
        self.failures = {
            r.key: Failure(
                r.key,
                r.kind,
                tuple(json.loads(r.args)),
                r.due_at,
                r.label,
                r.attempts,
                r.first_failed_at,
                r.next_try_at,
                r.state,
                r.last_error,
            )
            for r in rows
        }
        return list(self.failures.values())

    def blocked(self, key: str, now: datetime) -> bool:
        """Whether the item waits: parked, or its next retry has not come yet."""
        f = self.failures.get(key)
        return f is not None and (f.state == "parked" or f.next_try_at > now)

    def attempt(
        self,
        now: datetime,
        kind: str,
        args: Iterable[Any],
        due_at: datetime,
        label: str,
        run: Callable[[], object],
    ) -> Failure | None:
        """Run one item; a failure is recorded (and returned) instead of raised."""
        args = tuple(args)
        key = work_key(kind, *args)
        if self.blocked(key, now):
            return None
        try:
            run()
        except Exception as bad:
            return self._failed(now, key, kind, args, due_at, label, bad)
        if key in self.failures:
            with self.store.engine.begin() as conn:
                conn.execute(delete(schema.work).where(schema.work.c.key == key))
            del self.failures[key]
            log.warning("%s went through after %s", label, "failing before")
        return None

    def _failed(
        self,
        now: datetime,
        key: str,
        kind: str,
        args: tuple[Any, ...],
        due_at: datetime,
        label: str,
        bad: Exception,
    ) -> Failure:
        before = self.failures.get(key)
        attempts = (before.attempts if before else 0) + 1
        delay = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
        parked = attempts >= PARK_AFTER or isinstance(bad, Stale)
        error = _error_text(bad)
        failure = Failure(
            key,
            kind,
            args,
            before.due_at if before else due_at,
            label,
            attempts,
            before.first_failed_at if before else now,
            now + delay,
            "parked" if parked else "retrying",
            error,
        )
        values = {
            "kind": kind,
            "args": json.dumps(list(args)),
            "due_at": failure.due_at,
            "label": label,
            "attempts": attempts,
            "first_failed_at": failure.first_failed_at,
            "last_failed_at": now,
            "next_try_at": failure.next_try_at,
            "state": failure.state,
            "last_error": error,
            "revision": self.revision,
        }
        t = schema.work
        with self.store.engine.begin() as conn:
            if (
                before is None
                and conn.execute(select(t.c.key).where(t.c.key == key)).first() is None
            ):
                conn.execute(t.insert().values(key=key, **values))
            else:
                conn.execute(update(t).where(t.c.key == key).values(**values))
        self.failures[key] = failure
        if parked:
            log.error(
                "%s failed %d time(s) and is parked for the admin: %s "
                "(fix the cause; Rota retries it when it starts on the changed config)",
                label,
                attempts,
                error,
                exc_info=not isinstance(bad, Stale),
            )
        else:
            log.warning(
                "%s failed (attempt %d, retry at %s): %s",
                label,
                attempts,
                failure.next_try_at.strftime("%Y-%m-%d %H:%M:%SZ"),
                error,
                exc_info=attempts == 1,
            )
        return failure

    def next_retry(self) -> datetime | None:
        times = [f.next_try_at for f in self.failures.values() if f.state == "retrying"]
        return min(times) if times else None

    def open(self) -> list[Failure]:
        return sorted(self.failures.values(), key=lambda f: (f.first_failed_at, f.key))
