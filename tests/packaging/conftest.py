"""An installed Rota, as a user gets it: the wheel built from what git would ship, installed
with its dependencies into a fresh virtual environment, run from an unrelated folder.

Nothing of the checkout may leak in: no editable finder, no PYTHONPATH, no current directory
on the path. (A wheel test that ran beside the editable install once passed while every
installed `rota` failed with ModuleNotFoundError.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

SECRET = "packaging-test-secret-0123456789abcdef"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path

    @property
    def rota(self) -> Path:
        return self.venv / "bin" / "rota"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_FIND_LINKS")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env["ROTA_SECRET"] = SECRET
        return env

    def run(
        self, *args: str, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.rota), *args],
            cwd=cwd,
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def shipped_tree(dest: Path) -> Path:
    """The files git would ship (tracked, or new and not ignored), copied to `dest`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        src = ROOT / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("installed")
    tree = shipped_tree(base / "src")
    wheels = base / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(tree)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("rota-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    pip = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert pip.returncode == 0, pip.stderr
    yield Installed(env_dir, wheel)
