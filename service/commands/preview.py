"""`rota preview -c FILE KIND [--to EMAIL] [--series ID] [--week N]`: print the exact .eml.

Nothing is sent, and nothing but the plan (a cache) is stored. When a store exists its state
is used (an invite's SEQUENCE, a mentee's goals and last check-in, the plan the daemon made);
otherwise the email is what Rota would send first.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mail.compose import Outgoing, build_message, message_bytes
from scheduling.plan import plan_program
from service.clock import SystemClock
from service.config.load import load_config
from service.config.model import Config
from service.emails import Mailer, load_templates
from service.errors import UsageError
from service.plans import PlanCache
from service.program import program_spec, program_weeks
from service.store.location import store_exists
from service.store.store import SeriesState, Store
from service.wiring import secret_of

KINDS = ("checkin", "reminder", "escalation", "forward", "invite", "cancel", "evaluation", "digest")

EXAMPLE_RECORD: dict[str, Any] = {
    "accomplished": ["(example) Fixed the flaky test in the parser"],
    "struggled": ["(example) Understanding the release process"],
    "questions": ["(example) Who reviews docs changes?"],
    "next_goals": ["(example) Open the PR for the docs"],
    "mentor_feedback": [],
    "goals": [{"text": "(example) Open the PR for the docs", "done": False}],
    "free_text": "",
}


def _mentee(config: Config, to: str | None) -> str:
    mentees = [p.mentee for p in config.pairs]
    if not mentees:
        raise UsageError("this config has no pairs, so nobody gets check-ins")
    if to is None:
        return mentees[0]
    if to.lower() not in mentees:
        raise UsageError(
            f"--to {to} is not a mentee of this program (mentees: {', '.join(mentees)})"
        )
    return to.lower()


def _week(config: Config, week: int | None) -> int:
    total = program_weeks(config)
    w = 0 if week is None else week
    if not 0 <= w < total:
        raise UsageError(f"--week {w} is outside the program (weeks 0 to {total - 1})")
    return w


def build(config: Config, args: argparse.Namespace, store: Store | None) -> list[Outgoing]:
    mailer = Mailer(config, load_templates(config), secret_of(config, required=False))
    now = SystemClock().now()
    kind = args.kind
    if kind in ("invite", "cancel"):
        spec = program_spec(config)
        ledger = store.ledger() if store else []
        plan = PlanCache(store).plan(spec, ledger, lambda: plan_program(spec, ledger), now)
        ids = [s.id for s in plan.program.series]
        if not ids:
            raise UsageError("this config has no meeting series")
        sid = args.series or ids[0]
        if sid not in ids:
            raise UsageError(
                f"--series {sid} is not a series of this program (series: {', '.join(ids)})"
            )
        state: SeriesState | None = store.series_state(sid) if store else None
        members = plan.series(sid).members
        if args.to and args.to.lower() not in members:
            raise UsageError(f"--to {args.to} is not an attendee of {sid} ({', '.join(members)})")
        only = [args.to.lower()] if args.to else [members[0]]
        if kind == "invite":
            sequence = state.sequence if state else 0
            out, _, _ = mailer.invites(
                plan,
                sid,
                now,
                sequence,
                state.anchor if state else None,
                update=state is not None,
                only=only,
            )
            return out
        weeks = [args.week] if args.week is not None else []
        sequence = (state.sequence if state else 0) + 1
        cancels = mailer.cancels(plan, sid, now, sequence, state.anchor if state else None, weeks)
        return [c for c in cancels if c.to[0].email in only]
    if kind == "digest":
        week = _week(config, args.week)
        facts = {
            "checkins": {"received": 0, "expected": len(config.pairs), "late": 0, "missing": []},
            "escalations": [],
            "answers": {"count": 0, "median_hours": None},
            "meetings": {"planned": 0, "declined": 0, "unschedulable": 0, "blocked": []},
            "review": [],
            "outbox": {"pending": 0, "failed": 0, "parked": 0, "unconfirmed": 0, "problems": []},
            "bounces": [],
            "work": [],
        }
        return [mailer.digest(week, now, facts, [config.program.organizer])]
    mentee = _mentee(config, args.to)
    week = _week(config, args.week)
    if kind == "checkin":
        return [mailer.checkin(mentee, week, now)]
    if kind == "reminder":
        prompt = mailer.checkin(mentee, week, now)
        return [mailer.reminder(mentee, week, now, prompt.message_id, prompt.subject)]
    if kind == "escalation":
        n = config.checkin.escalate_after_missed  # the run that first escalates
        weeks = list(range(max(0, week - n + 1), week + 1))
        return [mailer.escalation(mentee, week, now, weeks, None)]
    if kind == "forward":
        print(f"rota: showing an example check-in for {mentee}, week {week}", file=sys.stderr)
        return [
            mailer.forward(mentee, week, now, EXAMPLE_RECORD, "<example-checkin@preview>", False)
        ]
    if kind == "evaluation":
        if not config.evaluations:
            raise UsageError("this config has no [[evaluations]]")
        ev = config.evaluations[0]
        return [mailer.evaluation(mentee, ev.name, ev.headings, week, now)]
    raise UsageError(f"unknown kind {kind}")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = Store(config.store.url) if store_exists(config.store.url) else None
    try:
        messages = build(config, args, store)
    finally:
        if store:
            store.close()
    out = sys.stdout.buffer
    for i, o in enumerate(messages):
        if i:
            out.write(b"\r\n")
        out.write(message_bytes(build_message(o)))
    sys.stdout.flush()
    return 0
