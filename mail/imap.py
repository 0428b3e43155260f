"""Read replies from an IMAP folder with aioimaplib (SPEC §5 "Inbound").

New messages are listed by UID with their RFC822.SIZE first, so an oversized one is filed
for review without downloading it; bodies come with BODY.PEEK[] (nothing is marked seen
behind our back) in UID order. UIDVALIDITY is reported so the caller can notice a reset
folder. A handled message is moved (MOVE, or COPY + STORE \\Deleted + UID EXPUNGE where MOVE
is missing) to the processed or review folder, created when missing. Waiting uses IDLE,
re-issued well before the 29 minutes servers allow, and polling where IDLE is missing.
Library and network failures become TransientError / PermanentError.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from aioimaplib import aioimaplib

from mail.errors import MailError, PermanentError, TransientError

log = logging.getLogger("rota.imap")
IDLE_SECONDS = 25 * 60  # re-issue IDLE before the 29-minute limit of RFC 2177
LIST_BATCH = 200  # messages per size FETCH: far below aioimaplib's recursion limit
_FETCH = re.compile(rb"^\d+ FETCH \((.*)$")
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" | "starttls" | "none"
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = "Rota/Processed"
    review_folder: str = "Rota/Review"
    timeout: float = 30.0
    ca_file: str | None = None
    poll_seconds: float = 60.0


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        text = b" ".join(bytes(x) for x in response.lines[-1:]).decode("utf-8", "replace")
        raise TransientError(f"IMAP {what} failed: {response.result} {text}")
    return response


class ImapInbox:
    def __init__(self, settings: ImapSettings) -> None:
        self.s = settings
        self.client: aioimaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None
        self.delimiter = "/"

    # -- connection ---------------------------------------------------------------------------
    async def connect(self) -> None:
        s = self.s
        try:
            if s.security == "tls":
                context = ssl.create_default_context(cafile=s.ca_file)
                client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
                    s.host, s.port, timeout=s.timeout, ssl_context=context
                )
            else:
                client = aioimaplib.IMAP4(s.host, s.port, timeout=s.timeout)
            await client.wait_hello_from_server()
            if s.security == "starttls":
                await self._starttls(client)
            login = await client.login(s.username, s.password)
            if login.result != "OK":
                raise PermanentError(
                    f"IMAP login to {s.host}:{s.port} refused: check the username and password"
                )
            self.client = client
            await self._discover_delimiter()
            for folder in (s.processed_folder, s.review_folder):
                await self._ensure(folder)
            await self.select()
        except MailError:
            await self.close()
            raise
        except ssl.SSLCertVerificationError as bad:
            await self.close()
            raise PermanentError(
                f"TLS certificate of {s.host}:{s.port} is not trusted: {bad.verify_message} "
                "(set ca_file for a private CA)"
            ) from bad
        except (TimeoutError, OSError, aioimaplib.AioImapException) as bad:
            await self.close()
            raise TransientError(
                f"cannot reach IMAP {s.host}:{s.port}: {type(bad).__name__}: {bad}"
            ) from bad

    async def _starttls(self, client: aioimaplib.IMAP4) -> None:
        """Upgrade the plain connection to verified TLS before anything is sent (RFC 9051
        §6.2.1); a server that does not offer it is an error, never a silent fallback.
        aioimaplib has no STARTTLS of its own: the command goes through its protocol, then
        asyncio's start_tls swaps the transport under it."""
        s = self.s
        proto = client.protocol
        await asyncio.wait_for(proto.capability(), s.timeout)
        if "STARTTLS" not in {c.upper() for c in proto.capabilities}:
            raise PermanentError(
                f"IMAP {s.host}:{s.port} does not offer STARTTLS "
                '(use security = "tls" on the server\'s implicit-TLS port, usually 993)'
            )
        command = aioimaplib.Command("STARTTLS", proto.new_tag(), loop=proto.loop)
        response = await asyncio.wait_for(proto.execute(command), s.timeout)
        if response.result != "OK":
            raise PermanentError(f"IMAP {s.host}:{s.port} refused STARTTLS: {response.result}")
        context = ssl.create_default_context(cafile=s.ca_file)
        loop = asyncio.get_running_loop()
        transport = await asyncio.wait_for(
            loop.start_tls(proto.transport, proto, context, server_hostname=s.host), s.timeout
        )
        if transport is None:
            raise TransientError(f"IMAP {s.host}:{s.port}: the TLS upgrade did not complete")
        proto.transport = transport
        await asyncio.wait_for(proto.capability(), s.timeout)  # forget what came in the clear

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.has_pending_idle():
                client.idle_done()
            await asyncio.wait_for(client.logout(), 5)
        except Exception as bad:  # closing a broken connection: nothing left to save
            log.debug("IMAP logout failed: %s", bad)

    def _c(self) -> aioimaplib.IMAP4:
        if self.client is None:
            raise TransientError("not connected to IMAP")
        return self.client

    async def _call(
        self, what: str, coro: Coroutine[Any, Any, aioimaplib.Response]
    ) -> aioimaplib.Response:
        try:
            # aioimaplib times out a silent server itself; this bound catches the cases where
            # its protocol handler died (it raises inside data_received and never answers).
            response = await asyncio.wait_for(coro, max(10 * self.s.timeout, 120))
            return _ok(response, what)
        except MailError:
            raise
        except (TimeoutError, OSError, aioimaplib.AioImapException) as bad:
            self.client = None
            raise TransientError(
                f"IMAP connection lost during {what}: {type(bad).__name__}: {bad}"
            ) from bad

    async def _discover_delimiter(self) -> None:
        response = await self._c().list('""', '""')
        for line in response.lines:
            m = re.search(rb'\) "(.)"', bytes(line))
            if m:
                self.delimiter = m.group(1).decode()
                return

    def _name(self, folder: str) -> str:
        return folder.replace("/", self.delimiter) if self.delimiter != "/" else folder

    async def _ensure(self, folder: str) -> None:
        response = await self._c().create(_quote(self._name(folder)))
        if (
            response.result != "OK"
            and b"ALREADYEXISTS" not in b" ".join(bytes(x) for x in response.lines).upper()
            and b"EXISTS" not in b" ".join(bytes(x) for x in response.lines).upper()
        ):
            raise TransientError(f"cannot create IMAP folder {folder}")

    async def select(self) -> int:
        response = await self._call("SELECT", self._c().select(_quote(self._name(self.s.folder))))
        for line in response.lines:
            m = re.search(rb"UIDVALIDITY (\d+)", bytes(line))
            if m:
                self.uidvalidity = int(m.group(1))
        if self.uidvalidity is None:
            raise TransientError("the IMAP server did not report UIDVALIDITY")
        return self.uidvalidity

    # -- messages -----------------------------------------------------------------------------
    async def list_new(self, after_uid: int) -> list[tuple[int, int]]:
        """(UID, size) of every message with a UID above `after_uid`, in UID order.

        UIDs come from one SEARCH line and sizes in bounded FETCHes: aioimaplib handles each
        line of a response by recursion, so a response of ~1,000 lines (one FETCH line per
        message of a big backlog) overflows the stack and leaves the command hanging.
        """
        response = await self._call("SEARCH", self._c().uid_search(f"UID {after_uid + 1}:*"))
        uids: list[int] = []
        for line in response.lines:
            raw = bytes(line)
            words = raw.split()
            if words and words[0].upper() == b"SEARCH":  # aioimaplib strips it; others may not
                words = words[1:]
            if words and all(w.isdigit() for w in words):
                uids.extend(int(w) for w in words)
        uids = sorted(u for u in set(uids) if u > after_uid)  # "n:*" also matches the last one
        found: list[tuple[int, int]] = []
        for start in range(0, len(uids), LIST_BATCH):
            chunk = uids[start : start + LIST_BATCH]
            response = await self._call(
                "FETCH", self._c().uid("fetch", ",".join(map(str, chunk)), "(UID RFC822.SIZE)")
            )
            for line in response.lines:
                raw = bytes(line)
                uid, size = _UID.search(raw), _SIZE.search(raw)
                if b"FETCH" in raw and uid and size and int(uid.group(1)) in chunk:
                    found.append((int(uid.group(1)), int(size.group(1))))
        return sorted(found)

    async def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """Whole messages by UID, without setting \\Seen."""
        if not uids:
            return {}
        response = await self._call(
            "FETCH", self._c().uid("fetch", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
        )
        out: dict[int, bytes] = {}
        lines = response.lines
        for i, line in enumerate(lines):
            raw = bytes(line)
            if not _FETCH.match(raw) or b"BODY[]" not in raw:
                continue
            uid = _UID.search(raw)
            if uid and i + 1 < len(lines) and isinstance(lines[i + 1], bytearray | bytes):
                out[int(uid.group(1))] = bytes(lines[i + 1])
        missing = set(uids) - set(out)
        if missing:
            raise TransientError(
                f"IMAP FETCH returned no body for UID {', '.join(map(str, sorted(missing)))}"
            )
        return out

    async def move(self, uid: int, where: str) -> None:
        """File message `uid` in the processed or review folder."""
        await self.move_many([uid], where)

    async def move_many(self, uids: list[int], where: str) -> None:
        """File messages `uids` in the processed or review folder, in one command: a server
        rewrites its index once per command, not once per message (a MOVE each made ingesting
        a large backlog quadratic)."""
        if not uids:
            return
        folder = self.s.review_folder if where == "review" else self.s.processed_folder
        client = self._c()
        target = _quote(self._name(folder))
        uid_set = ",".join(str(u) for u in sorted(uids))
        if client.has_capability("MOVE"):
            await self._call("MOVE", client.uid("move", uid_set, target))
            return
        await self._call("COPY", client.uid("copy", uid_set, target))
        await self._call("STORE", client.uid("store", uid_set, "+FLAGS.SILENT", "(\\Deleted)"))
        if client.has_capability("UIDPLUS"):
            await self._call("EXPUNGE", client.uid("expunge", uid_set))
        else:
            await self._call("EXPUNGE", client.expunge())

    # -- the store marker (service.guard) ------------------------------------------------------
    async def read_markers(self, program: str) -> set[str]:
        """The store ids in marker messages of `program` in the processed folder."""
        client = self._c()
        await self._call("EXAMINE", client.examine(_quote(self._name(self.s.processed_folder))))
        try:
            response = await self._call(
                "SEARCH", client.uid_search("HEADER", "X-Rota-Program", _quote(program))
            )
            uids = [
                w.decode() for line in response.lines for w in bytes(line).split() if w.isdigit()
            ]
            found: set[str] = set()
            if uids:
                response = await self._call(
                    "FETCH",
                    client.uid(
                        "fetch", ",".join(uids), "(BODY.PEEK[HEADER.FIELDS (X-Rota-Store)])"
                    ),
                )
                for line in response.lines:
                    found.update(
                        m.decode()
                        for m in re.findall(rb"X-Rota-Store:\s*([\w-]+)", bytes(line), re.I)
                    )
            return found
        finally:
            await self.select()

    async def write_marker(self, program: str, store: str, about: Mapping[str, str]) -> None:
        """File a marker message in the processed folder (seen, so nobody is bothered)."""
        msg = EmailMessage()
        msg["From"] = msg["To"] = about.get("organizer", "rota@rota.invalid")
        msg["Subject"] = f"Rota store marker: {about.get('program', program)}"
        msg["Date"] = about.get("date", "")
        msg["Message-ID"] = f"<rota.store.{store}@rota.invalid>"
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Rota-Program"] = program
        msg["X-Rota-Store"] = store
        msg.set_content(
            "Rota keeps this message so that it knows this program has run with a store\n"
            f"({about.get('store', store)}). If that store is ever lost, Rota refuses to start\n"
            "on an empty one instead of sending every invite and prompt again.\n"
            "Keep it here.\n"
        )
        folder = _quote(self._name(self.s.processed_folder))
        raw = msg.as_bytes(policy=SMTP)
        await self._call("APPEND", self._c().append(raw, mailbox=folder, flags="(\\Seen)"))

    async def wait_for_mail(self, seconds: float) -> bool:
        """Until new mail may have arrived (True) or `seconds` passed (False)."""
        client = self._c()
        if not client.has_capability("IDLE"):
            await asyncio.sleep(min(seconds, self.s.poll_seconds))
            return True
        got = False
        try:
            idle = await client.idle_start(timeout=min(seconds, IDLE_SECONDS))
            while client.has_pending_idle():
                msg = await client.wait_server_push()
                if msg == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                if any(b"EXISTS" in bytes(x) or b"RECENT" in bytes(x) for x in msg):
                    got = True
                    break
            client.idle_done()
            await asyncio.wait_for(idle, 10)
        except (TimeoutError, OSError, aioimaplib.AioImapException) as bad:
            self.client = None
            raise TransientError(
                f"IMAP connection lost while waiting: {type(bad).__name__}: {bad}"
            ) from bad
        return got
