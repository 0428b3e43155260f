"""Parse inbound mail in a worker process, with a time limit and a memory cap.

Parsing is pure (mail.classify) but runs on untrusted bytes through the stdlib email
package, html2text and our own regexes; some input is slow or memory-hungry in ways the
size caps do not foresee. So the daemon (and `rota parse`) never parses on its own thread:
one long-lived worker process parses, capped in address space, and a message that takes
longer than `timeout` seconds (or kills the worker) comes back as kind `unknown` with the
reason, for review; the worker is replaced. The event loop waits in a thread, so IMAP IDLE,
the heartbeat and sending go on meanwhile.

The worker is a plain `python -c` child speaking length-prefixed frames on its stdin and
stdout (raw bytes in, the pickled value out), so it needs nothing of the parent's `__main__`
(multiprocessing's spawn re-imports it, which fails under `python -c` or an embedding host).
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import IO

from mail.classify import Limits, Parsed, content_digest, parse_message

log = logging.getLogger("rota.parse")

TIMEOUT_SECONDS = 20.0
STARTUP_SECONDS = 60.0
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the worker
_FRAME = struct.Struct(">Q")
_ROOT = str(Path(__file__).resolve().parents[1])  # the folder holding the `service` package
_WORKER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from service.parsing import serve; serve(int(sys.argv[2]), sys.argv[3])"
)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError("the stream ended")
        data += chunk
    return data


def serve(memory: int, limits: str) -> None:
    """The worker: parse each message it is sent, answer with the value."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # not everywhere; the time limit still holds
        pass
    bound = Limits(**{k: int(v) for k, v in (kv.split("=") for kv in limits.split(","))})
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(_FRAME.pack(0))  # started: the time limit counts from here, not the start-up
    stdout.flush()
    while True:
        try:
            (size,) = _FRAME.unpack(_read_exactly(stdin, _FRAME.size))
            raw = _read_exactly(stdin, size)
        except EOFError:
            return
        try:
            parsed = parse_message(raw, bound)
        except MemoryError:
            parsed = _unreadable(raw, "too complex to read (it needs more memory than allowed)")
        answer = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_FRAME.pack(len(answer)) + answer)
        stdout.flush()


def _unreadable(raw: bytes, reason: str) -> Parsed:
    return Parsed("unknown", "", "", "", None, reason=reason, content_hash=content_digest(raw))


class _Timeout(Exception):
    pass


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


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
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # one message at a time through the pipes

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._stop()
        limits = ",".join(f"{k}={getattr(self.limits, k)}" for k in self.limits.__slots__)
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
            [sys.executable, "-c", _WORKER, _ROOT, str(self.memory), limits],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self._proc = proc
        # a parser dropped without close() (a test, an embedding) takes its worker with it
        weakref.finalize(self, _reap, proc)
        self._receive(proc, STARTUP_SECONDS)
        return proc

    def _receive(self, proc: subprocess.Popen[bytes], seconds: float) -> bytes:
        """One frame from the worker within `seconds`."""
        assert proc.stdout is not None
        deadline = time.monotonic() + seconds
        fd = proc.stdout.fileno()
        data = b""
        need = _FRAME.size
        header = True
        while True:
            while len(data) < need:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Timeout
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    raise _Timeout
                chunk = os.read(fd, need - len(data))
                if not chunk:
                    raise EOFError("the parser process ended")
                data += chunk
            if not header:
                return data
            (need,) = _FRAME.unpack(data)
            data, header = b"", False
            if need == 0:
                return b""

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def parse_blocking(self, raw: bytes) -> Parsed:
        """Parse `raw` in the worker; a hang or a crash is a value with a reason."""
        with self._lock:
            try:
                proc = self._start()
            except (_Timeout, EOFError, OSError) as bad:
                # no worker at all (a broken install?): read it here rather than not at all
                log.error("the parser process cannot start (%s); parsing in the daemon", bad)
                self._stop()
                return parse_message(raw, self.limits)
            try:
                assert proc.stdin is not None
                proc.stdin.write(_FRAME.pack(len(raw)) + raw)
                proc.stdin.flush()
                found = pickle.loads(self._receive(proc, self.timeout))  # noqa: S301 - our child
                if isinstance(found, Parsed):
                    return found
                reason = "the parser returned nothing usable"
            except _Timeout:
                reason = f"reading it took longer than {self.timeout:g} s: left for a human"
            except (EOFError, OSError, pickle.UnpicklingError) as bad:
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
