"""Reading replies from a real Dovecot on loopback: records, filing, IDLE, faults, resets."""

from __future__ import annotations

import asyncio
import imaplib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlalchemy import select

from mail.errors import PermanentError, TransientError
from mail.imap import ImapInbox, ImapSettings
from service.clock import ManualClock
from service.config.model import Config
from service.emails import Mailer, load_templates
from service.inbound import Inbound
from service.ingest import FETCH_BATCH, Ingester
from service.store import schema
from service.store.store import Store
from tests.support.configs import P, Program
from tests.support.dovecot import PASSWORD, Dovecot, start

SECRET = b"a test secret that is long enough"
NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    yield from start()


@pytest.fixture(scope="session")
def dovecot_without_move() -> Iterator[Dovecot]:
    yield from start(move=False)


@pytest.fixture
def program() -> Config:
    return Program(
        people=[
            P("ben@example.org", "America/New_York", name="Ben Ortiz"),
            P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
        ],
        pairs=[("ben@example.org", "ana@example.org")],
    ).load()


def reply(
    config: Config,
    week: int,
    body: str,
    sender: str = "ana@example.org",
    mid: str = "r1",
    to: str | None = None,
) -> bytes:
    prompt = Mailer(config, load_templates(config), SECRET).checkin("ana@example.org", week, NOW)
    msg = EmailMessage()
    msg["From"] = f"Ana Sousa <{sender}>"
    msg["To"] = to or prompt.reply_to[0].email
    msg["Subject"] = f"Re: {prompt.subject}"
    msg["Message-ID"] = f"<{mid}@mail.example.net>"
    msg["In-Reply-To"] = prompt.message_id
    msg["Date"] = "Sat, 14 Mar 2026 09:00:00 +0000"
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def imap(d: Dovecot, user: str) -> imaplib.IMAP4:
    m = imaplib.IMAP4("127.0.0.1", d.port, timeout=10)
    m.login(user, PASSWORD)
    return m


def append(d: Dovecot, user: str, *messages: bytes, folder: str = "INBOX") -> None:
    m = imap(d, user)
    m.create(folder)
    for raw in messages:
        m.append(folder, None, None, raw)
    m.logout()


def count(d: Dovecot, user: str, folder: str) -> int:
    m = imap(d, user)
    typ, data = m.select(folder)
    m.logout()
    return int(data[0]) if typ == "OK" else -1


def settings(d: Dovecot, user: str, **kw: object) -> ImapSettings:
    return ImapSettings(
        **{
            "host": "127.0.0.1",
            "port": d.port,
            "security": "none",
            "username": user,  # type: ignore[arg-type]
            "password": PASSWORD,
            "timeout": 10,
            **kw,
        }
    )


def ingester(config: Config, store: Store, inbox: ImapInbox, name: str = "imap") -> Ingester:
    return Ingester(store, Inbound(config, store, SECRET), inbox, ManualClock(NOW), name)


def checkins(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(schema.checkins)).all()]


async def test_replies_become_records_and_are_filed(
    dovecot: Dovecot, program: Config, tmp_path: Path
) -> None:
    user = dovecot.user()
    good = reply(program, 2, "## What I Accomplished\n- Fixed the parser\n", mid="good")
    forged = reply(
        program,
        2,
        "## What I Accomplished\n- I am not Ana\n",
        sender="mallory@evil.example",
        mid="forged",
    )
    auto = reply(program, 2, "I am away.", mid="auto").replace(
        b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1
    )
    append(dovecot, user, good, forged, auto)
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    report = await ingester(program, store, ImapInbox(settings(dovecot, user))).run_once()
    assert [o.status for o in report.outcomes] == ["recorded", "review", "ignored"]
    [record] = checkins(store)
    assert record["mentee"] == "ana@example.org" and record["week"] == 2
    assert json.loads(str(record["record"]))["accomplished"] == ["Fixed the parser"]
    assert (
        count(dovecot, user, "INBOX"),
        count(dovecot, user, "Rota/Processed"),
        count(dovecot, user, "Rota/Review"),
    ) == (0, 2, 1)
    with store.engine.connect() as conn:
        review = conn.execute(
            select(schema.inbound).where(schema.inbound.c.outcome == "review")
        ).one()
    assert "mallory@evil.example" in review.reason and review.raw.startswith(b"From:"), (
        "the original is kept"
    )


async def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot) -> None:
    user = dovecot.user()
    box = ImapInbox(settings(dovecot, user))
    await box.connect()
    try:

        async def later() -> None:
            await asyncio.sleep(0.5)
            await asyncio.to_thread(
                append, dovecot, user, b"Subject: x\r\nMessage-ID: <i@x>\r\n\r\nhi\r\n"
            )

        task = asyncio.create_task(later())
        started = asyncio.get_running_loop().time()
        assert await box.wait_for_mail(30) is True
        assert asyncio.get_running_loop().time() - started < 10, (
            "woken by the server, not by the timeout"
        )
        await task
        assert [uid for uid, _ in await box.list_new(0)] == [1]
        assert await box.wait_for_mail(1) is False, "no mail: back after the timeout"
    finally:
        await box.close()


class _Proxy:
    """A TCP relay to Dovecot that can cut the connection at the first message body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cut_at_body = True
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, watch: bool) -> None:
            try:
                while data := await src.read(65536):
                    if watch and self.cut_at_body and b"BODY[] {" in data:
                        self.cut_at_body = False
                        dst.write(
                            data[: data.index(b"BODY[] {") + 12]
                        )  # half a response, then nothing
                        await dst.drain()
                        writer.close()
                        up_writer.close()
                        return
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))


async def test_a_connection_dropped_mid_fetch_loses_nothing_and_doubles_nothing(
    dovecot: Dovecot, program: Config, tmp_path: Path
) -> None:
    user = dovecot.user()
    append(
        dovecot,
        user,
        *(
            reply(program, w, f"## What I Accomplished\n- Week {w} work\n", mid=f"w{w}")
            for w in range(3)
        ),
    )
    proxy = _Proxy(dovecot.port)
    port = await proxy.start()
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    ing = ingester(program, store, ImapInbox(settings(dovecot, user, port=port)))
    with pytest.raises(TransientError):
        await ing.run_once()
    assert checkins(store) == [] and count(dovecot, user, "INBOX") == 3
    report = await ing.run_once()  # reconnects
    assert report.count("recorded") == 3
    assert sorted(r["week"] for r in checkins(store)) == [0, 1, 2]
    assert count(dovecot, user, "INBOX") == 0


async def test_a_uidvalidity_reset_rereads_the_folder_without_double_records(
    dovecot: Dovecot, program: Config, tmp_path: Path
) -> None:
    user = dovecot.user()
    messages = [reply(program, w, f"## Questions I Have\n- Q{w}\n", mid=f"u{w}") for w in range(2)]
    append(dovecot, user, *messages, folder="Incoming")
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    box = ImapInbox(settings(dovecot, user, folder="Incoming"))
    ing = ingester(program, store, box)
    assert (await ing.run_once()).count("recorded") == 2
    before = box.uidvalidity
    await box.close()
    ing.connected = False
    m = imap(dovecot, user)  # the admin recreates the folder and the same mail lands in it again
    m.delete("Incoming")
    m.logout()
    append(dovecot, user, *messages, folder="Incoming")
    report = await ing.run_once()
    assert box.uidvalidity != before
    assert [o.status for o in report.outcomes] == ["duplicate", "duplicate"]
    assert len(checkins(store)) == 2
    assert count(dovecot, user, "Incoming") == 0


async def test_without_move_the_copy_store_expunge_path_is_used(
    dovecot_without_move: Dovecot, program: Config, tmp_path: Path
) -> None:
    d = dovecot_without_move
    user = d.user()
    append(d, user, reply(program, 1, "## What I Accomplished\n- Done\n", mid="nm"))
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    box = ImapInbox(settings(d, user))
    report = await ingester(program, store, box).run_once()
    assert report.count("recorded") == 1
    assert (count(d, user, "INBOX"), count(d, user, "Rota/Processed")) == (0, 1)


async def test_a_backlog_is_filed_batch_by_batch_each_message_where_it_belongs(
    dovecot: Dovecot, dovecot_without_move: Dovecot, program: Config, tmp_path: Path
) -> None:
    """Messages are filed a batch at a time (one command per folder: a MOVE per message made
    a large backlog quadratic on the server), with MOVE and with COPY/STORE/EXPUNGE."""
    for n, d in enumerate((dovecot, dovecot_without_move)):
        user = d.user()
        messages = [
            reply(
                program,
                2,
                f"## What I Accomplished\n- Item {i}\n",
                sender="mallory@evil.example" if i % 7 == 3 else "ana@example.org",
                mid=f"backlog{i}",
            )
            for i in range(2 * FETCH_BATCH + 5)
        ]
        append(d, user, *messages)
        store = Store(f"sqlite:///{tmp_path / f'b{n}.db'}")
        ing = ingester(program, store, ImapInbox(settings(d, user)))
        report = await ing.run_once()
        forged = sum(1 for i in range(len(messages)) if i % 7 == 3)
        assert (report.count("recorded"), report.count("review")) == (
            len(messages) - forged,
            forged,
        )
        assert (
            count(d, user, "INBOX"),
            count(d, user, "Rota/Processed"),
            count(d, user, "Rota/Review"),
        ) == (0, len(messages) - forged, forged)
        assert (await ing.run_once()).outcomes == []  # nothing read twice
        await ing.inbox.close()


async def test_an_oversized_message_goes_to_review_unread(
    dovecot: Dovecot, program: Config, tmp_path: Path
) -> None:
    user = dovecot.user()
    big = reply(program, 1, "x" * 200_000, mid="big")
    append(dovecot, user, big)
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    inbound = Inbound(program, store, SECRET)
    inbound.limits = type(inbound.limits)(max_bytes=100_000)
    ing = Ingester(store, inbound, ImapInbox(settings(dovecot, user)), ManualClock(NOW), "imap")
    [outcome] = (await ing.run_once()).outcomes
    assert outcome.status == "review" and "too large" in outcome.reason
    assert count(dovecot, user, "Rota/Review") == 1


async def test_a_backlog_of_thousands_is_listed_in_full(dovecot: Dovecot) -> None:
    """A returning daemon may find thousands of messages; one FETCH line per message once
    overflowed aioimaplib's recursive response handler and hung the listing forever."""
    user = dovecot.user()
    append(dovecot, user, *(b"Subject: s%d\r\n\r\nhello\r\n" % i for i in range(3000)))
    box = ImapInbox(settings(dovecot, user))
    await box.connect()
    try:
        listed = await box.list_new(0)
        assert [uid for uid, _ in listed] == list(range(1, 3001))
        assert all(size > 10 for _, size in listed)
        assert [uid for uid, _ in await box.list_new(1400)] == list(range(1401, 3001))
    finally:
        await box.close()


async def test_tls_is_verified(dovecot: Dovecot) -> None:
    user = dovecot.user()
    untrusted = ImapInbox(settings(dovecot, user, port=dovecot.tls_port, security="tls"))
    with pytest.raises(PermanentError, match="not trusted"):
        await untrusted.connect()
    trusted = ImapInbox(
        settings(dovecot, user, port=dovecot.tls_port, security="tls", ca_file=dovecot.ca_file)
    )
    await trusted.connect()
    assert trusted.uidvalidity is not None
    await trusted.close()
    wrong = ImapInbox(settings(dovecot, user, password="nope"))
    with pytest.raises(PermanentError, match="login"):
        await wrong.connect()


async def test_starttls_upgrades_the_plain_port_and_is_verified(dovecot: Dovecot) -> None:
    user = dovecot.user()
    append(dovecot, user, b"Subject: over TLS\r\n\r\nhello through STARTTLS\r\n")
    untrusted = ImapInbox(settings(dovecot, user, security="starttls"))
    with pytest.raises(PermanentError, match="not trusted"):
        await untrusted.connect()
    box = ImapInbox(settings(dovecot, user, security="starttls", ca_file=dovecot.ca_file))
    await box.connect()
    try:
        client = box.client
        assert client is not None
        assert client.protocol.transport.get_extra_info("ssl_object") is not None  # type: ignore[union-attr]
        [(uid, _)] = await box.list_new(0)
        fetched = await box.fetch([uid])
        assert b"hello through STARTTLS" in fetched[uid]
    finally:
        await box.close()


async def test_starttls_is_required_never_opportunistic() -> None:
    """A server that does not offer STARTTLS is refused before the password is sent."""
    seen: list[bytes] = []

    async def plain_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain only\r\n")
        while line := await reader.readline():
            seen.append(line)
            tag = line.split()[0]
            if b"CAPABILITY" in line.upper():
                writer.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            else:
                writer.write(tag + b" BAD no\r\n")
            await writer.drain()

    server = await asyncio.start_server(plain_only, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        box = ImapInbox(ImapSettings("127.0.0.1", port, "starttls", "someone", "secret", timeout=5))
        with pytest.raises(PermanentError, match="does not offer STARTTLS"):
            await box.connect()
        assert not any(b"LOGIN" in line.upper() or b"secret" in line for line in seen)
    finally:
        server.close()
        await server.wait_closed()


def test_killed_between_commit_and_move_the_restart_records_nothing_twice(
    dovecot: Dovecot, program: Config, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    user = dovecot.user()
    append(
        dovecot,
        user,
        reply(program, 1, "## What I Accomplished\n- Survived a crash\n", mid="crash"),
    )
    config_path = tmp_path / "rota.toml"
    config_path.write_text(
        Program(
            people=[
                P("ben@example.org", "America/New_York", name="Ben Ortiz"),
                P("ana@example.org", "Europe/Lisbon", name="Ana Sousa"),
            ],
            pairs=[("ben@example.org", "ana@example.org")],
        ).toml()
    )
    url = f"sqlite:///{tmp_path / 'r.db'}"
    cmd = [
        sys.executable,
        "-m",
        "tests.support.ingest_once",
        str(config_path),
        url,
        str(dovecot.port),
        user,
    ]
    root = Path(__file__).resolve().parents[2]
    crashed = subprocess.run(
        cmd,
        cwd=root,
        env={**os.environ, "ROTA_CRASH_AT": "ingest.after_commit"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr
    store = Store(url)
    assert len(checkins(store)) == 1, "recorded before the crash"
    assert count(dovecot, user, "INBOX") == 1, "but never moved"
    again = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "duplicate"
    assert len(checkins(store)) == 1
    assert (count(dovecot, user, "INBOX"), count(dovecot, user, "Rota/Processed")) == (0, 1)


async def test_the_maildir_inbox_behaves_like_the_imap_one(program: Config, tmp_path: Path) -> None:
    from mail.maildir import MaildirInbox

    root = tmp_path / "mail"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "a.eml").write_bytes(
        reply(program, 1, "## Questions I Have\n- When is the review?\n", mid="m1")
    )
    (root / "inbox" / "b.eml").write_bytes(
        b"From: x@spam.example\r\nSubject: buy now\r\nMessage-ID: <s@x>\r\n\r\nhi\r\n"
    )
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    report = await ingester(program, store, MaildirInbox(root), "maildir").run_once()  # type: ignore[arg-type]
    assert [o.status for o in report.outcomes] == ["recorded", "review"]
    assert sorted(p.name for p in (root / "processed").iterdir()) == ["a.eml"]
    assert sorted(p.name for p in (root / "review").iterdir()) == ["b.eml", "b.eml.reason.txt"]
    assert "neither a check-in" in (root / "review" / "b.eml.reason.txt").read_text()
    assert list((root / "inbox").iterdir()) == []
