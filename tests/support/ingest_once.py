"""Run one ingestion pass in its own process (so a test can kill it at a crash point).

python -m tests.support.ingest_once CONFIG DB_URL PORT USER [FOLDER]
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from mail.imap import ImapInbox, ImapSettings
from service.clock import ManualClock
from service.config.load import load_config
from service.inbound import Inbound
from service.ingest import Ingester
from service.store.store import Store
from tests.support.dovecot import PASSWORD

SECRET = b"a test secret that is long enough"


def main() -> None:
    config_path, url, port, user = sys.argv[1:5]
    config = load_config(config_path)
    store = Store(url)
    box = ImapInbox(ImapSettings("127.0.0.1", int(port), "none", user, PASSWORD, timeout=10))
    ingester = Ingester(
        store,
        Inbound(config, store, SECRET),
        box,
        ManualClock(datetime(2026, 3, 14, 9, tzinfo=UTC)),
        "imap",
    )
    report = asyncio.run(ingester.run_once())
    print(",".join(o.status for o in report.outcomes))


if __name__ == "__main__":
    main()
