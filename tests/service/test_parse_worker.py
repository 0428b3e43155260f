"""Inbound mail is parsed in a worker process: a message that takes too long or too much
memory goes to review with the reason, the worker is replaced, and the daemon's event loop
never stops while a message is read."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from mail.classify import Limits
from service.parsing import ParserProcess
from tests.conftest import ROOT

SLOW_BODY = "## What I Accomplished\n" + "- a thing that took a while to do well\n" * 60000
SLOW = (
    "From: ana@example.org\r\nTo: c@example.org\r\nSubject: Re: check-in\r\n"
    f"Message-ID: <slow@x>\r\n\r\n{SLOW_BODY}"
).encode()
GOOD = (ROOT / "tests" / "corpus" / "replies" / "apple_mail.eml").read_bytes()


def test_a_message_over_the_time_limit_is_left_for_a_human_and_the_next_is_read() -> None:
    parser = ParserProcess(timeout=0.05)
    try:
        assert parser.parse_blocking(GOOD).kind == "checkin"  # the worker is up
        started = time.perf_counter()
        slow = parser.parse_blocking(SLOW)
        assert time.perf_counter() - started < 2
        assert slow.kind == "unknown" and "longer than 0.05 s" in slow.reason
        assert slow.content_hash  # still identifiable (dedupe, the review row)
        parser.timeout = 20
        assert parser.parse_blocking(GOOD).kind == "checkin"  # a fresh worker
    finally:
        parser.close()


def test_a_message_that_needs_too_much_memory_is_left_for_a_human() -> None:
    # without the header caps (raised here), the stdlib's header parser needs gigabytes
    subject = "\r\n ".join(["=?utf-8?q?ab?="] * 12000)
    raw = f"From: a@example.org\r\nSubject: {subject}\r\nMessage-ID: <m@x>\r\n\r\nx\r\n".encode()
    limits = Limits(max_header_bytes=10**7, max_field_bytes=10**7, max_encoded_words=10**6)
    parser = ParserProcess(limits, timeout=60, memory=400 * 1024**2)
    try:
        parsed = parser.parse_blocking(raw)
        assert parsed.kind == "unknown" and "memory" in parsed.reason
        assert parser.parse_blocking(GOOD).kind == "checkin"
    finally:
        parser.close()


async def test_the_event_loop_runs_on_while_a_message_is_parsed() -> None:
    parser = ParserProcess(timeout=30)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        parsed = await parser.parse(SLOW)
    finally:
        ticker.cancel()
        parser.close()
    assert parsed.kind == "checkin" and len(parsed.checkin["accomplished"]) == 60000  # type: ignore[index]
    assert ticks >= 20  # the loop kept running while the worker read ~2 MB


def test_rota_parse_answers_quickly_on_a_hostile_subject(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    evil = tmp_path / "evil.eml"
    evil.write_bytes(
        b"From: x@evil.example\r\nMessage-ID: <e@x>\r\nSubject: "
        + b" ".join([b"=?utf-8?q?abc?="] * 65000)
        + b"\r\n\r\nhi\r\n"
    )
    started = time.perf_counter()
    done = rota("parse", str(evil))
    assert done.code == 0 and time.perf_counter() - started < 10
    out = json.loads(done.out)
    assert out["kind"] == "unknown" and "too large" in out["reason"]


def test_rota_parse_does_not_read_a_huge_file_whole(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    huge = tmp_path / "huge.eml"
    with open(huge, "wb") as f:
        f.write(b"From: a@example.org\r\nMessage-ID: <big@x>\r\n\r\n")
        f.truncate(200 * 1024 * 1024)  # 200 MB (sparse)
    done = rota("parse", str(huge))
    out = json.loads(done.out)
    assert done.code == 0 and out["kind"] == "unknown" and out["message_id"] == "<big@x>"
    assert "too large (200.0 MB" in out["reason"]


def test_the_worker_needs_nothing_of_the_callers_main(tmp_path: Path) -> None:
    # `python -c` (or any host whose __main__ cannot be imported again) may run Rota
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys; from service.parsing import ParserProcess; p = ParserProcess(); "
        "print(p.parse_blocking(sys.stdin.buffer.read()).kind); p.close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=GOOD, cwd=tmp_path, capture_output=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout.decode().strip() == "checkin", done.stderr.decode()[-500:]
