"""Configs an admin gets wrong (or an attacker writes) end in one clear line and the right
exit code from every command, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

COMMANDS = (("check-config",), ("plan",), ("status",), ("run", "--once"), ("preview", "checkin"))


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROTA_SECRET", "hostile-config-test-secret-0123456789")
    monkeypatch.chdir(tmp_path)


def variant(tmp: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp / "rota.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(start: str) -> int:
    """The example config's line that starts with `start` (1-based)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return next(i for i, x in enumerate(lines, start=1) if x.startswith(start))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'templates = ""',
            'templates = "no/such/folder"',
            f"rota.toml:{line_of('templates = ')}: mail.templates: no folder no/such/folder",
        ),
        (
            'maildir = "var/mail"',
            'maildir = "rota.toml"',
            f"rota.toml:{line_of('maildir = ')}: mail.maildir: rota.toml is a file, not a folder",
        ),
    ],
)
def test_paths_the_config_names_are_checked_by_every_command(
    rota, tmp_path: Path, old: str, new: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    config = variant(tmp_path, old, new)
    for command in COMMANDS:
        done = rota(command[0], "-c", str(config.name), *command[1:])
        assert done.code == 2, (command, done.err)
        assert done.err.startswith(expected), (command, done.err)


def test_a_file_that_is_not_utf8_names_the_line(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = EXAMPLE.read_bytes().replace(b"Ben Ortiz", b"Ben \xff Ortiz", 1)
    (tmp_path / "rota.toml").write_bytes(text)
    line = text[: text.index(b"\xff")].count(b"\n") + 1
    done = rota("check-config", "-c", "rota.toml")
    assert done.code == 2
    assert (
        done.err.strip()
        == f"rota.toml:{line}: file: not UTF-8 text (byte 0xff) (save the file as UTF-8)"
    )


def test_absurdly_nested_toml_is_a_config_error(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "rota.toml").write_text("a = " + "[" * 5000 + "]" * 5000)
    done = rota("check-config", "-c", "rota.toml")
    assert done.code == 2 and "nested too deep" in done.err and "Traceback" not in done.err


def test_a_store_that_cannot_be_opened_is_one_clear_line(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "blocker").write_text("a file where a folder should be")
    config = variant(tmp_path, 'url = "sqlite:///var/rota.db"', 'url = "sqlite:///blocker/rota.db"')
    done = rota("run", "-c", config.name, "--once")
    assert done.code == 1, done.err
    assert done.err.startswith("rota: cannot ") and "internal error" not in done.err
    missing_driver = variant(
        tmp_path, 'url = "sqlite:///var/rota.db"', 'url = "postgresql+nosuchdriver://u:pw@h/db"'
    )
    done = rota("status", "-c", missing_driver.name)
    assert done.code == 1 and "pw" not in done.err and "internal error" not in done.err
