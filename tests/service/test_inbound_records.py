"""Every reply is kept and placed once: identity is the Message-ID plus the content, the raw
message is stored whatever happens to it, and a resent copy is recognised as the same."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from service.inbound import Inbound
from service.store import schema
from service.store.store import Store
from tests.service.test_hostile_mail import PROMPT0, SECRET, program, with_header
from tests.support.replies import plain_checkin

WHEN = PROMPT0 + timedelta(hours=3)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'rota.db'}")
    yield s
    s.close()


def without_message_id(raw: bytes) -> bytes:
    return re.sub(rb"(?im)^Message-ID:.*\r\n", b"", raw)


def checkins(store: Store) -> list[dict[str, object]]:
    c = schema.checkins
    with store.engine.connect() as conn:
        rows = conn.execute(select(c).order_by(c.c.id)).all()
    return [{"week": r.week, "record": json.loads(r.record), "mid": r.message_id} for r in rows]


def raws(store: Store) -> list[bytes | None]:
    i = schema.inbound
    with store.engine.connect() as conn:
        return list(conn.execute(select(i.c.raw).order_by(i.c.id)).scalars())


def test_replies_without_a_message_id_are_each_recorded_and_kept(store: Store) -> None:
    config = program().load()
    inbound = Inbound(config, store, SECRET)
    first = without_message_id(
        plain_checkin(
            config, SECRET, "ana@example.org", 0, WHEN, "a@x", "## What I Accomplished\n- one\n"
        )
    )
    second = without_message_id(
        plain_checkin(
            config,
            SECRET,
            "ana@example.org",
            1,
            WHEN + timedelta(weeks=1),
            "b@x",
            "## What I Accomplished\n- two\n",
        )
    )
    assert inbound.handle(first, WHEN).status == "recorded"
    assert inbound.handle(second, WHEN + timedelta(weeks=1)).status == "recorded"
    got = checkins(store)
    assert [(c["week"], c["record"]["accomplished"]) for c in got] == [(0, ["one"]), (1, ["two"])]
    assert got[0]["mid"] != got[1]["mid"]
    assert raws(store) == [first, second]  # the originals are kept, not only review items
    # the very same message read again (a crash before it was moved) is not recorded twice
    assert inbound.handle(first, WHEN + timedelta(weeks=2)).status == "duplicate"
    assert len(checkins(store)) == 2


def test_a_reused_message_id_with_other_content_is_a_new_check_in(store: Store) -> None:
    config = program().load()
    inbound = Inbound(config, store, SECRET)
    a = plain_checkin(
        config, SECRET, "ana@example.org", 0, WHEN, "same@client", "## What I Accomplished\n- one\n"
    )
    b = plain_checkin(
        config,
        SECRET,
        "ana@example.org",
        1,
        WHEN + timedelta(weeks=1),
        "same@client",
        "## What I Accomplished\n- two\n",
    )
    assert inbound.handle(a, WHEN).status == "recorded"
    assert inbound.handle(b, WHEN + timedelta(weeks=1)).status == "recorded"
    assert [c["week"] for c in checkins(store)] == [0, 1]


def test_the_same_message_delivered_twice_by_different_routes_is_one_check_in(store: Store) -> None:
    config = program().load()
    inbound = Inbound(config, store, SECRET)
    raw = plain_checkin(config, SECRET, "ana@example.org", 0, WHEN, "once@client")
    one = b"Received: from mx1.example.org by imap; Fri, 6 Mar 2026 18:00:01 +0000\r\n" + raw
    two = (
        b"Return-Path: <ana@example.org>\r\nDelivered-To: checkins@example.org\r\n"
        b"Received: from mx2.example.org by imap; Fri, 6 Mar 2026 18:00:09 +0000\r\n" + raw
    )
    assert inbound.handle(one, WHEN).status == "recorded"
    assert inbound.handle(two, WHEN).status == "duplicate"
    assert len(checkins(store)) == 1


def test_a_message_id_that_could_inject_headers_is_still_recorded(store: Store) -> None:
    config = program().load()
    inbound = Inbound(config, store, SECRET)
    raw = plain_checkin(config, SECRET, "ana@example.org", 0, WHEN, "x@y")
    raw = with_header(raw, "Message-ID", "<=?utf-8?q?a=0D=0ABcc:_x@y?=@evil>")
    assert inbound.handle(raw, WHEN).status == "recorded"
    assert len(checkins(store)) == 1


def test_replies_to_a_store_migrated_from_version_1_still_dedupe(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from service.store.migrations import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        schema.schema_version.create(conn)
        MIGRATIONS[0][1](conn)
        conn.execute(schema.schema_version.insert().values(version=1, applied_at=datetime.now(UTC)))
        conn.execute(
            schema.checkins.insert().values(
                mentee="ana@example.org",
                mentor="ben@example.org",
                week=0,
                kind="checkin",
                message_id="<old@client>",
                content_hash="h",
                received_at=WHEN,
                late=False,
                record="{}",
                text="",
            )
        )
    engine.dispose()
    store = Store(url)
    try:
        assert [c["mid"] for c in checkins(store)] == ["<old@client>"]
        config = program().load()
        raw = plain_checkin(config, SECRET, "ana@example.org", 1, WHEN, "old@client")
        assert Inbound(config, store, SECRET).handle(raw, WHEN).status == "recorded"
        assert len(checkins(store)) == 2
    finally:
        store.close()


def test_a_reply_token_is_accepted_for_six_weeks_after_its_week(store: Store) -> None:
    config = program().load()
    inbound = Inbound(config, store, SECRET)
    late = plain_checkin(config, SECRET, "ana@example.org", 0, WHEN, "late@x", "- late\n")
    assert inbound.handle(late, WHEN + timedelta(weeks=5)).status == "recorded"
    stale = plain_checkin(config, SECRET, "ana@example.org", 1, WHEN, "stale@x", "- stale\n")
    outcome = inbound.handle(stale, WHEN + timedelta(weeks=9))
    assert outcome.status == "review" and "has expired" in outcome.reason
    early = plain_checkin(config, SECRET, "ana@example.org", 6, WHEN, "early@x", "- early\n")
    assert inbound.handle(early, WHEN).status == "review"  # a token for weeks ahead
    assert [c["week"] for c in checkins(store)] == [0]
