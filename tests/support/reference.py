"""An independent reading of SPEC §3, used to check plans the way a stranger would.

It shares no code with scheduling/: plain datetimes and zoneinfo, one slot at a time, written
from the spec's sentences. `check_plan` returns every rule a plan (SPEC §4 JSON) breaks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.config.model import Config, PersonConfig

SLOT = timedelta(minutes=30)


def parse_utc(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def week_bounds(config: Config, week: int) -> tuple[datetime, datetime]:
    start = config.program.starts
    monday = start - timedelta(days=start.weekday()) + timedelta(weeks=week)
    tz = ZoneInfo(config.program.timezone)
    lo = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    return lo, hi


def n_weeks(config: Config) -> int:
    start = config.program.starts
    monday = start - timedelta(days=start.weekday())
    return (config.program.ends - monday).days // 7 + 1


def _minutes(t: datetime, day: date) -> float:
    """Wall-clock minutes of local `t` counted from local midnight of `day`."""
    naive = t.replace(tzinfo=None)
    return (naive - datetime.combine(day, time(0))).total_seconds() / 60


def is_away(p: PersonConfig, day: date) -> bool:
    return any(a.first <= day <= a.last for a in p.away)


def can_attend(p: PersonConfig, start: datetime, end: datetime) -> bool:
    tz = ZoneInfo(p.timezone)
    ls, le = start.astimezone(tz), end.astimezone(tz)
    day = ls.date()
    if ls.weekday() not in p.workdays or is_away(p, day):
        return False
    return p.available.start <= _minutes(ls, day) and _minutes(le, day) <= p.available.end


def inconvenience(p: PersonConfig, start: datetime, end: datetime) -> float:
    tz = ZoneInfo(p.timezone)
    ls, le = start.astimezone(tz), end.astimezone(tz)
    day = ls.date()
    d = max(0.0, p.preferred.start - _minutes(ls, day)) + max(
        0.0, _minutes(le, day) - p.preferred.end
    )
    return (d / 60) ** 2


@dataclass
class SeriesRule:
    id: str
    members: list[str]
    duration: int
    weeks: list[int]
    quorum: int
    group: bool


def expected_series(config: Config) -> list[SeriesRule]:
    """Series and their weeks, straight from the config (no phases: tests keep them simple)."""
    total = n_weeks(config)
    out = []
    for pair in config.pairs:
        for kind in ("call", "review"):
            c = config.meetings.get(kind)
            if c is None:
                continue
            weeks = [w for w in range(c.offset, total, c.every)]
            out.append(
                SeriesRule(
                    f"{kind}/{pair.mentor}/{pair.mentee}",
                    [pair.mentor, pair.mentee],
                    c.duration,
                    weeks,
                    2,
                    False,
                )
            )
    for g in config.groups:
        c = config.meetings[g.cadence]
        out.append(
            SeriesRule(
                f"group/{g.name}",
                list(g.members),
                c.duration,
                list(range(c.offset, total, c.every)),
                g.quorum,
                True,
            )
        )
    return out


def feasible_slots(config: Config, rule: SeriesRule, week: int) -> list[datetime]:
    people = {p.email: p for p in config.people}
    lo, hi = week_bounds(config, week)
    t = lo + (datetime.min.replace(tzinfo=UTC) - lo) % SLOT
    out = []
    while t < hi:
        end = t + timedelta(minutes=rule.duration)
        if sum(can_attend(people[m], t, end) for m in rule.members) >= rule.quorum:
            out.append(t)
        t += SLOT
    return out


FAIR = 4.0  # hours²: a pairing round pairs only people with a start costing none of them more


def round_rules(config: Config, plan: dict[str, Any], problems: list[str]) -> list[SeriesRule]:
    """The pairing rounds' meetings the plan holds, checked against the rules of a round (the
    pairing itself is the planner's choice): each in a week of its round, members from its
    pool, nobody twice in one round (a mentor up to their capacity), a mentee with a mentor,
    and a fair start they all share that week."""
    people = {p.email: p for p in config.people}
    total = n_weeks(config)
    rounds = {r.name: r for r in config.rounds}
    out: list[SeriesRule] = []
    seen: dict[tuple[str, int], dict[str, int]] = {}
    for s in plan["series"]:
        if not s["id"].startswith("round/"):
            continue
        name, week_text, members_text = s["id"][len("round/") :].rsplit("/", 2)
        r = rounds.get(name)
        week = int(week_text)
        members = members_text.split("+")
        where = f"{s['id']}"
        if r is None:
            problems.append(f"{where}: no round named {name}")
            continue
        if week not in range(r.offset, total, r.every):
            problems.append(f"{where}: week {week} is not a week of the round")
        if members != s["attendees"] or len(members) not in (2, 3):
            problems.append(f"{where}: attendees {s['attendees']}")
        pool = set(r.people) | set(r.mentors) | set(r.mentees)
        if not set(members) <= pool:
            problems.append(f"{where}: {sorted(set(members) - pool)} not in the pool")
        if r.mentors and (len(members) != 2 or len(set(members) & set(r.mentors)) != 1):
            problems.append(f"{where}: not one mentor and one mentee")
        load = seen.setdefault((name, week), {})
        for m in members:
            load[m] = load.get(m, 0) + 1
            cap = r.capacity if m in r.mentors else 1
            if load[m] > cap:
                problems.append(f"{where}: {m} meets more than {cap} in round week {week}")
        rule = SeriesRule(s["id"], members, r.duration, [week], len(members), False)
        lo, hi = week_bounds(config, week)
        t = lo + (datetime.min.replace(tzinfo=UTC) - lo) % SLOT
        fair = False
        while t < hi and not fair:
            end = t + timedelta(minutes=r.duration)
            fair = all(
                can_attend(people[m], t, end) and inconvenience(people[m], t, end) <= FAIR
                for m in members
            )
            t += SLOT
        if not fair:
            problems.append(f"{where}: the members share no fair slot in week {week}")
        out.append(rule)
    return out


def check_plan(config: Config, plan: dict[str, Any], *, tolerance: float = 1e-9) -> list[str]:
    """Every way `plan` breaks SPEC §3/§4 for `config` (empty when it is right)."""
    problems: list[str] = []
    people = {p.email: p for p in config.people}
    rules = {r.id: r for r in [*expected_series(config), *round_rules(config, plan, problems)]}
    got = {s["id"]: s for s in plan["series"]}
    if set(got) != set(rules):
        problems.append(f"series ids {sorted(got)} != expected {sorted(rules)}")
    busy: dict[str, list[tuple[datetime, datetime, str]]] = {}
    burden = {e: 0.0 for e in people}
    for sid, rule in rules.items():
        s = got.get(sid)
        if s is None:
            continue
        if s["attendees"] != rule.members:
            problems.append(f"{sid}: attendees {s['attendees']} != {rule.members}")
        weeks = [o["week"] for o in s["occurrences"]]
        if weeks != rule.weeks:
            problems.append(f"{sid}: weeks {weeks} != {rule.weeks}")
        for o in s["occurrences"]:
            where = f"{sid} week {o['week']}"
            if o.get("unschedulable"):
                if not o.get("blocked_by") or not o.get("reason"):
                    problems.append(f"{where}: unschedulable without blocked_by and reason")
                continue
            start, end = parse_utc(o["start"]), parse_utc(o["end"])
            lo, hi = week_bounds(config, o["week"])
            if not lo <= start < hi:
                problems.append(f"{where}: start {start} outside the week {lo}..{hi}")
            if start.minute % 30 or start.second or start.microsecond:
                problems.append(f"{where}: start {start} is not on the 30-minute UTC grid")
            if end - start != timedelta(minutes=rule.duration):
                problems.append(f"{where}: lasts {end - start}, not {rule.duration} min")
            able = [m for m in rule.members if can_attend(people[m], start, end)]
            left = sorted(set(rule.members) - set(able))
            if len(able) < rule.quorum:
                problems.append(f"{where}: only {able} can attend, quorum {rule.quorum}")
            if rule.group:
                if sorted(o.get("left_out", [])) != left:
                    problems.append(f"{where}: left_out {o.get('left_out')} != {left}")
            elif left:
                problems.append(f"{where}: {left} cannot attend a pair meeting")
            for m in rule.members:
                tz = ZoneInfo(people[m].timezone)
                want_local = start.astimezone(tz).isoformat()
                if o["local"].get(m) != want_local:
                    problems.append(f"{where}: local[{m}] {o['local'].get(m)} != {want_local}")
                if m in able:
                    cost = inconvenience(people[m], start, end)
                    busy.setdefault(m, []).append((start, end, where))
                else:
                    day = start.astimezone(tz).date()
                    cost = 0.0 if is_away(people[m], day) else people[m].miss_cost
                if not math.isclose(o["inconvenience"].get(m, -1), cost, abs_tol=tolerance):
                    problems.append(
                        f"{where}: inconvenience[{m}] {o['inconvenience'].get(m)} != {cost}"
                    )
                burden[m] += cost
    for m, spans in busy.items():
        spans.sort()
        for (_s1, e1, w1), (s2, _e2, w2) in itertools.pairwise(spans):
            if s2 < e1:
                problems.append(f"{m} double-booked: {w1} and {w2}")
    for m, total in burden.items():
        if not math.isclose(plan["burden"].get(m, -1), total, abs_tol=1e-6):
            problems.append(f"burden[{m}] {plan['burden'].get(m)} != sum of inconvenience {total}")
    # an occurrence reported unschedulable must really have no slot free of its members' meetings
    for sid, rule in rules.items():
        for o in got.get(sid, {}).get("occurrences", []):
            if not o.get("unschedulable"):
                continue
            for t in feasible_slots(config, rule, o["week"]):
                end = t + timedelta(minutes=rule.duration)
                attending = [m for m in rule.members if can_attend(people[m], t, end)]
                if not any(s < end and t < e for m in attending for s, e, _ in busy.get(m, [])):
                    problems.append(
                        f"{sid} week {o['week']}: reported unschedulable but {t} is free"
                    )
                    break
    return problems


def worst_burden(plan: dict[str, Any]) -> float:
    return max(plan["burden"].values(), default=0.0)
