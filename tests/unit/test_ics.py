"""`rota plan --format ics` read back by icalendar (with dateutil) and by ical.js (Thunderbird).

Both readers must see exactly the plan's occurrences, instant by instant, across DST weeks;
every zone's VTIMEZONE must give zoneinfo's offsets, including the rules ical.js gets wrong
when they are written as RDATE lists.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from mail.calendar import build_calendar
from mail.ids import series_uid
from tests.conftest import EXAMPLE
from tests.support import icaljs, pyexpand
from tests.support.configs import G, P, Program


def _plan_starts(plan: dict) -> dict[str, list[tuple[str, str]]]:  # type: ignore[type-arg]
    uid = {
        s["id"]: series_uid("team@example.org", date(2026, 3, 2), s["id"]) for s in plan["series"]
    }
    return {
        uid[s["id"]]: sorted((o["start"], o["end"]) for o in s["occurrences"] if "start" in o)
        for s in plan["series"]
    }


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_both_readers(ics: bytes, expected: dict[str, list[tuple[str, str]]]) -> None:
    js = icaljs.expand(ics)
    assert js["errors"] == []
    assert icaljs.starts_by_uid(js) == {k: v for k, v in expected.items() if v}
    py = {uid: [(_iso(a), _iso(b)) for a, b in occ] for uid, occ in pyexpand.expand(ics).items()}
    assert py == {k: v for k, v in expected.items() if v}


def test_example_plan_reads_back_identically_in_icalendar_and_ical_js(rota) -> None:  # type: ignore[no-untyped-def]
    ics = rota("plan", "-c", str(EXAMPLE), "--format", "ics")
    plan = json.loads(rota("plan", "-c", str(EXAMPLE), "--format", "json").out)
    assert ics.code == 0
    uid = {
        s["id"]: series_uid("mentorship@example.org", date(2026, 11, 30), s["id"])
        for s in plan["series"]
    }
    expected = {
        uid[s["id"]]: sorted((o["start"], o["end"]) for o in s["occurrences"] if "start" in o)
        for s in plan["series"]
    }
    _check_both_readers(ics.out.encode(), expected)


def test_every_tzid_has_a_vtimezone_and_every_event_the_itip_essentials(rota) -> None:  # type: ignore[no-untyped-def]
    cal = Calendar.from_ical(rota("plan", "-c", str(EXAMPLE), "--format", "ics").out.encode())
    tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    used = set()
    for ev in cal.walk("VEVENT"):
        for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            if prop in ev and "TZID" in ev[prop].params:
                used.add(ev[prop].params["TZID"])
        assert ev.get("DTSTAMP") is not None and ev.get("UID")
        assert str(ev["ORGANIZER"]) == "mailto:mentorship@example.org"
        attendees = ev.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert attendees and all(
            a.params["RSVP"] == "TRUE" and a.params["PARTSTAT"] == "NEEDS-ACTION" for a in attendees
        )
    assert used and used <= tzids
    assert "UTC" not in tzids


def test_the_export_is_reproducible_and_uids_are_stable(rota) -> None:  # type: ignore[no-untyped-def]
    first = rota("plan", "-c", str(EXAMPLE), "--format", "ics").out
    second = rota("plan", "-c", str(EXAMPLE), "--format", "ics").out
    assert first == second
    uids = {str(e["UID"]) for e in Calendar.from_ical(first.encode()).walk("VEVENT")}
    assert (
        series_uid(
            "mentorship@example.org", date(2026, 11, 30), "call/ben@example.org/ana@example.org"
        )
        in uids
    )


def test_dst_weeks_and_left_out_members_survive_the_round_trip(rota, tmp_path) -> None:  # type: ignore[no-untyped-def]
    prog = Program(
        people=[
            P("ny@x.org", "America/New_York"),
            P("ber@x.org", "Europe/Berlin"),
            P("akl@x.org", "Pacific/Auckland", available="06:00-23:00"),
            P("ktm@x.org", "Asia/Kathmandu"),
        ],
        pairs=[("ny@x.org", "ber@x.org"), ("akl@x.org", "ktm@x.org")],
        groups=[G("Circle", ["ny@x.org", "ber@x.org", "akl@x.org", "ktm@x.org"], quorum=3)],
        starts="2026-03-02",
        ends="2026-04-24",
        call={"every": "1w", "duration": "30m"},
        circle={"every": "1w", "duration": "60m"},
    )
    path = prog.write(tmp_path)
    plan = json.loads(rota("plan", "-c", str(path), "--format", "json").out)
    ics = rota("plan", "-c", str(path), "--format", "ics").out.encode()
    _check_both_readers(ics, _plan_starts(plan))
    # a left-out member is still invited, as optional, on exactly the occurrences they miss
    group = next(s for s in plan["series"] if s["id"] == "group/Circle")
    missed = {(o["start"], m) for o in group["occurrences"] for m in o.get("left_out", [])}
    assert missed, "the fixture should leave someone out"
    js = icaljs.expand(ics)
    uid = series_uid("team@example.org", date(2026, 3, 2), "group/Circle")
    seen = set()
    for e in js["events"]:
        if e["uid"] != uid:
            continue
        for a in e["attendees"]:
            if a["role"] == "OPT-PARTICIPANT":
                seen.add((e["start"], a["email"]))
    assert seen == missed


ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Lisbon",
    "America/Santiago",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Jerusalem",
    "Asia/Tehran",
    "America/Sao_Paulo",
    "Africa/Casablanca",
    "America/Havana",
    "Asia/Gaza",
    "America/St_Johns",
]


def _probe_calendar(zone: str) -> tuple[bytes, dict[str, tuple[str, str]]]:
    """Single events at local 09:00 every day of 2026 and around each DST change."""
    tz = ZoneInfo(zone)
    events, expected = [], {}
    day = date(2026, 1, 1)
    instants = [
        datetime.combine(day + timedelta(days=i), time(9, 0), tzinfo=tz) for i in range(365)
    ]
    instants += [
        datetime.combine(day + timedelta(days=i), time(h, 30), tzinfo=tz)
        for i in range(365)
        for h in (0, 3, 23)
        if i % 5 == 0
    ]
    for n, start in enumerate(instants):
        if start.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != start.replace(tzinfo=None):
            continue  # a wall time the zone skips
        if start.fold == 0 and start.replace(fold=1).utcoffset() != start.utcoffset():
            continue  # ambiguous wall time: calendars legitimately differ
        e = Event()
        uid = f"probe-{n}@test"
        e.add("uid", uid)
        e.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        end = (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(
            tz
        )  # elapsed, not wall-clock
        if end.utcoffset() != start.utcoffset():
            continue  # ical.js adds durations in wall-clock time across a change; no meeting does this
        e.add("dtstart", start)
        e.add("dtend", end)
        events.append(e)
        expected[uid] = (_iso(start), _iso(end))
    data = build_calendar(events, span=(date(2026, 1, 1), date(2026, 12, 31))).to_ical()
    return bytes(data), expected


@pytest.mark.parametrize("zone", ZONES)
def test_each_vtimezone_gives_zoneinfo_offsets_in_ical_js_and_icalendar(zone: str) -> None:
    data, expected = _probe_calendar(zone)
    js = icaljs.expand(data)
    got = {e["uid"]: (e["start"], e["end"]) for e in js["events"]}
    wrong = {u: (got.get(u), want) for u, want in expected.items() if got.get(u) != want}
    assert not wrong, f"{len(wrong)} instants wrong, e.g. {sorted(wrong.items())[:3]}"
    # icalendar re-reads the VTIMEZONE we wrote (not zoneinfo) when the TZID is unknown to it
    cal = Calendar.from_ical(data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [zone]


def test_the_ical_js_harness_catches_rdate_list_vtimezones() -> None:
    """Sensitivity: icalendar's add_missing_timezones() writes RDATE lists, which ical.js misreads."""
    cal = Calendar()
    cal.add("prodid", "-//t//t//")
    cal.add("version", "2.0")
    e = Event()
    e.add("uid", "x@test")
    e.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    ny = ZoneInfo("America/New_York")
    e.add("dtstart", datetime(2026, 3, 30, 9, 0, tzinfo=ny))
    e.add("dtend", datetime(2026, 3, 30, 9, 30, tzinfo=ny))
    cal.add_component(e)
    cal.add_missing_timezones()
    [event] = icaljs.expand(cal.to_ical())["events"]
    assert event["start"] == "2026-03-30T14:00:00Z"  # wrong by an hour: 09:00 EDT is 13:00Z
    ours = build_calendar([e], span=(date(2026, 1, 1), date(2026, 12, 31))).to_ical()
    [event] = icaljs.expand(ours)["events"]
    assert event["start"] == "2026-03-30T13:00:00Z"
