"""`rota plan --format json`: exactly the shape of SPEC §4."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from scheduling.model import Occurrence, Plan, cost_to_hours2
from service.render.view import PlanView


def utc_z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones strongly: a large plan reloaded them from disk."""
    return ZoneInfo(name)


def local_iso(dt: datetime, zone: str) -> str:
    return dt.astimezone(zone_info(zone)).isoformat()


def occurrence_json(
    o: Occurrence,
    zones: Mapping[str, str],
    members: tuple[str, ...],
    group: bool,
    roles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    if o.start is None or o.end is None:
        return {
            "week": o.week,
            "unschedulable": True,
            "blocked_by": list(o.blocked_by),
            "reason": o.reason,
        }
    item: dict[str, Any] = {
        "week": o.week,
        "start": utc_z(o.start),
        "end": utc_z(o.end),
        "local": {m: local_iso(o.start, zones[m]) for m in members},
        "inconvenience": {m: cost_to_hours2(o.cost.get(m, 0)) for m in members},
    }
    if group:
        item["left_out"] = list(o.left_out)
    if roles:
        item["roles"] = dict(roles)  # an extension of SPEC §4: who facilitates
    return item


def plan_json(plan: Plan, view: PlanView) -> dict[str, Any]:
    zones = {p.email: p.zone for p in plan.program.people}
    series = []
    for s in plan.program.series:
        roles = s.role_plan(plan.occurrences[s.id])
        occs = [
            occurrence_json(o, zones, s.members, s.is_group, roles.get(o.week))
            for o in view.occurrences(s.id)
        ]
        series.append(
            {
                "id": s.id,
                "kind": s.kind,
                "title": s.title,
                "attendees": list(s.members),
                "occurrences": occs,
            }
        )
    return {
        "program": plan.program.name,
        "series": series,
        "burden": {e: cost_to_hours2(c) for e, c in view.burden().items()},
    }


def write_json(plan: Plan, view: PlanView, out: TextIO) -> None:
    """The plan as SPEC §4 JSON, written a megabyte at a time: a 10,000-pair plan is 90 MB of
    text, which need not also be held whole in memory (and again as bytes) on its way out."""
    pending: list[str] = []
    size = 0
    for chunk in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(plan_json(plan, view)):
        pending.append(chunk)
        size += len(chunk)
        if size >= 1 << 20:
            out.write("".join(pending))
            pending.clear()
            size = 0
    pending.append("\n")
    out.write("".join(pending))
