"""Evaluations ask mentors too: one email about each of their mentees, on the mentor's own
workday; their answer is recorded for the program team and never forwarded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select

from service.simulate import simulate
from service.store import schema
from tests.support.configs import P, Program
from tests.support.driver import SECRET, Driven, files_extra
from tests.support.mailread import read
from tests.support.replies import token_address

EXTRA = """
[[evaluations]]
name = "Mid-term evaluation"
on = 2026-03-13
mentor_headings = ["What went well", "Where Ana needs help"]
"""


def program(extra: str = "") -> Program:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
        ],
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
        call=None,
        review=None,
        extra=EXTRA + extra,
    )


def reply(config, sender: str, mentee: str, when: datetime, mid: str) -> bytes:  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = token_address(config, SECRET, mentee, 1, kind="mentor-evaluation")
    msg["Subject"] = "Re: Mid-term evaluation"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(
        "## What went well\n- Ana ships every week\n\n## Where Ana needs help\n- Code review\n"
    )
    return msg.as_bytes(policy=SMTP)


def test_each_mentor_is_asked_about_each_mentee_on_their_own_workday(tmp_path: Path) -> None:
    config = program().load()
    result = asyncio.run(
        simulate(
            config,
            tmp_path,
            datetime(2026, 3, 2, tzinfo=UTC),
            datetime(2026, 3, 14, tzinfo=UTC),
            SECRET,
        )
    )
    mails = [read(tmp_path, e.kind, e.file) for e in result.emails if e.kind == "evaluation"]
    to_ben = [m for m in mails if m.to == ["ben@example.org"]]
    assert sorted(m.subject for m in to_ben) == [
        "Test program: Mid-term evaluation, your view of Ana",
        "Test program: Mid-term evaluation, your view of Priya",
    ]
    assert {m.to[0] for m in mails} == {"ben@example.org", "ana@example.org", "priya@example.org"}
    text = to_ben[0].text()
    assert "## What went well" in text and "## Where Ana needs help" in text
    assert "not to Ana" in " ".join(text.split()) or "not to Priya" in " ".join(text.split())
    # Friday 13 March, at the check-in hour in Ben's own zone (New York)
    assert all(m.date.date().isoformat() == "2026-03-13" for m in to_ben)


def test_the_mentors_answer_is_recorded_never_forwarded_and_only_from_the_mentor(
    tmp_path: Path,
) -> None:
    path = program(extra=files_extra(tmp_path)).write(tmp_path)
    d = Driven.start(path, datetime(2026, 3, 2, tzinfo=UTC))
    d.run_until(datetime(2026, 3, 14, tzinfo=UTC))
    inbox = tmp_path / "mail" / "inbox"
    config = d.app.config
    when = datetime(2026, 3, 14, 12, tzinfo=UTC)
    (inbox / "ben.eml").write_bytes(
        reply(config, "Ben Ortiz <ben@example.org>", "ana@example.org", when, "b@x")
    )
    (inbox / "ana.eml").write_bytes(
        reply(config, "Ana Sousa <ana@example.org>", "ana@example.org", when, "a@x")
    )
    d.run_until(datetime(2026, 3, 16, 18, tzinfo=UTC))
    c = schema.checkins
    with d.store.engine.connect() as conn:
        rows = conn.execute(select(c.c.kind, c.c.mentee, c.c.mentor, c.c.record)).all()
    assert [(r.kind, r.mentee, r.mentor) for r in rows] == [
        ("mentor-evaluation", "ana@example.org", "ben@example.org")
    ]
    assert "Ana ships every week" in rows[0].record
    assert not [m for m in d.sent() if m.kind == "forward"]
    assert sorted(p.name for p in (tmp_path / "mail" / "review").glob("*.eml")) == ["ana.eml"]
    d.close()
