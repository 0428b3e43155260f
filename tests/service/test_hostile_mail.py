"""Hostile and broken inbound mail, run through the program on the simulated clock: nothing
it carries reaches an outgoing header, nothing of it is lost, nothing of it stops the rhythm."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.config.model import Config
from service.simulate import Simulation, simulate
from tests.support.configs import P, Program
from tests.support.mailread import Sent, read
from tests.support.replies import plain_checkin

SECRET = b"hostile mail test secret 0123456789"
START = datetime(2026, 3, 2, tzinfo=UTC)
PROMPT0 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Ana's week-0 prompt: Friday 15:00 Lisbon (WET)
EVIL = "=?utf-8?q?x=0D=0ABcc:_spy@evil.example?="


def program() -> Program:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
    )


def run(
    tmp: Path, replies: dict[str, bytes], until: datetime, config: Config | None = None
) -> tuple[Simulation, list[Sent]]:
    config = config or program().load()
    inbox = tmp / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name, raw in replies.items():
        (inbox / name).write_bytes(raw)
    result = asyncio.run(simulate(config, tmp, START, until, SECRET))
    return result, [read(tmp, e.kind, e.file) for e in result.emails]


def header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode().lower()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]


def with_header(raw: bytes, name: str, value: str) -> bytes:
    """`raw` with header `name` set to the literal `value` (no encoding, as an attacker sends it)."""
    pattern = rf"(?im)^{re.escape(name)}:.*\r\n".encode()
    line = f"{name}: {value}\r\n".encode()
    if re.search(pattern, raw):
        return re.sub(pattern, lambda _: line, raw, count=1)
    return line + raw


def test_an_inbound_message_id_with_an_encoded_line_break_never_reaches_the_forward(
    tmp_path: Path,
) -> None:
    config = program().load()
    raw = plain_checkin(config, SECRET, "ana@example.org", 0, PROMPT0 + timedelta(hours=5), "x@y")
    raw = with_header(raw, "Message-ID", f"<{EVIL}@mail.evil.example>")
    raw = with_header(raw, "Subject", f"Re: check-in {EVIL}")
    _, mails = run(tmp_path, {"a.eml": raw}, datetime(2026, 3, 9, tzinfo=UTC), config)
    [forward] = [m for m in mails if m.kind == "forward"]
    data = forward.file.read_bytes()
    names = header_names(data)
    assert "bcc" not in names and len(names) == len(set(names))
    assert forward.msg["Bcc"] is None
    assert forward.to == ["ben@example.org"]
    assert forward.msg["In-Reply-To"] is None and forward.msg["References"] is None
    assert "Finished the parser fix" in forward.text()  # the check-in itself still goes through


def test_check_ins_without_a_message_id_each_reach_the_mentor(tmp_path: Path) -> None:
    config = program().load()
    replies = {}
    for week in (0, 1):
        raw = plain_checkin(
            config,
            SECRET,
            "ana@example.org",
            week,
            PROMPT0 + timedelta(weeks=week, hours=5),
            "unused@x",
            f"## What I Accomplished\n- step {week}\n",
        )
        replies[f"{week}.eml"] = re.sub(rb"(?im)^Message-ID:.*\r\n", b"", raw)
    result, mails = run(tmp_path, replies, datetime(2026, 3, 16, tzinfo=UTC), config)
    forwards = [m for m in mails if m.kind == "forward"]
    assert sorted(m.week for m in forwards) == [0, 1]  # type: ignore[type-var]
    assert [("step 0" in f.text(), "step 1" in f.text()) for f in forwards] == [
        (True, False),
        (False, True),
    ]
    assert result.replies == {"processed": 2}


def test_replies_dated_at_the_ends_of_time_do_not_stop_a_simulation(tmp_path: Path) -> None:
    config = program().load()
    base = plain_checkin(config, SECRET, "ana@example.org", 0, PROMPT0 + timedelta(hours=5), "a@x")
    replies = {
        "far.eml": with_header(base, "Date", "Fri, 31 Dec 9999 23:59:59 -1200"),
        "past.eml": with_header(base, "Date", "Mon, 1 Jan 0001 00:00:00 +1400"),
        "junk.eml": with_header(base, "Date", "yesterday-ish"),
    }
    result, mails = run(tmp_path, replies, datetime(2026, 3, 16, tzinfo=UTC), config)
    assert any(m.kind == "checkin" for m in mails)  # the program ran
    # unreadable dates are read from the start; the check-in is recorded once, the copies
    # with other Date headers are other messages of the same week (recorded, forwarded)
    assert sum(result.replies.values()) == 3
