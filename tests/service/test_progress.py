"""Long runs of `rota plan` and `rota simulate` say on stderr that they are working; stdout
carries only the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.programs import realistic


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress from the first moment (a real run shows it after two seconds)."""
    import service.progress as p

    monkeypatch.setattr(p, "AFTER", 0.0)
    monkeypatch.setattr(p, "EVERY", 0.0)
    monkeypatch.setattr(p.Progress.__init__, "__defaults__", (None, 0.0))


def test_plan_reports_progress_on_stderr_and_json_on_stdout(
    tmp_path: Path, rota, eager: None
) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "rota.toml"
    config.write_text(realistic(3, 50))
    done = rota("plan", "-c", str(config), "--format", "json")
    assert done.code == 0
    json.loads(done.out)  # stdout is the plan alone
    lines = done.err.splitlines()
    assert any(line.startswith("rota: planning, groups of people solved: ") for line in lines)
    assert lines[-1].startswith("rota: planning, groups of people solved: done in ")


def test_simulate_reports_progress_on_stderr(tmp_path: Path, rota, eager: None) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "rota.toml"
    config.write_text(realistic(3, 8))
    done = rota(
        "simulate", "-c", str(config), "--until", "2026-04-10", "--out", str(tmp_path / "sim"),
        "--format", "json",
    )  # fmt: skip
    assert done.code == 0
    assert json.loads(done.out)
    assert "rota: simulating: planning, " in done.err
    assert "rota: simulating: at 2026-0" in done.err
    assert "rota: simulating: done in " in done.err


def test_quick_runs_say_nothing(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "rota.toml"
    config.write_text(realistic(3, 8))
    done = rota("plan", "-c", str(config))
    assert done.code == 0 and done.err == ""
