"""A program driven on a manual clock through the daemon's own `App.step`, with a real
maildir and a real SQLite store in a folder the test owns (unlike `rota simulate`, whose
store is thrown away), so tests can look at the store and the CLI between steps."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mail.maildir import MaildirInbox, MaildirOutbox
from service.app import App
from service.clock import ManualClock
from service.config.load import load_config
from service.store.store import Store
from tests.support.mailread import Sent, read

SECRET = b"driver test secret 0123456789abcdef"


def files_extra(tmp: Path, templates: Path | None = None) -> str:
    """[mail] and [store] sections that keep everything under `tmp`."""
    lines = ["[mail]", f'maildir = "{tmp / "mail"}"']
    if templates is not None:
        lines.append(f'templates = "{templates}"')
    lines += ["", "[store]", f'url = "sqlite:///{tmp / "rota.db"}"', ""]
    return "\n".join(lines)


@dataclass
class Driven:
    config_path: Path
    clock: ManualClock
    store: Store
    app: App

    @classmethod
    def start(cls, config_path: Path, at: datetime) -> Driven:
        config = load_config(config_path)
        clock = ManualClock(at)
        store = Store(config.store.url)
        app = App(
            config,
            store,
            SECRET,
            clock,
            MaildirOutbox(config.mail.maildir, clock.now),
            MaildirInbox(config.mail.maildir),
            "maildir",
            "test",
        )
        app.start()
        return cls(config_path, clock, store, app)

    def run_until(self, end: datetime) -> None:
        """Every step the daemon would take up to `end`, at the moments it would take them."""
        while True:
            asyncio.run(self.app.step())
            now = self.clock.now()
            due = self.app.next_wakeup()
            if due is None or due > end:
                break
            self.clock.set(max(due, now + timedelta(seconds=1)) if due <= now else due)
        if self.clock.now() < end:
            self.clock.set(end)
            asyncio.run(self.app.step())

    def restart(self, config_path: Path | None = None) -> Driven:
        self.close()
        again = Driven.start(config_path or self.config_path, self.clock.now())
        return again

    def close(self) -> None:
        asyncio.run(self.app.close())
        self.store.close()

    def sent(self) -> list[Sent]:
        box = Path(self.app.config.mail.maildir)
        return [
            read(
                box,
                p.read_bytes().split(b"X-Rota-Kind: ", 1)[1].split(b"\r\n", 1)[0].decode(),
                str(p.relative_to(box)),
            )
            for p in sorted((box / "outbox").glob("*.eml"))
        ]
