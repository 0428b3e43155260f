"""A bounce marks an address failing only when it proves it is about an email Rota sent to
that address (it returns the email's X-Rota-Ref); forged reports go to review."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from service.store import schema
from tests.service.test_work_failures import ANA_PROMPT0, START, program
from tests.support.driver import Driven


def dsn(failing: str, original_headers: str, sender: str = "MAILER-DAEMON@mx.example.net") -> bytes:
    return (
        f"From: {sender} (Mail Delivery System)\r\nTo: team@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nDate: Sat, 7 Mar 2026 10:00:00 +0000\r\n"
        f"Message-ID: <dsn.{abs(hash(original_headers))}@mx.example.net>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {failing}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{failing}>: User unknown\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{original_headers}\r\n--B--\r\n"
    ).encode()


def failing(d: Driven) -> list[str]:
    with d.store.engine.connect() as conn:
        return list(conn.execute(select(schema.failing_addresses.c.address)).scalars())


def review_reasons(d: Driven) -> list[str]:
    i = schema.inbound
    with d.store.engine.connect() as conn:
        return [
            r for r in conn.execute(select(i.c.reason).where(i.c.outcome == "review")).scalars()
        ]


def test_a_real_bounce_marks_the_address_and_forged_ones_do_not(tmp_path: Path) -> None:
    d = Driven.start(program(tmp_path), START)
    d.run_until(ANA_PROMPT0 + timedelta(minutes=1))
    [prompt] = [m for m in d.sent() if m.kind == "checkin" and m.to == ["ana@example.org"]]
    head = prompt.file.read_bytes().split(b"\r\n\r\n", 1)[0].decode()
    assert "X-Rota-Ref:" in head
    mid = prompt.message_id
    inbox = tmp_path / "mail" / "inbox"
    # strangers: a report naming a participant and a guessed (or copied) Message-ID
    (inbox / "1-forged.eml").write_bytes(
        dsn("ana@example.org", f"Message-ID: {mid}\r\nSubject: x", "postmaster@evil.example")
    )
    (inbox / "2-forged-ref.eml").write_bytes(
        dsn("ana@example.org", f"Message-ID: {mid}\r\nX-Rota-Ref: aaaaaaaaaaaaaaaaaaaaaaaa")
    )
    # a real report, whose proof names another address than the email went to
    (inbox / "3-other.eml").write_bytes(dsn("lea@example.org", head))
    d.run_until(ANA_PROMPT0 + timedelta(hours=1))
    assert failing(d) == []
    reasons = review_reasons(d)
    assert len(reasons) == 3
    assert any("does not return the headers" in r for r in reasons)
    assert any("proof does not match" in r for r in reasons)
    assert any("naming addresses it was not sent to" in r for r in reasons)
    # the real one
    (inbox / "4-real.eml").write_bytes(dsn("ana@example.org", head))
    d.run_until(ANA_PROMPT0 + timedelta(hours=2))
    assert failing(d) == ["ana@example.org"]
    d.close()
