"""The plan is kept in the store and reused while the program and the ledger are unchanged:
a daemon's restart, `rota preview`, `rota plan` and `rota simulate` do not plan again."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import scheduling.plan
from service.app import App
from service.clock import ManualClock
from service.config.load import load_config
from service.plans import dump_plan, load_plan, plan_key
from service.program import program_spec
from service.store.store import Store
from tests.conftest import ROOT
from tests.support.configs import G, P, Program
from tests.support.driver import SECRET, files_extra

START = datetime(2026, 3, 2, tzinfo=UTC)


def program(tmp: Path, hours: str = "07:00-22:00") -> Path:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz", available=hours),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            P("priya@example.org", "Asia/Kolkata", name="Priya Raman"),
            P("mia@example.org", "Australia/Sydney", name="Mia Chen"),
        ],
        pairs=[("ben@example.org", "ana@example.org"), ("ben@example.org", "priya@example.org")],
        groups=[
            G(
                "Circle",
                ["ben@example.org", "ana@example.org", "priya@example.org", "mia@example.org"],
                quorum=3,
            )
        ],
        extra=files_extra(tmp),
    ).write(tmp)


@pytest.fixture
def plans_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the planner really ran (each caller imported it by name)."""
    made: list[int] = []
    real = scheduling.plan.plan_program

    def counting(*args: object, **kw: object) -> object:
        made.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    for module in ("service.jobs", "service.commands.plan", "service.commands.preview"):
        monkeypatch.setattr(f"{module}.plan_program", counting)
    return made


def app_on(config: Path) -> App:
    c = load_config(config)
    from mail.maildir import MaildirOutbox

    clock = ManualClock(START)
    return App(c, Store(c.store.url), SECRET, clock, MaildirOutbox(c.mail.maildir, clock.now))


def test_a_restart_reuses_the_plan_and_a_changed_config_plans_again(
    tmp_path: Path, plans_made: list[int]
) -> None:
    config = program(tmp_path)
    first = app_on(config)
    plan = first.jobs.plan()
    assert len(plans_made) == 1
    first.store.close()
    again = app_on(config)
    assert again.jobs.plan().occurrences == plan.occurrences  # from the store
    assert len(plans_made) == 1
    again.store.close()
    changed = app_on(program(tmp_path, hours="08:00-21:00"))
    changed.jobs.plan()
    assert len(plans_made) == 2  # Ben's hours changed: planned again
    changed.store.close()


def test_preview_plan_and_simulate_reuse_the_stored_plan(
    tmp_path: Path, rota, plans_made: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    config = str(program(tmp_path))
    assert rota("plan", "-c", config).code == 0
    assert len(plans_made) == 1  # no store yet: nothing kept, nothing created
    assert not (tmp_path / "rota.db").exists()
    Store(load_config(config).store.url).close()  # the daemon's store exists from now on
    assert rota("plan", "-c", config, "--format", "json").code == 0
    assert rota("plan", "-c", config, "--format", "ics").code == 0
    assert len(plans_made) == 2  # planned once more, then kept
    assert rota("preview", "-c", config, "invite").code == 0
    assert rota("simulate", "-c", config, "--until", "2026-03-20", "--out", "sim").code == 0
    assert len(plans_made) == 2, "preview and simulate used the kept plan"


def test_a_stored_plan_reads_back_as_it_was(tmp_path: Path) -> None:
    spec = program_spec(load_config(program(tmp_path)))
    plan = scheduling.plan.plan_program(spec)
    again = load_plan(spec, dump_plan(plan))
    assert again.occurrences == plan.occurrences and again.burden == plan.burden


def test_the_key_is_the_same_in_every_process(tmp_path: Path) -> None:
    config = program(tmp_path)
    code = (
        "from service.config.load import load_config; from service.plans import plan_key;"
        "from service.program import program_spec;"
        f"print(plan_key(program_spec(load_config({str(config)!r})), []))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert keys == {plan_key(program_spec(load_config(config)), [])}
