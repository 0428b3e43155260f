"""The plan, kept in the store and reused while nothing it depends on has changed.

Planning a large program takes seconds (10,000 pairs: over ten); the daemon, `rota preview`,
`rota plan` and `rota simulate` would otherwise plan again every time. A plan is keyed by
everything it is computed from: the program as the planner sees it, the ledger of fixed
occurrences, the method, and the planner's own code (a changed planner plans again). Stored
as JSON of its occurrences; the program itself comes from the config each time. The store
keeps the few latest plans; anything unreadable is simply planned again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, delete, select

from scheduling.model import ComponentReport, LedgerEntry, Occurrence, Plan, ProgramSpec
from service.store import schema
from service.store.db import sqlite_file
from service.store.store import Store

log = logging.getLogger("rota.plans")
KEEP = 4  # plans kept in a store


@lru_cache(maxsize=1)
def planner_version() -> str:
    """A digest of the planner's source: a changed planner never reuses an old plan."""
    h = hashlib.sha256()
    package = resources.files("scheduling")
    for name in sorted(p.name for p in package.iterdir() if p.name.endswith(".py")):
        h.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    return h.hexdigest()[:16]


def plan_key(spec: ProgramSpec, ledger: Iterable[LedgerEntry], method: str = "auto") -> str:
    entries = sorted(
        (e.series_id, e.week, e.start.isoformat(), sorted(e.burden.items()), sorted(e.left_out))
        for e in ledger
    )
    facts = repr((planner_version(), method, spec, entries))
    return hashlib.sha256(facts.encode("utf-8")).hexdigest()


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def dump_plan(plan: Plan) -> str:
    return json.dumps(
        {
            "occurrences": {
                sid: [
                    [
                        o.week,
                        _iso(o.start),
                        _iso(o.end),
                        list(o.attendees),
                        list(o.left_out),
                        dict(o.cost),
                        o.fixed,
                        list(o.blocked_by),
                        o.reason,
                    ]
                    for o in occs
                ]
                for sid, occs in plan.occurrences.items()
            },
            "burden": dict(plan.burden),
            "components": [
                [list(c.people), c.method, c.optimal, c.worst, c.total] for c in plan.components
            ],
        },
        separators=(",", ":"),
    )


def load_plan(spec: ProgramSpec, text: str) -> Plan:
    data: dict[str, Any] = json.loads(text)
    occurrences = {
        sid: tuple(
            Occurrence(
                sid,
                int(o[0]),
                _dt(o[1]),
                _dt(o[2]),
                tuple(o[3]),
                tuple(o[4]),
                {k: int(v) for k, v in o[5].items()},
                bool(o[6]),
                tuple(o[7]),
                str(o[8]),
            )
            for o in occs
        )
        for sid, occs in data["occurrences"].items()
    }
    if set(occurrences) != {s.id for s in spec.series}:
        raise ValueError("the stored plan is of other series")
    components = tuple(
        ComponentReport(tuple(c[0]), "cached", bool(c[2]), int(c[3]), int(c[4]))
        for c in data["components"]
    )
    burden = {k: int(v) for k, v in data["burden"].items()}
    return Plan(spec, occurrences, burden, components)


def reader(url: str) -> Engine | None:
    """An engine that only reads the store at `url` (a simulation may reuse its plans but
    must not change it): SQLite opened read-only; None when there is no store."""
    file = sqlite_file(url)
    if file is None or not file.exists():
        return None  # in memory, missing, or a database server (a simulation uses no network)
    return create_engine(f"sqlite:///file:{file.resolve()}?mode=ro&uri=true")


class PlanCache:
    """Plans by key: looked up in `target` then `sources` (the first that has it wins),
    saved to `target`."""

    def __init__(self, target: Store | None, sources: Sequence[Engine] = ()) -> None:
        self.target = target
        self.sources = [*([target.engine] if target is not None else []), *sources]

    def get(self, spec: ProgramSpec, key: str) -> Plan | None:
        for engine in self.sources:
            try:
                with engine.connect() as conn:
                    text = conn.execute(
                        select(schema.plans.c.data).where(schema.plans.c.key == key)
                    ).scalar()
                if text:
                    return load_plan(spec, text)
            except Exception as bad:  # a cache: anything wrong with it means plan again
                log.debug("the stored plan could not be used: %s", bad)
        return None

    def put(self, key: str, plan: Plan, now: datetime) -> None:
        if self.target is None:
            return
        t = schema.plans
        try:
            with self.target.engine.begin() as conn:
                if conn.execute(select(t.c.key).where(t.c.key == key)).first() is None:
                    conn.execute(t.insert().values(key=key, created_at=now, data=dump_plan(plan)))
                old = (
                    conn.execute(
                        select(t.c.key).order_by(t.c.created_at.desc(), t.c.key).offset(KEEP)
                    )
                    .scalars()
                    .all()
                )
                if old:
                    conn.execute(delete(t).where(t.c.key.in_(old)))
        except Exception as bad:  # a read-only store, say: the plan is still good
            log.debug("the plan could not be stored: %s", bad)

    def plan(
        self,
        spec: ProgramSpec,
        ledger: Sequence[LedgerEntry],
        compute: Callable[[], Plan],
        now: datetime,
        method: str = "auto",
    ) -> Plan:
        """The stored plan for exactly these inputs, or a new one (then stored)."""
        key = plan_key(spec, ledger, method)
        found = self.get(spec, key)
        if found is not None:
            return found
        plan = compute()
        self.put(key, plan, now)
        return plan
