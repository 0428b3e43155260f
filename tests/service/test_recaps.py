"""After a meeting: the note-taker (or mentor) is asked for a recap; the reply (a one-line
"yes", or headings) becomes attendance and action items, goes to everyone invited, and its
action items come back in the next check-in and goal review. Attendees rate the meeting 1-5,
anonymously; averages show only from three answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select

from mail.tokens import make_meeting_token, reply_address
from service.store import schema
from tests.support.configs import G, P, Program
from tests.support.driver import SECRET, Driven, files_extra

CALL = "call/ben@example.org/ana@example.org"


def program(tmp: Path) -> Path:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("tom@example.org", "Europe/Berlin", name="Tom Becker"),
            P("mia@example.org", "Europe/Madrid", name="Mia Chen"),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
        groups=[
            G(
                "Circle",
                ["ben@example.org", "ana@example.org", "tom@example.org", "mia@example.org"],
                quorum=3,
            )
        ],
        starts="2026-03-02",
        ends="2026-04-24",
        call={"every": "2w", "duration": "30m", "recap": "RECAP", "survey": "SURVEY"},
        review={"every": "4w", "duration": "45m", "offset": "1w"},
        circle={"every": "2w", "duration": "60m", "offset": "1w", "survey": "SURVEY"},
        extra=files_extra(tmp),
    ).write(tmp)


def write_program(tmp: Path) -> Path:
    path = program(tmp)
    text = path.read_text()
    text = text.replace('recap = "RECAP"', "recap = true").replace(
        'survey = "SURVEY"', "survey = true"
    )
    text = text.replace(
        'name = "Circle"', 'name = "Circle"\nroles = ["host", "note-taker"]'
    ).replace("[cadences.circle]", "[cadences.circle]\nrecap = true")
    path.write_text(text + "\n")
    return path


def reply(to: str, sender: str, body: str, when: datetime, mid: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: Recap"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def token(d: Driven, kind: str, week: int, email: str, series: str) -> str:
    return reply_address(
        d.app.config.reply_address, make_meeting_token(SECRET, kind, week, email, series)
    )


def test_recap_survey_and_action_items_round_trip(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    path = write_program(tmp_path)
    d = Driven.start(path, datetime(2026, 2, 23, tzinfo=UTC))
    plan = d.app.jobs.plan()
    call0 = next(o for o in plan.occurrences[CALL] if o.week == 0)
    assert call0.end is not None
    d.run_until(call0.end + timedelta(hours=1))
    sent = d.sent()
    [prompt] = [m for m in sent if m.kind == "recap"]
    assert prompt.to == ["ben@example.org"]  # the mentor writes a pair's recap
    assert "## Did it happen?" in prompt.text() and "- Ana Sousa" in prompt.text()
    surveys = [m for m in sent if m.kind == "survey"]
    assert sorted(m.to[0] for m in surveys) == ["ana@example.org", "ben@example.org"]
    assert "anonymous" in " ".join(surveys[0].text().split())
    inbox = tmp_path / "mail" / "inbox"
    now = call0.end + timedelta(hours=1)
    recap = (
        "## Did it happen?\nyes\n\n## Who came\n- Ana Sousa\n- Ben\n\n## Action items\n"
        "- [ ] Ana: open the PR for the docs\n- [ ] Ben: send the release checklist\n\n"
        "## Notes\nWe planned the release.\n"
    )
    (inbox / "recap.eml").write_bytes(
        reply(
            token(d, "recap", 0, "ben@example.org", CALL),
            "Ben Ortiz <ben@example.org>",
            recap,
            now,
            "r0@x",
        )
    )
    (inbox / "s1.eml").write_bytes(
        reply(token(d, "survey", 0, "ana@example.org", CALL), "ana@example.org", "4\n", now, "s1@x")
    )
    (inbox / "s2.eml").write_bytes(
        reply(
            token(d, "survey", 0, "ben@example.org", CALL),
            "ben@example.org",
            "5 - great\n",
            now,
            "s2@x",
        )
    )
    (inbox / "s3.eml").write_bytes(  # a second answer of Ana's counts once
        reply(token(d, "survey", 0, "ana@example.org", CALL), "ana@example.org", "1\n", now, "s3@x")
    )
    d.run_until(now + timedelta(minutes=5))
    [shared] = [m for m in d.sent() if m.kind == "recap" and len(m.to) == 2]
    text = " ".join(shared.text().split())
    assert "Who came: Ana Sousa, Ben Ortiz" in text
    assert "[ ] Ana Sousa: open the PR for the docs" in text and "We planned the release." in text
    with d.store.engine.connect() as conn:
        answers = conn.execute(select(schema.survey_answers.c.score)).scalars().all()
        voters = conn.execute(select(schema.survey_answers)).all()
    assert sorted(answers) == [4, 5]
    # nobody's address is kept: the series, the week, the score, a keyed hash against doubles
    assert set(voters[0]._mapping) == {"id", "series_id", "week", "score", "voter", "received_at"}
    assert all(len(v.voter) == 64 and "@" not in v.voter for v in voters)
    report = json.loads(rota("report", "-c", str(path), "--format", "json").out)
    [survey] = report["surveys"]
    assert survey == {"series": CALL, "answers": 2, "average": None}  # hidden below three
    [held] = report["meetings"]
    assert held["happened"] == 1 and held["came"] == {"ana@example.org": 1, "ben@example.org": 1}
    # the next check-in reminds Ana of her action item; the goal review lists both
    d.run_until(datetime(2026, 3, 13, 16, tzinfo=UTC))
    [checkin] = [m for m in d.sent() if m.kind == "checkin" and m.week == 1]
    assert "open the PR for the docs (Mentorship call: Ben & Ana, week 0)" in checkin.text()
    assert "release checklist" not in checkin.text()
    review = [
        m for m in d.sent() if m.kind == "invite" and "review" in (m.msg["X-Rota-Series"] or "")
    ][-1]
    description = " ".join(review.text().split())
    assert "Ben Ortiz: send the release checklist" in description
    d.close()


def test_a_one_line_no_is_enough_and_the_circles_note_taker_writes(tmp_path: Path) -> None:
    path = write_program(tmp_path)
    d = Driven.start(path, datetime(2026, 2, 23, tzinfo=UTC))
    plan = d.app.jobs.plan()
    circle = "group/Circle"
    occ = next(o for o in plan.occurrences[circle] if o.start is not None)
    roles = plan.series(circle).role_plan(plan.occurrences[circle])[occ.week]
    assert occ.end is not None
    d.run_until(occ.end + timedelta(hours=1))
    [prompt] = [m for m in d.sent() if m.kind == "recap" and m.msg["X-Rota-Series"] == circle]
    assert prompt.to == [roles["note-taker"]]
    inbox = tmp_path / "mail" / "inbox"
    writer = roles["note-taker"]
    (inbox / "no.eml").write_bytes(
        reply(
            token(d, "recap", occ.week, writer, circle),
            writer,
            "No, we skipped it.\n",
            occ.end,
            "n@x",
        )
    )
    # and somebody else trying to write that recap goes to review
    (inbox / "forged.eml").write_bytes(
        reply(
            token(d, "recap", occ.week, writer, circle),
            "mallory@evil.example",
            "yes\n",
            occ.end,
            "f@x",
        )
    )
    d.run_until(occ.end + timedelta(hours=2))
    with d.store.engine.connect() as conn:
        rows = conn.execute(select(schema.recaps)).all()
    assert [(r.happened, r.writer) for r in rows] == [(False, writer)]
    assert [p.name for p in (tmp_path / "mail" / "review").glob("*.eml")] == ["forged.eml"]
    d.close()
