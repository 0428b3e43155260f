"""Every table, as the current schema. Migrations (migrations.py) create and evolve them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from service.store.db import UTCDateTime

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

# Every email, written before it is sent (SPEC §5). message_id is deterministic and unique:
# deciding the same email twice inserts nothing the second time.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(300), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("recipients", Text, nullable=False),  # JSON list of addresses
    Column("subject", Text, nullable=False),
    Column("eml", LargeBinary, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # pending → sending → committing → sent; or failed (permanent), parked (gave up retrying),
    # unconfirmed (crashed after handing over the data: never resent, shown to the admin)
    Column("state", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("series_id", String(400)),
    Column("week", Integer),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)

# The invite state of each series: its UID forever, the SEQUENCE last sent, the rule anchor
# (so RECURRENCE-IDs keep meaning the same instances) and a hash of what was last sent.
series_state = Table(
    "series_state",
    metadata,
    Column("series_id", String(400), primary_key=True),
    Column("uid", String(300), nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Column("anchor", Text),  # JSON
    Column("content_hash", String(64)),
    Column("occurrences", Text),  # JSON of the meetings last sent: week → [start, end, optional]
    Column("cancelled", Boolean, nullable=False, default=False),
    # JSON {"title", "attendees": [[email, name, zone]…], "fingerprint"}: what a CANCEL needs
    # once the series has left the config, and what tells that its inputs changed
    Column("meta", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Occurrences already fixed (sent as invites, or past), with the burden they carried.
ledger = Table(
    "ledger",
    metadata,
    Column("series_id", String(400), primary_key=True),
    Column("week", Integer, primary_key=True),
    Column("start", UTCDateTime, nullable=False),
    Column("burden", Text, nullable=False),  # JSON person → minutes²
    Column("left_out", Text, nullable=False),  # JSON list
)

# A per-address note that mail to it bounces.
failing_addresses = Table(
    "failing_addresses",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("detail", Text),
)

# Scalar state: last inbox sync, UIDVALIDITY per folder, job watermarks.
state = Table(
    "state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

prompts = Table(
    "prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # checkin | evaluation
    Column("mentee", String(320), nullable=False),
    Column("week", Integer, nullable=False),
    Column("name", String(200), nullable=False, default=""),  # evaluation name
    Column("message_id", String(300), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("reminded_at", UTCDateTime),
    UniqueConstraint("kind", "mentee", "week", "name"),
    Index("ix_prompts_mentee_week", "mentee", "week"),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mentee", String(320), nullable=False),
    Column("mentor", String(320), nullable=False),
    Column("week", Integer, nullable=False),
    Column("kind", String(20), nullable=False, default="checkin"),  # checkin | evaluation
    Column("message_id", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("late", Boolean, nullable=False, default=False),
    Column("record", Text, nullable=False),  # JSON of the parsed sections
    Column("text", Text, nullable=False, default=""),  # what the mentee wrote, for search
    Column("answered_at", UTCDateTime),
    Column("forwarded_at", UTCDateTime),  # the forward to the mentor is in the outbox
    Column("forward_id", String(300)),  # its Message-ID: answer times count from its delivery (v5)
    Column("nudged_at", UTCDateTime),  # the mentor was reminded to answer (v5)
    Index("ix_checkins_mentee_week", "mentee", "week"),
    Index("ix_checkins_forwarded", "forwarded_at"),
    # one record per message, a message being its Message-ID *and* its content (v2)
    UniqueConstraint("message_id", "content_hash", name="uq_checkins_message"),
)

rsvps = Table(
    "rsvps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("series_id", String(400), nullable=False),
    Column("attendee", String(320), nullable=False),
    Column("week", Integer),  # None: the whole series
    Column("partstat", String(20), nullable=False),
    Column("sequence", Integer),
    Column("comment", Text),
    Column("message_id", String(300), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime),  # a decline acted on (moved, or the organizer told)
    Column("outcome", Text),
    UniqueConstraint("message_id", "week"),
)

inbound = Table(
    "inbound",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),  # recorded | review | ignored
    Column("reason", Text),
    Column("sender", String(320)),
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
    Column("raw", LargeBinary),  # the original, kept for every message (v2; v1: review only)
    UniqueConstraint("message_id", "content_hash"),
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mentee", String(320), nullable=False),
    Column("week", Integer, nullable=False),
    Column("missed", Integer, nullable=False),
    Column("message_id", String(300), nullable=False),
    UniqueConstraint("mentee", "week"),
)

# Work that failed (v3): one row per item of the program (a prompt, a forward, an RSVP, one
# series' invites…) whose handling raised. It is retried with backoff, then parked for the
# admin; a success deletes the row. Nothing due is skipped while its row exists.
work = Table(
    "work",
    metadata,
    Column("key", String(600), primary_key=True),  # kind:argument…, e.g. prompt:ana@x:3
    Column("kind", String(20), nullable=False),
    Column("args", Text, nullable=False),  # JSON list: the item's arguments
    Column("due_at", UTCDateTime, nullable=False),  # when the item was first due
    Column("label", Text, nullable=False),  # what an admin reads: "check-in prompt to ana, week 3"
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("next_try_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False),  # retrying | parked
    Column("last_error", Text, nullable=False),
    Column("revision", String(64), nullable=False),  # config+templates it failed under
)

# Plans computed before, by everything they depend on (service/plans.py, v4): a cache.
plans = Table(
    "plans",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),  # JSON of the occurrences, burdens, components
)

# What the note-taker (or mentor) wrote after a meeting (v6): whether it happened, who came,
# the action items (with their owners) and notes; sent on to everyone invited.
recaps = Table(
    "recaps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("series_id", String(400), nullable=False),
    Column("week", Integer, nullable=False),
    Column("writer", String(320), nullable=False),
    Column("happened", Boolean),  # None: not said
    Column("attended", Text, nullable=False),  # JSON list of emails
    Column("actions", Text, nullable=False),  # JSON [{"owner", "text", "done"}]
    Column("notes", Text, nullable=False),
    Column("message_id", String(300), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("distributed_at", UTCDateTime),
    UniqueConstraint("series_id", "week", "message_id"),
)

# Anonymous answers to the one-question survey after a meeting (v6): no person is stored,
# only a keyed hash that stops one person answering twice.
survey_answers = Table(
    "survey_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("series_id", String(400), nullable=False),
    Column("week", Integer, nullable=False),
    Column("score", Integer, nullable=False),  # 1-5
    Column("voter", String(64), nullable=False),  # HMAC(person, series, week): dedupe only
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("series_id", "week", "voter"),
)
