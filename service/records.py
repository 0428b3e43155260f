"""What the store knows about the program, for people: participation, attendance, answers,
burden, each mentee's record, full-text search. Read-only queries; rendering is elsewhere."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from scheduling.model import cost_to_hours2
from scheduling.plan import plan_program
from service.clock import SystemClock
from service.config.model import Config
from service.plans import PlanCache
from service.program import program_spec, series_of
from service.store import schema
from service.store.store import Store


@dataclass
class Participation:
    mentee: str
    mentor: str
    prompts: int
    checkins: int
    late: int
    rate: float  # check-ins per prompt
    missed_streak: int  # prompts unanswered since the last check-in
    longest_streak: int  # most prompts answered in a row


@dataclass
class Attendance:
    series: str
    attendee: str
    accepted: int = 0
    declined: int = 0
    tentative: int = 0
    series_answer: str | None = None  # the answer to the whole series, if any


@dataclass
class Answers:
    mentor: str
    forwarded: int
    answered: int
    median_hours: float | None


@dataclass
class Report:
    program: str
    participation: list[Participation] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    answers: list[Answers] = field(default_factory=list)
    burden: dict[str, float] = field(default_factory=dict)  # hours², the plan with its ledger

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "participation": [asdict(p) for p in self.participation],
            "attendance": [asdict(a) for a in self.attendance],
            "mentor_answers": [asdict(a) for a in self.answers],
            "burden": self.burden,
        }


def report(config: Config, store: Store) -> Report:
    out = Report(config.program.name)
    with store.engine.connect() as conn:
        prompts = conn.execute(
            select(schema.prompts).where(schema.prompts.c.kind == "checkin")
        ).all()
        checkins = conn.execute(select(schema.checkins)).all()
        rsvps = conn.execute(select(schema.rsvps).order_by(schema.rsvps.c.id)).all()
    prompted: dict[str, list[int]] = defaultdict(list)
    for p in prompts:
        prompted[p.mentee].append(p.week)
    got: dict[str, set[int]] = defaultdict(set)
    late: dict[str, int] = defaultdict(int)
    for c in checkins:
        if c.kind == "checkin":
            got[c.mentee].add(c.week)
            late[c.mentee] += bool(c.late)
    for pair in config.pairs:
        weeks = sorted(prompted.get(pair.mentee, []))
        answered = got.get(pair.mentee, set())
        longest = run = 0
        for w in weeks:
            run = run + 1 if w in answered else 0
            longest = max(longest, run)
        missed = 0
        for w in reversed(weeks):
            if w in answered:
                break
            missed += 1
        n = len(answered & set(weeks)) if weeks else len(answered)
        out.participation.append(
            Participation(
                pair.mentee,
                pair.mentor,
                len(weeks),
                len(answered),
                late[pair.mentee],
                round(n / len(weeks), 3) if weeks else 0.0,
                missed,
                longest,
            )
        )
    table: dict[tuple[str, str], Attendance] = {}
    for s in series_of(config):
        for m in s.members:
            table[(s.id, m)] = Attendance(s.id, m)
    latest: dict[tuple[str, str, int | None], str] = {}
    for r in rsvps:  # the latest answer per occurrence counts
        latest[(r.series_id, r.attendee, r.week)] = r.partstat
    for (sid, who, week), partstat in latest.items():
        a = table.setdefault((sid, who), Attendance(sid, who))
        if week is None:
            a.series_answer = partstat
        elif partstat == "ACCEPTED":
            a.accepted += 1
        elif partstat == "DECLINED":
            a.declined += 1
        elif partstat == "TENTATIVE":
            a.tentative += 1
    out.attendance = list(table.values())
    hours: dict[str, list[float]] = defaultdict(list)
    forwarded: dict[str, int] = defaultdict(int)
    with store.engine.connect() as conn:
        for c in checkins:
            if not c.mentor:
                continue
            forwarded[c.mentor] += 1
            # from the forward's delivery: the mentor cannot answer before they have it
            hours[c.mentor].extend(forward_answer_hours(conn, [c]))
    for mentor in dict.fromkeys(p.mentor for p in config.pairs):
        h = hours.get(mentor, [])
        out.answers.append(
            Answers(
                mentor,
                forwarded.get(mentor, 0),
                len(h),
                round(statistics.median(h), 1) if h else None,
            )
        )
    spec, ledger = program_spec(config), store.ledger()
    plan = PlanCache(store).plan(
        spec, ledger, lambda: plan_program(spec, ledger), SystemClock().now()
    )
    out.burden = {p.email: cost_to_hours2(plan.burden.get(p.email, 0)) for p in config.people}
    return out


def forward_answer_hours(conn: Connection, rows: Sequence[Any]) -> list[float]:
    """Hours from the delivery of each forward to the mentor's answer (rows of checkins)."""
    ids = [r.forward_id for r in rows if r.answered_at is not None and r.forward_id]
    if not ids:
        return []
    o = schema.outbox
    sent = dict(
        conn.execute(select(o.c.message_id, o.c.sent_at).where(o.c.message_id.in_(ids))).all()
    )
    out = []
    for r in rows:
        delivered = sent.get(r.forward_id) if r.forward_id else None
        if r.answered_at is not None and delivered is not None:
            out.append(max(0.0, (r.answered_at - delivered).total_seconds() / 3600))
    return out


@dataclass
class Entry:
    mentee: str
    week: int
    kind: str
    received_at: datetime
    late: bool
    record: dict[str, Any]
    answered_at: datetime | None


def entries(store: Store, mentee: str | None = None) -> list[Entry]:
    t = schema.checkins
    q = select(t).order_by(t.c.mentee, t.c.week, t.c.received_at)
    if mentee:
        q = q.where(t.c.mentee == mentee)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        Entry(
            r.mentee,
            r.week,
            r.kind,
            r.received_at,
            bool(r.late),
            json.loads(r.record),
            r.answered_at,
        )
        for r in rows
    ]


def search(store: Store, query: str, limit: int = 50) -> list[tuple[Entry, str]]:
    """Check-ins holding every word of `query` (case-insensitive), newest first, each with
    the line that matched best."""
    words = [w.lower() for w in query.split() if w.strip()]
    if not words:
        return []
    t = schema.checkins
    q = select(t).order_by(t.c.received_at.desc(), t.c.id.desc())
    for w in words:
        q = q.where(t.c.text.ilike(f"%{_escape_like(w)}%", escape="\\"))
    with store.engine.connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    found = []
    for r in rows:
        lines = [line for line in r.text.splitlines() if line.strip()]
        best = max(lines, key=lambda line: sum(w in line.lower() for w in words), default="")
        found.append(
            (
                Entry(
                    r.mentee,
                    r.week,
                    r.kind,
                    r.received_at,
                    bool(r.late),
                    json.loads(r.record),
                    r.answered_at,
                ),
                best,
            )
        )
    return found


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
