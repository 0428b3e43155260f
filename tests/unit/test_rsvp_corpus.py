"""RSVPs and invitations as real calendar clients wrote them (the shared iCalendar corpus).

Rota reads iTIP REPLYs from attendees' calendars. Every file of the corpus, however broken,
must come back as an RSVP or as a reason (never an exception), real replies must be read right,
and invitations and publications from other programs must not be taken for answers.
"""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from mail.classify import parse_message
from mail.replies import Rsvp, calendar_part, parse_reply
from tests.conftest import ROOT

CALENDARS = ROOT / "tests" / "corpus" / "shared" / "icalendar"
FILES = sorted(p for p in CALENDARS.rglob("*") if p.suffix in (".ics", ".eml"))


def _calendar(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".eml":
        msg = message_from_bytes(data, policy=default)
        assert isinstance(msg, EmailMessage)
        part = calendar_part(msg)
        assert part is not None, f"{path.name}: no calendar part found"
        return part
    return data


def test_the_corpus_is_there_byte_exact() -> None:
    """CRLF endings and odd encodings are the point of several files; git must not touch them."""
    assert len(FILES) == 59
    shared = CALENDARS.parent
    manifest = json.loads((shared / "MANIFEST.json").read_text())
    assert len(manifest) == 59 + 79
    for entry in manifest:
        data = (shared / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CALENDARS)))
def test_every_calendar_is_an_rsvp_or_a_reason(path: Path) -> None:
    result = parse_reply(_calendar(path))
    assert isinstance(result, (Rsvp, str))
    if isinstance(result, str):
        assert result  # a reason an admin can read in the review folder


def test_exchange_decline_with_a_comment() -> None:
    rsvp = parse_reply((CALENDARS / "icalevents" / "response.ics").read_bytes())
    assert isinstance(rsvp, Rsvp)
    assert rsvp.partstat == "DECLINED"
    assert rsvp.recurrence_id is None  # the whole event, not one occurrence
    assert rsvp.sequence == 1
    assert rsvp.uid
    assert rsvp.comment


def test_the_attendee_who_answered_is_chosen_among_several() -> None:
    data = (CALENDARS / "icalevents" / "multi_attendee_response.ics").read_bytes()
    rsvp = parse_reply(data)
    assert isinstance(rsvp, Rsvp)
    assert rsvp.partstat == "DECLINED"


def test_a_reply_without_an_answer_is_a_reason() -> None:
    result = parse_reply((CALENDARS / "libical" / "itip.ics").read_bytes())
    assert result == "the reply names no attendee with an answer"


def test_a_freebusy_reply_is_not_an_rsvp() -> None:
    path = CALENDARS / "python_icalendar" / "issue_27_multiple_periods_in_freebusy_one_freebusy.ics"
    assert parse_reply(path.read_bytes()) == "calendar without an event"


@pytest.mark.parametrize(
    "name", ["outlook-test-invite.eml", "meet-meeting-invite.eml", "teams-meeting-invite.eml"]
)
def test_invitations_from_other_programs_are_not_answers(name: str) -> None:
    """Someone forwards a Google/Outlook/Teams invite into the inbox: not an RSVP to Rota."""
    result = parse_reply(_calendar(CALENDARS / "thunderbird" / name))
    assert result == "a REQUEST calendar, not a reply"
    parsed = parse_message((CALENDARS / "thunderbird" / name).read_bytes())
    assert parsed.kind != "rsvp"
    assert parsed.rsvp is None


@pytest.mark.parametrize(
    "path",
    [p for p in FILES if p.suffix == ".eml"],
    ids=lambda p: str(p.relative_to(CALENDARS)),
)
def test_whole_imip_messages_are_classified_without_crashing(path: Path) -> None:
    parsed = parse_message(path.read_bytes())
    assert parsed.kind in ("unknown", "auto-reply", "checkin", "bounce")
    if parsed.kind == "unknown":
        assert parsed.reason
