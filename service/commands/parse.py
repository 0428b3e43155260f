"""`rota parse FILE.eml [-c FILE]`: classify and extract one message, print SPEC §4 JSON.

With a config the sender is checked too (reply token, From, ATTENDEE, trusted
Authentication-Results) and the verdict and its reason join the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from email.utils import parsedate_to_datetime

from mail.classify import Limits, unread
from mail.ids import series_uid
from service.config.load import load_config
from service.errors import UsageError
from service.parsing import ParserProcess
from service.program import series_of
from service.verify import verify
from service.wiring import secret_of


def run(args: argparse.Namespace) -> int:
    limits = Limits()
    try:
        with open(args.file, "rb") as f:
            raw = f.read(limits.max_bytes + 1)  # never more than a message may be
            size = os.fstat(f.fileno()).st_size
    except OSError as bad:
        raise UsageError(f"cannot read {args.file}: {bad.strerror or bad}") from None
    if len(raw) > limits.max_bytes:
        reason = f"message too large ({size / 1048576:.1f} MB, limit {limits.max_bytes / 1048576:.0f} MB)"
        sys.stdout.write(json.dumps(unread(raw, reason, "").to_json(), indent=2) + "\n")
        return 0
    # in a worker process with a time limit and a memory cap, as the daemon reads mail
    parser = ParserProcess()
    try:
        parsed = parser.parse_blocking(raw)
    finally:
        parser.close()
    out = parsed.to_json()
    if args.config:
        config = load_config(args.config)
        series = {
            series_uid(config.program.organizer, config.program.starts, s.id): (s.id, s.members)
            for s in series_of(config)
        }
        secret = secret_of(config, required=False)
        # a token's age is judged at the message's own Date (this is a diagnosis of the
        # message, not of today); without a readable Date it is not judged
        out.update(verify(config, parsed, secret, series, _sent_at(parsed.date)).to_json())
    sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    return 0


def _sent_at(value: str | None) -> datetime | None:
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, OverflowError):
        return None
    return when if when is not None and when.tzinfo is not None else None
