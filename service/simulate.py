"""`rota simulate` (SPEC §5): the daemon's own jobs on a simulated clock, into a maildir.

The clock jumps from one due moment to the next (a job, an email waiting in the outbox, a
reply in `DIR/inbox/` whose Date has come) and at each one the same `App.step` the daemon
runs is called. Nothing touches the network or the real store: the transport is the maildir
in `DIR`, the store a throwaway SQLite file.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mail.maildir import DatedMaildirInbox, MaildirOutbox
from service.app import App
from service.clock import ManualClock
from service.config.model import Config
from service.plans import PlanCache, reader
from service.progress import Progress
from service.rhythm import week_start
from service.store import schema
from service.store.store import Store

log = logging.getLogger("rota.simulate")


@dataclass(frozen=True, slots=True)
class SimulatedEmail:
    at: datetime
    kind: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    message_id: str
    file: str  # relative to the output directory

    def to_json(self) -> dict[str, object]:
        return {
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": self.kind,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "message_id": self.message_id,
            "file": self.file,
        }


@dataclass
class Simulation:
    emails: list[SimulatedEmail] = field(default_factory=list)
    replies: dict[str, int] = field(default_factory=dict)  # outcome → count
    review: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    moved_aside: Path | None = None


def simulation_secret(config: Config) -> bytes:
    """A stable key when none is set, so replies written to one run verify in the next."""
    return hashlib.sha256(f"rota simulation|{config.program.name}".encode()).hexdigest().encode()


def day_start(config: Config, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(config.program.timezone)).astimezone(UTC)


def default_start(config: Config) -> datetime:
    """The program's start: Monday 00:00 of week 0 in the program's zone."""
    return week_start(config, 0)


@contextmanager
def _outbox_dir(out: Path) -> Iterator[Path | None]:
    """A previous run's outbox is kept, renamed, rather than mixed with this one."""
    box = out / "outbox"
    aside = None
    if box.is_dir() and any(box.iterdir()):
        n = 1
        while (out / f"outbox.previous-{n}").exists():
            n += 1
        aside = out / f"outbox.previous-{n}"
        box.rename(aside)
    box.mkdir(parents=True, exist_ok=True)
    yield aside


async def simulate(
    config: Config,
    out: Path,
    start: datetime,
    end: datetime,
    secret: bytes,
    progress: Progress | None = None,
) -> Simulation:
    result = Simulation()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _outbox_dir(out) as aside, tempfile.TemporaryDirectory(prefix="rota-simulate-") as tmp:
        result.moved_aside = aside
        clock = ManualClock(start)
        store = Store(f"sqlite:///{Path(tmp) / 'simulation.db'}")
        transport = MaildirOutbox(out, clock.now)
        transport.fsync = False  # a simulation's files need no durability
        inbox = DatedMaildirInbox(out, clock.now)
        # the real store's plans are reused when one was made for the same inputs (read only)
        real = reader(config.store.url)
        plans = PlanCache(store, [real] if real is not None else [])
        app = App(config, store, secret, clock, transport, inbox, "simulation", "simulate", plans)
        if progress is not None:
            app.jobs.on_plan = lambda done, total: progress.say(
                f"planning, {done:,} of {total:,} groups of people solved"
            )
        app.start()
        try:
            while True:
                await app.step()
                now = clock.now()
                if progress is not None:
                    progress.say(f"at {now:%Y-%m-%d %H:%M} UTC, running to {end:%Y-%m-%d}")
                times = [t for t in (app.next_wakeup(), inbox.next_arrival(now)) if t is not None]
                if not times or min(times) > end:
                    break
                clock.set(max(min(times), now))
                if min(times) <= now:  # something due now was not done: never spin
                    clock.advance(timedelta(seconds=1))
            result.emails = _emails(store, transport, out)
            for uid, where in inbox.handled.items():
                result.replies[where] = result.replies.get(where, 0) + 1
                if where == "review":
                    name = inbox.arrivals[uid][1].name
                    result.review.append((name, inbox.notes.get(uid, "")))
        finally:
            await app.close()
            store.close()
            if real is not None:
                real.dispose()
    return result


def _emails(store: Store, transport: MaildirOutbox, out: Path) -> list[SimulatedEmail]:
    o = schema.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(o.c.message_id, o.c.kind, o.c.subject, o.c.sent_at, o.c.eml)
            .where(o.c.state == "sent")
            .order_by(o.c.sent_at, o.c.id)
        ).all()
    found = []
    parser = BytesHeaderParser()
    for r in rows:
        headers = parser.parsebytes(r.eml)
        path = transport.path_of(r.message_id)
        found.append(
            SimulatedEmail(
                at=r.sent_at,
                kind=r.kind,
                to=tuple(a for _, a in getaddresses(headers.get_all("To", []))),
                cc=tuple(a for _, a in getaddresses(headers.get_all("Cc", []))),
                subject=r.subject,
                message_id=r.message_id,
                file=str(path.relative_to(out)) if path else "",
            )
        )
    found.sort(key=lambda e: e.file)
    return found
