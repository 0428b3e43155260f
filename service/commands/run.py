"""`rota run -c FILE [--once]`: the daemon, or (with --once) every job due now, then exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from service.daemon import Daemon, run_once


def setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "aioimaplib", "asyncio"):  # their INFO is per-run chatter
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    setup_logging(args.debug)
    if args.once:
        done = asyncio.run(run_once(args.config, new_store=args.new_store))
        for line in done:
            print(line)
        print(f"rota: {len(done)} email(s) decided and queued; the outbox sent what was due")
        return 0
    return asyncio.run(Daemon(args.config, new_store=args.new_store).run())
