"""The store as the service uses it: one object over the engine, migrated on open."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mail.calendar import Anchor
from scheduling.model import LedgerEntry
from service.errors import RotaError
from service.store import schema
from service.store.db import make_engine
from service.store.migrations import migrate
from service.store.outbox import Outbox, RetryPolicy, insert_ignoring_duplicates


@dataclass(frozen=True, slots=True)
class SeriesState:
    series_id: str
    uid: str
    sequence: int
    anchor: Anchor | None
    content_hash: str | None
    occurrences: dict[int, tuple[str, str, list[str]]]  # week → (start, end, left_out) last sent
    cancelled: bool
    meta: dict[str, Any] = field(default_factory=dict)  # title, attendees, fingerprint


class StoreError(RotaError):
    """The store cannot be opened: a clear sentence instead of a driver's traceback."""


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable store URL)"


class Store:
    def __init__(self, url: str, policy: RetryPolicy | None = None) -> None:
        self.url = url
        try:
            self.engine = make_engine(url)
            self.version = migrate(self.engine)
        except ModuleNotFoundError as bad:
            raise StoreError(
                f"the store {shown_url(url)} needs the database driver '{bad.name}': "
                "install it with pip install 'rota[postgres]'"
            ) from None
        except (OSError, SQLAlchemyError, RuntimeError) as bad:
            reason = getattr(bad, "orig", None) or getattr(bad, "strerror", None) or bad
            raise StoreError(f"cannot open the store {shown_url(url)}: {reason}") from None
        self.outbox = Outbox(self.engine, policy)

    def close(self) -> None:
        self.engine.dispose()

    # -- scalar state ---------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(schema.state.c.value).where(schema.state.c.key == key)
            ).scalar()
        return default if found is None else str(found)

    def put(self, conn: Connection, key: str, value: str) -> None:
        table = schema.state
        if conn.execute(select(table.c.key).where(table.c.key == key)).first():
            conn.execute(table.update().where(table.c.key == key).values(value=value))
        else:
            conn.execute(table.insert().values(key=key, value=value))

    # -- invite series ----------------------------------------------------------------------
    def series_state(self, series_id: str, conn: Connection | None = None) -> SeriesState | None:
        q = select(schema.series_state).where(schema.series_state.c.series_id == series_id)
        if conn is None:
            with self.engine.connect() as c:
                r = c.execute(q).first()
        else:
            r = conn.execute(q).first()
        if r is None:
            return None
        occ = {
            int(k): (v[0], v[1], list(v[2])) for k, v in json.loads(r.occurrences or "{}").items()
        }
        return SeriesState(
            r.series_id,
            r.uid,
            r.sequence,
            Anchor.from_json(json.loads(r.anchor)) if r.anchor else None,
            r.content_hash,
            occ,
            bool(r.cancelled),
            json.loads(r.meta) if r.meta else {},
        )

    def save_series_state(self, conn: Connection, state: SeriesState, now: datetime) -> None:
        values: dict[str, Any] = {
            "uid": state.uid,
            "sequence": state.sequence,
            "anchor": json.dumps(state.anchor.to_json()) if state.anchor else None,
            "content_hash": state.content_hash,
            "occurrences": json.dumps({str(k): list(v) for k, v in state.occurrences.items()}),
            "cancelled": state.cancelled,
            "meta": json.dumps(state.meta) if state.meta else None,
            "updated_at": now,
        }
        t = schema.series_state
        if conn.execute(select(t.c.series_id).where(t.c.series_id == state.series_id)).first():
            conn.execute(t.update().where(t.c.series_id == state.series_id).values(**values))
        else:
            conn.execute(t.insert().values(series_id=state.series_id, **values))

    # -- ledger -----------------------------------------------------------------------------
    def ledger(self) -> list[LedgerEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.ledger)).all()
        return [
            LedgerEntry(
                r.series_id,
                r.week,
                r.start,
                {k: int(v) for k, v in json.loads(r.burden).items()},
                tuple(json.loads(r.left_out)),
            )
            for r in rows
        ]

    def all_series_states(self) -> list[SeriesState]:
        with self.engine.connect() as conn:
            ids = conn.execute(select(schema.series_state.c.series_id)).scalars().all()
            return [s for i in ids if (s := self.series_state(i, conn)) is not None]

    def unfix(self, conn: Connection, series_id: str, after: datetime) -> int:
        """Release a series' pinned occurrences that start after `after` (to be re-planned)."""
        t = schema.ledger
        return conn.execute(
            t.delete().where(t.c.series_id == series_id, t.c.start > after)
        ).rowcount

    def refix(self, conn: Connection, entry: LedgerEntry) -> None:
        """Pin an occurrence, replacing what was pinned for its series and week."""
        t = schema.ledger
        conn.execute(t.delete().where(t.c.series_id == entry.series_id, t.c.week == entry.week))
        self.fix(conn, entry)

    def fix(self, conn: Connection, entry: LedgerEntry) -> bool:
        """Pin an occurrence (and its burden) so re-planning continues from it."""
        return insert_ignoring_duplicates(
            conn,
            schema.ledger,
            {
                "series_id": entry.series_id,
                "week": entry.week,
                "start": entry.start,
                "burden": json.dumps(dict(entry.burden)),
                "left_out": json.dumps(list(entry.left_out)),
            },
            ["series_id", "week"],
        )
