"""`rota plan` as users script it: SPEC §4 JSON, table, html, date windows, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from service.config.load import load_config
from tests.conftest import EXAMPLE, ROOT
from tests.support.reference import check_plan

OCC_KEYS = {"week", "start", "end", "local", "inconvenience"}


def test_json_has_exactly_the_spec_shape_and_passes_the_reference(rota) -> None:  # type: ignore[no-untyped-def]
    res = rota("plan", "-c", str(EXAMPLE), "--format", "json")
    assert res.code == 0 and res.err == ""
    plan = json.loads(res.out)
    assert set(plan) == {"program", "series", "burden"}
    assert plan["program"] == "Open Source Mentorship 2027"
    for s in plan["series"]:
        assert set(s) == {"id", "kind", "title", "attendees", "occurrences"}
        # round/… (a pairing round's meeting) is an extension, where rounds are configured
        assert re.fullmatch(r"(call|review)/[^/]+/[^/]+|group/.+|round/.+/\d+/[^/]+", s["id"])
        for o in s["occurrences"]:
            if o.get("unschedulable"):
                assert set(o) == {"week", "unschedulable", "blocked_by", "reason"}
                continue
            # "roles" is an extension, only where a group has roles configured
            roles = {"roles"} if s["id"] == "group/Spring circle" else set()
            assert set(o) == OCC_KEYS | ({"left_out"} if s["kind"] == "group" else set()) | roles
            assert o["start"].endswith("Z") and o["end"].endswith("Z")
            assert set(o["local"]) == set(s["attendees"]) == set(o["inconvenience"])
    assert check_plan(load_config(EXAMPLE), plan) == []


def test_ben_is_away_so_his_week_5_reviews_are_reported_not_dropped(rota) -> None:  # type: ignore[no-untyped-def]
    plan = json.loads(rota("plan", "-c", str(EXAMPLE), "--format", "json").out)
    review = next(s for s in plan["series"] if s["id"] == "review/ben@example.org/ana@example.org")
    week5 = next(o for o in review["occurrences"] if o["week"] == 5)
    assert week5 == {
        "week": 5,
        "unschedulable": True,
        "blocked_by": ["ben@example.org"],
        "reason": "away 2027-01-04..2027-01-08",
    }


def test_a_date_window_selects_occurrences_and_burden_sums_what_is_shown(rota) -> None:  # type: ignore[no-untyped-def]
    plan = json.loads(
        rota(
            "plan",
            "-c",
            str(EXAMPLE),
            "--format",
            "json",
            "--from",
            "2026-12-30",
            "--until",
            "2027-01-29",
        ).out
    )
    total = dict.fromkeys(plan["burden"], 0.0)
    for s in plan["series"]:
        for o in s["occurrences"]:
            if "start" in o:
                assert "2026-12-29" <= o["start"][:10] <= "2027-01-30"
                for m, c in o["inconvenience"].items():
                    total[m] += c
    assert plan["burden"] == total


def test_table_shows_each_attendees_local_time_marks_and_burden(rota) -> None:  # type: ignore[no-untyped-def]
    out = rota("plan", "-c", str(EXAMPLE)).out
    assert "call/ben@example.org/priya@example.org" in out
    assert "America/New_York" in out and "Asia/Kolkata" in out
    assert re.search(r"Wed \d\d:\d\d \*\d", out), "inconvenient meetings carry a * and their cost"
    assert "unschedulable: ben@example.org — away 2027-01-04..2027-01-08" in out
    assert "–16" in out or "–9" in out, "a left-out member shows the miss cost"
    assert (
        out.rstrip()
        .splitlines()[-1]
        .strip()
        .startswith(("Ben", "Ana", "Priya", "Tom", "Lucía", "Mia", "Kofi", "Noa", "Sam"))
    )


def test_html_is_a_self_contained_page(rota) -> None:  # type: ignore[no-untyped-def]
    out = rota("plan", "-c", str(EXAMPLE), "--format", "html").out
    assert out.startswith("<!doctype html>") and "Who carries which hours" in out
    assert "<script" not in out and "http" not in out


def test_bad_input_exits_2_with_one_line(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = rota("plan", "-c", str(EXAMPLE), "--from", "2026-05-01", "--until", "2026-04-01")
    assert res.code == 2 and res.err == "rota: --until 2026-04-01 is before --from 2026-05-01\n"
    res = rota("plan", "-c", str(tmp_path / "missing.toml"))
    assert res.code == 2 and res.err.count("\n") == 1


def test_the_installed_console_script_runs() -> None:
    rota = Path(sys.executable).parent / "rota"
    done = subprocess.run(
        [str(rota), "plan", "-c", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["program"] == "Open Source Mentorship 2027"
