"""Invites as calendars read them (RFC 5545/5546/6047), checked with icalendar and ical.js."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from icalendar import Calendar

from mail.compose import build_message, message_bytes
from scheduling.model import Plan
from scheduling.plan import plan_program
from service.config.load import load_config
from service.emails import Mailer, load_templates
from service.program import program_spec
from tests.conftest import EXAMPLE
from tests.support import icaljs

SEND = datetime(2026, 2, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def setup() -> tuple[Mailer, Plan]:
    config = load_config(EXAMPLE)
    return Mailer(
        config, load_templates(config), b"a test secret that is long enough"
    ), plan_program(program_spec(config))


def calendar_part(msg: EmailMessage) -> tuple[bytes, str]:
    [part] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True), str(part.get_param("method"))  # type: ignore[return-value]


def planned(plan: Plan, sid: str) -> list[tuple[str, str]]:
    return sorted(
        (o.start.strftime("%Y-%m-%dT%H:%M:%SZ"), o.end.strftime("%Y-%m-%dT%H:%M:%SZ"))  # type: ignore[union-attr]
        for o in plan.occurrences[sid]
        if o.start is not None
    )


def test_every_series_preview_follows_rfc_6047_and_ical_js_shows_the_plan(rota) -> None:  # type: ignore[no-untyped-def]
    plan = json.loads(rota("plan", "-c", str(EXAMPLE), "--format", "json").out)
    for series in plan["series"]:
        res = rota("preview", "-c", str(EXAMPLE), "invite", "--series", series["id"])
        assert res.code == 0, res.err
        msg = message_from_bytes(res.out.encode(), policy=default)
        assert msg.get_content_type() == "multipart/alternative"
        assert next(p.get_content_type() for p in msg.iter_parts()) == "text/plain"  # type: ignore[attr-defined]
        data, method = calendar_part(msg)  # type: ignore[arg-type]
        cal = Calendar.from_ical(data)
        assert method == "REQUEST" == str(cal["METHOD"])
        assert msg.get_content_charset() in (None, "utf-8")
        tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        uids = set()
        for ev in cal.walk("VEVENT"):
            uids.add(str(ev["UID"]))
            assert str(ev["ORGANIZER"]) == "mailto:mentorship@example.org"
            assert int(ev["SEQUENCE"]) == 0 and ev.get("DTSTAMP") is not None
            atts = ev["ATTENDEE"] if isinstance(ev["ATTENDEE"], list) else [ev["ATTENDEE"]]
            assert sorted(str(a)[7:] for a in atts) == sorted(series["attendees"])
            for a in atts:
                assert a.params["RSVP"] == "TRUE" and a.params["PARTSTAT"] == "NEEDS-ACTION"
                assert a.params["ROLE"] in ("REQ-PARTICIPANT", "OPT-PARTICIPANT")
            for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
                if prop in ev and "TZID" in ev[prop].params:
                    assert ev[prop].params["TZID"] in tzids
        assert len(uids) == 1
        expected = sorted((o["start"], o["end"]) for o in series["occurrences"] if "start" in o)
        got = icaljs.starts_by_uid(icaljs.expand(data))
        assert got == {uids.pop(): expected}, series["id"]
        again = rota("preview", "-c", str(EXAMPLE), "invite", "--series", series["id"])
        assert (
            Calendar.from_ical(
                calendar_part(message_from_bytes(again.out.encode(), policy=default))[0]
            ).walk(  # type: ignore[arg-type]
                "VEVENT"
            )[0]["UID"]
            == cal.walk("VEVENT")[0]["UID"]
        ), "UID stable between runs"


def _moved(plan: Plan, sid: str, week: int, by: timedelta) -> Plan:
    occs = tuple(
        dataclasses.replace(o, start=o.start + by, end=o.end + by)
        if o.week == week and o.start
        else o  # type: ignore[operator]
        for o in plan.occurrences[sid]
    )
    return dataclasses.replace(plan, occurrences={**plan.occurrences, sid: occs})


def test_an_update_raises_sequence_and_keeps_recurrence_ids(setup: tuple[Mailer, Plan]) -> None:
    mailer, plan = setup
    sid = "call/ben@example.org/ana@example.org"
    _first, anchor, cal0 = mailer.invites(plan, sid, SEND, sequence=0)
    moved = _moved(plan, sid, 10, timedelta(days=1, hours=1))
    again, anchor2, cal1 = mailer.invites(
        moved, sid, SEND + timedelta(days=30), sequence=1, anchor=anchor, update=True
    )
    assert anchor2 == anchor, "the rule anchor is kept, so instance identities stay"
    js0, js1 = icaljs.expand(cal0)["events"], icaljs.expand(cal1)["events"]
    assert [e["recurrence_id"] for e in js0] == [e["recurrence_id"] for e in js1]
    assert sorted((e["start"], e["end"]) for e in js1) == planned(moved, sid)
    cal = Calendar.from_ical(cal1)
    master = next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e)
    for ev in cal.walk("VEVENT"):
        assert int(ev["SEQUENCE"]) >= int(master["SEQUENCE"]) == 1
    moved_override = [
        e
        for e in cal.walk("VEVENT")
        if "RECURRENCE-ID" in e
        and e.decoded("DTSTART").astimezone(UTC) == moved.occurrences[sid][5].start
    ]
    assert moved_override, "the moved occurrence is an override of its original instance"
    msg = message_from_bytes(message_bytes(build_message(again[0])), policy=default)
    assert msg["Subject"].startswith("Updated: ")


def test_cancelling_one_occurrence_is_a_cancel_with_its_recurrence_id(
    setup: tuple[Mailer, Plan],
) -> None:
    mailer, plan = setup
    sid = "review/ben@example.org/priya@example.org"
    _, anchor, request = mailer.invites(plan, sid, SEND, sequence=0)
    week = next(o.week for o in plan.occurrences[sid] if o.start is not None and o.week > 5)
    [cancel, *_] = mailer.cancels(
        plan, sid, SEND + timedelta(days=3), 1, anchor, [week], "Ben is travelling"
    )
    msg = message_from_bytes(message_bytes(build_message(cancel)), policy=default)
    data, method = calendar_part(msg)  # type: ignore[arg-type]
    cal = Calendar.from_ical(data)
    assert method == "CANCEL" == str(cal["METHOD"])
    [ev] = cal.walk("VEVENT")
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 1 and "RECURRENCE-ID" in ev
    instance = next(
        e
        for e in icaljs.expand(request)["events"]
        if e["start"]
        == next(o for o in plan.occurrences[sid] if o.week == week).start.strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    )  # type: ignore[union-attr]
    [cancelled] = icaljs.expand(data)["events"]
    assert (
        cancelled["recurrence_id"] == instance["recurrence_id"]
        and cancelled["status"] == "CANCELLED"
    )
    assert "Why: Ben is travelling" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_cancelling_the_series_cancels_the_master(setup: tuple[Mailer, Plan]) -> None:
    mailer, plan = setup
    sid = "group/Spring circle"
    _, anchor, _ = mailer.invites(plan, sid, SEND, sequence=2)
    cancels = mailer.cancels(plan, sid, SEND, 3, anchor)
    assert len(cancels) == len(plan.series(sid).members), "every member is told"
    cal = Calendar.from_ical(
        calendar_part(message_from_bytes(message_bytes(build_message(cancels[0])), policy=default))[
            0
        ]
    )  # type: ignore[arg-type]
    [ev] = cal.walk("VEVENT")
    assert (
        "RECURRENCE-ID" not in ev and str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3
    )
    assert str(cal["METHOD"]) == "CANCEL"


def test_left_out_members_are_optional_on_the_occurrences_they_miss(
    setup: tuple[Mailer, Plan],
) -> None:
    mailer, plan = setup
    sid = "group/Spring circle"
    _, _, cal = mailer.invites(plan, sid, SEND)
    missed = {
        (o.start.strftime("%Y-%m-%dT%H:%M:%SZ"), m)
        for o in plan.occurrences[sid]  # type: ignore[union-attr]
        for m in o.left_out
    }
    assert missed
    seen = {
        (e["start"], a["email"])
        for e in icaljs.expand(cal)["events"]
        for a in e["attendees"]
        if a["role"] == "OPT-PARTICIPANT"
    }
    assert seen == missed
