"""Progress on stderr for commands that run long (`rota plan`, `rota simulate`): nothing for
the first two seconds (most runs are done by then), then a line every two seconds, so a
script's stdout stays clean and a person at a terminal sees that work goes on."""

from __future__ import annotations

import sys
import time
from typing import TextIO

AFTER = 2.0  # seconds of silence before the first line
EVERY = 2.0  # seconds between lines


class Progress:
    def __init__(self, what: str, stream: TextIO | None = None, after: float = AFTER) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()  # not program time: how long the user has waited
        self.next = self.started + after
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        self.say(f"{done:,} of {total:,}")

    def say(self, state: str) -> None:
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + EVERY
        self.shown = True
        print(
            f"rota: {self.what}: {state} ({now - self.started:.0f} s)", file=self.stream, flush=True
        )

    def finish(self, summary: str = "") -> None:
        if self.shown:
            took = time.monotonic() - self.started
            print(
                f"rota: {self.what}: done in {took:.0f} s{f' ({summary})' if summary else ''}",
                file=self.stream,
                flush=True,
            )
