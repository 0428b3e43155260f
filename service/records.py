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


SURVEY_MIN = 3  # answers before a survey's average is shown (anonymity)


@dataclass
class Meetings:
    """What recaps say of a series: meetings recapped, held, not held, who came how often."""

    series: str
    recaps: int
    happened: int
    not_held: int
    came: dict[str, int]


@dataclass
class Survey:
    series: str
    answers: int
    average: float | None  # None below SURVEY_MIN answers: too few to stay anonymous


@dataclass
class Report:
    program: str
    participation: list[Participation] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    answers: list[Answers] = field(default_factory=list)
    burden: dict[str, float] = field(default_factory=dict)  # hours², the plan with its ledger
    meetings: list[Meetings] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "program": self.program,
            "participation": [asdict(p) for p in self.participation],
            "attendance": [asdict(a) for a in self.attendance],
            "mentor_answers": [asdict(a) for a in self.answers],
            "burden": self.burden,
        }
        if self.meetings:  # extensions, only where recaps or surveys are on
            out["meetings"] = [asdict(m) for m in self.meetings]
        if self.surveys:
            out["surveys"] = [asdict(v) for v in self.surveys]
        return out


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
    with store.engine.connect() as conn:
        recaps = conn.execute(select(schema.recaps).order_by(schema.recaps.c.id)).all()
        scores = conn.execute(
            select(schema.survey_answers.c.series_id, schema.survey_answers.c.score)
        ).all()
    last_recap: dict[tuple[str, int], Any] = {}
    for rc in recaps:  # the latest recap of a meeting counts
        last_recap[(rc.series_id, rc.week)] = rc
    by_series: dict[str, Meetings] = {}
    for (sid, _), rc in sorted(last_recap.items()):
        held = by_series.setdefault(sid, Meetings(sid, 0, 0, 0, {}))
        held.recaps += 1
        held.happened += rc.happened is True
        held.not_held += rc.happened is False
        for e in json.loads(rc.attended):
            held.came[e] = held.came.get(e, 0) + 1
    out.meetings = list(by_series.values())
    votes: dict[str, list[int]] = defaultdict(list)
    for sid, score in scores:
        votes[sid].append(score)
    out.surveys = [
        Survey(sid, len(v), round(statistics.fmean(v), 2) if len(v) >= SURVEY_MIN else None)
        for sid, v in sorted(votes.items())
    ]
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
