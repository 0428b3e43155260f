"""An installed Rota (the wheel in a fresh virtual environment) runs every command from an
unrelated folder: the package ships whole, with its templates and example config."""

from __future__ import annotations

import email
import json
import subprocess
import zipfile
from email import policy
from pathlib import Path

from tests.conftest import ROOT
from tests.packaging.conftest import Installed

SOURCE_ROOTS = ("scheduling", "mail", "service")


def test_the_wheel_carries_every_package_of_the_source_tree(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for root in SOURCE_ROOTS:
        for init in (ROOT / root).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.relative_to(ROOT).as_posix()
            assert rel in names, f"the wheel lacks {rel}"
            for module in init.parent.glob("*.py"):
                assert module.relative_to(ROOT).as_posix() in names
    assert "service/resources/config/example.toml" in names
    assert {
        "service/resources/templates/checkin.txt",
        "service/resources/templates/_layout.html",
    } <= names


def test_every_command_of_an_installed_rota_works_from_an_unrelated_folder(
    installed: Installed, tmp_path: Path
) -> None:
    where = tmp_path / "elsewhere"
    where.mkdir()
    found = installed.run("check-config", "-c", "rota.toml", cwd=where)
    assert found.returncode == 2 and "rota.toml" in found.stderr  # no such file: a clear error
    located = subprocess.run(
        [
            str(installed.python),
            "-c",
            "from service.resources import example_config as e; print(e())",
        ],
        cwd=where,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert located.startswith(str(installed.venv)), (
        located
    )  # the installed copy, not the checkout's
    (where / "rota.toml").write_text(Path(located).read_text())

    def ok(*args: str) -> str:
        done = installed.run(*args, cwd=where)
        assert done.returncode == 0, f"rota {' '.join(args)}: {done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout

    assert "ok" in ok("check-config", "-c", "rota.toml").lower()
    plan = json.loads(ok("plan", "-c", "rota.toml", "--format", "json"))
    assert plan["series"] and plan["burden"]
    assert "BEGIN:VCALENDAR" in ok("plan", "-c", "rota.toml", "--format", "ics")
    for kind in (
        "checkin",
        "reminder",
        "escalation",
        "forward",
        "invite",
        "cancel",
        "evaluation",
        "digest",
    ):
        eml = ok("preview", "-c", "rota.toml", kind)
        msg = email.message_from_string(eml, policy=policy.default)
        assert msg["Message-ID"] and msg["From"], kind
    reply = ROOT / "tests" / "corpus" / "replies" / "apple_mail.eml"
    assert json.loads(ok("parse", str(reply)))["kind"] == "checkin"
    sim = json.loads(
        ok(
            "simulate",
            "-c",
            "rota.toml",
            "--until",
            "2027-01-10",
            "--out",
            "sim",
            "--format",
            "json",
        )
    )
    assert {"invite", "checkin", "reminder", "escalation", "digest"} <= {e["kind"] for e in sim}
    assert len(list((where / "sim" / "outbox").glob("*.eml"))) == len(sim)
    ok("send-test", "-c", "rota.toml", "--to", "admin@example.org")
    ok("run", "-c", "rota.toml", "--once")
    status = json.loads(ok("status", "-c", "rota.toml", "--format", "json"))
    assert "outbox" in status
    assert isinstance(json.loads(ok("report", "-c", "rota.toml", "--format", "json")), dict)
    ok("export", "-c", "rota.toml", "--markdown", "md")
    ok("search", "-c", "rota.toml", "goals")
    # nothing was written inside the installed package
    assert not (installed.venv / "var").exists()
