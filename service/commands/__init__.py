"""One module per CLI command; `dispatch` maps the parsed command name to it."""

from __future__ import annotations

import argparse
import importlib


def dispatch(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"service.commands.{args.command.replace('-', '_')}")
    result: int = module.run(args)
    return result
