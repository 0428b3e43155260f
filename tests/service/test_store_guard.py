"""A program that has sent mail never starts again on an empty store by accident: a lost
store would send every invite (SEQUENCE back to 0) and every prompt again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mail.imap import ImapInbox
from service.config.load import load_config
from service.guard import StoreRefused, StoreUnverified, guard_store, program_key
from service.store.store import Store
from tests.adapters.test_imap import dovecot, settings  # noqa: F401  (the fixture)
from tests.service.test_inbox_supervision import program
from tests.support.dovecot import Dovecot
from tests.support.driver import SECRET


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_SECRET", SECRET.decode())


def outbox(tmp: Path) -> list[Path]:
    return sorted((tmp / "mail" / "outbox").glob("*.eml"))


def test_a_lost_store_is_refused_and_new_store_starts_over(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = program(tmp_path)
    first = rota("run", "-c", str(config), "--once")
    assert first.code == 0, first.err
    sent = outbox(tmp_path)
    assert sent, "the first run sends the program's invites and prompts"
    assert rota("run", "-c", str(config), "--once").code == 0  # the same store: fine
    # the store is lost (a deleted file, a new volume); the mail folder remembers the program
    (tmp_path / "rota.db").unlink()
    refused = rota("run", "-c", str(config), "--once")
    assert refused.code == 2
    assert "has already run with another store" in refused.err
    assert "--new-store" in refused.err and "Traceback" not in refused.err
    assert outbox(tmp_path) == sent, "nothing was sent again"
    # on purpose: the admin starts over
    again = rota("run", "-c", str(config), "--once", "--new-store")
    assert again.code == 0, again.err
    assert rota("run", "-c", str(config), "--once").code == 0  # and that store is known now


def test_a_simulation_into_the_same_maildir_does_not_count_as_a_run(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    config = program(tmp_path)
    done = rota("simulate", "-c", str(config), "--until", str(datetime.now(UTC).date()))
    assert done.code == 0, done.err
    assert rota("run", "-c", str(config), "--once").code == 0


async def test_the_imap_processed_folder_keeps_the_marker(dovecot: Dovecot, tmp_path: Path) -> None:  # noqa: F811
    config = load_config(program(tmp_path))
    user = dovecot.user()
    now = datetime.now(UTC)
    old = Store(f"sqlite:///{tmp_path / 'old.db'}")
    await guard_store(config, old, ImapInbox(settings(dovecot, user)), False, now)
    with old.engine.begin() as conn:  # the old store has history
        old.outbox.add(
            conn,
            message_id="<a@x>",
            kind="checkin",
            sender="t@example.org",
            recipients=["ana@example.org"],
            subject="s",
            eml=b"x",
            due_at=now,
            now=now,
        )
    await guard_store(config, old, ImapInbox(settings(dovecot, user)), False, now)
    new = Store(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(StoreRefused, match="has already run with another store"):
        await guard_store(config, new, ImapInbox(settings(dovecot, user)), False, now)
    await guard_store(config, new, ImapInbox(settings(dovecot, user)), True, now)
    inbox = ImapInbox(settings(dovecot, user))
    await inbox.connect()
    try:
        assert len(await inbox.read_markers(program_key(config))) == 2
    finally:
        await inbox.close()
    old.close()
    new.close()


async def test_a_fresh_store_that_cannot_reach_its_mail_server_waits_for_it(
    tmp_path: Path,
) -> None:
    from tests.support.configs import P, Program
    from tests.support.driver import files_extra

    text = Program(
        people=[P("ben@example.org", "UTC"), P("ana@example.org", "UTC")],
        pairs=[("ben@example.org", "ana@example.org")],
        extra=files_extra(tmp_path).replace(
            "[mail]",
            '[mail]\ntransport = "imap-smtp"\n'
            'smtp = { host = "127.0.0.1", port = 9, security = "none" }\n'
            'imap = { host = "127.0.0.1", port = 9, security = "none", timeout = 2 }',
        ),
    ).write(tmp_path)
    config = load_config(text)
    store = Store(config.store.url)
    from service.wiring import inbox_of

    inbox, _ = inbox_of(config)
    with pytest.raises(StoreUnverified, match="cannot check whether"):
        await guard_store(config, store, inbox, False, datetime.now(UTC))
    await guard_store(config, store, inbox, True, datetime.now(UTC))  # told to: it starts
    store.close()


def unreachable_mail(tmp: Path) -> Path:
    from tests.support.configs import P, Program
    from tests.support.driver import files_extra

    return Program(
        people=[P("ben@example.org", "UTC"), P("ana@example.org", "UTC")],
        pairs=[("ben@example.org", "ana@example.org")],
        extra=files_extra(tmp).replace(
            "[mail]",
            '[mail]\ntransport = "imap-smtp"\n'
            'smtp = { host = "127.0.0.1", port = 9, security = "none" }\n'
            'imap = { host = "127.0.0.1", port = 9, security = "none", timeout = 2 }',
        ),
    ).write(tmp)


async def test_a_new_daemon_waits_for_its_mail_server_and_sends_nothing_meanwhile(
    tmp_path: Path,
) -> None:
    from service.daemon import Daemon

    daemon = Daemon(unreachable_mail(tmp_path))
    daemon.inbox_retry = 0.05
    running = asyncio.create_task(daemon.run())
    await asyncio.sleep(1)
    assert not running.done()
    assert daemon.store is not None and daemon.store.outbox.counts() == {}
    daemon.stop()
    assert await asyncio.wait_for(running, 10) == 0


def test_run_once_on_a_new_store_without_its_mail_server_exits_1(tmp_path: Path, rota) -> None:  # type: ignore[no-untyped-def]
    done = rota("run", "-c", str(unreachable_mail(tmp_path)), "--once")
    assert done.code == 1 and "cannot check whether" in done.err
