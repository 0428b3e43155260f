"""Where a series meets (a video link or a room) is in every invite: the calendar's LOCATION,
as icalendar and Mozilla's ical.js read it, and the description and email text."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import icalendar

from tests.conftest import EXAMPLE
from tests.support import icaljs


def calendar_of(eml: bytes) -> bytes:
    msg = message_from_bytes(eml, policy=default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)  # type: ignore[no-any-return]
    raise AssertionError("no calendar part")


def test_a_pairs_own_location_wins_and_shows_in_every_occurrence(rota) -> None:  # type: ignore[no-untyped-def]
    done = rota(
        "preview", "-c", str(EXAMPLE), "invite", "--series", "call/tom@example.org/mia@example.org"
    )
    assert done.code == 0
    eml = done.out.encode()
    assert (
        "Where: https://meet.example.org/tom-mia"
        in message_from_bytes(eml, policy=default).get_body(("plain",)).get_content()
    )  # type: ignore[union-attr]
    cal = calendar_of(eml)
    events = [c for c in icalendar.Calendar.from_ical(cal).walk("VEVENT")]
    assert events and all(str(e["LOCATION"]) == "https://meet.example.org/tom-mia" for e in events)
    seen = icaljs.expand(cal)["events"]
    assert seen and {e["location"] for e in seen} == {"https://meet.example.org/tom-mia"}
    assert all("Where: https://meet.example.org/tom-mia" in e["description"] for e in seen)


def test_the_cadence_location_is_the_default_and_a_groups_own_wins(rota) -> None:  # type: ignore[no-untyped-def]
    call = calendar_of(
        rota(
            "preview",
            "-c",
            str(EXAMPLE),
            "invite",
            "--series",
            "call/ben@example.org/ana@example.org",
        ).out.encode()
    )
    assert {str(e["LOCATION"]) for e in icalendar.Calendar.from_ical(call).walk("VEVENT")} == {
        "https://meet.example.org/mentorship"
    }
    review = calendar_of(
        rota(
            "preview",
            "-c",
            str(EXAMPLE),
            "invite",
            "--series",
            "review/ben@example.org/ana@example.org",
        ).out.encode()
    )
    assert all("LOCATION" not in e for e in icalendar.Calendar.from_ical(review).walk("VEVENT"))
    circle = calendar_of(
        rota(
            "preview", "-c", str(EXAMPLE), "invite", "--series", "group/Spring circle"
        ).out.encode()
    )
    assert {str(e["LOCATION"]) for e in icalendar.Calendar.from_ical(circle).walk("VEVENT")} == {
        "https://meet.example.org/spring-circle"
    }


def test_the_plan_export_carries_locations_too(rota) -> None:  # type: ignore[no-untyped-def]
    done = rota("plan", "-c", str(EXAMPLE), "--format", "ics")
    cal = icalendar.Calendar.from_ical(done.out.encode())
    where = {str(e["UID"]): str(e.get("LOCATION", "")) for e in cal.walk("VEVENT")}
    assert "https://meet.example.org/tom-mia" in where.values()


def test_a_phase_cannot_move_a_series_elsewhere(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    text = EXAMPLE.read_text() + '\n[[phases]]\nafter = "20w"\ncall = { location = "x" }\n'
    (tmp_path / "rota.toml").write_text(text)
    done = rota("check-config", "-c", str(tmp_path / "rota.toml"))
    assert (
        done.code == 2
        and "phases[2].call.location: a phase cannot change where a series meets" in done.err
    )
