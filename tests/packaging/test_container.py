"""What the Dockerfile runs, run here (there is no Docker engine on this machine): the
container's start script on an empty data volume, and its HEALTHCHECK command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.packaging.conftest import Installed


def test_the_dockerfile_runs_rota_as_a_non_root_user_with_a_volume_and_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    assert re.search(r"^USER rota$", text, re.MULTILINE)
    assert 'VOLUME ["/data"]' in text
    health = re.search(r"HEALTHCHECK .*?CMD (.*?) \|\| exit 1", text, re.DOTALL)
    assert health and "rota status" in health.group(1) and "--check" in health.group(1)
    for copied in re.findall(r"^COPY (?!--)(\S+)", text, re.MULTILINE):
        assert (ROOT / copied).exists(), f"the Dockerfile copies {copied}, which is missing"


def test_the_container_start_runs_the_example_program_and_the_healthcheck_passes(
    tmp_path: Path, installed: Installed
) -> None:
    # the image installs the wheel (not a checkout): run the start script on that install
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ROTA_SECRET", "ROTA_CONFIG", "ROTA_CRASH_AT", "PYTHONPATH")
    }
    env.update(
        ROTA_DATA=str(tmp_path),
        ROTA_CONFIG=str(tmp_path / "no-such-config.toml"),
        PATH=f"{installed.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    log = open(tmp_path / "log", "wb")
    proc = subprocess.Popen(
        ["sh", str(ROOT / "scripts" / "container-start")], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while len(list((tmp_path / "var" / "mail" / "outbox").glob("*.eml"))) < 10:
            assert proc.poll() is None, (tmp_path / "log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "log").read_text()
            time.sleep(0.2)
        assert (tmp_path / "rota.secret").stat().st_mode & 0o077 == 0
        config = (tmp_path / ".rota-config").read_text().strip()
        health = subprocess.run(
            [str(installed.rota), "status", "-c", config, "--check"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert health.returncode == 0, health.stdout + health.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert (tmp_path / "var" / "rota.db").exists()
    assert "running the example program" in (tmp_path / "log").read_text()
