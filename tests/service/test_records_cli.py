"""`rota report`, `rota export --markdown` and `rota search` over a store a program filled."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mail.maildir import DatedMaildirInbox, MaildirOutbox
from service.app import App
from service.clock import ManualClock
from service.config.load import load_config
from service.store.store import Store
from tests.support.configs import P, Program
from tests.support.replies import plain_checkin

SECRET = "records test secret 0123456789"
START = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    prog = Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
        ],
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
        extra=f'[mail]\nmaildir = "{tmp_path / "mail"}"\n\n[store]\nurl = "sqlite:///{tmp_path / "rota.db"}"\n',
    )
    path = prog.write(tmp_path)
    config = load_config(path)
    inbox = tmp_path / "mail" / "inbox"
    inbox.mkdir(parents=True)
    bodies = {
        0: "## What I Accomplished\n- Fixed the flaky parser test\n\n## Next Week's Goals\n- [ ] Open the docs PR\n",
        1: "## What I Accomplished\n- Opened the docs PR\n\n## Questions I Have\n- Who reviews the release notes?\n\n"
        "## Next Week's Goals\n- [x] Open the docs PR\n- [ ] Ship the release notes\n",
        3: "## What I Struggled With\n- The flaky CI runner again\n",
    }
    for week, body in bodies.items():
        when = START + timedelta(weeks=week, days=5)  # Saturday after the Friday prompt
        raw = plain_checkin(
            config, SECRET.encode(), "ana@example.org", week, when, f"ana{week}@mail.test", body
        )
        (inbox / f"ana{week}.eml").write_bytes(raw)
    clock = ManualClock(START)
    store = Store(config.store.url)
    app = App(
        config,
        store,
        SECRET.encode(),
        clock,
        MaildirOutbox(tmp_path / "mail", clock.now),
        DatedMaildirInbox(tmp_path / "mail", clock.now),
        "maildir",
    )
    app.start()

    async def go() -> None:
        end = START + timedelta(weeks=5)
        while True:
            await app.step()
            times = [t for t in (app.next_wakeup(), app.inbox.next_arrival(clock.now())) if t]  # type: ignore[union-attr]
            if not times or min(times) > end:
                return
            clock.set(max(min(times), clock.now()))

    asyncio.run(go())
    store.close()
    return path


def test_report_shows_participation_streaks_answers_and_burden(rota, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = json.loads(rota("report", "-c", str(filled), "--format", "json").out)
    part = {p["mentee"]: p for p in r["participation"]}
    assert part["ana@example.org"]["checkins"] == 3 and part["ana@example.org"]["prompts"] == 5
    assert part["ana@example.org"]["longest_streak"] == 2  # weeks 0 and 1
    assert part["ana@example.org"]["missed_streak"] == 1  # week 4
    assert (
        part["priya@example.org"]["checkins"] == 0
        and part["priya@example.org"]["missed_streak"] == 5
    )
    assert r["mentor_answers"] == [
        {"mentor": "ben@example.org", "forwarded": 3, "answered": 0, "median_hours": None}
    ]
    assert set(r["burden"]) == {"ben@example.org", "ana@example.org", "priya@example.org"}
    table = rota("report", "-c", str(filled)).out
    assert "Ana Sousa" in table and "3/5" in table
    rows = list(
        csv.DictReader(io.StringIO(rota("report", "-c", str(filled), "--format", "csv").out))
    )
    assert [row["mentee"] for row in rows] == ["ana@example.org", "priya@example.org"]
    html = rota("report", "-c", str(filled), "--format", "html").out
    assert html.startswith("<!doctype html>") and "<script" not in html


def test_export_writes_one_markdown_file_per_mentee(rota, filled: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "export"
    res = rota("export", "-c", str(filled), "--markdown", str(out))
    assert res.code == 0 and "wrote 2 file(s)" in res.out
    ana = (out / "ana-example-org.md").read_text()
    assert ana.startswith("# Ana Sousa\n")
    assert "- [x] Open the docs PR" in ana and "- [ ] Ship the release notes" in ana
    assert "## Check-in, week 1" in ana and "- Who reviews the release notes?" in ana
    assert "No check-ins yet." in (out / "priya-example-org.md").read_text()
    rota("export", "-c", str(filled), "--markdown", str(out))
    assert (out / "ana-example-org.md").read_text() == ana  # stable: fit for git


def test_search_finds_checkins_holding_every_word(rota, filled: Path) -> None:  # type: ignore[no-untyped-def]
    out = rota("search", "-c", str(filled), "flaky").out.splitlines()
    assert len(out) == 2 and "week 3" in out[0] and "week 0" in out[1]  # newest first
    assert "The flaky CI runner again" in out[0]
    assert rota("search", "-c", str(filled), "flaky", "parser").out.count("\n") == 1
    assert "nothing found" in rota("search", "-c", str(filled), "50%_off").out


def test_the_record_commands_need_a_store(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = Program(
        people=[P("ben@example.org", "America/New_York"), P("ana@example.org", "Europe/Lisbon")],
        pairs=[("ben@example.org", "ana@example.org")],
        extra=f'[store]\nurl = "sqlite:///{tmp_path / "none.db"}"\n',
    ).write(tmp_path)
    for args in (("report",), ("export", "--markdown", str(tmp_path / "x")), ("search", "x")):
        res = rota(args[0], "-c", str(path), *args[1:])
        assert res.code == 2 and "has not run" in res.err
