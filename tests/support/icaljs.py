"""Read calendars back with Mozilla's ical.js under node (tests/js/expand.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

JS = Path(__file__).resolve().parents[1] / "js"


def _require() -> str:
    node = shutil.which("node")
    if node is None:
        raise AssertionError(
            "node is not installed: the ical.js checks need it (scripts/test installs ical.js)"
        )
    if not (JS / "node_modules" / "ical.js").is_dir():
        raise AssertionError("ical.js is missing: run `npm ci` in tests/js (scripts/test does)")
    return node


def expand(*calendars: bytes) -> dict[str, Any]:
    """Every occurrence ical.js sees in `calendars`: {"events": [...], "errors": [...]}."""
    node = _require()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, data in enumerate(calendars):
            path = Path(tmp) / f"cal{i}.ics"
            path.write_bytes(data)
            files.append(str(path))
        done = subprocess.run(
            [node, str(JS / "expand.mjs"), *files],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    if done.returncode != 0:
        raise AssertionError(f"ical.js failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def starts_by_uid(result: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for e in result["events"]:
        if e.get("status") == "CANCELLED":
            continue
        out.setdefault(e["uid"], []).append((e["start"], e["end"]))
    return {k: sorted(v) for k, v in out.items()}
