"""Hypothesis strategies for random but valid Rota programs."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from tests.support.configs import G, P, Program

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "America/Santiago",
    "Africa/Accra",
    "Asia/Jerusalem",
    "UTC",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def person(draw: st.DrawFn, email: str, first: date, weeks: int) -> P:
    zone = draw(st.sampled_from(ZONES))
    a0 = draw(st.integers(5, 10)) * 60 + draw(st.sampled_from([0, 30]))
    a1 = draw(st.integers(18, 23)) * 60 + draw(st.sampled_from([0, 30]))
    p0 = draw(st.integers(a0 // 30, (a0 + 180) // 30)) * 30
    p1 = draw(st.integers(max(p0 + 60, a1 - 240) // 30, a1 // 30)) * 30
    days = draw(st.lists(st.sampled_from(DAYS), min_size=2, max_size=7, unique=True))
    away: list[tuple[str, str]] = []
    if draw(st.booleans()):
        start = first + timedelta(days=draw(st.integers(0, 7 * weeks - 1)))
        end = start + timedelta(days=draw(st.integers(0, 6)))
        away.append((start.isoformat(), end.isoformat()))
    return P(
        email,
        zone,
        preferred=f"{_hhmm(p0)}-{_hhmm(p1)}",
        available=f"{_hhmm(a0)}-{_hhmm(a1)}",
        workdays=days,
        away=away,
        miss_cost=draw(st.sampled_from([None, 4, 9, 16])),
    )


@st.composite
def program(
    draw: st.DrawFn, max_people: int = 5, max_weeks: int = 4, groups: bool = True
) -> Program:
    first = date(2026, 3, 2) + timedelta(weeks=draw(st.sampled_from([0, 1, 2, 4, 33, 34])))
    weeks = draw(st.integers(1, max_weeks))
    n = draw(st.integers(2, max_people))
    emails = [f"p{i}@x.org" for i in range(n)]
    people = [draw(person(e, first, weeks)) for e in emails]
    pair_count = draw(st.integers(1, max(1, n - 1)))
    pairs = []
    for _ in range(pair_count):
        a, b = draw(st.lists(st.sampled_from(emails), min_size=2, max_size=2, unique=True))
        if (a, b) not in pairs:
            pairs.append((a, b))
    gs = []
    if groups and n >= 3 and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(emails), min_size=3, max_size=n, unique=True))
        gs.append(G("Circle", members, quorum=draw(st.sampled_from([None, 2, 0.5]))))
    call_every = draw(st.sampled_from(["1w", "2w"]))
    return Program(
        people=people,
        pairs=pairs,
        groups=gs,
        starts=first.isoformat(),
        ends=(first + timedelta(weeks=weeks - 1, days=4)).isoformat(),
        timezone=draw(st.sampled_from(["UTC", "America/New_York", "Asia/Kathmandu"])),
        call={"every": call_every, "duration": draw(st.sampled_from(["30m", "60m"]))},
        review=draw(st.sampled_from([None, {"every": "1w", "duration": "45m"}])),
        circle={"every": "1w", "duration": "60m"},
    )


@st.composite
def tiny_program(draw: st.DrawFn) -> Program:
    """Programs small enough to enumerate: everyone available around one shared instant but
    preferring different hours, so the optimum is a real trade-off; one or two weeks."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    first = date(2026, 3, 2) + timedelta(weeks=draw(st.sampled_from([0, 2, 34])))
    shared = datetime.combine(
        first + timedelta(days=draw(st.integers(0, 4))),
        time(draw(st.integers(0, 23)), 0),
        tzinfo=ZoneInfo("UTC"),
    )
    n = draw(st.integers(2, 3))
    emails = [f"p{i}@x.org" for i in range(n)]
    people = []
    for e in emails:
        zone = draw(st.sampled_from(ZONES))
        local = shared.astimezone(ZoneInfo(zone))
        at = local.hour * 60 + local.minute
        a0 = max(0, at - draw(st.sampled_from([0, 30, 60, 90])))
        a1 = min(24 * 60, a0 + draw(st.sampled_from([150, 180, 210])))
        if a1 - a0 < 90:
            a0 = a1 - 90
        p0 = a0 + draw(st.integers(0, (a1 - a0 - 30) // 30)) * 30
        p1 = min(a1, p0 + draw(st.sampled_from([30, 60])))
        day = DAYS[local.weekday()]
        days = sorted({day, draw(st.sampled_from(DAYS))}, key=DAYS.index)
        people.append(
            P(
                e,
                zone,
                preferred=f"{_hhmm(p0)}-{_hhmm(p1)}",
                available=f"{_hhmm(a0)}-{_hhmm(a1)}",
                workdays=days,
                miss_cost=draw(st.sampled_from([None, 1, 4])),
            )
        )
    pairs = [(emails[0], emails[1])]
    if n == 3 and draw(st.booleans()):
        pairs.append((emails[0], emails[2]))
    gs = []
    if n == 3 and draw(st.booleans()):
        gs.append(G("Circle", emails, quorum=2))
    weeks = draw(st.integers(1, 2))
    return Program(
        people=people,
        pairs=pairs,
        groups=gs,
        starts=first.isoformat(),
        ends=(first + timedelta(weeks=weeks - 1, days=4)).isoformat(),
        call={"every": "1w", "duration": "30m"},
        review=None,
        circle={"every": "1w", "duration": "60m"},
    )
