"""Where the packaged example config and templates live, installed or in a checkout.

A wheel carries `config/` and `templates/` as `service/resources/config` and
`service/resources/templates` (see pyproject's package-dir); a checkout (or an editable
install) has them at the top of the repository. Callers never guess paths themselves.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The directory of packaged resource `name` ("config" or "templates")."""
    for candidate in (_HERE / name, _HERE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"rota's packaged {name}/ directory is missing from this install")


def example_config() -> Path:
    return resource_dir("config") / "example.toml"


def templates_dir() -> Path:
    return resource_dir("templates")
