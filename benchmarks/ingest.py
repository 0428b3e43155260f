"""Benchmark inbound mail: parsing replies, and ingesting them from a real Dovecot.

    .venv/bin/python benchmarks/ingest.py [--count 10000]

Parsing: `mail.classify.parse_message` on generated replies (every client style of Rota's
own corpus, each with a unique Message-ID), as a ratio to a bare
`email.message_from_bytes(policy=default)` of the same bytes (goal ≥ 0.5). Ingesting: the
replies APPENDed to a throwaway Dovecot (needs root or an installed Dovecot), then drained by
the ingester (fetch, parse, verify, record in SQLite, move), once per size in its own process
so peak memory can be compared as the count grows.
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from email import message_from_bytes
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "corpus" / "replies"
SECRET = b"benchmark secret, not a real one"
WEEK = 3  # the replies answer this week's prompt, read the day after it went out


def week_friday(starts: date) -> datetime:
    """Friday of program week WEEK (a reply token is good only once its week has begun)."""
    monday = starts - timedelta(days=starts.weekday()) + timedelta(weeks=WEEK)
    return datetime.combine(monday + timedelta(days=4), time_of_day(12), tzinfo=UTC)


def replies(count: int) -> list[bytes]:
    """`count` replies in every style of the corpus, with a valid token of the test program."""
    from service.config.load import load_config
    from service.emails import Mailer, load_templates
    from service.resources import example_config

    config = load_config(example_config())
    prompt = Mailer(config, load_templates(config), SECRET).checkin(
        "ana@example.org", WEEK, week_friday(config.program.starts)
    )
    token = prompt.reply_to[0].email.encode()
    styles = [
        p.read_bytes()
        for p in sorted(CORPUS.glob("*.eml"))
        if not p.stem.startswith(("rsvp", "auto", "bounce"))
    ]
    out = []
    for i in range(count):
        raw = styles[i % len(styles)]
        raw = re.sub(rb"checkins\+[\w.]+@example\.org", token, raw)
        raw = re.sub(
            rb"(?im)^Message-ID: <[^>]+>",
            f"Message-ID: <bench{i}@mail.example.net>".encode(),
            raw,
            count=1,
        )
        out.append(raw)
    return out


def bench_parse(count: int) -> None:
    from mail.classify import parse_message

    data = replies(count)
    t = time.perf_counter()
    for raw in data:
        message_from_bytes(raw, policy=default)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    kinds: dict[str, int] = {}
    for raw in data:
        kind = parse_message(raw).kind
        kinds[kind] = kinds.get(kind, 0) + 1
    ours = time.perf_counter() - t
    # the same with the parsed-header cache emptied before each message: no header shared
    # between messages (real mail shares many, e.g. Content-Type; this is the floor)
    from mail.classify import _header

    t = time.perf_counter()
    for raw in data:
        _header.cache_clear()
        parse_message(raw)
    cold = time.perf_counter() - t
    print(
        f"parse {count} replies: bare email.message_from_bytes {count / bare:,.0f}/s, "
        f"rota parse_message {count / ours:,.0f}/s — ratio {bare / ours:.2f} (goal ≥ 0.5); "
        f"nothing shared between messages {count / cold:,.0f}/s — ratio {bare / cold:.2f}; "
        f"kinds {kinds}"
    )


def run_ingest(count: int, port: int, user: str) -> dict[str, float]:
    from mail.imap import ImapInbox, ImapSettings
    from service.clock import ManualClock
    from service.config.load import load_config
    from service.inbound import Inbound
    from service.ingest import Ingester
    from service.resources import example_config
    from service.store.store import Store

    config = load_config(example_config())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        box = ImapInbox(ImapSettings("127.0.0.1", port, "none", user, "secret", timeout=60))
        ingester = Ingester(
            store,
            Inbound(config, store, SECRET),
            box,
            ManualClock(week_friday(config.program.starts) + timedelta(days=1)),
            "imap",
        )
        t = time.perf_counter()
        report = asyncio.run(ingester.run_once())
        seconds = time.perf_counter() - t
    return {
        "count": count,
        "seconds": seconds,
        "recorded": report.count("recorded"),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bench_ingest(sizes: list[int]) -> None:
    from tests.support import dovecot

    server = dovecot.start()
    d = next(server)
    try:
        data = replies(max(sizes))
        for size in sizes:
            user = d.user()
            m = imaplib.IMAP4("127.0.0.1", d.port, timeout=60)
            m.login(user, dovecot.PASSWORD)
            for raw in data[:size]:
                m.append("INBOX", None, None, raw)
            m.logout()
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(size), str(d.port), user],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"ingest {size} from Dovecot: {r['seconds']:.1f} s, {size / r['seconds']:,.0f} messages/s, "
                f"{r['recorded']} recorded, peak {r['peak_mb']:.0f} MB"
            )
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_ingest(int(args.one[0]), int(args.one[1]), args.one[2])))
        return
    bench_parse(args.count)
    bench_ingest([int(x) for x in args.sizes.split(",")])


if __name__ == "__main__":
    main()
