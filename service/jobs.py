"""The program's jobs (SPEC §1, §5): what is due when, decided from the config and the store.

An agenda holds every timed item of the program: each mentee's prompts and the moments their
check-ins count as missed, evaluations, weekly digests, the opening of invites and the
refresh of review invites before each review; reminders join it as prompts go out.
`run_due(now)` handles every item whose time has come, in time order, plus what the inbox
brought (forwards to mentors, RSVPs). Each handler is idempotent: it checks the store, and
writes its record and its email (outbox, deterministic Message-ID) in one transaction, so
running it twice, or after a crash, sends nothing twice. Items already handled before a
restart are skipped by a watermark; a job that was due while the daemon was down runs once.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import statistics
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from mail.calendar import Anchor, Attendee, Meeting, SeriesEvent
from mail.compose import Outgoing, build_message, message_bytes
from mail.ids import series_uid
from scheduling.model import LedgerEntry, Occurrence, Plan, Series
from scheduling.plan import plan_program
from scheduling.rebook import rebook
from service.clock import Clock
from service.config.model import Config, PersonConfig
from service.emails import Mailer, load_templates
from service.plans import PlanCache, plan_key
from service.program import (
    checkin_cadence,
    meeting_options,
    program_spec,
    recap_writer,
    series_of,
)
from service.records import forward_answer_hours
from service.rhythm import (
    deliverable,
    digest_time,
    digest_weeks,
    evaluation_time,
    prompt_deadlines,
    prompt_schedule,
    week_monday,
    week_start,
)
from service.store import schema
from service.store.store import SeriesState, Store
from service.work import Failure, Stale, WorkLog, work_key

log = logging.getLogger("rota.jobs")

INVITE_LEAD = timedelta(days=7)  # first invites go a week before week 0
ROUND_LEAD = timedelta(days=7)  # a pairing round's invites go a week before its week
REVIEW_REFRESH = timedelta(days=2)  # a review's invite is refreshed with goals this long before
REBOOK_NOTICE = timedelta(hours=2)  # a moved meeting starts at least this long after the move
FOLLOWUP_AFTER = timedelta(minutes=30)  # recap prompt and survey: this long after a meeting ends
FOLLOWUP_STALE = timedelta(days=7)  # …and not at all once a week has passed
ACTIONS_WEEKS = 6  # action items from recaps this recent come back in check-ins and reviews
WATERMARK = "jobs:done_until"

# order of handling among items due at the same instant ("wake": a retry of work outside the
# agenda, forwards or RSVPs, is due; it only makes the daemon run)
_ORDER = {
    "invites": 0,
    "deadline": 1,
    "prompt": 2,
    "reminder": 3,
    "evaluation": 4,
    "mentor_evaluation": 4,
    "digest": 5,
    "nudge": 6,
    "followup": 6,
    "wake": 7,
}


@dataclass(order=True, frozen=True, slots=True)
class Item:
    at: datetime
    order: int
    kind: str = field(compare=False)
    key: tuple[Any, ...] = field(compare=False)
    due: datetime | None = field(default=None, compare=False)  # first due (for a retry)


def _item(at: datetime, kind: str, *key: Any) -> Item:
    return Item(at, _ORDER[kind], kind, key)


def _retry(at: datetime, kind: str, key: Sequence[Any], due: datetime) -> Item:
    return Item(at, _ORDER[kind], kind, tuple(key), due)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Jobs:
    def __init__(
        self,
        config: Config,
        store: Store,
        secret: bytes | None,
        clock: Clock,
        plans: PlanCache | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.mailer = Mailer(config, load_templates(config), secret)
        self.people: dict[str, PersonConfig] = {p.email: p for p in config.people}
        self.mentor_of = {p.mentee: p.mentor for p in config.pairs}
        self.series: dict[str, Series] = {s.id: s for s in series_of(config)}
        self.spec = program_spec(config)
        self._agenda: list[Item] = []
        self._deadlines: dict[tuple[str, int], datetime] = {}
        self._plan: Plan | None = None
        self._rekey = False  # occurrences were pinned as planned: store the plan anew
        self._followups: set[tuple[str, int]] = set()  # meetings with a follow-up on the agenda
        self.on_plan: Callable[[int, int], None] | None = None  # planning progress, if wanted
        self.invites_dirty = True  # every series is checked against the plan
        self._stale_series: set[str] = set()  # only these are
        self.invites_open = week_start(config, 0) - INVITE_LEAD
        self.done: list[str] = []  # a log of what was decided, for tests and --once
        self.work = WorkLog(store, self.mailer.templates.revision(repr(config)))
        self.plans = plans or PlanCache(store)

    # -- the agenda ---------------------------------------------------------------------------
    def rebuild(self, unpark: bool = False) -> None:
        """The agenda from the config and the store (the store is the truth). With `unpark`
        (a start of the daemon), parked work that failed under another config is retried."""
        failures = self.work.load(unpark)
        done_until = self._watermark()
        items: list[Item] = []
        for pair in self.config.pairs:
            schedule = prompt_schedule(self.config, pair.mentee)
            for (week, at), deadline in zip(
                schedule, prompt_deadlines(self.config, pair.mentee, schedule), strict=True
            ):
                self._deadlines[(pair.mentee, week)] = deadline
                items.append(_item(at, "prompt", pair.mentee, week))
                items.append(_item(deadline, "deadline", pair.mentee, week))
            for ev in self.config.evaluations:
                at_ev = evaluation_time(self.config, pair.mentee, ev.on)
                if at_ev is not None:
                    items.append(_item(at_ev, "evaluation", pair.mentee, ev.name))
                at_mentor = evaluation_time(self.config, pair.mentor, ev.on) if ev.mentors else None
                if at_mentor is not None:
                    items.append(_item(at_mentor, "mentor_evaluation", pair.mentee, ev.name))
        for week in digest_weeks(self.config):
            items.append(_item(digest_time(self.config, week), "digest", week))
        for s in self.series.values():
            if s.kind == "review":
                for w in s.weeks:
                    items.append(
                        _item(week_start(self.config, w) - REVIEW_REFRESH, "invites", s.id)
                    )
            elif s.kind == "round":
                items.append(_item(self._opens(s), "invites", s.id))
        if done_until is not None:
            items = [i for i in items if i.at > done_until]
        items.append(_item(max(self.invites_open, done_until or self.invites_open), "invites"))
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(
                    schema.prompts.c.mentee, schema.prompts.c.week, schema.prompts.c.sent_at
                ).where(schema.prompts.c.kind == "checkin", schema.prompts.c.reminded_at.is_(None))
            ).all()
        for r in rows:
            if r.mentee in self.mentor_of:
                items.append(self._reminder_item(r.mentee, r.week, r.sent_at))
        with self.store.engine.connect() as conn:
            c = schema.checkins
            waiting = conn.execute(
                select(c.c.id, c.c.forwarded_at).where(
                    c.c.forward_id.is_not(None), c.c.answered_at.is_(None), c.c.nudged_at.is_(None)
                )
            ).all()
        for fw in waiting:  # the handler waits for the forward's delivery if need be
            items.append(_item(fw.forwarded_at + self.config.checkin.nudge_after, "nudge", fw.id))
        # work that failed is never covered by the watermark: back on the agenda for its retry
        for f in failures:
            if f.state == "retrying":
                items.append(self._retry_item(f))
        heapq.heapify(items)
        self._agenda = items
        self.invites_dirty = True

    def _reminder_item(self, mentee: str, week: int, sent_at: datetime) -> Item:
        cadence = checkin_cadence(self.config, week) or self.config.checkin
        at = deliverable(self.people[mentee], sent_at + cadence.remind_after)
        return _item(at, "reminder", mentee, week)

    def _opens(self, s: Series) -> datetime:
        """When a series' first invite may go: a pairing round's a week before its week."""
        if s.kind == "round" and s.weeks:
            return max(self.invites_open, week_start(self.config, s.weeks[0]) - ROUND_LEAD)
        return self.invites_open

    def _retry_item(self, f: Failure) -> Item:
        if f.kind in _ORDER and f.kind not in ("wake", "invites"):
            return _retry(f.next_try_at, f.kind, f.args, f.due_at)
        if f.kind == "invites":
            return _retry(f.next_try_at, "invites", f.args, f.due_at)
        return _retry(f.next_try_at, "wake", (f.key,), f.due_at)  # forwards, RSVPs, the plan

    def _after_failure(self, f: Failure | None) -> None:
        if f is not None and f.state == "retrying":
            heapq.heappush(self._agenda, self._retry_item(f))

    def _label(self, kind: str, key: Sequence[Any]) -> str:
        if kind == "prompt":
            return f"check-in prompt to {key[0]}, week {key[1]}"
        if kind == "reminder":
            return f"reminder to {key[0]}, week {key[1]}"
        if kind == "deadline":
            return f"missed check-in follow-up (escalation) for {key[0]}, week {key[1]}"
        if kind == "mentor_evaluation":
            return f"evaluation '{key[1]}' to the mentor of {key[0]}"
        if kind == "evaluation":
            return f"evaluation '{key[1]}' to {key[0]}"
        if kind == "digest":
            return f"weekly digest, week {key[0]}"
        if kind == "nudge":
            return f"reminder to the mentor of check-in {key[0]}"
        if kind == "followup":
            return f"recap and survey after {key[0]} week {key[1]}"
        return f"{kind} {' '.join(str(k) for k in key)}"

    def _watermark(self) -> datetime | None:
        found = self.store.get(WATERMARK)
        return datetime.fromisoformat(found) if found else None

    def next_due(self) -> datetime | None:
        """When the next item is due (None: nothing left in the program)."""
        return self._agenda[0].at if self._agenda else None

    def upcoming(self, limit: int = 10) -> list[Item]:
        """The next items (the internal "check the invites" and "wake" marks left out)."""
        return [
            i for i in sorted(self._agenda) if i.kind != "wake" and (i.kind != "invites" or i.key)
        ][:limit]

    # -- running ------------------------------------------------------------------------------
    def run_due(self, now: datetime | None = None) -> list[str]:
        """Handle everything due by `now`; returns a line per email decided."""
        now = now or self.clock.now()
        self.done = []
        self._forwards(now)
        self._rsvps(now)
        self._recaps(now)
        while self._agenda and self._agenda[0].at <= now:
            item = heapq.heappop(self._agenda)
            if item.kind == "invites":  # the opening of invites, or one series' refresh
                if item.key:
                    self._stale_series.update(item.key)
                else:
                    self.invites_dirty = True
                continue
            if item.kind == "wake":  # a retry outside the agenda: forwards, RSVPs, the plan
                if str(item.key[0]).startswith("cancel:"):
                    self.invites_dirty = True  # cancels run in a full pass
                continue
            self._run_item(now, item)
        if now >= self.invites_open and (self.invites_dirty or self._stale_series):
            self.sync_invites(now, None if self.invites_dirty else set(self._stale_series))
        self._keep_plan(now)
        with self.store.engine.begin() as conn:
            self.store.put(conn, WATERMARK, now.astimezone(UTC).isoformat())
        return self.done

    def _run_item(self, now: datetime, item: Item) -> None:
        """One agenda item, through the work log: a failure is recorded and retried, and
        never stops the items after it (a template error, a bad record)."""
        key = work_key(item.kind, *item.key)
        known = self.work.failures.get(key)
        if known is not None and self.work.blocked(key, now):
            if known.state == "retrying" and known.next_try_at > item.at:
                heapq.heappush(self._agenda, self._retry_item(known))
            return  # parked: it waits for the admin, and stays listed
        handler = getattr(self, f"_{item.kind}")
        due = item.due or item.at
        self._after_failure(
            self.work.attempt(
                now,
                item.kind,
                item.key,
                due,
                self._label(item.kind, item.key),
                lambda: handler(now, due, *item.key),
            )
        )

    def _queue(self, conn: Connection, out: Outgoing, now: datetime, **extra: Any) -> bool:
        out = self.mailer.stamped(out)
        assert out.date is not None
        added = self.store.outbox.add(
            conn,
            message_id=out.message_id,
            kind=out.kind,
            sender=out.sender.email,
            recipients=out.recipients,
            subject=out.subject,
            eml=message_bytes(build_message(out)),
            due_at=out.date,
            now=now,
            **extra,
        )
        if added:
            self.done.append(f"{_iso(out.date)} {out.kind} → {', '.join(out.recipients)}")
        return added

    # -- check-ins ----------------------------------------------------------------------------
    # the hot queries, built once (a daemon of a large program runs them tens of thousands
    # of times; building the statement costs more than running it)
    _PROMPTED = select(schema.prompts).where(
        schema.prompts.c.kind == bindparam("kind"),
        schema.prompts.c.mentee == bindparam("mentee"),
        schema.prompts.c.week == bindparam("week"),
        schema.prompts.c.name == bindparam("name"),
    )
    _HAS_CHECKIN = (
        select(schema.checkins.c.id)
        .where(
            schema.checkins.c.mentee == bindparam("mentee"),
            schema.checkins.c.week == bindparam("week"),
            schema.checkins.c.kind == "checkin",
        )
        .limit(1)
    )

    def _prompted(self, conn: Connection, kind: str, mentee: str, week: int, name: str = "") -> Any:
        params = {"kind": kind, "mentee": mentee, "week": week, "name": name}
        return conn.execute(self._PROMPTED, params).first()

    def _has_checkin(self, conn: Connection, mentee: str, week: int) -> bool:
        found = conn.execute(self._HAS_CHECKIN, {"mentee": mentee, "week": week}).first()
        return found is not None

    def _last_record(self, conn: Connection, mentee: str) -> dict[str, Any] | None:
        t = schema.checkins
        r = conn.execute(
            select(t.c.record, t.c.week, t.c.received_at)
            .where(t.c.mentee == mentee, t.c.kind == "checkin")
            .order_by(t.c.received_at.desc(), t.c.id.desc())
            .limit(1)
        ).first()
        if r is None:
            return None
        record: dict[str, Any] = json.loads(r.record)
        record["week"] = r.week
        record["received_at"] = f"{r.received_at.astimezone(self._zone(mentee)):%a %-d %b %Y}"
        return record

    def _zone(self, email: str) -> Any:
        from zoneinfo import ZoneInfo

        p = self.people.get(email)
        return ZoneInfo(p.timezone) if p else UTC

    def _prompt(self, now: datetime, at: datetime, mentee: str, week: int) -> None:
        if mentee not in self.mentor_of:
            return
        # on time this is `at` (a workday by construction); caught up late, the next workday
        send_at = deliverable(self.people[mentee], now)
        deadline = self._deadlines.get((mentee, week))
        if deadline is not None and send_at >= deadline:
            if work_key("prompt", mentee, week) in self.work.failures:
                raise Stale(f"its week passed while it kept failing: {mentee} got no prompt")
            log.debug("skipping %s's week %d prompt: its week has passed", mentee, week)
            return
        with self.store.engine.begin() as conn:
            if self._prompted(conn, "checkin", mentee, week) is not None:
                return
            last = self._last_record(conn, mentee)
            goals = [g for g in (last or {}).get("goals", []) if not g.get("done")]
            actions = self.open_actions(conn, {mentee})
            out = self.mailer.checkin(mentee, week, send_at, goals, actions)
            conn.execute(
                schema.prompts.insert().values(
                    kind="checkin",
                    mentee=mentee,
                    week=week,
                    name="",
                    message_id=out.message_id,
                    sent_at=send_at,
                )
            )
            self._queue(conn, out, now, week=week)
        heapq.heappush(self._agenda, self._reminder_item(mentee, week, send_at))

    def _reminder(self, now: datetime, at: datetime, mentee: str, week: int) -> None:
        if mentee not in self.mentor_of:
            return
        with self.store.engine.begin() as conn:
            prompt = self._prompted(conn, "checkin", mentee, week)
            if prompt is None or prompt.reminded_at is not None:
                return
            if self._has_checkin(conn, mentee, week):
                conn.execute(
                    update(schema.prompts)
                    .where(schema.prompts.c.id == prompt.id)
                    .values(reminded_at=now)
                )  # answered: no reminder, and nothing left to wait for
                self.done.append(f"{_iso(now)} (no reminder: {mentee} answered week {week})")
                return
            o = schema.outbox
            subject = (
                conn.execute(
                    select(o.c.subject).where(o.c.message_id == prompt.message_id)
                ).scalar()
                or self.mailer.checkin(mentee, week, prompt.sent_at).subject
            )
            send_at = deliverable(self.people[mentee], now)
            out = self.mailer.reminder(mentee, week, send_at, prompt.message_id, subject)
            self._queue(conn, out, now, week=week)
            conn.execute(
                update(schema.prompts)
                .where(schema.prompts.c.id == prompt.id)
                .values(reminded_at=now)
            )

    def missed_run(self, conn: Connection, mentee: str, upto: datetime) -> list[int]:
        """The weeks of the mentee's current run of missed check-ins as of `upto`: prompts whose
        deadline has passed, sent after their last check-in, without a check-in of their own."""
        c, p = schema.checkins, schema.prompts
        got = conn.execute(
            select(c.c.week, c.c.received_at).where(
                c.c.mentee == mentee, c.c.kind == "checkin", c.c.received_at <= upto
            )
        ).all()
        last = max((r.received_at for r in got), default=None)
        answered = {r.week for r in got}
        prompts = conn.execute(
            select(p.c.week, p.c.sent_at).where(p.c.mentee == mentee, p.c.kind == "checkin")
        ).all()
        weeks = []
        for r in sorted(prompts, key=lambda r: r.week):
            if last is not None and r.sent_at <= last:
                continue
            deadline = self._deadlines.get((mentee, r.week))
            if deadline is not None and deadline <= upto and r.week not in answered:
                weeks.append(r.week)
        return weeks

    def _deadline(self, now: datetime, at: datetime, mentee: str, week: int) -> None:
        mentor = self.mentor_of.get(mentee)
        if mentor is None or mentee not in self.people:
            return
        cadence = checkin_cadence(self.config, week) or self.config.checkin
        every = cadence.escalate_after_missed
        with self.store.engine.begin() as conn:
            if self._prompted(conn, "checkin", mentee, week) is None:
                return  # no prompt went out that week: nothing was missed
            run = self.missed_run(conn, mentee, at)
            if not run or run[-1] != week or every <= 0 or len(run) % every:
                return
            esc = schema.escalations
            if conn.execute(
                select(esc.c.id).where(esc.c.mentee == mentee, esc.c.week == week)
            ).first():
                return
            send_at = deliverable(self.people[mentor], now)
            out = self.mailer.escalation(
                mentee, week, send_at, run, self._last_record(conn, mentee)
            )
            conn.execute(
                esc.insert().values(
                    mentee=mentee, week=week, missed=len(run), message_id=out.message_id
                )
            )
            self._queue(conn, out, now, week=week)

    def _evaluation(self, now: datetime, at: datetime, mentee: str, name: str) -> None:
        ev = next((e for e in self.config.evaluations if e.name == name), None)
        if ev is None or mentee not in self.people:
            return
        self._evaluation_prompt(
            now,
            at,
            mentee,
            ev.on,
            name,
            kind="evaluation",
            work="evaluation",
            recipient=mentee,
            failed=f"{mentee} got no evaluation",
            build=lambda week, send_at: self.mailer.evaluation(
                mentee, name, ev.headings, week, send_at
            ),
        )

    def _mentor_evaluation(self, now: datetime, at: datetime, mentee: str, name: str) -> None:
        """The mentor's evaluation of one mentee (on the mentor's own workday)."""
        ev = next((e for e in self.config.evaluations if e.name == name), None)
        mentor = self.mentor_of.get(mentee)
        if ev is None or not ev.mentors or mentor is None or mentor not in self.people:
            return
        self._evaluation_prompt(
            now,
            at,
            mentee,
            ev.on,
            name,
            kind="mentor-evaluation",
            work="mentor_evaluation",
            recipient=mentor,
            failed=f"no evaluation to {mentor}",
            build=lambda week, send_at: self.mailer.mentor_evaluation(
                mentee, name, ev.mentor_headings, week, send_at
            ),
        )

    def _evaluation_prompt(
        self,
        now: datetime,
        at: datetime,
        mentee: str,
        on: date,
        name: str,
        *,
        kind: str,
        work: str,
        recipient: str,
        failed: str,
        build: Callable[[int, datetime], Outgoing],
    ) -> None:
        """One evaluation email about `mentee` to `recipient` (on their workday), once, and
        not at all a week after it was due (unless it kept failing: then that is said)."""
        if now > at + timedelta(days=7):
            if work_key(work, mentee, name) in self.work.failures:
                raise Stale(f"a week passed while it kept failing: {failed}")
            return
        week = evaluation_week(self.config, on)
        with self.store.engine.begin() as conn:
            if self._prompted(conn, kind, mentee, week, name) is not None:
                return
            send_at = deliverable(self.people[recipient], now)
            out = build(week, send_at)
            conn.execute(
                schema.prompts.insert().values(
                    kind=kind,
                    mentee=mentee,
                    week=week,
                    name=name,
                    message_id=out.message_id,
                    sent_at=send_at,
                )
            )
            self._queue(conn, out, now, week=week)

    def _forwards(self, now: datetime) -> None:
        """Every recorded check-in goes to the mentor (their next workday if need be); one
        that cannot be built is retried on its own and holds up nothing else."""
        t = schema.checkins
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.forwarded_at.is_(None)).order_by(t.c.id)).all()
        for r in rows:
            self._after_failure(
                self.work.attempt(
                    now,
                    "forward",
                    (r.id,),
                    r.received_at,
                    f"forward of {r.mentee}'s week {r.week} check-in to their mentor",
                    partial(self._forward, now, r),
                )
            )

    def _forward(self, now: datetime, r: Any) -> None:
        t = schema.checkins
        mentor = self.mentor_of.get(r.mentee)
        forward_id = None
        with self.store.engine.begin() as conn:
            if r.kind == "mentor-evaluation":
                pass  # the mentor's own words: for the program team, not sent back to them
            elif mentor is not None and mentor in self.people and r.mentee in self.people:
                record = json.loads(r.record)
                record["received_at"] = r.received_at
                send_at = deliverable(self.people[mentor], now)
                out = self.mailer.forward(
                    r.mentee,
                    r.week,
                    send_at,
                    record,
                    r.message_id,
                    bool(r.late),
                    r.content_hash,
                )
                self._queue(conn, out, now, week=r.week)
                if r.kind == "checkin":
                    forward_id = out.message_id
            conn.execute(
                update(t).where(t.c.id == r.id).values(forwarded_at=now, forward_id=forward_id)
            )
        if forward_id is not None and self.config.checkin.nudge_after:
            heapq.heappush(
                self._agenda, _item(now + self.config.checkin.nudge_after, "nudge", r.id)
            )

    def _nudge(self, now: datetime, at: datetime, checkin_id: int) -> None:
        """Remind the mentor once when a forwarded check-in is unanswered `nudge_after` after
        the forward reached them (counted from its delivery, not its decision)."""
        wait = self.config.checkin.nudge_after
        c, o = schema.checkins, schema.outbox
        with self.store.engine.connect() as conn:
            row = conn.execute(select(c).where(c.c.id == checkin_id)).first()
            sent = (
                conn.execute(
                    select(o.c.sent_at, o.c.subject, o.c.state).where(
                        o.c.message_id == row.forward_id
                    )
                ).first()
                if row is not None and row.forward_id
                else None
            )
        if row is None or not wait or row.answered_at is not None or row.nudged_at is not None:
            return
        mentor = self.mentor_of.get(row.mentee)
        if mentor is None or mentor not in self.people or sent is None:
            return
        if sent.state in ("failed", "parked"):
            return  # the mentor never got it: the outbox problem is reported instead
        if sent.sent_at is None or sent.sent_at + wait > now:
            later = (sent.sent_at + wait) if sent.sent_at is not None else now + timedelta(hours=1)
            heapq.heappush(self._agenda, _item(later, "nudge", checkin_id))
            return
        send_at = deliverable(self.people[mentor], now)
        out = self.mailer.nudge(
            row.mentee, row.week, send_at, row.forward_id, sent.subject, sent.sent_at
        )
        with self.store.engine.begin() as conn:
            self._queue(conn, out, now, week=row.week)
            conn.execute(update(c).where(c.c.id == checkin_id).values(nudged_at=now))

    # -- after a meeting: recap prompt, survey, the recap sent on -----------------------------
    def _followup(self, now: datetime, at: datetime, series_id: str, week: int) -> None:
        s = self.series.get(series_id)
        if s is None:
            return
        plan = self.plan()
        occ = next((o for o in plan.occurrences.get(series_id, ()) if o.week == week), None)
        if occ is None or occ.start is None or occ.end is None:
            return
        due = occ.end + FOLLOWUP_AFTER
        if now < due:  # the meeting moved later: so does its follow-up
            heapq.heappush(self._agenda, _item(due, "followup", series_id, week))
            return
        if now > due + FOLLOWUP_STALE:
            return
        recap, survey = meeting_options(self.config, series_id)
        roles = s.role_plan(plan.occurrences[series_id]).get(week)
        writer = recap_writer(s, roles) if recap else None
        attending = [m for m in s.members if m not in occ.left_out and m in self.people]
        with self.store.engine.begin() as conn:
            if writer is not None and writer in self.people:
                if self._prompted(conn, "recap", writer, week, series_id) is None:
                    out = self.mailer.recap_prompt(
                        s, week, occ.start, writer, attending, deliverable(self.people[writer], now)
                    )
                    self._record_prompt(conn, "recap", writer, week, series_id, out)
                    self._queue(conn, out, now, week=week, series_id=series_id)
            if survey:
                for m in attending:
                    if self._prompted(conn, "survey", m, week, series_id) is not None:
                        continue
                    out = self.mailer.survey(
                        s, week, occ.start, m, deliverable(self.people[m], now)
                    )
                    self._record_prompt(conn, "survey", m, week, series_id, out)
                    self._queue(conn, out, now, week=week, series_id=series_id)

    def _record_prompt(
        self, conn: Connection, kind: str, who: str, week: int, name: str, out: Outgoing
    ) -> None:
        assert out.date is not None
        conn.execute(
            schema.prompts.insert().values(
                kind=kind,
                mentee=who,
                week=week,
                name=name,
                message_id=out.message_id,
                sent_at=out.date,
            )
        )

    def _recaps(self, now: datetime) -> None:
        """Every recap received goes to everyone invited to the meeting, once."""
        t = schema.recaps
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t).where(t.c.distributed_at.is_(None)).order_by(t.c.id)
            ).all()
        for r in rows:
            self._after_failure(
                self.work.attempt(
                    now,
                    "recap",
                    (r.id,),
                    r.received_at,
                    f"recap of {r.series_id} week {r.week}",
                    partial(self._recap, now, r),
                )
            )

    def _recap(self, now: datetime, r: Any) -> None:
        t = schema.recaps
        s = self.series.get(r.series_id)
        with self.store.engine.begin() as conn:
            if s is not None:
                occ = next((o for o in self.plan().occurrences[s.id] if o.week == r.week), None)
                start = occ.start if occ is not None and occ.start is not None else now
                recap = {
                    "writer": r.writer,
                    "happened": r.happened,
                    "attended": json.loads(r.attended),
                    "actions": json.loads(r.actions),
                    "notes": r.notes,
                }
                out = self.mailer.recap(s, r.week, start, recap, now, r.message_id)
                self._queue(conn, out, now, week=r.week, series_id=s.id)
            conn.execute(update(t).where(t.c.id == r.id).values(distributed_at=now))

    def open_actions(
        self, conn: Connection, owners: Collection[str], series: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """Action items not ticked, from recent recaps, owned by `owners` (or of `series`)."""
        t = schema.recaps
        since = self.clock.now() - timedelta(weeks=ACTIONS_WEEKS)
        rows = conn.execute(
            select(t).where(t.c.received_at >= since).order_by(t.c.received_at, t.c.id)
        ).all()
        out: list[dict[str, Any]] = []
        for r in rows:
            s = self.series.get(r.series_id)
            title = s.title if s else r.series_id
            for a in json.loads(r.actions):
                if a.get("done"):
                    continue
                mine = a.get("owner") in owners
                if not mine and not (
                    series is not None and r.series_id in series and not a.get("owner")
                ):
                    continue
                who = a.get("owner")
                out.append(
                    {
                        "text": a["text"],
                        "owner": who or "",
                        "owner_name": self.people[who].name if who in self.people else "",
                        "source": f"{title}, week {r.week}",
                    }
                )
        return out

    # -- digest -------------------------------------------------------------------------------
    def _digest(self, now: datetime, at: datetime, week: int) -> None:
        key = f"digest:{week}"
        if self.store.get(key) or now >= digest_time(self.config, week + 1):
            return  # sent, or a newer digest is due already: only the latest one is news
        with self.store.engine.begin() as conn:
            facts = self.digest_facts(conn, week)
            out = self.mailer.digest(week, now, facts, [self.config.program.organizer])
            self._queue(conn, out, now, week=week)
            self.store.put(conn, key, now.isoformat())

    def digest_facts(self, conn: Connection, week: int) -> dict[str, Any]:
        p, c = schema.prompts, schema.checkins
        prompted = (
            conn.execute(select(p.c.mentee).where(p.c.kind == "checkin", p.c.week == week))
            .scalars()
            .all()
        )
        rows = conn.execute(select(c).where(c.c.kind == "checkin", c.c.week == week)).all()
        got = {r.mentee for r in rows}
        first, last = week_start(self.config, week), week_start(self.config, week + 1)
        missing = []
        for m in prompted:
            if m not in got:
                person = self.people.get(m)
                missing.append(
                    {
                        "name": person.name if person else m,
                        "email": m,
                        "streak": len(self.missed_run(conn, m, digest_time(self.config, week))),
                    }
                )
        hours = forward_answer_hours(conn, rows)
        o = schema.outbox
        escalated = conn.execute(
            select(o.c.recipients, o.c.subject).where(
                o.c.kind == "escalation", o.c.created_at >= first, o.c.created_at < last
            )
        ).all()
        planned = unschedulable = 0
        plan = self.plan()
        blocked = []  # the week's and the next two weeks': who to talk to, and why
        for sid, occs in plan.occurrences.items():
            for occ in occs:
                if occ.week == week:
                    planned += occ.start is not None
                    unschedulable += occ.start is None
                if occ.start is None and week <= occ.week <= week + 2:
                    s = self.series.get(sid)
                    names = [self.people[e].name if e in self.people else e for e in occ.blocked_by]
                    blocked.append(
                        {
                            "week": occ.week,
                            "title": s.title if s else sid,
                            "who": ", ".join(names),
                            "reason": occ.reason,
                        }
                    )
        blocked.sort(key=lambda b: (b["week"], b["title"]))
        r_t = schema.rsvps
        declined = conn.execute(
            select(func.count()).where(r_t.c.week == week, r_t.c.partstat == "DECLINED")
        ).scalar()
        i_t = schema.inbound
        review = conn.execute(
            select(i_t.c.received_at, i_t.c.sender, i_t.c.reason).where(
                i_t.c.outcome == "review", i_t.c.received_at >= first, i_t.c.received_at < last
            )
        ).all()
        counts = self.store.outbox.counts()
        problems = [
            {"to": ", ".join(r.recipients), "subject": r.subject, "error": r.last_error or ""}
            for r in self.store.outbox.rows(["failed", "parked", "unconfirmed"], limit=10)
        ]
        bounces = conn.execute(select(schema.failing_addresses.c.address)).scalars().all()
        return {
            "checkins": {
                "received": len(got & set(prompted)) if prompted else len(got),
                "expected": len(prompted),
                "late": sum(1 for r in rows if r.late),
                "missing": missing,
            },
            "escalations": [s.subject.split(" has not")[0] for s in escalated],
            "answers": {
                "count": len(hours),
                "median_hours": statistics.median(hours) if hours else None,
            },
            "meetings": {
                "planned": planned,
                "declined": declined or 0,
                "unschedulable": unschedulable,
                "blocked": blocked,
            },
            "review": [
                {
                    "received": f"{r.received_at:%Y-%m-%d %H:%M}",
                    "sender": r.sender,
                    "reason": r.reason,
                }
                for r in review
            ],
            "outbox": {
                "pending": counts.get("pending", 0),
                "failed": counts.get("failed", 0),
                "parked": counts.get("parked", 0),
                "unconfirmed": counts.get("unconfirmed", 0),
                "problems": problems,
            },
            "bounces": list(bounces),
            "work": [f.to_json() for f in self.work.open()],
        }

    # -- invites ------------------------------------------------------------------------------
    def plan(self) -> Plan:
        """The plan for the config and the ledger now: from the store when it was computed
        for exactly these before (a restart, a reload that changed nothing it depends on)."""
        if self._plan is None:
            ledger = self.store.ledger()
            self._plan = self.plans.plan(
                self.spec,
                ledger,
                lambda: plan_program(self.spec, ledger, progress=self.on_plan),
                self.clock.now(),
            )
            self._schedule_followups(self._plan)
        return self._plan

    def _schedule_followups(self, plan: Plan) -> None:
        """Each meeting of a series with a recap or a survey gets its follow-up on the agenda
        (the handler looks at where the meeting is by then: a moved meeting moves it)."""
        now = self.clock.now()
        for sid, occs in plan.occurrences.items():
            recap, survey = meeting_options(self.config, sid)
            if not (recap or survey):
                continue
            for o in occs:
                if o.end is None or (sid, o.week) in self._followups:
                    continue
                at = o.end + FOLLOWUP_AFTER
                if at + FOLLOWUP_STALE < now:
                    continue
                self._followups.add((sid, o.week))
                heapq.heappush(self._agenda, _item(at, "followup", sid, o.week))

    def member_facts(self, email: str) -> dict[str, Any]:
        """What of a person a series' slots depend on, by name (to say what changed)."""
        p = self.people[email]
        return {
            "time zone": p.timezone,
            "preferred hours": [p.preferred.start, p.preferred.end],
            "available hours": [p.available.start, p.available.end],
            "workdays": sorted(p.workdays),
            "away days": [(a.first.isoformat(), a.last.isoformat()) for a in p.away],
            "miss cost": p.miss_cost,
        }

    def fingerprint(self, s: Series) -> str:
        """What a series' slots depend on: its definition and its members' constraints."""
        facts: list[Any] = [s.kind, s.title, list(s.members), s.duration, list(s.weeks), s.quorum]
        for m in s.members:
            facts.append(list(self.member_facts(m).values()))
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:32]

    def _why(self, s: Series, live: SeriesState, week: int) -> str:
        """Why an occurrence the attendees had moved or went: a decline, someone's changed
        constraints, the program's cadences; said in a few words for the update."""
        declined = self.store.get(f"moved-why:{s.id}:{week}")
        if declined:
            return declined
        before = live.meta.get("facts") or {}
        changed = []
        for m in s.members:
            old = before.get(m)
            if old is None:
                continue
            now = json.loads(json.dumps(self.member_facts(m)))
            what = [k for k, v in now.items() if old.get(k) != v]
            if what:
                changed.append(f"{self.people[m].name}'s {' and '.join(what)} changed")
        if changed:
            return "; ".join(changed)
        if list(live.meta.get("weeks") or s.weeks) != list(s.weeks):
            return "the program's meeting cadence changed"
        return "the schedule was planned again"

    def _send_times(self, emails: Iterable[str], now: datetime) -> dict[str, datetime]:
        return {e: deliverable(self.people[e], now) for e in emails if e in self.people}

    def _description(self, s: Series, plan: Plan | None = None, now: datetime | None = None) -> str:
        if s.kind != "review":
            if s.roles and plan is not None:
                return self.mailer.description(s, roles=self.mailer.upcoming_roles(plan, s.id, now))
            return self.mailer.description(s)
        mentee = s.members[1]
        t = schema.checkins
        with self.store.engine.connect() as conn:
            records = [
                json.loads(r)
                for r in conn.execute(
                    select(t.c.record).where(t.c.mentee == mentee).order_by(t.c.received_at, t.c.id)
                ).scalars()
            ]
        done: dict[str, dict[str, Any]] = {}
        for rec in records:
            for g in rec.get("goals", []):
                if g.get("done"):
                    done.setdefault(g["text"].lower(), g)
        latest = records[-1].get("goals", []) if records else []
        open_goals = [g for g in latest if not g.get("done") and g["text"].lower() not in done]
        pair = {x.id for x in self.series.values() if x.members == s.members}
        with self.store.engine.connect() as conn:
            actions = self.open_actions(conn, set(s.members), pair)
        return self.mailer.description(s, open_goals, list(done.values()), actions=actions)

    def sync_invites(self, now: datetime, only: set[str] | None = None) -> None:
        """Bring every series' invites (or `only` these) to the plan: first invites, updates,
        cancels. A full pass also notices changed inputs (a reloaded config) and re-plans.
        Planning, each series and each cancel run through the work log: one that fails is
        retried on its own and holds up no other."""
        self._stale_series.clear()
        full = only is None
        if full:
            self.invites_dirty = False
        made: dict[str, Any] = {}

        def prepare() -> None:
            states = {st.series_id: st for st in self.store.all_series_states()}
            fingerprints = {sid: self.fingerprint(s) for sid, s in self.series.items()}
            if full:
                with self.store.engine.begin() as conn:
                    for sid, st in states.items():
                        if not st.cancelled and (
                            sid not in self.series
                            or st.meta.get("fingerprint") != fingerprints[sid]
                        ):
                            if self.store.unfix(conn, sid, now):
                                self._plan = None
            made.update(plan=self.plan(), states=states, fingerprints=fingerprints)

        if self.work.blocked(work_key("plan"), now) or self.work.attempt(
            now, "plan", (), now, "planning the meetings (every series' invites wait)", prepare
        ):
            # nothing could be planned: the same pass runs again at the retry
            self.invites_dirty = self.invites_dirty or full
            self._stale_series |= set(only or ())
            failure = self.work.failures.get(work_key("plan"))
            if failure is not None and failure.state == "retrying":
                heapq.heappush(self._agenda, self._retry_item(failure))
            return
        plan, states, fingerprints = made["plan"], made["states"], made["fingerprints"]
        for sid in sorted(self.series if full else only & set(self.series)):  # type: ignore[operator]
            s = self.series[sid]
            if now < self._opens(s) and sid not in states:
                continue  # a later round: invited a week before it
            self._after_failure(
                self.work.attempt(
                    now,
                    "invites",
                    (sid,),
                    now,
                    f"invites of {sid}",
                    partial(self._sync_series, plan, s, states.get(sid), fingerprints[sid], now),
                )
            )
        if not full:
            return
        for sid, st in states.items():
            if sid not in self.series and not st.cancelled and _still_ahead(st, now):
                self._after_failure(
                    self.work.attempt(
                        now,
                        "cancel",
                        (sid,),
                        now,
                        f"cancelling {sid} (no longer part of the program)",
                        partial(
                            self._cancel_series,
                            st,
                            now,
                            "the series is no longer part of the program",
                        ),
                    )
                )

    def _sync_series(
        self, plan: Plan, s: Series, st: SeriesState | None, fingerprint: str, now: datetime
    ) -> None:
        live = st if st is not None and not st.cancelled else None
        sent_before = live.occurrences if live else {}
        keep: dict[int, Occurrence] = {
            o.week: o
            for o in plan.occurrences[s.id]
            if o.start is not None
            and o.end is not None
            and (o.start > now or o.week in sent_before)
        }
        current = {
            w: (_iso(o.start), _iso(o.end), sorted(o.left_out))  # type: ignore[arg-type]
            for w, o in keep.items()
        }
        attendees = [[m, self.people[m].name, self.people[m].timezone] for m in s.members]
        description = self._description(s, plan, now)
        digest = hashlib.sha256(description.encode()).hexdigest()[:16]
        future = {w for w, v in current.items() if v[0] > _iso(now)}
        if live is not None:
            changed = [w for w in future if sent_before.get(w) != current[w]]
            removed = [w for w, v in sent_before.items() if w not in current and v[0] > _iso(now)]
            gone = [a for a in live.meta.get("attendees", []) if a[0] not in s.members]
            new_text = live.content_hash != digest and bool(future)
            if (
                not (changed or removed or gone or new_text)
                and live.meta.get("attendees") == attendees
            ):
                self._pin(plan, s, keep)
                if live.meta.get("fingerprint") != fingerprint:
                    with self.store.engine.begin() as conn:
                        self.store.save_series_state(
                            conn, _replace_meta(live, fingerprint=fingerprint), now
                        )
                return
        if not current and live is None:
            return  # nothing to invite to (yet): every occurrence unschedulable or past
        removed = [w for w, v in sent_before.items() if w not in current and v[0] > _iso(now)]
        changes = self._changes(s, live, sent_before, current, future, removed, attendees, now)
        # only the text changed (a review's goals, a location): the same SEQUENCE, so calendars
        # update the event without asking anyone to accept it again (RFC 5546 §2.1.4)
        agenda_only = changes is not None and changes["kind"] == "agenda"
        if st is None:
            sequence = 0
        else:
            sequence = st.sequence if agenda_only and live is not None else st.sequence + 1
        weeks = set(current)
        with self.store.engine.begin() as conn:
            anchor: Anchor | None = live.anchor if live else None
            if current:
                outs, anchor, _ = self.mailer.invites(
                    plan,
                    s.id,
                    now,
                    sequence,
                    anchor,
                    update=live is not None,
                    description=description,
                    weeks=weeks,
                    send_times=self._send_times(s.members, now),
                    changes=changes,
                    revision=digest if agenda_only else "",
                )
                for out in outs:
                    self._queue(conn, out, now, series_id=s.id)
            if live is not None:
                old = _event_from_state(self.config, live, now, sequence)
                if removed:
                    why = "; ".join(dict.fromkeys(self._why(s, live, w) for w in sorted(removed)))
                    for out in self.mailer.cancel_event(
                        s.id,
                        old,
                        live.anchor,
                        sorted(removed),
                        why,
                        self._send_times(s.members, now),
                    ):
                        self._queue(conn, out, now, series_id=s.id)
                gone = [a[0] for a in live.meta.get("attendees", []) if a[0] not in s.members]
                if gone:
                    for out in self.mailer.cancel_event(
                        s.id,
                        old,
                        live.anchor,
                        (),
                        "you are no longer part of this meeting",
                        self._send_times(gone, now),
                        only=gone,
                    ):
                        self._queue(conn, out, now, series_id=s.id)
            self.store.save_series_state(
                conn,
                SeriesState(
                    s.id,
                    series_uid(self.config.program.organizer, self.config.program.starts, s.id),
                    sequence,
                    anchor,
                    digest,
                    {w: (v[0], v[1], list(v[2])) for w, v in current.items()},
                    False,
                    {
                        "title": s.title,
                        "attendees": attendees,
                        "fingerprint": fingerprint,
                        "facts": {m: self.member_facts(m) for m in s.members},
                        "weeks": list(s.weeks),
                    },
                ),
                now,
            )
        self._pin(plan, s, keep)

    def _changes(
        self,
        s: Series,
        live: SeriesState | None,
        sent_before: Mapping[int, tuple[str, str, list[str]]],
        current: Mapping[int, tuple[str, str, list[str]]],
        future: set[int],
        removed: Sequence[int],
        attendees: list[list[str]],
        now: datetime,
    ) -> dict[str, Any] | None:
        """What an update changes, for its email: "agenda" when only the text did (a review's
        goals); otherwise each moved, added and cancelled meeting with why."""
        if live is None:
            return None

        def at(value: str) -> datetime:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))

        moved = [
            {
                "week": w,
                "from": at(sent_before[w][0]),
                "to": at(current[w][0]),
                "why": self._why(s, live, w),
            }
            for w in sorted(future)
            if w in sent_before and sent_before[w][:2] != current[w][:2]
        ]
        optional = [
            w
            for w in sorted(future)
            if w in sent_before
            and sent_before[w][:2] == current[w][:2]
            and sent_before[w][2] != current[w][2]
        ]
        added = [
            {"week": w, "to": at(current[w][0])} for w in sorted(future) if w not in sent_before
        ]
        cancelled = [
            {"week": w, "from": at(sent_before[w][0]), "why": self._why(s, live, w)}
            for w in sorted(removed)
        ]
        joined = [
            a[1] for a in attendees if a[0] not in {b[0] for b in live.meta.get("attendees", [])}
        ]
        left = [a[1] for a in live.meta.get("attendees", []) if a[0] not in s.members]
        if not (moved or optional or added or cancelled or joined or left):
            return {"kind": "agenda", "review": s.kind == "review"}
        return {
            "kind": "schedule",
            "moved": moved,
            "added": added,
            "cancelled": cancelled,
            "optional": optional,
            "joined": joined,
            "left": left,
        }

    def _keep_plan(self, now: datetime) -> None:
        """Store the current plan under the ledger as it is now (after pins), so a restart
        finds the very plan this process works from."""
        if self._rekey and self._plan is not None:
            self.plans.put(plan_key(self.spec, self.store.ledger()), self._plan, now)
        self._rekey = False

    def _pin(self, plan: Plan, s: Series, keep: Mapping[int, Occurrence]) -> None:
        """Fix every occurrence that went out, so re-planning continues the rotation."""
        with self.store.engine.begin() as conn:
            for o in keep.values():
                if o.fixed or o.start is None:
                    continue
                if self.store.fix(
                    conn, LedgerEntry(s.id, o.week, o.start, dict(o.cost), tuple(o.left_out))
                ):
                    # the plan already has this occurrence where it was pinned: it stays the
                    # plan (planning again could only move what has not gone out yet, and
                    # send updates for nothing); it is kept under the new ledger below
                    self._rekey = True

    def _cancel_series(self, st: SeriesState, now: datetime, reason: str) -> None:
        sequence = st.sequence + 1
        ev = _event_from_state(self.config, st, now, sequence)
        emails = [a.email for a in ev.attendees]
        with self.store.engine.begin() as conn:
            for out in self.mailer.cancel_event(
                st.series_id, ev, st.anchor, (), reason, self._send_times(emails, now)
            ):
                self._queue(conn, out, now, series_id=st.series_id)
            self.store.save_series_state(
                conn,
                SeriesState(
                    st.series_id,
                    st.uid,
                    sequence,
                    st.anchor,
                    st.content_hash,
                    st.occurrences,
                    True,
                    st.meta,
                ),
                now,
            )
            self.store.unfix(conn, st.series_id, now)
        self._plan = None

    # -- RSVPs --------------------------------------------------------------------------------
    def _rsvps(self, now: datetime) -> None:
        t = schema.rsvps
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.handled_at.is_(None)).order_by(t.c.id)).all()
        for r in rows:
            self._after_failure(
                self.work.attempt(
                    now,
                    "rsvp",
                    (r.id,),
                    r.received_at,
                    f"RSVP ({r.partstat.lower()}) from {r.attendee} for {r.series_id}",
                    partial(self._rsvp, now, r),
                )
            )

    def _rsvp(self, now: datetime, r: Any) -> None:
        t = schema.rsvps
        outcome = self._declined(r, now) if r.partstat == "DECLINED" else "recorded"
        with self.store.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == r.id).values(handled_at=now, outcome=outcome))

    def _tell_organizer(self, key: str, subject: str, lines: Sequence[str], now: datetime) -> None:
        with self.store.engine.begin() as conn:
            self._queue(conn, self.mailer.notice(key, subject, lines, now), now)

    def _declined(self, r: Any, now: datetime) -> str:
        s = self.series.get(r.series_id)
        st = self.store.series_state(r.series_id)
        who = self.people[r.attendee].name if r.attendee in self.people else r.attendee
        if s is None or st is None or st.cancelled:
            return "series no longer planned"
        if r.week is None:
            self._tell_organizer(
                f"declined-series:{r.message_id}",
                f"{who} declined {s.title}",
                [
                    f'{who} <{r.attendee}> declined the whole series "{s.title}".',
                    *([f"Their note: {r.comment}"] if r.comment else []),
                    "Rota keeps the series as it is; change the program's config if it should go.",
                ],
                now,
            )
            return "organizer told (whole series declined)"
        sent = st.occurrences.get(r.week)
        if sent is None or datetime.fromisoformat(sent[0].replace("Z", "+00:00")) <= now:
            return "occurrence already past (attendance recorded)"
        t = schema.rsvps
        with self.store.engine.connect() as conn:
            decliners = set(
                conn.execute(
                    select(t.c.attendee).where(
                        t.c.series_id == r.series_id,
                        t.c.week == r.week,
                        t.c.partstat == "DECLINED",
                        t.c.received_at >= self._last_move(r.series_id, r.week),
                    )
                ).scalars()
            ) | {r.attendee}
        attending = [m for m in s.members if m not in sent[2] and m not in decliners]
        if len(attending) >= s.quorum:
            return "recorded (the meeting still has its quorum)"
        plan = self.plan()
        moved = rebook(plan, s.id, r.week, decliners, now + REBOOK_NOTICE)
        old_local = datetime.fromisoformat(sent[0].replace("Z", "+00:00"))
        if moved is None or moved.start is None:
            self._tell_organizer(
                f"declined:{r.message_id}",
                f"no other time for {s.title} in week {r.week}",
                [
                    f'{who} <{r.attendee}> declined "{s.title}" on {old_local:%a %-d %b %Y %H:%M} UTC.',
                    *([f"Their note: {r.comment}"] if r.comment else []),
                    "No other time that week suits everyone it needs, so the meeting stays as it is.",
                    "Please agree on a time with them directly.",
                ],
                now,
            )
            return "organizer told (no other time that week)"
        with self.store.engine.begin() as conn:
            self.store.refix(
                conn,
                LedgerEntry(s.id, r.week, moved.start, dict(moved.cost), tuple(moved.left_out)),
            )
            self.store.put(conn, f"moved:{s.id}:{r.week}", now.isoformat())
            self.store.put(conn, f"moved-why:{s.id}:{r.week}", f"{who} declined the time it had")
        self._plan = None
        self._stale_series.add(s.id)
        self.done.append(f"{_iso(now)} moved {s.id} week {r.week} to {_iso(moved.start)}")
        return f"moved to {_iso(moved.start)}"

    def _last_move(self, series_id: str, week: int) -> datetime:
        found = self.store.get(f"moved:{series_id}:{week}")
        return datetime.fromisoformat(found) if found else datetime(1970, 1, 1, tzinfo=UTC)


def _still_ahead(st: SeriesState, now: datetime) -> bool:
    """Whether a series as last sent has a meeting still to come (nothing to cancel else)."""
    return any(
        datetime.fromisoformat(v[0].replace("Z", "+00:00")) > now for v in st.occurrences.values()
    )


def _replace_meta(st: SeriesState, **meta: Any) -> SeriesState:
    return SeriesState(
        st.series_id,
        st.uid,
        st.sequence,
        st.anchor,
        st.content_hash,
        st.occurrences,
        st.cancelled,
        {**st.meta, **meta},
    )


def _event_from_state(
    config: Config, st: SeriesState, dtstamp: datetime, sequence: int
) -> SeriesEvent:
    """The series as it was last sent: what a CANCEL must name."""
    meetings = tuple(
        Meeting(
            w,
            datetime.fromisoformat(v[0].replace("Z", "+00:00")),
            datetime.fromisoformat(v[1].replace("Z", "+00:00")),
            frozenset(v[2]),
        )
        for w, v in sorted(st.occurrences.items())
    )
    return SeriesEvent(
        uid=st.uid,
        summary=str(st.meta.get("title", st.series_id)),
        organizer=(config.program.organizer_name, config.program.organizer),
        attendees=tuple(Attendee(a[0], a[1], a[2]) for a in st.meta.get("attendees", [])),
        meetings=meetings,
        sequence=sequence,
        dtstamp=dtstamp,
    )


def evaluation_week(config: Config, on: date) -> int:
    """The program week an evaluation date falls in."""
    return (on - week_monday(config, 0)).days // 7
