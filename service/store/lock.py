"""One Rota process at a time per store: a second daemon, or a cron `--once` beside a running
daemon, would decide the same emails twice. The deterministic Message-IDs and the outbox stop a
row from being sent twice, but two processes would still race on prompts, RSVPs and invite
sequences, so the second one is refused with a clear message instead.

For SQLite the lock is an flock on `<database>.lock`, held for the life of the process: the
kernel releases it when the process dies, even by kill -9, so a crash never leaves a stale
lock behind. The database path is resolved first (symlinks, `..`, a relative path), so two
configs that name one file by different paths share one lock. Other databases are not locked here (run one daemon against them).
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from service.errors import RotaError
from service.store.db import sqlite_file


class StoreBusy(RotaError):
    """Another Rota process is using this store."""


class StoreLock:
    def __init__(self, url: str) -> None:
        db = sqlite_file(url)
        if db is not None:
            db = db.resolve()  # the file itself, however the config names it
        self.path = db.with_name(db.name + ".lock") if db is not None else None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None or self._file is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            f = open(self.path, "a+", encoding="utf-8")  # held until release()
        except OSError as bad:
            raise RotaError(
                f"cannot use {self.path.parent} for the store: {bad.strerror or bad}"
            ) from None
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise StoreBusy(
                f"the store {self.path.with_suffix('')} is in use by Rota ({holder}); "
                "stop that process first (or point this config at another store)"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}\n")
        f.flush()
        self._file = f

    def release(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            f.close()

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
