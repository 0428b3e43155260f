"""Place one inbound message, exactly once: parse, check the sender, record its effects.

The message's row in `inbound` (unique by Message-ID plus content hash, the original bytes
kept whatever the outcome) and everything it causes (a check-in record, a mentor's answer
time, an RSVP, a failing address, a review item) are written in one transaction. A message
without a Message-ID gets one derived from its content, and a Message-ID reused for other
content is another message: identity is never the sender's word alone. Seeing the same message again (a
crash before it was moved out of the inbox, a UIDVALIDITY reset) finds that row and records
nothing twice; the caller then files it where the first outcome said.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select, update

from mail.checkin import RECAP_HEADINGS, extract_sections
from mail.classify import Limits, Parsed, parse_message
from mail.ids import series_uid
from service.config.model import Config
from service.program import checkin_cadence, series_of
from service.store import schema
from service.store.outbox import insert_ignoring_duplicates
from service.store.store import Store
from service.verify import Verdict, verify


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "recorded" | "review" | "ignored" | "duplicate"
    folder: str  # where the message belongs now: "processed" | "review"
    reason: str
    kind: str
    message_id: str


class Inbound:
    def __init__(
        self, config: Config, store: Store, secret: bytes | None, limits: Limits | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.secret = secret
        self.limits = limits or Limits()
        self.series_by_uid: dict[str, tuple[str, tuple[str, ...]]] = {
            series_uid(config.program.organizer, config.program.starts, s.id): (s.id, s.members)
            for s in series_of(config)
        }
        self.mentor_of = {p.mentee: p.mentor for p in config.pairs}

    def handle(self, raw: bytes, received_at: datetime) -> Outcome:
        return self.record(raw, parse_message(raw, self.limits), received_at)

    def record(self, raw: bytes, parsed: Parsed, received_at: datetime) -> Outcome:
        """Place a message already parsed (the daemon parses off its event loop)."""
        if not parsed.message_id:
            parsed.message_id = f"<rota.no-id.{parsed.content_hash[:32]}@rota.invalid>"
        verdict = verify(self.config, parsed, self.secret, self.series_by_uid, received_at)
        with self.store.engine.begin() as conn:
            seen = conn.execute(
                select(schema.inbound.c.outcome, schema.inbound.c.reason).where(
                    schema.inbound.c.message_id == parsed.message_id,
                    schema.inbound.c.content_hash == parsed.content_hash,
                )
            ).first()
            if seen is not None:
                folder = "review" if seen.outcome == "review" else "processed"
                return Outcome(
                    "duplicate", folder, seen.reason or "", parsed.kind, parsed.message_id
                )
            status, reason = self._apply(conn, parsed, verdict, received_at)
            conn.execute(
                schema.inbound.insert().values(
                    message_id=parsed.message_id,
                    content_hash=parsed.content_hash,
                    kind=parsed.kind,
                    outcome=status,
                    reason=reason,
                    sender=parsed.sender,
                    received_at=received_at,
                    processed_at=received_at,
                    raw=raw,
                )
            )
        return Outcome(
            status,
            "review" if status == "review" else "processed",
            reason,
            parsed.kind,
            parsed.message_id,
        )

    # -- effects ------------------------------------------------------------------------------
    def _apply(
        self, conn: Connection, parsed: Parsed, verdict: Verdict, now: datetime
    ) -> tuple[str, str]:
        if verdict.action == "ignore":
            return "ignored", verdict.reason
        if verdict.action == "review":
            return "review", verdict.reason
        if parsed.kind == "bounce":
            return self._bounce(conn, parsed, now)
        if parsed.kind == "rsvp":
            return self._rsvp(conn, parsed, verdict, now)
        if verdict.reply_kind == "forward":
            return self._answered(conn, verdict, now)
        if verdict.reply_kind == "recap":
            return self._recap(conn, parsed, verdict, now)
        if verdict.reply_kind == "survey":
            return self._survey(conn, parsed, verdict, now)
        return self._checkin(conn, parsed, verdict, now)

    def _recap(
        self, conn: Connection, parsed: Parsed, verdict: Verdict, now: datetime
    ) -> tuple[str, str]:
        assert verdict.series_id is not None and verdict.week is not None and verdict.mentee
        members = next((s.members for s in series_of(self.config) if s.id == verdict.series_id), ())
        recap = read_recap(parsed.body, members, self.config)
        added = insert_ignoring_duplicates(
            conn,
            schema.recaps,
            {
                "series_id": verdict.series_id,
                "week": verdict.week,
                "writer": verdict.mentee,
                "happened": recap["happened"],
                "attended": json.dumps(recap["attended"]),
                "actions": json.dumps(recap["actions"], ensure_ascii=False),
                "notes": recap["notes"],
                "message_id": parsed.message_id,
                "received_at": now,
            },
            ["series_id", "week", "message_id"],
        )
        said = {
            True: "it happened",
            False: "it did not happen",
            None: "no word on whether it happened",
        }
        return "recorded", (
            f"recap of {verdict.series_id} week {verdict.week}: {said[recap['happened']]}, "
            f"{len(recap['attended'])} came, {len(recap['actions'])} action item(s)"
            if added
            else "recap already recorded"
        )

    def _survey(
        self, conn: Connection, parsed: Parsed, verdict: Verdict, now: datetime
    ) -> tuple[str, str]:
        assert verdict.series_id is not None and verdict.week is not None and verdict.mentee
        found = re.search(r"(?<![\d.])([1-5])(?![\d.])", parsed.body[:200])
        if found is None:
            return "review", "a survey answer without a number from 1 to 5"
        key = self.secret or b"no secret"
        voter = hmac.new(
            key, f"survey|{verdict.mentee}|{verdict.series_id}|{verdict.week}".encode(), "sha256"
        ).hexdigest()
        added = insert_ignoring_duplicates(
            conn,
            schema.survey_answers,
            {
                "series_id": verdict.series_id,
                "week": verdict.week,
                "score": int(found.group(1)),
                "voter": voter,
                "received_at": now,
            },
            ["series_id", "week", "voter"],
        )
        return "recorded", "survey answer" if added else "survey already answered (kept the first)"

    def _checkin(
        self, conn: Connection, parsed: Parsed, verdict: Verdict, now: datetime
    ) -> tuple[str, str]:
        assert (
            verdict.mentee is not None and verdict.week is not None and parsed.checkin is not None
        )
        mentor = self.mentor_of.get(verdict.mentee, "")
        prompt = conn.execute(
            select(schema.prompts.c.sent_at).where(
                schema.prompts.c.mentee == verdict.mentee, schema.prompts.c.week == verdict.week
            )
        ).first()
        cadence = checkin_cadence(self.config, verdict.week)
        every = cadence.every if cadence else 1
        late = prompt is not None and now > prompt.sent_at + timedelta(weeks=every)
        record = dict(parsed.checkin)
        text = "\n".join(
            [
                *(
                    f"{x}"
                    for key in (
                        "accomplished",
                        "struggled",
                        "questions",
                        "next_goals",
                        "mentor_feedback",
                    )
                    for x in record.get(key, [])
                ),
                record.get("free_text", ""),
            ]
        )
        added = insert_ignoring_duplicates(
            conn,
            schema.checkins,
            {
                "mentee": verdict.mentee,
                "mentor": mentor,
                "week": verdict.week,
                "kind": verdict.reply_kind
                if verdict.reply_kind in ("evaluation", "mentor-evaluation")
                else "checkin",
                "message_id": parsed.message_id,
                "content_hash": parsed.content_hash,
                "received_at": now,
                "late": late,
                "record": json.dumps(record, ensure_ascii=False),
                "text": text,
            },
            ["message_id", "content_hash"],
        )
        what = {"evaluation": "evaluation", "mentor-evaluation": "mentor's evaluation"}.get(
            verdict.reply_kind or "", "check-in"
        )
        return "recorded", (what if added else f"{what} already recorded") + (
            " (late)" if late else ""
        )

    def _answered(self, conn: Connection, verdict: Verdict, now: datetime) -> tuple[str, str]:
        done = conn.execute(
            update(schema.checkins)
            .where(
                and_(
                    schema.checkins.c.mentee == verdict.mentee,
                    schema.checkins.c.week == verdict.week,
                    schema.checkins.c.answered_at.is_(None),
                )
            )
            .values(answered_at=now)
        ).rowcount
        return (
            "recorded",
            "mentor's answer recorded" if done else "mentor's answer (check-in already answered)",
        )

    def _rsvp(
        self, conn: Connection, parsed: Parsed, verdict: Verdict, now: datetime
    ) -> tuple[str, str]:
        assert parsed.rsvp is not None and verdict.series_id is not None
        week = None
        if parsed.rsvp.recurrence_id:
            week = self._week_of_instance(conn, verdict.series_id, parsed.rsvp.recurrence_id)
            if week is None:
                return "review", f"RSVP for an occurrence of {verdict.series_id} Rota did not send"
        conn.execute(
            schema.rsvps.insert().values(
                series_id=verdict.series_id,
                attendee=parsed.rsvp.attendee,
                week=week,
                partstat=parsed.rsvp.partstat,
                sequence=parsed.rsvp.sequence,
                comment=parsed.rsvp.comment,
                message_id=parsed.message_id,
                received_at=now,
            )
        )
        what = "the series" if week is None else f"week {week}"
        return "recorded", f"{parsed.rsvp.partstat.lower()} for {what}"

    def _week_of_instance(self, conn: Connection, series_id: str, stamp: str) -> int | None:
        state = self.store.series_state(series_id, conn)
        if state is None or state.anchor is None:
            return None
        for week in state.anchor.weeks():
            if state.anchor.instance(week).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") == stamp:
                return week
        return None

    def _bounce(self, conn: Connection, parsed: Parsed, now: datetime) -> tuple[str, str]:
        assert parsed.bounce is not None
        failing = [r for r in parsed.bounce.recipients if r.permanent]
        original = parsed.bounce.original_message_id
        if failing and original:
            # only the addresses that email went to: a report cannot fail anyone else
            sent_to = conn.execute(
                select(schema.outbox.c.recipients).where(schema.outbox.c.message_id == original)
            ).scalar()
            ours = {a.lower() for a in json.loads(sent_to)} if sent_to else set()
            failing = [r for r in failing if r.address in ours]
            if not failing:
                return "review", f"a bounce for {original} naming addresses it was not sent to"
        table = schema.failing_addresses
        for r in failing:
            if not insert_ignoring_duplicates(
                conn,
                table,
                {"address": r.address, "since": now, "status": r.status, "detail": r.diagnostic},
                ["address"],
            ):
                conn.execute(
                    update(table)
                    .where(table.c.address == r.address)
                    .values(status=r.status, detail=r.diagnostic)
                )
        if not failing:
            return "ignored", "a delay notice (transient), nothing to do yet"
        return "recorded", "bounce: " + ", ".join(
            f"{r.address} ({r.status or 'failed'})" for r in failing
        )


_YES = re.compile(r"^\W*(yes|y|yeah|yep|it did|it happened|done|ja|sí|si|oui|sim)\b", re.I)
_NO = re.compile(r"^\W*(no|n|nope|not|didn'?t|did not|cancell?ed|skipped|nein|non|não)\b", re.I)


def _who(text: str, members: tuple[str, ...], config: Config) -> str | None:
    """The member a name, a first name or an address in `text` stands for."""
    t = " ".join(text.lower().split())
    for m in members:
        p = config.person(m)
        if m in t or p.name.lower() == t or t == p.first_name.lower():
            return m
    for m in members:
        p = config.person(m)
        if p.name.lower() in t or re.search(rf"\b{re.escape(p.first_name.lower())}\b", t):
            return m
    return None


def read_recap(body: str, members: tuple[str, ...], config: Config) -> dict[str, Any]:
    """A recap reply: whether the meeting happened (the first answer, or a one-line yes/no),
    who came (names or addresses of those invited), action items ("Ana: open the PR"),
    and notes."""
    lead, items, boxes = extract_sections(
        body,
        RECAP_HEADINGS,
    )
    answer = " ".join([*items["happened"], *[x for x in lead if x.strip()][:1]])
    happened = True if _YES.match(answer) else False if _NO.match(answer) else None
    attended = []
    for item in items["came"]:
        for part in re.split(r"[,;]|\band\b", item):
            who = _who(part, members, config) if part.strip() else None
            if who and who not in attended:
                attended.append(who)
    done = {b["text"]: bool(b.get("done")) for b in boxes["actions"]}
    actions = []
    for item in items["actions"]:
        if item.startswith("(name)"):
            continue  # the template's placeholder
        owner, text = None, item
        head, sep, rest = item.partition(":")
        if sep and len(head) <= 60:
            owner = _who(head, members, config)
            text = rest.strip() if owner else item
        actions.append({"owner": owner, "text": text, "done": done.get(item, False)})
    return {
        "happened": happened,
        "attended": attended if happened is not False else [],
        "actions": actions,
        "notes": "\n\n".join(items["notes"]),
    }


def review_items(store: Store, limit: int = 50) -> list[Mapping[str, object]]:
    """Messages waiting for a human, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                schema.inbound.c.received_at,
                schema.inbound.c.sender,
                schema.inbound.c.reason,
                schema.inbound.c.message_id,
            )
            .where(schema.inbound.c.outcome == "review")
            .order_by(schema.inbound.c.received_at.desc())
            .limit(limit)
        ).all()
    return [dict(r._mapping) for r in rows]
