"""One Rota process per store, however the config names the database file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.store.lock import StoreBusy, StoreLock


def test_a_second_process_on_the_same_file_is_refused(tmp_path: Path) -> None:
    with StoreLock(f"sqlite:///{tmp_path / 'rota.db'}"):
        with pytest.raises(StoreBusy, match=f"pid {os.getpid()}"):
            StoreLock(f"sqlite:///{tmp_path / 'rota.db'}").acquire()
    StoreLock(f"sqlite:///{tmp_path / 'rota.db'}").acquire()  # released: free again


def test_a_symlink_to_the_database_shares_its_lock(tmp_path: Path) -> None:
    real = tmp_path / "data" / "rota.db"
    real.parent.mkdir()
    real.touch()
    (tmp_path / "link.db").symlink_to(real)
    (tmp_path / "linked-dir").symlink_to(real.parent, target_is_directory=True)
    with StoreLock(f"sqlite:///{real}"):
        for other in (tmp_path / "link.db", tmp_path / "linked-dir" / "rota.db"):
            with pytest.raises(StoreBusy):
                StoreLock(f"sqlite:///{other}").acquire()


def test_a_relative_path_and_an_absolute_one_share_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    with StoreLock("sqlite:///var/rota.db"):
        with pytest.raises(StoreBusy):
            StoreLock(f"sqlite:///{tmp_path}/var/../var/rota.db").acquire()
