"""How people actually answer a recap prompt: top-posted one-liners above the quoted prompt
(Gmail, Apple Mail), answers typed inline under the quoted headings (Outlook, Thunderbird),
or the prompt filled in. Each must come out as the same attendance and action items."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from mail.classify import parse_message
from mail.templates import Templates
from mail.tokens import make_meeting_token, reply_address
from service.config.load import load_config
from service.emails import templates_dir
from service.inbound import read_recap
from tests.support.configs import P, Program

SECRET = b"s" * 32
MEMBERS = ("ben@example.org", "ana@example.org")


@pytest.fixture()
def config(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        ],
        pairs=[MEMBERS],
    ).write(tmp_path)
    return load_config(path)


def _prompt(config) -> str:  # type: ignore[no-untyped-def]
    """The prompt as we send it, rendered from the shipped template."""
    rendered = Templates([templates_dir()]).render(
        "recap_prompt",
        {
            "writer": config.person("ben@example.org"),
            "meeting": {"title": "Mentorship call", "local": "Tue 3 Mar, 17:00"},
            "expected": ["Ana Sousa", "Ben Ortiz"],
            "program": {"name": config.program.name},
        },
    )
    return rendered.text


def _reply(config, body: str) -> str:  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = "Ben Ortiz <ben@example.org>"
    token = make_meeting_token(SECRET, "recap", 0, "ben@example.org", "call/x")
    msg["To"] = reply_address(config.reply_address, token)
    msg["Subject"] = "Re: Recap: Mentorship call"
    msg["Message-ID"] = "<r@example.org>"
    msg.set_content(body)
    parsed = parse_message(msg.as_bytes(policy=SMTP))
    assert parsed.kind == "checkin", parsed.reason
    return parsed.body


def _quoted(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.splitlines())


def test_a_top_posted_yes_above_the_quoted_prompt(config) -> None:  # type: ignore[no-untyped-def]
    body = _reply(
        config,
        "Yes, it went well.\n\nOn Tue, Mar 3, 2026 at 5:00 PM Rota <rota@example.org> wrote:\n"
        + _quoted(_prompt(config)),
    )
    recap = read_recap(body, MEMBERS, config)
    # the quoted template's "yes" and names are not the writer's answer
    assert recap["happened"] is True and recap["attended"] == [] and recap["actions"] == []


def test_a_top_posted_no_wins_over_the_quoted_yes(config) -> None:  # type: ignore[no-untyped-def]
    body = _reply(config, "No - Ana was ill, we moved it.\n\n" + _quoted(_prompt(config)))
    assert read_recap(body, MEMBERS, config)["happened"] is False


def test_answers_typed_inline_under_quoted_headings(config) -> None:  # type: ignore[no-untyped-def]
    body = _reply(
        config,
        "On Tue, Rota wrote:\n> Hi Ben,\n>\n> ## Did it happen?\n> yes\nNo, we skipped it\n\n"
        "> ## Who came\n> - Ana Sousa\n> - Ben Ortiz\n\n> ## Action items\n"
        "- Ana: send the slides\n\n> ## Notes\n>\nWe will try next week.\n",
    )
    recap = read_recap(body, MEMBERS, config)
    assert recap["happened"] is False
    assert recap["actions"] == [
        {"owner": "ana@example.org", "text": "send the slides", "done": False}
    ]
    assert recap["notes"] == "We will try next week."


def test_the_prompt_filled_in_above_its_quote(config) -> None:  # type: ignore[no-untyped-def]
    filled = (
        "## Did it happen?\nyes\n\n## Who came\n- Ana\n- ben@example.org\n\n## Action items\n"
        "- [ ] Ana: write the docs by Friday\n- [x] Ben Ortiz: book the room\n"
        "- check the budget\n\n## Notes\nGood call.\n\n"
    )
    body = _reply(config, filled + "On Tue, Rota wrote:\n" + _quoted(_prompt(config)))
    recap = read_recap(body, MEMBERS, config)
    assert recap["happened"] is True
    assert recap["attended"] == ["ana@example.org", "ben@example.org"]
    assert recap["actions"] == [
        {"owner": "ana@example.org", "text": "write the docs by Friday", "done": False},
        {"owner": "ben@example.org", "text": "book the room", "done": True},
        {"owner": None, "text": "check the budget", "done": False},
    ]
    assert recap["notes"] == "Good call."
