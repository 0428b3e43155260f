"""`rota check-config -c FILE`: exit 0 with a one-line summary, or 2 with every error.

A valid config may still hold a series that can never meet (hours that never overlap, a
quorum never reached): each is a warning on stderr, with its line and the fix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.config.load import load_config
from service.config.locate import key_lines, line_of
from service.config.model import Config
from service.feasibility import never_meeting
from service.program import program_weeks


def warnings(config: Config, path: str) -> list[str]:
    """`FILE:LINE: pairs[i]: warning: …` for every series that can never meet."""
    findings = never_meeting(config)
    if not findings:
        return []
    try:
        lines = key_lines(Path(path).read_text(encoding="utf-8"))
    except OSError:
        lines = {}
    where: dict[str, str] = {}
    for i, pair in enumerate(config.pairs):
        for kind in ("call", "review"):
            where[f"{kind}/{pair.mentor}/{pair.mentee}"] = f"pairs[{i}]"
    for j, g in enumerate(config.groups):
        where[f"group/{g.name}"] = f"groups[{j}]"
    out = []
    for f in findings:
        key = where.get(f.series_id, f.series_id)
        out.append(f"{path}:{line_of(lines, key)}: {key}: warning: {f.message} ({f.hint})")
    return out


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    for line in warnings(config, args.config):
        print(line, file=sys.stderr)
    p = config.program
    zones = len({x.timezone for x in config.people})
    print(
        f'{args.config}: OK — "{p.name}": {len(config.people)} people in {zones} time zones, '
        f"{len(config.pairs)} pairs, {len(config.groups)} groups, "
        + (f"{len(config.rounds)} pairing rounds, " if config.rounds else "")
        + f"{program_weeks(config)} weeks "
        f"({p.starts.isoformat()}..{p.ends.isoformat()})"
    )
    return 0
