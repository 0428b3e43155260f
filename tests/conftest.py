"""Shared fixtures: run the CLI in-process and find the repository's files."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "example.toml"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class _BinaryStdout(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()


@pytest.fixture
def rota() -> Callable[..., CliResult]:
    """Run `rota ARGS…` in this process and capture its exit code, stdout and stderr."""
    from service.cli import main

    def run(*args: str) -> CliResult:
        out, err = _BinaryStdout(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
        text = out.getvalue() + out.buffer.getvalue().decode("utf-8")
        return CliResult(code, text, err.getvalue())

    return run
