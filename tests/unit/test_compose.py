"""Emails as a mentee, a mentor and a mail server see them: headers, threading, tokens, safety."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from mail.compose import build_message, message_bytes
from mail.templates import TemplateProblem, Templates
from mail.tokens import make_token, token_of, verify_token
from service.config.load import load_config
from service.emails import Mailer, load_templates
from service.resources import templates_dir
from tests.conftest import EXAMPLE

SECRET = b"a test secret that is long enough"
WHEN = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def mailer() -> Mailer:
    config = load_config(EXAMPLE)
    return Mailer(config, load_templates(config), SECRET)


def parse(out: object) -> EmailMessage:
    msg = message_from_bytes(message_bytes(build_message(out)), policy=default)  # type: ignore[arg-type]
    assert isinstance(msg, EmailMessage)
    return msg


def test_every_email_is_from_the_organizer_and_asks_robots_to_stay_quiet(mailer: Mailer) -> None:
    for out in (
        mailer.checkin("ana@example.org", 2, WHEN),
        mailer.reminder("ana@example.org", 2, WHEN, "<p@x>", "s"),
        mailer.escalation("ana@example.org", 3, WHEN, [2, 3], None),
        mailer.evaluation("ana@example.org", "Mid-term evaluation", (), 10, WHEN),
    ):
        msg = parse(out)
        assert msg["From"] == "Mentorship Team <mentorship@example.org>"
        assert msg["Auto-Submitted"] == "auto-generated"
        assert msg["X-Auto-Response-Suppress"] == "OOF, AutoReply"
        assert msg["Date"] == "Fri, 20 Mar 2026 15:00:00 +0000"
        assert msg["Message-ID"].startswith("<rota.") and msg["Message-ID"].endswith(
            "@example.org>"
        )


def test_message_ids_are_derived_from_what_the_email_is(mailer: Mailer) -> None:
    a = mailer.checkin("ana@example.org", 2, WHEN)
    b = mailer.checkin("ana@example.org", 2, datetime(2026, 3, 21, tzinfo=UTC))
    c = mailer.checkin("ana@example.org", 3, WHEN)
    d = mailer.checkin("priya@example.org", 2, WHEN)
    assert a.message_id == b.message_id
    assert len({a.message_id, c.message_id, d.message_id}) == 3


def test_the_checkin_prompt_has_the_five_headings_goals_mentor_and_promise(mailer: Mailer) -> None:
    out = mailer.checkin(
        "ana@example.org",
        2,
        WHEN,
        goals=[{"text": "Open the docs PR", "done": False}, {"text": "Write tests", "done": True}],
    )
    text = parse(out).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for heading in (
        "## What I Accomplished",
        "## What I Struggled With",
        "## Questions I Have",
        "## Next Week's Goals",
        "## Feedback for Mentor",
    ):
        assert heading in text
    assert "- [ ] Open the docs PR" in text and "- [x] Write tests" in text
    assert "Ben reads every check-in and answers within 24 hours." in text
    assert max(len(line) for line in text.splitlines()) <= 76


def test_the_reply_token_binds_a_reply_to_its_mentee_and_week(mailer: Mailer) -> None:
    msg = parse(mailer.checkin("ana@example.org", 7, WHEN))
    reply_to = msg["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("checkins+") and reply_to.endswith("@example.org")
    token = token_of(reply_to)
    assert token is not None
    people = [p.email for p in mailer.config.people]
    found = verify_token(SECRET, token, people)
    assert found is not None and (found.kind, found.week, found.email) == (
        "checkin",
        7,
        "ana@example.org",
    )
    assert verify_token(b"another secret entirely!!", token, people) is None
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert verify_token(SECRET, forged, people) is None
    assert verify_token(SECRET, token.upper(), people) is not None, "servers may change case"
    other_week = make_token(SECRET, "checkin", 8, "ana@example.org")
    assert other_week != token


def test_a_reminder_threads_under_its_prompt(mailer: Mailer) -> None:
    prompt = mailer.checkin("ana@example.org", 2, WHEN)
    msg = parse(mailer.reminder("ana@example.org", 2, WHEN, prompt.message_id, prompt.subject))
    assert msg["In-Reply-To"] == prompt.message_id
    assert msg["References"] == prompt.message_id
    assert msg["Subject"] == f"Re: {prompt.subject}"


def test_the_forward_lets_the_mentor_answer_the_mentee_with_a_copy_to_rota(mailer: Mailer) -> None:
    record = {"accomplished": ["Merged <b>PR</b> {{ 7*7 }}"], "goals": [], "free_text": ""}
    msg = parse(mailer.forward("ana@example.org", 2, WHEN, record, "<orig@x>", late=True))
    assert msg["To"] == "Ben Ortiz <ben@example.org>"
    replies = [a.addr_spec for a in msg["Reply-To"].addresses]
    assert replies[0] == "ana@example.org" and replies[1].startswith("checkins+f2.")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Merged <b>PR</b> {{ 7*7 }}" in text, (
        "participant text is shown literally, not evaluated"
    )
    assert "49" not in text
    assert "Merged &lt;b&gt;PR&lt;/b&gt; {{ 7*7 }}" in html, "and escaped in HTML"
    assert msg["Subject"].endswith("(late)")


def test_an_encoded_crlf_in_a_subject_never_becomes_a_header(mailer: Mailer) -> None:
    inbound = (
        b"From: x@evil.example\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_victim@example.net?=\r\n"
        b"\r\nbody\r\n"
    )
    parsed = message_from_bytes(inbound, policy=default)
    assert "\r\n" in str(parsed["Subject"]) or "\n" in str(parsed["Subject"])
    out = mailer.test("admin@example.org", WHEN, "test")
    out = type(out)(
        **{
            **{f: getattr(out, f) for f in out.__dataclass_fields__},
            "subject": str(parsed["Subject"]),
        }
    )
    raw = message_bytes(build_message(out))
    again = message_from_bytes(raw, policy=default)
    assert again["Bcc"] is None
    assert [k for k in again if k.lower() == "subject"] == ["Subject"]
    assert b"\r\nBcc:" not in raw


ENCODED_BREAKS = [
    "=?utf-8?q?a=0D=0ABcc:_x@evil.example?=",
    "=?utf-8?b?YQ0KQmNjOiB4QGV2aWwuZXhhbXBsZQ==?=",  # the same, base64
    "=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0D=3D0ABcc:_x@evil.example=3F=3D?=",  # nested twice
    "=?utf-8?q?a=0ABcc:_x@evil.example?=",  # a bare LF
    "=?utf-8?q?a=E2=80=A8Bcc:_x@evil.example?=",  # U+2028
]


@pytest.mark.parametrize("evil", ENCODED_BREAKS)
def test_an_encoded_line_break_in_any_field_never_becomes_a_header_line(
    mailer: Mailer, evil: str
) -> None:
    from mail.compose import Person

    out = mailer.test("admin@example.org", WHEN, "test")
    fields = {f: getattr(out, f) for f in out.__dataclass_fields__}
    fields.update(
        sender=Person(f"Team {evil}", out.sender.email),
        to=(Person(f"Ana {evil}", "ana@example.org"),),
        reply_to=(Person(evil, "checkins@example.org"),),
        subject=f"Hi {evil}",
        in_reply_to=f"<{evil}@mail.example>",  # an inbound Message-ID, as a forward copies it
        references=(f"<{evil}@mail.example>", "<fine.1@mail.example>"),
    )
    raw = message_bytes(build_message(type(out)(**fields)))
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = [
        line.split(b":", 1)[0].lower()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]
    assert b"bcc" not in names
    assert len(names) == len(set(names)), names  # no header twice (Subject, Reply-To…)
    again = message_from_bytes(raw, policy=default)
    assert again["Bcc"] is None
    assert again["In-Reply-To"] is None  # a malformed id is dropped, never copied
    assert str(again["References"]) == "<fine.1@mail.example>"
    assert [a.addr_spec for a in again["To"].addresses] == ["ana@example.org"]
    assert "\n" not in str(again["Subject"]) and "\r" not in str(again["Subject"])


def test_admins_can_override_some_templates_and_keep_the_rest(tmp_path: Path) -> None:
    (tmp_path / "checkin.txt").write_text(
        "Subject: Our own subject\nShort and sweet, {{ mentee.first_name }}.\n"
    )
    templates = Templates([tmp_path, templates_dir()])
    config = load_config(EXAMPLE)
    m = Mailer(config, templates, SECRET)
    out = m.checkin("ana@example.org", 1, WHEN)
    assert out.subject == "Our own subject" and out.text.startswith("Short and sweet, Ana.")
    assert m.reminder("ana@example.org", 1, WHEN, "<p@x>", "s").text.startswith("Hi Ana,")


def test_templates_run_in_a_sandbox(tmp_path: Path) -> None:
    (tmp_path / "checkin.txt").write_text(
        "Subject: x\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    )
    with pytest.raises(TemplateProblem):
        Templates([tmp_path]).render("checkin", {})


def test_a_template_typo_is_a_clear_error_not_an_empty_email(tmp_path: Path) -> None:
    (tmp_path / "checkin.txt").write_text("Subject: x\nHello {{ menteee.name }}\n")
    with pytest.raises(TemplateProblem, match=r"checkin\.txt"):
        Templates([tmp_path]).render("checkin", {"mentee": {"name": "A"}})


def test_the_packaged_templates_ship_in_the_wheel() -> None:
    names = {p.name for p in templates_dir().iterdir()}
    assert {
        "checkin.txt",
        "reminder.txt",
        "escalation.txt",
        "forward.txt",
        "invite.txt",
        "cancel.txt",
        "evaluation.txt",
        "digest.txt",
        "invite_description.txt",
    } <= names


def test_no_template_subject_line_ends_in_a_block_tag() -> None:
    # Jinja's trim_blocks eats the newline after a block tag: a Subject line ending in
    # {% endif %} swallowed the greeting into the subject of every one-meeting cancel
    for path in sorted(templates_dir().glob("*.txt")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert not first.rstrip().endswith("%}"), path.name


def test_a_one_meeting_cancel_has_its_own_subject_line(mailer: Mailer) -> None:
    from scheduling.plan import plan_program
    from service.program import program_spec

    plan = plan_program(program_spec(mailer.config))
    sid = plan.program.series[0].id
    week = next(o.week for o in plan.occurrences[sid] if o.start is not None)
    [out, *_] = mailer.cancels(plan, sid, WHEN, 1, None, [week], "a test")
    assert out.subject.startswith("Cancelled: ") and " on " in out.subject
    assert "Hi " not in out.subject and out.text.startswith("Hi ")
