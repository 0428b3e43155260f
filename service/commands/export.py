"""`rota export -c FILE --markdown DIR`: one Markdown file per mentee with every check-in,
goal and evaluation, fit for a git repository (stable names, stable content)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from service.config.load import load_config
from service.emails import SECTION_TITLES
from service.errors import UsageError
from service.records import Entry, entries
from service.store.location import store_exists
from service.store.store import Store


def _slug(email: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")


def markdown(name: str, email: str, mentor: str, items: list[Entry]) -> str:
    lines = [f"# {name}", "", f"<{email}>, mentored by {mentor}.", ""]
    goals: dict[str, bool] = {}
    for e in items:
        for g in e.record.get("goals", []):
            goals[g["text"]] = goals.get(g["text"], False) or bool(g.get("done"))
    if goals:
        lines += ["## Goals", ""]
        lines += [f"- [{'x' if done else ' '}] {text}" for text, done in goals.items()]
        lines.append("")
    for e in items:
        title = "Evaluation" if e.kind == "evaluation" else "Check-in"
        late = " (late)" if e.late else ""
        lines += [
            f"## {title}, week {e.week}{late}",
            "",
            f"Received {e.received_at:%Y-%m-%d %H:%M} UTC.",
        ]
        if e.answered_at is not None:
            lines.append(f"Answered by the mentor {e.answered_at:%Y-%m-%d %H:%M} UTC.")
        lines.append("")
        for key, heading in SECTION_TITLES:
            values = e.record.get(key) or []
            if values:
                lines += [f"### {heading}", ""] + [f"- {v}" for v in values] + [""]
        if e.record.get("free_text"):
            lines += ["### Also wrote", "", e.record["free_text"].strip(), ""]
    if not items:
        lines += ["No check-ins yet.", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not store_exists(config.store.url):
        raise UsageError(f"no store at {config.store.url}: Rota has not run for this config yet")
    store = Store(config.store.url)
    try:
        found = entries(store)
    finally:
        store.close()
    out = Path(args.markdown)
    out.mkdir(parents=True, exist_ok=True)
    names = {p.email: p.name for p in config.people}
    by_mentee: dict[str, list[Entry]] = {}
    for e in found:
        by_mentee.setdefault(e.mentee, []).append(e)
    written = 0
    for pair in config.pairs:
        text = markdown(
            names.get(pair.mentee, pair.mentee),
            pair.mentee,
            names.get(pair.mentor, pair.mentor),
            by_mentee.get(pair.mentee, []),
        )
        (out / f"{_slug(pair.mentee)}.md").write_text(text, encoding="utf-8")
        written += 1
    print(f"wrote {written} file(s) to {out}")
    return 0
