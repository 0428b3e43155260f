"""The wheel carries the templates and the example config: an installed Rota needs no checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_an_installed_wheel_finds_its_templates_and_example_config(tmp_path: Path) -> None:
    # build from a clean clone: only what is committed reaches users
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(clone)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("rota-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "service/resources/config/example.toml" in names
    assert (
        "service/resources/templates/checkin.txt" in names
        and "service/resources/templates/_layout.html" in names
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    # run from an unrelated directory, the installed copy first on the path, dependencies from ours
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = (
        "import service.resources as r, pathlib, sys;"
        "t = r.templates_dir(); c = r.example_config();"
        f"assert str(t).startswith({str(target)!r}), t;"
        "print((t / 'checkin.txt').is_file(), c.is_file())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True True"
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from service.cli import main; "
            "from service.resources import example_config; "
            "sys.exit(main(['check-config', '-c', str(example_config())]))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    # the installed copy runs the program on its own example config: every template it needs
    simulated = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from service.cli import main; "
            "from service.resources import example_config; "
            "sys.exit(main(['simulate', '-c', str(example_config()), '--until', '2027-01-10', "
            "'--out', 'sim', '--format', 'json']))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert simulated.returncode == 0, simulated.stderr
    kinds = {e["kind"] for e in json.loads(simulated.stdout)}
    assert kinds >= {"invite", "checkin", "reminder", "escalation", "digest"}
    assert len(list((tmp_path / "sim" / "outbox").glob("*.eml"))) == len(
        json.loads(simulated.stdout)
    )
