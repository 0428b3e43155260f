"""Schema migrations, from the first table on: numbered steps applied once, in order.

Each step runs in its own transaction and records its number in `schema_version`, so a
store is always at a known version and an older one is brought forward on start. A change to
a table in schema.py must come with a new step here; the tests compare a migrated store with
schema.py so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text

from service.store import schema


def _v1(conn: Connection) -> None:
    """The schema as first released."""
    schema.metadata.create_all(
        conn,
        tables=[
            schema.outbox,
            schema.series_state,
            schema.ledger,
            schema.failing_addresses,
            schema.state,
            schema.prompts,
            schema.checkins,
            schema.rsvps,
            schema.inbound,
            schema.escalations,
        ],
    )


def _v2(conn: Connection) -> None:
    """Check-ins are unique by Message-ID *and* content (a Message-ID alone lost replies that
    had none, or reused one). SQLite cannot drop a constraint, so the table is rebuilt."""
    conn.execute(text("ALTER TABLE checkins RENAME TO checkins_v1"))
    for index in ("ix_checkins_mentee_week", "ix_checkins_forwarded"):
        conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
    schema.checkins.create(conn)
    old = Table("checkins_v1", MetaData(), autoload_with=conn)
    names = [c.name for c in schema.checkins.columns]
    conn.execute(schema.checkins.insert().from_select(names, select(*(old.c[n] for n in names))))
    conn.execute(text("DROP TABLE checkins_v1"))
    if conn.dialect.name == "postgresql":  # the copied ids must not be handed out again
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('checkins', 'id'), "
                "COALESCE((SELECT MAX(id) FROM checkins), 0) + 1, false)"
            )
        )


def _v3(conn: Connection) -> None:
    """Work that failed, to retry and then park for the admin (service/work.py)."""
    schema.work.create(conn)


def _v4(conn: Connection) -> None:
    """Plans kept for reuse (service/plans.py)."""
    schema.plans.create(conn)


def _v5(conn: Connection) -> None:
    """The forward of each check-in (answer times count from its delivery) and the mentor's
    nudge."""
    have = {c["name"] for c in inspect(conn).get_columns("checkins")}
    if "forward_id" not in have:  # a store created by this version has them from step 1/2
        conn.execute(text("ALTER TABLE checkins ADD COLUMN forward_id VARCHAR(300)"))
    if "nudged_at" not in have:
        conn.execute(text("ALTER TABLE checkins ADD COLUMN nudged_at TIMESTAMP"))


def _v6(conn: Connection) -> None:
    """Meeting recaps and anonymous survey answers."""
    schema.recaps.create(conn)
    schema.survey_answers.create(conn)


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1),
    (2, _v2),
    (3, _v3),
    (4, _v4),
    (5, _v5),
    (6, _v6),
]
LATEST = MIGRATIONS[-1][0]


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        if not inspect(conn).has_table("schema_version"):
            return 0
        found = conn.execute(select(schema.schema_version.c.version)).scalars().all()
        return max(found, default=0)


def migrate(engine: Engine) -> int:
    """Bring the store to the latest schema; returns the version it is at."""
    with engine.begin() as conn:
        schema.schema_version.create(conn, checkfirst=True)
    version = current_version(engine)
    if version > LATEST:
        raise RuntimeError(
            f"the store is at schema version {version}, newer than this Rota ({LATEST})"
        )
    for number, step in MIGRATIONS:
        if number <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema.schema_version.insert().values(version=number, applied_at=datetime.now(UTC))
            )
    return LATEST
