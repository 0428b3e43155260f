"""The embedded default transport: every email becomes a file in `MAILDIR/outbox/`.

No network at all. File names sort in send order (send time, then a sequence number that
continues across restarts) and carry a digest of the Message-ID, so delivering the same
message twice (say, after a crash) finds the file already there and writes nothing. Files are
written under a temporary name and renamed, so a reader never sees half an email.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from mail.errors import TransientError
from mail.transport import Envelope

_NAME = re.compile(r"^\d{8}T\d{6}Z-(\d{6})-([0-9a-f]{16})\.eml$")


def digest(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:16]


def _write_atomically(path: Path, data: bytes, fsync: bool = True) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


class MaildirOutbox:
    """Writes each email to `root/outbox/`; one instance per process."""

    name = "maildir"

    def __init__(self, root: Path, clock: Callable[[], datetime]) -> None:
        self.root = Path(root)
        self.dir = self.root / "outbox"
        self.clock = clock
        self._seen: dict[str, Path] | None = None
        self._seq = 0
        self.fsync = True  # off only where durability does not matter (a simulation)

    def _scan(self) -> dict[str, Path]:
        if self._seen is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.root / "inbox").mkdir(parents=True, exist_ok=True)
            self._seen = {}
            for p in self.dir.iterdir():
                m = _NAME.match(p.name)
                if m:
                    self._seen[m.group(2)] = p
                    self._seq = max(self._seq, int(m.group(1)))
        return self._seen

    def path_of(self, message_id: str) -> Path | None:
        return self._scan().get(digest(message_id))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[MaildirOutbox]:
        self._scan()
        yield self

    async def send(self, envelope: Envelope, before_commit: Callable[[], None]) -> list[str]:
        seen = self._scan()
        key = digest(envelope.message_id)
        if key in seen:  # already delivered (a retry after a crash): nothing to do
            return []
        before_commit()
        self._seq += 1
        when = self.clock().astimezone(UTC)
        name = f"{when:%Y%m%dT%H%M%S}Z-{self._seq:06d}-{key}.eml"
        try:
            if self.fsync:
                await asyncio.to_thread(_write_atomically, self.dir / name, envelope.data)
            else:  # no disk wait to hand off: a thread would only add overhead
                _write_atomically(self.dir / name, envelope.data, fsync=False)
        except OSError as bad:
            raise TransientError(f"cannot write {self.dir / name}: {bad}") from bad
        seen[key] = self.dir / name
        return []


class MaildirInbox:
    """`root/inbox/*.eml` read like an IMAP folder: handled files move to `processed/` or
    `review/` (with the reason beside them), so what is left in `inbox/` is what is new."""

    uidvalidity: int | None = None

    def __init__(self, root: Path, poll_seconds: float = 5.0) -> None:
        self.root = Path(root)
        self.inbox = self.root / "inbox"
        self.poll_seconds = poll_seconds
        self._names: dict[int, Path] = {}

    async def connect(self) -> None:
        for sub in ("inbox", "processed", "review"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    async def list_new(self, after_uid: int) -> list[tuple[int, int]]:
        files = sorted(
            p for p in self.inbox.iterdir() if p.is_file() and not p.name.startswith(".")
        )
        self._names = {i + 1: p for i, p in enumerate(files)}
        return [(i, p.stat().st_size) for i, p in self._names.items()]

    async def fetch(self, uids: list[int]) -> dict[int, bytes]:
        return {uid: self._names[uid].read_bytes() for uid in uids}

    async def move_many(self, uids: list[int], where: str) -> None:
        for uid in uids:
            await self.move(uid, where)

    async def move(self, uid: int, where: str) -> None:
        source = self._names[uid]
        target = self.root / ("review" if where == "review" else "processed") / source.name
        if target.exists():
            target = target.with_name(f"{target.stem}.{digest(str(source))[:6]}{target.suffix}")
        os.replace(source, target)

    def note(self, uid: int, reason: str) -> None:
        source = self._names.get(uid)
        if source is not None:
            (self.root / "review" / f"{source.name}.reason.txt").write_text(
                reason + "\n", encoding="utf-8"
            )

    async def wait_for_mail(self, seconds: float) -> bool:
        await asyncio.sleep(min(seconds, self.poll_seconds))
        return True

    # -- the store marker (service.guard): one JSON file per program --------------------------
    def _marker(self, program: str) -> Path:
        return self.root / f".rota-store-{program[:16]}.json"

    async def read_markers(self, program: str) -> set[str]:
        try:
            found = json.loads(self._marker(program).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        stores = found.get("stores", []) if isinstance(found, dict) else []
        return {str(s) for s in stores}

    async def write_marker(self, program: str, store: str, about: Mapping[str, str]) -> None:
        stores = await self.read_markers(program) | {store}
        self.root.mkdir(parents=True, exist_ok=True)
        data = {**about, "program": program, "stores": sorted(stores)}
        _write_atomically(self._marker(program), json.dumps(data, indent=1).encode())


class DatedMaildirInbox:
    """`root/inbox/*.eml` for a simulation: each reply becomes visible when the (simulated)
    clock reaches its Date header, and nothing is moved, so the same run can be repeated.
    A reply without a readable Date is visible from the start."""

    uidvalidity: int | None = None

    def __init__(self, root: Path, clock: Callable[[], datetime]) -> None:
        self.root = Path(root)
        self.clock = clock
        self.arrivals: dict[int, tuple[datetime | None, Path]] = {}
        self.handled: dict[int, str] = {}  # uid → "processed" | "review"
        self.notes: dict[int, str] = {}
        inbox = self.root / "inbox"
        files = (
            sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
            if inbox.is_dir()
            else []
        )
        for i, p in enumerate(files, start=1):
            self.arrivals[i] = (_date_of(p), p)

    def next_arrival(self, after: datetime) -> datetime | None:
        """When the next reply not yet visible at `after` arrives."""
        later = [d for d, _ in self.arrivals.values() if d is not None and d > after]
        return min(later) if later else None

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def list_new(self, after_uid: int) -> list[tuple[int, int]]:
        now = self.clock()
        return sorted(
            (uid, p.stat().st_size)
            for uid, (when, p) in self.arrivals.items()
            if uid not in self.handled and (when is None or when <= now)
        )

    async def fetch(self, uids: list[int]) -> dict[int, bytes]:
        return {uid: self.arrivals[uid][1].read_bytes() for uid in uids}

    async def move(self, uid: int, where: str) -> None:
        self.handled[uid] = where

    async def move_many(self, uids: list[int], where: str) -> None:
        for uid in uids:
            self.handled[uid] = where

    def note(self, uid: int, reason: str) -> None:
        self.notes[uid] = reason

    async def wait_for_mail(self, seconds: float) -> bool:
        return False


def _date_of(path: Path) -> datetime | None:
    from email.parser import BytesHeaderParser
    from email.utils import parsedate_to_datetime

    try:
        with open(path, "rb") as f:
            value = BytesHeaderParser().parse(f).get("Date")
        when = parsedate_to_datetime(str(value)) if value else None
        if when is None or when.tzinfo is None:
            return None
        return when.astimezone(UTC)
    except (OSError, ValueError, TypeError, OverflowError):  # unreadable, or year 9999 ± hours
        return None
