"""`rota simulate -c FILE --until DATE [--from DATE] [--out DIR] [--format table|json]`.

Runs the daemon's jobs on a simulated clock into the maildir `DIR` (default: the config's
maildir) and prints every email that went out, in send order (SPEC §5 "rota simulate").
Dates are days in the program's zone: --from starts at its 00:00, --until runs to its end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

from service.config.load import load_config
from service.errors import UsageError
from service.progress import Progress
from service.simulate import SimulatedEmail, day_start, default_start, simulate, simulation_secret
from service.wiring import secret_of


def _table(emails: list[SimulatedEmail]) -> str:
    lines = [f"{'sent (UTC)':<17}  {'kind':<10}  {'to':<28}  subject"]
    for e in emails:
        to = ", ".join(e.to) + (f" (cc {', '.join(e.cc)})" if e.cc else "")
        lines.append(f"{e.at:%Y-%m-%d %H:%M}  {e.kind:<10}  {to:<28}  {e.subject}")
    kinds: dict[str, int] = {}
    for e in emails:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    lines.append(f"{len(emails)} emails" + (f": {summary}" if summary else ""))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # the summary below says what happened to every reply; the daemon's log lines would only
    # repeat it (errors still show)
    logging.getLogger("rota").setLevel(logging.DEBUG if args.debug else logging.ERROR)
    config = load_config(args.config)
    start = day_start(config, args.first) if args.first else default_start(config)
    end = day_start(config, args.until) + timedelta(days=1)
    if end <= start:
        raise UsageError(f"--until {args.until} is before the simulation starts ({start:%Y-%m-%d})")
    out = Path(args.out) if args.out else config.mail.maildir
    from_env = os.environ.get(config.program.secret_env)
    secret = secret_of(config) if from_env else simulation_secret(config)
    progress = Progress("simulating")
    result = asyncio.run(
        simulate(config, out, start, end, secret or simulation_secret(config), progress)
    )
    progress.finish(f"{len(result.emails)} emails")
    if result.moved_aside is not None:
        print(f"rota: kept the previous outbox as {result.moved_aside}", file=sys.stderr)
    if result.replies:
        what = ", ".join(f"{n} {k}" for k, n in sorted(result.replies.items()))
        print(f"rota: replies read from {out / 'inbox'}: {what}", file=sys.stderr)
        for name, reason in result.review:
            print(f"rota:   {name}: to review: {reason}", file=sys.stderr)
    if args.format == "json":
        json.dump([e.to_json() for e in result.emails], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_table(result.emails))
    return 0
