"""`rota simulate`, `rota run --once` and `rota status` as users script them (SPEC §4, §5)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.service.test_daemon import maildir_extra, program
from tests.support.configs import P, Program

KINDS = {
    "checkin",
    "reminder",
    "escalation",
    "invite",
    "cancel",
    "forward",
    "evaluation",
    "digest",
    "notice",  # extensions of SPEC §5's list: a decline nobody could rebook,
    "nudge",  # and a mentor's reminder to answer a check-in,
    "recap",  # after a meeting, where recaps are on
    "survey",  # and the 1-5 question, where surveys are on
}


def test_simulate_json_is_the_documented_list_in_send_order(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = rota(
        "simulate",
        "-c",
        str(EXAMPLE),
        "--until",
        "2026-12-20",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert res.code == 0, res.err
    emails = json.loads(res.out)
    assert emails and all(
        set(e) == {"at", "kind", "to", "cc", "subject", "message_id", "file"} for e in emails
    )
    assert [e["at"] for e in emails] == sorted(e["at"] for e in emails)
    assert all(e["at"].endswith("Z") and e["kind"] in KINDS for e in emails)
    assert all(isinstance(e["to"], list) and isinstance(e["cc"], list) for e in emails)
    for e in emails:
        assert (tmp_path / e["file"]).is_file() and e["file"].startswith("outbox/")
        assert e["message_id"].encode() in (tmp_path / e["file"]).read_bytes()
    assert e["at"] < "2026-12-21"
    assert {e["kind"] for e in emails} >= {"invite", "checkin", "reminder", "digest"}
    assert len({e["message_id"] for e in emails}) == len(emails)


def test_simulate_table_lists_each_email_and_a_summary_and_keeps_an_older_outbox(
    rota, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = rota("simulate", "-c", str(EXAMPLE), "--until", "2026-12-06", "--out", str(tmp_path))
    assert first.code == 0
    lines = first.out.strip().splitlines()
    assert lines[0].split()[:3] == ["sent", "(UTC)", "kind"]
    n = len(list((tmp_path / "outbox").glob("*.eml")))
    assert len(lines) == n + 2 and lines[-1].startswith(f"{n} emails: ")
    again = rota("simulate", "-c", str(EXAMPLE), "--until", "2026-12-06", "--out", str(tmp_path))
    assert again.out == first.out  # deterministic, and the first run's files are kept aside
    assert "kept the previous outbox" in again.err
    assert len(list((tmp_path / "outbox.previous-1").glob("*.eml"))) == n


def test_simulate_rejects_an_until_before_the_start(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = rota("simulate", "-c", str(EXAMPLE), "--until", "2026-01-01", "--out", str(tmp_path))
    assert res.code == 2 and "before the simulation starts" in res.err
    with pytest.raises(SystemExit) as bad:
        rota("simulate", "-c", str(EXAMPLE), "--until", "soon", "--out", str(tmp_path))
    assert bad.value.code == 2


def test_simulate_from_a_date_starts_there(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = rota(
        "simulate",
        "-c",
        str(EXAMPLE),
        "--from",
        "2027-01-11",
        "--until",
        "2027-01-17",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert res.code == 0, res.err
    emails = json.loads(res.out)
    assert emails and all("2027-01-11" <= e["at"][:10] <= "2027-01-18" for e in emails)
    prompts = {
        (e["at"], e["subject"][-15:])
        for e in emails
        if e["kind"] == "checkin" and e["to"] == ["ana@example.org"]
    }
    # a fresh start on Monday: last Friday's prompt can still be answered, so it goes at once;
    # this week's goes on Friday 15:00 Lisbon time
    assert prompts == {
        ("2027-01-11T00:00:00Z", "week 5 check-in"),
        ("2027-01-15T15:00:00Z", "week 6 check-in"),
    }


def _now_config(tmp_path: Path) -> Path:
    return program(
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        extra=maildir_extra(tmp_path),
    ).write(tmp_path)


def test_run_once_does_what_is_due_and_a_second_run_nothing_more(
    rota, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    config = _now_config(tmp_path)
    monkeypatch.delenv("ROTA_SECRET", raising=False)
    res = rota("run", "-c", str(config), "--once")
    assert res.code == 2 and "ROTA_SECRET" in res.err and "not set" in res.err
    monkeypatch.setenv("ROTA_SECRET", "a secret for the once test, long enough")
    first = rota("run", "-c", str(config), "--once")
    assert first.code == 0, first.err
    files = list((tmp_path / "mail" / "outbox").glob("*.eml"))
    assert len(files) >= 8 and "invite" in first.out
    second = rota("run", "-c", str(config), "--once")
    assert second.code == 0 and second.out.startswith("rota: 0 email(s)")
    assert len(list((tmp_path / "mail" / "outbox").glob("*.eml"))) == len(files)


def test_status_reports_the_program_for_admins_and_scripts(
    rota, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    config = _now_config(tmp_path)
    res = rota("status", "-c", str(config))
    assert res.code == 0 and "has not run yet" in res.out
    assert rota("status", "-c", str(config), "--check").code == 1
    monkeypatch.setenv("ROTA_SECRET", "a secret for the status test, long enough")
    assert rota("run", "-c", str(config), "--once").code == 0
    (tmp_path / "mail" / "inbox" / "junk.eml").write_bytes(
        b"From: x@y.org\r\nSubject: hi\r\n\r\nhello\r\n"
    )
    assert rota("run", "-c", str(config), "--once").code == 0
    out = json.loads(rota("status", "-c", str(config), "--format", "json").out)
    assert set(out) == {"program", "daemon", "next", "outbox", "inbox", "review", "work"}
    assert out["work"] == []  # nothing failed
    assert out["outbox"]["sent"] >= 8 and out["outbox"]["pending"] == 0
    assert out["review"]["waiting"] == 1 and out["review"]["latest"][0]["sender"] == "x@y.org"
    assert out["inbox"]["last_sync"] is not None
    assert out["daemon"]["alive"] is False
    nexts = [n["at"] for n in out["next"]]
    assert nexts == sorted(nexts) and nexts[0] >= datetime.now(UTC).strftime("%Y-%m-%dT%H")[:10]
    table = rota("status", "-c", str(config)).out
    assert "review:  1 message(s) waiting" in table and "x@y.org" in table
    assert (tmp_path / "mail" / "review" / "junk.eml").exists()
    assert rota("status", "-c", str(config), "--check").code == 1  # no daemon is running


def test_a_finished_program_has_nothing_next(
    rota, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ROTA_SECRET", "a secret for the finished test, long enough")
    old = Program(
        people=[P("ben@example.org", "America/New_York"), P("ana@example.org", "Europe/Lisbon")],
        pairs=[("ben@example.org", "ana@example.org")],
        starts=str(date.today() - timedelta(weeks=30)),
        ends=str(date.today() - timedelta(weeks=20)),
        extra=maildir_extra(tmp_path),
    ).write(tmp_path)
    res = rota("run", "-c", str(old), "--once")
    assert res.code == 0
    assert "checkin" not in res.out and "invite" not in res.out  # nothing stale is sent
    assert "nothing: the program is over" in rota("status", "-c", str(old)).out
