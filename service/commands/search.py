"""`rota search -c FILE QUERY`: check-ins holding every word of QUERY, newest first."""

from __future__ import annotations

import argparse

from service.config.load import load_config
from service.errors import UsageError
from service.records import search
from service.store.location import store_exists
from service.store.store import Store


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not store_exists(config.store.url):
        raise UsageError(f"no store at {config.store.url}: Rota has not run for this config yet")
    store = Store(config.store.url)
    try:
        found = search(store, " ".join(args.query))
    finally:
        store.close()
    names = {p.email: p.name for p in config.people}
    for entry, line in found:
        print(
            f"{entry.received_at:%Y-%m-%d}  {names.get(entry.mentee, entry.mentee)}, "
            f"week {entry.week}{' (' + entry.kind + ')' if entry.kind != 'checkin' else ''}: {line.strip()}"
        )
    if not found:
        print(f"nothing found for {' '.join(args.query)!r}")
    return 0
