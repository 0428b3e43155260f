"""`rota parse` with a config: the sender checks an admin relies on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from mail.ids import series_uid
from service.config.load import load_config
from service.emails import Mailer, load_templates
from tests.conftest import EXAMPLE

SECRET = "a test secret that is long enough"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_SECRET", SECRET)


def write(
    tmp_path: Path,
    sender: str,
    to: str,
    extra: dict[str, str] | None = None,
    body: str = "## Questions I Have\n- One\n",
    calendar: str | None = None,
) -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: check-in"
    msg["Message-ID"] = "<x@mail.example.net>"
    for k, v in (extra or {}).items():
        msg[k] = v
    msg.set_content(body)
    if calendar:
        msg.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    path = tmp_path / "m.eml"
    path.write_bytes(msg.as_bytes(policy=SMTP))
    return path


def token_address(week: int = 3, mentee: str = "ana@example.org") -> str:
    config = load_config(EXAMPLE)
    out = Mailer(config, load_templates(config), SECRET.encode()).checkin(
        mentee, week, datetime(2026, 3, 20, tzinfo=UTC)
    )
    return out.reply_to[0].email


def run(rota, path: Path) -> dict:  # type: ignore[no-untyped-def, type-arg]
    res = rota("parse", str(path), "-c", str(EXAMPLE))
    assert res.code == 0, res.err
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_a_reply_from_the_mentee_with_her_token_is_applied(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got = run(rota, write(tmp_path, "Ana <ANA@example.org>", token_address()))
    assert (got["kind"], got["verdict"], got["mentee"], got["week"]) == (
        "checkin",
        "apply",
        "ana@example.org",
        3,
    )


def test_a_token_long_past_its_week_goes_to_review(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # week 3 of the example program is 21-27 Dec 2026: a reply dated months later is stale
    late = {"Date": "Mon, 05 Apr 2027 10:00:00 +0000"}
    got = run(rota, write(tmp_path, "ana@example.org", token_address(), late))
    assert got["verdict"] == "review" and "has expired" in got["reason"]
    on_time = {"Date": "Tue, 29 Dec 2026 10:00:00 +0000"}
    assert (
        run(rota, write(tmp_path, "ana@example.org", token_address(), on_time))["verdict"]
        == "apply"
    )


def test_someone_else_using_her_token_goes_to_review(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got = run(rota, write(tmp_path, "Priya <priya@example.org>", token_address()))
    assert got["verdict"] == "review" and "priya@example.org" in got["reason"]


def test_an_altered_token_goes_to_review(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    address = token_address().replace("+c3.", "+c4.")
    got = run(rota, write(tmp_path, "ana@example.org", address))
    assert got["verdict"] == "review" and "does not verify" in got["reason"]


def test_authentication_results_count_only_from_the_configured_server(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = EXAMPLE.read_text().replace('authserv_id = ""', 'authserv_id = "mx.example.org"')
    config = tmp_path / "rota.toml"
    config.write_text(text)
    forged = write(
        tmp_path,
        "ana@example.org",
        token_address(),
        {"Authentication-Results": "mx.evil.example; dmarc=pass; dkim=pass"},
    )
    res = json.loads(rota("parse", str(forged), "-c", str(config)).out)
    assert res["verdict"] == "apply", "a header from another server is not believed either way"
    failed = write(
        tmp_path,
        "ana@example.org",
        token_address(),
        {"Authentication-Results": "mx.example.org; dkim=fail header.d=example.org; dmarc=fail"},
    )
    res = json.loads(rota("parse", str(failed), "-c", str(config)).out)
    assert res["verdict"] == "review" and "dmarc=fail" in res["reason"]


def _reply_calendar(attendee: str, uid: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260304T150000Z\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{attendee}\r\nSEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_rsvps_are_checked_against_the_series_attendees(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uid = series_uid(
        "mentorship@example.org",
        load_config(EXAMPLE).program.starts,
        "call/ben@example.org/ana@example.org",
    )
    ok = run(
        rota,
        write(
            tmp_path,
            "ben@example.org",
            "mentorship@example.org",
            calendar=_reply_calendar("ben@example.org", uid),
        ),
    )
    assert (ok["kind"], ok["verdict"], ok["series_id"]) == (
        "rsvp",
        "apply",
        "call/ben@example.org/ana@example.org",
    )
    assert ok["rsvp"]["partstat"] == "ACCEPTED"
    stranger = run(
        rota,
        write(
            tmp_path,
            "tom@example.org",
            "mentorship@example.org",
            calendar=_reply_calendar("tom@example.org", uid),
        ),
    )
    assert stranger["verdict"] == "review" and "not an attendee" in stranger["reason"]
    spoofed = run(
        rota,
        write(
            tmp_path,
            "tom@example.org",
            "mentorship@example.org",
            calendar=_reply_calendar("ben@example.org", uid),
        ),
    )
    assert spoofed["verdict"] == "review" and "sent from tom@example.org" in spoofed["reason"]


def test_without_a_secret_nothing_is_applied(
    rota, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ROTA_SECRET")
    got = run(
        rota,
        write(tmp_path, "ana@example.org", "checkins+c3.aaaaaaaa.bbbbbbbbbbbbbbbb@example.org"),
    )
    assert got["verdict"] == "review" and "ROTA_SECRET" in got["reason"]


def test_an_unreadable_file_is_a_clear_error(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = rota("parse", str(tmp_path / "missing.eml"))
    assert res.code == 2 and res.err.startswith("rota: cannot read")
