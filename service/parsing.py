"""Parse inbound mail in a worker process, with a time limit and a memory cap.

Parsing is pure (mail.classify) but runs on untrusted bytes through the stdlib email
package, html2text and our own regexes; some input is slow or memory-hungry in ways the
size caps do not foresee. So the daemon (and `rota parse`) never parses on its own thread:
one long-lived worker process parses, capped in address space, and a message that takes
longer than `timeout` seconds (or kills the worker) comes back as kind `unknown` with the
reason, for review; the worker is replaced. The event loop waits in a thread, so IMAP IDLE,
the heartbeat and sending go on meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from mail.classify import Limits, Parsed, content_digest, parse_message

log = logging.getLogger("rota.parse")

TIMEOUT_SECONDS = 20.0
STARTUP_SECONDS = 60.0
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the worker


def _serve(conn: Connection, limits: Limits, memory: int) -> None:
    """The worker: parse each message it is sent, answer with the value."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # not everywhere; the time limit still holds
        pass
    conn.send_bytes(b"ready")  # started: the time limit counts from here, not the spawn
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            parsed = parse_message(raw, limits)
        except MemoryError:
            parsed = _unreadable(raw, "too complex to read (it needs more memory than allowed)")
        conn.send(parsed)


def _unreadable(raw: bytes, reason: str) -> Parsed:
    return Parsed("unknown", "", "", "", None, reason=reason, content_hash=content_digest(raw))


class ParserProcess:
    """One worker process, started on first use and replaced when it hangs or dies."""

    def __init__(
        self,
        limits: Limits | None = None,
        timeout: float = TIMEOUT_SECONDS,
        memory: int = MEMORY_LIMIT,
    ) -> None:
        self.limits = limits or Limits()
        self.timeout = timeout
        self.memory = memory
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # one message at a time through the pipe

    def _start(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        # spawn: a fresh interpreter, never a fork of a process with threads and a loop
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(
            target=_serve,
            args=(theirs, self.limits, self.memory),
            name="rota-parser",
            daemon=True,
        )
        proc.start()
        theirs.close()
        self._proc, self._conn = proc, ours
        if not ours.poll(STARTUP_SECONDS) or ours.recv_bytes() != b"ready":
            raise OSError("the parser process did not start")
        return ours

    def _stop(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join(5)

    def parse_blocking(self, raw: bytes) -> Parsed:
        """Parse `raw` in the worker; a hang or a crash is a value with a reason."""
        with self._lock:
            try:
                conn = self._start()
                conn.send_bytes(raw)
                if conn.poll(self.timeout):
                    found = conn.recv()
                    if isinstance(found, Parsed):
                        return found
                    reason = "the parser returned nothing usable"
                else:
                    reason = f"reading it took longer than {self.timeout:g} s: left for a human"
            except (EOFError, OSError, BrokenPipeError) as bad:
                reason = (
                    f"the parser stopped while reading it ({type(bad).__name__}): left for a human"
                )
            log.warning("inbound message not parsed: %s", reason)
            self._stop()  # a hung or dead worker is replaced on the next message
            return _unreadable(raw, reason)

    async def parse(self, raw: bytes) -> Parsed:
        """Parse without blocking the event loop."""
        return await asyncio.to_thread(self.parse_blocking, raw)

    def close(self) -> None:
        with self._lock:
            self._stop()
