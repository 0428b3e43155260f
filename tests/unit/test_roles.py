"""Facilitation roles of a circle rotate fairly among those attending, volunteers only where a
role has volunteers, never two roles for one person while another attendee is free; they are
in the plan JSON and named in every invite."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.model import Occurrence
from scheduling.roles import assign_roles
from tests.conftest import EXAMPLE

MEMBERS = ("a@x", "b@x", "c@x", "d@x", "e@x")
T0 = datetime(2026, 3, 2, tzinfo=UTC)


def occurrence(week: int, left_out: tuple[str, ...] = ()) -> Occurrence:
    start = T0 + timedelta(weeks=week)
    return Occurrence("group/c", week, start, start + timedelta(hours=1), left_out=left_out)


def test_with_everyone_there_each_member_takes_each_role_in_turn() -> None:
    got = assign_roles(MEMBERS, [occurrence(w) for w in range(10)], ["host", "note-taker"])
    hosts = Counter(g["host"] for g in got.values())
    notes = Counter(g["note-taker"] for g in got.values())
    assert set(hosts.values()) == {2} and set(notes.values()) == {2}
    assert all(g["host"] != g["note-taker"] for g in got.values())
    assert sorted(got[w]["host"] for w in range(5)) == list(MEMBERS)  # everyone once first


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.sampled_from(MEMBERS), max_size=4), min_size=1, max_size=12),
    st.booleans(),
)
def test_roles_go_to_attendees_fairly(absences: list[set[str]], with_volunteers: bool) -> None:
    occs = [occurrence(w, tuple(sorted(a))) for w, a in enumerate(absences)]
    volunteers = {"host": ["a@x", "c@x"]} if with_volunteers else {}
    got = assign_roles(MEMBERS, occs, ["host", "note-taker"], volunteers)
    held: Counter[tuple[str, str]] = Counter()
    for o in occs:
        roles = got[o.week]
        attending = [m for m in MEMBERS if m not in o.left_out]
        for role, who in roles.items():
            pool = [m for m in attending if role not in volunteers or m in volunteers[role]]
            if not pool:
                assert who == ""
                continue
            assert who in pool, (role, who, pool)
            # fairness: nobody eligible had held this role fewer times before this meeting
            fewest = min(held[(role, m)] for m in pool)
            others_free = [m for m in pool if m not in roles.values() or m == who]
            assert held[(role, who)] == fewest or len(others_free) < len(pool)
            held[(role, who)] += 1
        named = [w for w in roles.values() if w]
        if len(attending) >= 2 and not volunteers:
            assert len(named) == len(set(named))  # two roles, two people


def test_the_plan_json_and_the_circles_invite_name_who_facilitates(rota) -> None:  # type: ignore[no-untyped-def]
    plan = json.loads(rota("plan", "-c", str(EXAMPLE), "--format", "json").out)
    circle = next(s for s in plan["series"] if s["id"] == "group/Spring circle")
    planned = [o for o in circle["occurrences"] if "start" in o]
    assert planned and all(set(o["roles"]) == {"host", "note-taker"} for o in planned)
    hosts = [o["roles"]["host"] for o in planned]
    assert set(hosts) <= {"ana@example.org", "priya@example.org", "lucia@example.org"}  # volunteers
    assert all(o["roles"]["host"] not in o["left_out"] for o in planned)
    pairs = next(s for s in plan["series"] if s["kind"] == "call")
    assert all("roles" not in o for o in pairs["occurrences"])
    eml = rota("preview", "-c", str(EXAMPLE), "invite", "--series", "group/Spring circle").out
    assert "(host: " in eml and "note-taker: " in eml and "Who facilitates (it rotates)" in eml


def test_without_roles_the_plan_json_keeps_the_spec_shape_exactly(rota, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(
        line
        for line in EXAMPLE.read_text().splitlines()
        if not line.startswith(("roles", "volunteers"))
    )
    (tmp_path / "rota.toml").write_text(text)
    plan = json.loads(rota("plan", "-c", str(tmp_path / "rota.toml"), "--format", "json").out)
    assert all("roles" not in o for s in plan["series"] for o in s["occurrences"])
