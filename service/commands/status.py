"""`rota status -c FILE [--format table|json] [--check]`: what an admin needs at a glance.

What is due next, the outbox (depth, failures), the last inbox sync, the messages waiting for
review, and whether a daemon is alive (its heartbeat). Read-only: it never creates a store.
With --check the exit code says whether a daemon wrote its heartbeat in the last few
minutes (for a container HEALTHCHECK).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from service.clock import SystemClock
from service.config.load import load_config
from service.daemon import HEARTBEAT_SECONDS, INBOX_UNHEALTHY_AFTER, heartbeat_age, inbox_health
from service.inbound import review_items
from service.jobs import Jobs
from service.store import schema
from service.store.location import store_exists
from service.store.store import Store
from service.wiring import inbox_name

ALIVE = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def gather(store: Store, jobs: Jobs, name: str, now: datetime) -> dict[str, Any]:
    age, stopped = heartbeat_age(store, now)
    counts = store.outbox.counts()
    problems = [
        {
            "kind": r.kind,
            "to": list(r.recipients),
            "subject": r.subject,
            "state": r.state,
            "error": r.last_error or "",
        }
        for r in store.outbox.rows(["failed", "parked", "unconfirmed"], limit=20)
    ]
    with store.engine.connect() as conn:
        waiting = (
            conn.execute(select(func.count()).where(schema.inbound.c.outcome == "review")).scalar()
            or 0
        )
    upcoming = []
    for item in jobs.upcoming(8):
        who = item.key[0] if item.key and isinstance(item.key[0], str) else ""
        week = item.key[1] if len(item.key) > 1 and isinstance(item.key[1], int) else None
        if item.kind == "digest":
            week = item.key[0]
        upcoming.append({"at": _iso(item.at), "job": item.kind, "who": who, "week": week})
    return {
        "program": jobs.config.program.name,
        "daemon": {
            "alive": age is not None and age < ALIVE and not stopped,
            "stopped": stopped,
            "heartbeat_seconds_ago": round(age.total_seconds()) if age is not None else None,
        },
        "next": upcoming,
        "outbox": {
            "pending": counts.get("pending", 0) + counts.get("sending", 0),
            "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0),
            "parked": counts.get("parked", 0),
            "unconfirmed": counts.get("unconfirmed", 0),
            "next_due": _iso(store.outbox.next_due()),
            "problems": problems,
        },
        "inbox": {
            "name": name,
            "last_sync": store.get(f"inbox:{name}:last_sync"),
            # the running daemon's reader: ok, or failing since when, how often, why
            "health": inbox_health(store) or None,
        },
        # program work that failed: retrying with backoff, or parked for the admin
        "work": [f.to_json() for f in jobs.work.open()],
        "review": {
            "waiting": int(waiting),
            "latest": [
                {"received": _iso(r["received_at"]), "sender": r["sender"], "reason": r["reason"]}  # type: ignore[arg-type]
                for r in review_items(store, 5)
            ],
        },
    }


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _table(s: dict[str, Any]) -> str:
    d = s["daemon"]
    if d["heartbeat_seconds_ago"] is None:
        alive = "no daemon has run on this store"
    elif d["stopped"]:
        alive = f"stopped {_ago(d['heartbeat_seconds_ago'])} ago"
    elif d["alive"]:
        alive = f"running (heartbeat {d['heartbeat_seconds_ago']} s ago)"
    else:
        alive = f"NOT running (no heartbeat for {_ago(d['heartbeat_seconds_ago'])}: did it crash?)"
    o = s["outbox"]
    lines = [s["program"], f"daemon:  {alive}", "next:"]
    for n in s["next"]:
        what = " ".join(
            str(x) for x in (n["who"], f"week {n['week']}" if n["week"] is not None else "") if x
        )
        lines.append(f"  {n['at']}  {n['job']:<10} {what}")
    if not s["next"]:
        lines.append("  nothing: the program is over")
    lines.append(
        f"outbox:  {o['pending']} waiting"
        + (f" (next {o['next_due']})" if o["next_due"] else "")
        + f", {o['sent']} sent, {o['failed']} failed, {o['parked']} parked, "
        f"{o['unconfirmed']} unconfirmed"
    )
    for p in o["problems"]:
        lines.append(f"  {p['state']}: {p['kind']} to {', '.join(p['to'])}: {p['error']}")
    work = s["work"]
    if work:
        parked = sum(1 for w in work if w["state"] == "parked")
        lines.append(f"failing: {len(work)} item(s) of work, {parked} parked for you")
        for w in work:
            when = "parked" if w["state"] == "parked" else f"retry {w['next_try']}"
            lines.append(f"  {w['item']}: {w['attempts']} attempt(s), {when}: {w['error']}")
    i = s["inbox"]
    lines.append(f"inbox:   {i['name']}, last sync {i['last_sync'] or 'never'}")
    h = i["health"] or {}
    if h.get("state") == "failing":
        lines.append(
            f"  FAILING since {h.get('since')} ({h.get('failures')} attempt(s)): {h.get('error')}"
        )
    r = s["review"]
    lines.append(f"review:  {r['waiting']} message(s) waiting for a human")
    for item in r["latest"]:
        lines.append(f"  {item['received']}  {item['sender']}: {item['reason']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not store_exists(config.store.url):
        if args.format == "json":
            print(json.dumps({"program": config.program.name, "store": None}))
        else:
            print(f"{config.program.name}: Rota has not run yet (no store at {config.store.url})")
        return 1 if args.check else 0
    store = Store(config.store.url)
    try:
        jobs = Jobs(config, store, None, SystemClock())
        jobs.rebuild()
        status = gather(store, jobs, inbox_name(config), SystemClock().now())
    finally:
        store.close()
    if args.format == "json":
        json.dump(status, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(_table(status))
    if not args.check:
        return 0
    problem = unhealthy(status)
    if problem:
        print(f"rota: unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


def unhealthy(status: dict[str, Any]) -> str:
    """Why a health check should fail ('' when all is well)."""
    d = status["daemon"]
    if not d["alive"]:
        return (
            "no daemon is running on this store"
            if d["stopped"] or d["heartbeat_seconds_ago"] is None
            else f"the daemon's heartbeat is {d['heartbeat_seconds_ago']} s old"
        )
    h = status["inbox"]["health"] or {}
    if h.get("state") == "failing" and int(h.get("failures", 0)) >= INBOX_UNHEALTHY_AFTER:
        return f"reading the inbox fails since {h.get('since')}: {h.get('error')}"
    return ""
