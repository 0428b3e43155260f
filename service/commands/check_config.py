"""`rota check-config -c FILE`: exit 0 with a one-line summary, or 2 with every error."""

from __future__ import annotations

import argparse

from service.config.load import load_config
from service.program import program_weeks


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    p = config.program
    zones = len({x.timezone for x in config.people})
    print(
        f'{args.config}: OK — "{p.name}": {len(config.people)} people in {zones} time zones, '
        f"{len(config.pairs)} pairs, {len(config.groups)} groups, {program_weeks(config)} weeks "
        f"({p.starts.isoformat()}..{p.ends.isoformat()})"
    )
    return 0
