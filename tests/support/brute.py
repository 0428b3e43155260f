"""The exact fair optimum by brute force, for instances small enough to enumerate.

Independent of scheduling/: every combination of feasible slots (from the reference's own
reading of the rules) is tried, double-bookings rejected, and the best (max, total) kept.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

from service.config.model import Config
from tests.support.reference import (
    can_attend,
    expected_series,
    feasible_slots,
    inconvenience,
    is_away,
)


def impossible(config: Config) -> int:
    """How many occurrences have no slot at all where enough members can attend."""
    return sum(
        not feasible_slots(config, rule, week)
        for rule in expected_series(config)
        for week in rule.weeks
    )


def brute_optimum(config: Config, limit: int = 400_000) -> tuple[float, float] | None:
    """(worst burden, total burden) of the best plan, or None if too many combinations.
    Occurrences without any feasible slot are left out (they are unschedulable anyway)."""
    people = {p.email: p for p in config.people}
    options = []  # per occurrence: list of (start, end, attending set, {person: cost})
    for rule in expected_series(config):
        for week in rule.weeks:
            slots = []
            for t in feasible_slots(config, rule, week):
                end = t + timedelta(minutes=rule.duration)
                attending = frozenset(m for m in rule.members if can_attend(people[m], t, end))
                cost = {}
                for m in rule.members:
                    if m in attending:
                        cost[m] = inconvenience(people[m], t, end)
                    else:
                        day = t.astimezone(ZoneInfo(people[m].timezone)).date()
                        cost[m] = 0.0 if is_away(people[m], day) else people[m].miss_cost
                slots.append((t, end, attending, cost))
            if slots:
                options.append(slots)
    size = 1
    for o in options:
        size *= len(o)
    if size > limit:
        return None
    best: tuple[float, float] | None = None
    for combo in itertools.product(*options):
        ok = True
        for (s1, e1, a1, _), (s2, e2, a2, _) in itertools.combinations(combo, 2):
            if s1 < e2 and s2 < e1 and a1 & a2:
                ok = False
                break
        if not ok:
            continue
        burden = dict.fromkeys(people, 0.0)
        for _, _, _, cost in combo:
            for m, c in cost.items():
                burden[m] += c
        key = (max(burden.values()), sum(burden.values()))
        if best is None or key < best:
            best = key
    return best
