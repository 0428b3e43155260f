"""The store's location read from its URL without SQLAlchemy agrees with SQLAlchemy's reading:
a read-only command (`rota plan`) asks whether a store is there before it imports anything
heavy, and must find the same file the store would open."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from service.store.location import sqlite_database, store_exists

URLS = [
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///var/rota.db",
    "sqlite:////tmp/a%20b.db",
    "sqlite:////srv/rota/rota.db?timeout=30",
    "sqlite+pysqlite:///x.db?mode=ro",
    "sqlite://host/x.db",
    "sqlite:///a b.db",
    "sqlite:///weird%3Fname.db",
    "postgresql://rota:s3cr%40t@db.example.org:5432/rota",
    "postgresql+psycopg://rota@[::1]:5432/rota?sslmode=require",
]


@pytest.mark.parametrize("url", URLS)
def test_the_database_path_is_the_one_sqlalchemy_opens(url: str) -> None:
    parsed = make_url(url)
    expected = parsed.database if parsed.get_backend_name() == "sqlite" else None
    assert sqlite_database(url) == expected


def test_a_store_exists_only_where_its_file_is(tmp_path: Path) -> None:
    db = tmp_path / "with space" / "rota.db"
    url = "sqlite:///" + str(db).replace(" ", "%20")
    assert not store_exists(url)
    db.parent.mkdir()
    db.write_bytes(b"")
    assert store_exists(url)
    assert store_exists("sqlite:///:memory:")
    assert not store_exists("sqlite://")
    assert store_exists("postgresql://rota@localhost/rota")  # a server: ask it, not the disk
