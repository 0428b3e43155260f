"""A mentor's answer is timed from the delivery of the forward, and a forward left unanswered
for `nudge_after` (24 h) brings one reminder, in its thread, on the mentor's next workday."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from service.simulate import simulate
from tests.support.configs import P, Program
from tests.support.driver import SECRET, Driven, files_extra
from tests.support.mailread import read
from tests.support.replies import plain_checkin, token_address

CHECKIN = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # Friday: 20:00 Lisbon, 15:00 New York


def program(extra: str = "") -> Program:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
        call=None,
        review=None,
        extra=extra,
    )


def answer(config, when: datetime) -> bytes:  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = "Ben Ortiz <ben@example.org>"
    msg["To"] = "Ana Sousa <ana@example.org>"
    msg["Cc"] = token_address(config, SECRET, "ana@example.org", 0, kind="forward")
    msg["Subject"] = "Re: Check-in from Ana Sousa, week 0"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<ben-{when.timestamp():.0f}@mail.test>"
    msg.set_content("Great work, Ana. Let's talk about the release on Tuesday.\n")
    return msg.as_bytes(policy=SMTP)


def run(tmp: Path, replies: dict[str, bytes]) -> list:  # type: ignore[type-arg]
    config = program().load()
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name, raw in replies.items():
        (inbox / name).write_bytes(raw)
    result = asyncio.run(
        simulate(
            config, tmp, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC), SECRET
        )
    )
    return [read(tmp, e.kind, e.file) for e in result.emails]


def test_an_unanswered_forward_brings_one_nudge_on_the_next_workday(tmp_path: Path) -> None:
    config = program().load()
    mails = run(
        tmp_path, {"a.eml": plain_checkin(config, SECRET, "ana@example.org", 0, CHECKIN, "a0@x")}
    )
    [forward] = [m for m in mails if m.kind == "forward"]
    [nudge] = [m for m in mails if m.kind == "nudge"]
    assert forward.date == CHECKIN  # Friday afternoon in New York: delivered at once
    # 24 h later is Saturday: the nudge waits for Monday 09:00 in New York (EDT from 8 March)
    assert nudge.date == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert nudge.to == ["ben@example.org"]
    assert nudge.msg["In-Reply-To"] == forward.message_id
    assert nudge.subject == f"Re: {forward.subject}"
    assert "ana@example.org" in nudge.reply_to
    assert "still waiting for your answer" in " ".join(nudge.text().split())


def test_an_answer_within_a_day_means_no_nudge(tmp_path: Path) -> None:
    config = program().load()
    mails = run(
        tmp_path,
        {
            "a.eml": plain_checkin(config, SECRET, "ana@example.org", 0, CHECKIN, "a0@x"),
            "b.eml": answer(config, CHECKIN + timedelta(hours=5)),
        },
    )
    assert [m.kind for m in mails if m.kind in ("forward", "nudge")] == ["forward"]


def test_answer_times_count_from_the_forwards_delivery(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    # Ana checks in on Saturday; the forward waits for Ben's Monday; he answers two hours later
    path = program(extra=files_extra(tmp_path)).write(tmp_path)
    d = Driven.start(path, datetime(2026, 3, 2, tzinfo=UTC))
    config = d.app.config
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    inbox = tmp_path / "mail" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    d.run_until(saturday)
    (inbox / "a.eml").write_bytes(
        plain_checkin(config, SECRET, "ana@example.org", 0, saturday, "a0@x")
    )
    d.run_until(saturday + timedelta(minutes=5))
    d.run_until(datetime(2026, 3, 9, 14, 0, tzinfo=UTC))  # the forward: Monday 09:00 New York
    [forward] = [m for m in d.sent() if m.kind == "forward"]
    assert forward.date == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    d.run_until(datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    (inbox / "b.eml").write_bytes(answer(config, datetime(2026, 3, 9, 15, 0, tzinfo=UTC)))
    d.run_until(datetime(2026, 3, 9, 15, 1, tzinfo=UTC))  # read when it arrives
    d.close()
    report = json.loads(rota("report", "-c", str(path), "--format", "json").out)
    [ben] = [a for a in report["mentor_answers"] if a["mentor"] == "ben@example.org"]
    assert ben["answered"] == 1 and ben["median_hours"] == 2.0  # not 51 h from Saturday
