"""Benchmark the daemon: CPU while idle on IMAP IDLE, and a whole program simulated.

    .venv/bin/python benchmarks/daemon.py [--idle-seconds 60] [--pairs 1000] [--weeks 26]

Idle: `rota run` on a program that has nothing due for months, reading a real Dovecot
(IDLE), its CPU time measured from /proc over the window after start-up, beside a bare
Python process idling in asyncio over the same window (the baseline). Simulation: `rota
simulate` of a generated program (pairs across 35 zones, some mentors with two or three
mentees, one circle per 100 pairs, some people away a week), wall time and emails per
second, as a ratio to building and writing the same number of check-in emails directly
(the floor any daemon pays for its mail).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.plan import ZONES  # noqa: E402
from tests.support.configs import G, P, Program  # noqa: E402

SECRET = "benchmark secret, long enough to be one"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def generate(pairs: int, weeks: int, starts: date, seed: int = 7) -> Program:
    rng = random.Random(seed)
    people: list[P] = []
    pair_list: list[tuple[str, str]] = []
    while len(pair_list) < pairs:
        mentor = f"m{len(people)}@bench.example"
        people.append(P(mentor, rng.choice(ZONES), name=f"Mentor {len(people)}"))
        for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
            if len(pair_list) == pairs:
                break
            mentee = f"e{len(people)}@bench.example"
            away = ()
            if rng.random() < 0.1:
                first = starts + timedelta(days=rng.randrange(0, weeks * 7 - 7))
                away = ((str(first), str(first + timedelta(days=6))),)
            people.append(P(mentee, rng.choice(ZONES), name=f"Mentee {len(people)}", away=away))
            pair_list.append((mentor, mentee))
    emails = [p.email for p in people]
    groups = [
        G(f"Circle {i}", rng.sample(emails, 8), quorum=0.6) for i in range(max(1, pairs // 100))
    ]
    return Program(
        people=people,
        pairs=pair_list,
        groups=groups,
        starts=str(starts),
        ends=str(starts + timedelta(weeks=weeks - 1, days=4)),
    )


# -- idle ------------------------------------------------------------------------------------------
def bench_idle(seconds: float) -> None:
    from tests.support import dovecot

    server = dovecot.start()
    d = next(server)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            far = date.today() + timedelta(days=120)
            prog = generate(20, 10, far - timedelta(days=far.weekday()))
            prog.extra = (
                '[mail]\ntransport = "imap-smtp"\n'
                'smtp = { host = "127.0.0.1", port = 9, security = "none" }\n'
                f'imap = {{ host = "127.0.0.1", port = {d.port}, security = "none", '
                f'username = "{d.user()}", password_env = "BENCH_IMAP_PASSWORD" }}\n\n'
                f'[store]\nurl = "sqlite:///{tmp}/rota.db"\n'
            )
            config = prog.write(Path(tmp))
            env = {**os.environ, "ROTA_SECRET": SECRET, "BENCH_IMAP_PASSWORD": dovecot.PASSWORD}
            rota = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "run", "-c", str(config)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            bare = subprocess.Popen(
                [sys.executable, "-c", "import asyncio\nasyncio.run(asyncio.sleep(10**6))"]
            )
            time.sleep(15)  # start-up: imports, the plan, the first inbox pass, IDLE begins
            assert rota.poll() is None, rota.stderr.read().decode() if rota.stderr else ""
            a0, b0, t0 = cpu_seconds(rota.pid), cpu_seconds(bare.pid), time.monotonic()
            time.sleep(seconds)
            a1, b1, t1 = cpu_seconds(rota.pid), cpu_seconds(bare.pid), time.monotonic()
            rota.send_signal(signal.SIGTERM)
            bare.kill()
            rota.wait(30)
            bare.wait(30)
            wall = t1 - t0
            print(
                f"idle {wall:.0f} s on IMAP IDLE: rota run used {a1 - a0:.2f} s CPU "
                f"({100 * (a1 - a0) / wall:.2f}%), a bare asyncio process {b1 - b0:.2f} s "
                f"({100 * (b1 - b0) / wall:.2f}%)"
            )
    finally:
        server.close()


# -- simulation ------------------------------------------------------------------------------------
def bench_simulate(pairs: int, weeks: int) -> None:
    from mail.compose import build_message, message_bytes
    from mail.maildir import _write_atomically
    from service.config.load import parse_config
    from service.emails import Mailer, load_templates
    from service.simulate import default_start, simulate

    prog = generate(pairs, weeks, date(2026, 3, 2))
    config = parse_config(prog.toml(), Path("bench.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        start = default_start(config)
        end = start + timedelta(weeks=weeks + 1)
        t = time.perf_counter()
        result = asyncio.run(simulate(config, Path(tmp), start, end, SECRET.encode()))
        took = time.perf_counter() - t
        n = len(result.emails)
        kinds: dict[str, int] = {}
        for e in result.emails:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
    # the floor: the same number of emails built and written, nothing decided
    mailer = Mailer(config, load_templates(config), SECRET.encode())
    mentees = [p.mentee for p in config.pairs]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        for i in range(n):
            out = mailer.checkin(
                mentees[i % len(mentees)], i % weeks, datetime(2026, 3, 6, tzinfo=UTC)
            )
            _write_atomically(
                Path(tmp) / f"{i}.eml", message_bytes(build_message(out)), fsync=False
            )
        floor = time.perf_counter() - t
    print(
        f"simulate {weeks} weeks of {pairs} pairs ({len(config.people)} people, "
        f"{len(config.groups)} circles): {took:.1f} s wall, {n:,} emails ({n / took:,.0f}/s) "
        f"{dict(sorted(kinds.items()))}; building and writing {n:,} check-ins alone: "
        f"{floor:.1f} s — ratio {took / floor:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args()
    if not args.skip_idle:
        bench_idle(args.idle_seconds)
    bench_simulate(args.pairs, args.weeks)


if __name__ == "__main__":
    main()
