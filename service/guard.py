"""Never run a program that has already sent mail on an empty store (unless told to).

A lost or replaced store (a deleted SQLite file, a new volume, a wrong store.url) looks like
a new program: every invite would go out again with SEQUENCE 0, every prompt again. So each
store has an id, and the first run of a program on a store leaves a marker beside its mail:
a `.rota-store-*.json` file in the maildir, or a marker message in the IMAP processed folder.
Starting on a store with no history while a marker names another store is refused, with
what to do; `rota run --new-store` starts over on purpose (and adds the new store's id).
A new store whose mail folder cannot be read yet waits for it (the daemon retries; --once
exits 1 and cron tries again), because it cannot tell a first run from a lost store.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Protocol

from sqlalchemy import select

from mail.errors import MailError
from service.config.model import Config
from service.errors import RotaError, UsageError
from service.store import schema
from service.store.store import Store

log = logging.getLogger("rota.guard")
STORE_ID = "store:id"


class Marked(Protocol):
    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def read_markers(self, program: str) -> set[str]: ...
    async def write_marker(self, program: str, store: str, about: Mapping[str, str]) -> None: ...


class StoreRefused(UsageError):
    """This program has run on another store; this one is empty."""


class StoreUnverified(RotaError):
    """The mail folder that holds the marker cannot be read now; a new store waits for it."""


def program_key(config: Config) -> str:
    """Who the program is, as its calendar UIDs say it: the organizer and the start."""
    facts = f"{config.program.organizer.lower()}|{config.program.starts.isoformat()}"
    return hashlib.sha256(facts.encode()).hexdigest()[:32]


def store_id(store: Store) -> str:
    found = store.get(STORE_ID)
    if found:
        return found
    made = uuid.uuid4().hex
    with store.engine.begin() as conn:
        store.put(conn, STORE_ID, made)
    return made


def has_history(store: Store) -> bool:
    """Whether this store has ever decided, sent or received anything."""
    with store.engine.connect() as conn:
        for table in (schema.outbox, schema.inbound, schema.series_state, schema.prompts):
            if conn.execute(select(table.c[next(iter(table.c.keys()))]).limit(1)).first():
                return True
    return False


async def guard_store(
    config: Config, store: Store, mail: object, new_store: bool, now: datetime
) -> None:
    """Refuse (StoreRefused) to start this program on an empty store that is not the one it
    ran with; otherwise make sure the mail folder names this store."""
    if not all(hasattr(mail, m) for m in ("read_markers", "write_marker", "connect", "close")):
        return  # a simulation's inbox: nothing to protect
    box: Marked = mail  # type: ignore[assignment]
    key, ours, fresh = program_key(config), store_id(store), not has_history(store)
    where = describe(config)
    try:
        await box.connect()
        try:
            seen = await box.read_markers(key)
            others = seen - {ours}
            if fresh and others and not new_store:
                raise StoreRefused(
                    f"{config.program.name} has already run with another store (id "
                    f"{', '.join(sorted(o[:8] for o in others))}…, marked in {where}) and this "
                    f"one ({config.store.url}) is empty: starting would send every invite and "
                    "prompt again. Point store.url at the program's store or restore it from a "
                    "backup; to start over on purpose, run with --new-store"
                )
            if fresh and others:
                log.warning("starting %s over on a new store (--new-store)", config.program.name)
            if ours not in seen:
                await box.write_marker(
                    key,
                    ours,
                    {
                        "program": config.program.name,
                        "organizer": config.program.organizer,
                        "store": config.store.url,
                        "date": format_datetime(now),
                    },
                )
        finally:
            await box.close()
    except MailError as bad:
        if fresh and not new_store:
            raise StoreUnverified(
                f"cannot check whether {config.program.name} has run before ({bad}); "
                "a new store must not resend what an old one sent. Fix the mail server "
                "settings, or run with --new-store if this really is the first run"
            ) from bad
        log.warning("could not check the store marker in %s: %s", where, bad)


def describe(config: Config) -> str:
    if config.mail.transport == "maildir" or config.mail.imap is None:
        return f"{config.mail.maildir}/"
    i = config.mail.imap
    return f"IMAP {i.username}@{i.host} folder {i.processed_folder}"
