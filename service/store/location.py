"""Where a store lives, read from its URL without importing SQLAlchemy.

`rota plan` and the other read-only commands only open a store when one is already there; the
question is asked before anything else and SQLAlchemy takes longer to import than a small
program takes to plan, so it is answered here with the URL's own grammar (SQLAlchemy's, for
the parts a SQLite URL uses; a test checks the two agree).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

_URL = re.compile(
    r"(?P<name>[\w+]+)://"
    r"(?:[^:/]*(?::[^@]*)?@)?"  # user and password
    r"(?:(?:\[[^/?]+\]|[^/:?]+)?(?::[^/?]*)?)?"  # host and port
    r"(?:/(?P<database>[^?]*))?"
    r"(?:\?.*)?",
    re.DOTALL,
)


def sqlite_database(url: str) -> str | None:
    """The database of a SQLite URL (a path, ":memory:" or None); None for any other URL."""
    match = _URL.fullmatch(url)
    if match is None or match["name"].split("+", 1)[0] != "sqlite":
        return None
    database = match["database"]
    return unquote(database) if database else None


def is_sqlite(url: str) -> bool:
    match = _URL.fullmatch(url)
    return match is not None and match["name"].split("+", 1)[0] == "sqlite"


def store_exists(url: str) -> bool:
    """Whether opening `url` would find an existing store (SQLite: the file is there)."""
    if not is_sqlite(url):
        return True
    db = sqlite_database(url)
    return bool(db) and (db == ":memory:" or Path(str(db)).exists())
