"""Who facilitates each meeting of a circle: roles (a host, a note-taker…) that rotate fairly.

Pure and deterministic, from the plan alone. Meetings are taken in week order; for each role
in the order the config lists them, among the members attending that meeting (not left out),
and among its volunteers when a role has some, the one who has held that role least often so
far takes it, then the one with the fewest roles so far, then the one who held it longest ago,
then config order. Nobody holds two roles at one meeting while someone else attending is
free. A meeting nobody eligible attends has the role open ("" in the result).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scheduling.model import Occurrence


def assign_roles(
    members: Sequence[str],
    occurrences: Sequence[Occurrence],
    roles: Sequence[str],
    volunteers: Mapping[str, Sequence[str]] | None = None,
) -> dict[int, dict[str, str]]:
    """week → role → email ("" when nobody eligible attends) for every planned occurrence."""
    volunteers = volunteers or {}
    order = {m: i for i, m in enumerate(members)}
    held: dict[tuple[str, str], int] = {}  # (role, person) → times held
    total: dict[str, int] = {}
    last: dict[tuple[str, str], int] = {}  # (role, person) → week last held
    out: dict[int, dict[str, str]] = {}
    for occ in sorted(occurrences, key=lambda o: o.week):
        if occ.start is None:
            continue
        attending = [m for m in members if m not in occ.left_out]
        taken: set[str] = set()
        given: dict[str, str] = {}
        for role in roles:
            pool = [m for m in attending if not volunteers.get(role) or m in volunteers[role]]
            free = [m for m in pool if m not in taken] or pool
            if not free:
                given[role] = ""
                continue
            who = min(
                free,
                key=lambda m: (
                    held.get((role, m), 0),
                    total.get(m, 0),
                    last.get((role, m), -1),
                    order[m],
                ),
            )
            given[role] = who
            taken.add(who)
            held[(role, who)] = held.get((role, who), 0) + 1
            total[who] = total.get(who, 0) + 1
            last[(role, who)] = occ.week
        out[occ.week] = given
    return out
