"""Realistic mentorship programs as config files: a handful to fifty people in seven or more
time zones, pairs, overlapping circles with a quorum, some people with their own hours, away
weeks, phases that change cadences. Deterministic from a seed; used by benchmarks/plan.py
(timed against `rota check-config`) and by the planner's quality tests."""

from __future__ import annotations

import random

ZONES = (
    "America/New_York", "Europe/Lisbon", "Asia/Kolkata", "Europe/Berlin", "America/Santiago",
    "Australia/Adelaide", "Africa/Accra", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kathmandu",
    "Pacific/Auckland", "America/Sao_Paulo", "Asia/Jerusalem",
)  # fmt: skip
HOURS = (("08:00-20:00", "09:00-17:00"), ("07:00-21:00", "09:00-17:00"),
         ("09:00-18:00", "09:00-17:00"), ("06:00-23:00", "08:00-16:00"),
         ("10:00-22:00", "11:00-19:00"))  # fmt: skip


def realistic(seed: int, people: int = 8, zones: int = 7, circles: int = 2, phases: bool = True,
              weeks: int = 24) -> str:  # fmt: skip
    """The TOML text of one program."""
    rng = random.Random(seed)
    names = [f"p{i}@example.org" for i in range(people)]
    out = [
        "[program]",
        f'name = "Realistic {people} #{seed}"',
        'organizer = "Team <team@example.org>"',
        "starts = 2026-03-02",
        f"ends = {_date(weeks)}",
        'timezone = "UTC"',
        "",
    ]
    for i, email in enumerate(names):
        zone = ZONES[i % zones]
        out += ["[[people]]", f'email = "{email}"', f'name = "Person {i}"', f'timezone = "{zone}"']
        if rng.random() < 0.4:
            available, preferred = rng.choice(HOURS)
            out += [f'available_hours = "{available}"', f'preferred_hours = "{preferred}"']
        if zone == "Asia/Jerusalem":
            out.append('workdays = ["sun", "mon", "tue", "wed", "thu"]')
        if rng.random() < 0.15:
            first = 2 + rng.randrange(0, weeks - 2) * 7
            out.append(f"away = [{{ from = {_date(0, first)}, to = {_date(0, first + 4)} }}]")
        out.append("")
    order = names[:]
    rng.shuffle(order)
    for k in range(max(1, people * 3 // 8)):
        out += ["[[pairs]]", f'mentor = "{order[2 * k]}"', f'mentee = "{order[2 * k + 1]}"', ""]
    for c in range(circles):
        members = rng.sample(names, min(people, max(3, people * 5 // 8)))
        out += [
            "[[groups]]",
            f'name = "Circle {c}"',
            "members = [" + ", ".join(f'"{m}"' for m in members) + "]",
            f"quorum = {rng.choice([0.5, 0.6, 0.75])}",
            "",
        ]
    out += [
        "[cadences.call]", 'every = "2w"', 'duration = "30m"', "",
        "[cadences.review]", 'every = "4w"', 'duration = "45m"', 'offset = "1w"', "",
        "[cadences.circle]", 'every = "2w"', 'duration = "60m"', "",
    ]  # fmt: skip
    if phases:
        out += [
            "[[phases]]", f'after = "{weeks // 3}w"', 'call = { every = "4w" }', "",
            "[[phases]]", f'after = "{2 * weeks // 3}w"', 'circle = { every = "4w" }', "",
        ]  # fmt: skip
    return "\n".join(out)


def _date(weeks: int, days: int = 0) -> str:
    from datetime import date, timedelta

    return (date(2026, 3, 2) + timedelta(weeks=weeks, days=days - 3)).isoformat()
