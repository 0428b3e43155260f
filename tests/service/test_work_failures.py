"""Work that fails (an admin's template that breaks for one person, a check-in a forward
cannot be built from) is recorded, retried with backoff, parked for the admin and shown by
`rota status` and the digest; it never stops the rest of the program and is never skipped."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from service.resources import templates_dir
from service.store import schema
from tests.conftest import CliResult
from tests.support.configs import P, Program
from tests.support.driver import SECRET, Driven, files_extra
from tests.support.replies import plain_checkin

START = datetime(2026, 3, 2, tzinfo=UTC)
ANA_PROMPT0 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday 15:00 Lisbon
LEA_PROMPT0 = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # Friday 15:00 Berlin


def program(tmp: Path, templates: Path | None = None) -> Path:
    p = Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("lea@example.org", "Europe/Berlin", name="Lea Vogel"),
        ],
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "lea@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
        call=None,
        review=None,
        extra=files_extra(tmp, templates),
    )
    return p.write(tmp)


def broken_templates(tmp: Path, kind: str, condition: str) -> Path:
    """The packaged templates, with `kind.txt` failing whenever `condition` holds (an
    undefined variable: Rota's templates are strict)."""
    folder = tmp / "templates"
    folder.mkdir(exist_ok=True)
    text = (templates_dir() / f"{kind}.txt").read_text()
    first, _, rest = text.partition("\n")
    (folder / f"{kind}.txt").write_text(
        f"{first}\n{{% if {condition} %}}{{{{ no_such_value.here }}}}{{% endif %}}\n{rest}"
    )
    return folder


def prompts(d: Driven) -> list[tuple[str, int]]:
    return sorted((m.to[0], m.week) for m in d.sent() if m.kind == "checkin")  # type: ignore[misc]


def work(d: Driven) -> list[dict[str, object]]:
    t = schema.work
    with d.store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.key))]


def test_a_prompt_that_cannot_be_built_is_retried_parked_shown_and_stops_nothing(
    tmp_path: Path, rota
) -> None:  # type: ignore[no-untyped-def]
    templates = broken_templates(tmp_path, "checkin", "mentee.email == 'ana@example.org'")
    config = program(tmp_path, templates)
    d = Driven.start(config, START)
    d.run_until(ANA_PROMPT0 + timedelta(minutes=30))
    # Lea's prompt went; Ana's failed and waits for its retry, recorded in the store
    assert prompts(d) == [("lea@example.org", 0)]
    [w] = work(d)
    assert w["key"] == "prompt:ana@example.org:0" and w["state"] == "retrying"
    assert w["attempts"] >= 4 and "no_such_value" in str(w["last_error"])
    d.run_until(ANA_PROMPT0 + timedelta(hours=6))
    [w] = work(d)
    assert w["state"] == "parked" and w["attempts"] == 8
    # the admin sees it: rota status (table and JSON) and the Monday digest
    status: CliResult = rota("status", "-c", str(config), "--format", "json")
    [item] = json.loads(status.out)["work"]
    assert (
        item["state"] == "parked" and item["item"] == "check-in prompt to ana@example.org, week 0"
    )
    assert "parked for you" in rota("status", "-c", str(config)).out
    d.run_until(datetime(2026, 3, 9, 12, tzinfo=UTC))
    [digest] = [m for m in d.sent() if m.kind == "digest" and m.week == 0]
    assert "check-in prompt to ana@example.org, week 0" in digest.text()
    # nothing else stopped: Lea's reminder went out on time
    assert any(m.kind == "reminder" and m.to == ["lea@example.org"] for m in d.sent())
    # the next week's prompt fails the same way; Lea's keep coming
    d.run_until(datetime(2026, 3, 14, tzinfo=UTC))
    assert prompts(d) == [("lea@example.org", 0), ("lea@example.org", 1)]
    assert [(w["key"], w["state"]) for w in work(d)] == [
        ("prompt:ana@example.org:0", "parked"),
        ("prompt:ana@example.org:1", "parked"),
    ]
    # the admin fixes the template; the next start tries the parked prompts again: week 1's
    # goes out (its week is still open), week 0's time has passed, and it stays listed with
    # that reason rather than vanishing
    shutil.rmtree(templates)
    d = d.restart(program(tmp_path))
    d.run_until(datetime(2026, 3, 17, tzinfo=UTC))
    assert ("ana@example.org", 1) in prompts(d) and ("ana@example.org", 0) not in prompts(d)
    [w] = work(d)
    assert w["key"] == "prompt:ana@example.org:0" and w["state"] == "parked"
    assert "week passed" in str(w["last_error"])
    d.close()


def test_a_fixed_template_lets_a_retrying_prompt_go_out_within_its_week(tmp_path: Path) -> None:
    templates = broken_templates(tmp_path, "checkin", "mentee.email == 'ana@example.org'")
    d = Driven.start(program(tmp_path, templates), START)
    d.run_until(ANA_PROMPT0 + timedelta(minutes=10))
    assert prompts(d) == [("lea@example.org", 0)]
    # fixed in place; the next retry works and Ana gets her prompt, once
    (templates / "checkin.txt").write_text((templates_dir() / "checkin.txt").read_text())
    d.run_until(ANA_PROMPT0 + timedelta(hours=2))
    assert prompts(d) == [("ana@example.org", 0), ("lea@example.org", 0)]
    assert work(d) == []
    d.close()


def test_a_forward_that_cannot_be_built_holds_up_nothing_else(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    templates = broken_templates(tmp_path, "forward", "'boom' in free_text")
    config = program(tmp_path, templates)
    d = Driven.start(config, START)
    inbox = tmp_path / "mail" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    d.run_until(ANA_PROMPT0 + timedelta(hours=1))
    cfg = d.app.config
    ana = plain_checkin(
        cfg, SECRET, "ana@example.org", 0, ANA_PROMPT0 + timedelta(hours=1), "ana0@x", "boom\n"
    )
    lea = plain_checkin(
        cfg, SECRET, "lea@example.org", 0, LEA_PROMPT0 + timedelta(hours=1), "lea0@x"
    )
    (inbox / "ana.eml").write_bytes(ana)
    (inbox / "lea.eml").write_bytes(lea)
    d.run_until(datetime(2026, 3, 14, tzinfo=UTC))
    kinds = [(m.kind, m.to[0], m.week) for m in d.sent()]
    assert ("forward", "ben@example.org", 0) in kinds  # Lea's
    assert sum(1 for k in kinds if k[0] == "forward") == 1
    assert ("checkin", "ana@example.org", 1) in kinds and ("checkin", "lea@example.org", 1) in kinds
    [w] = work(d)
    assert w["kind"] == "forward" and w["state"] == "parked"
    status = json.loads(rota("status", "-c", str(config), "--format", "json").out)
    assert (
        status["work"][0]["item"] == "forward of ana@example.org's week 0 check-in to their mentor"
    )
    # fixed: the forward goes on the next start, and only once
    shutil.rmtree(templates)
    d = d.restart(program(tmp_path))
    d.run_until(datetime(2026, 3, 16, 12, tzinfo=UTC))
    forwards = [m for m in d.sent() if m.kind == "forward"]
    assert len(forwards) == 2 and any("boom" in m.text() for m in forwards)
    assert work(d) == []
    d.close()
