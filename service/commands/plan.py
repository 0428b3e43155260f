"""`rota plan`: the fair schedule as a table, SPEC §4 JSON, iCalendar or an HTML page."""

from __future__ import annotations

import argparse
import os
import sys

from scheduling.model import Plan
from scheduling.plan import plan_program
from service.clock import SystemClock
from service.commands.check_config import warnings
from service.config.load import load_config
from service.errors import UsageError
from service.program import program_spec
from service.progress import Progress
from service.render.view import PlanView
from service.store.location import store_exists


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    for line in warnings(config, args.config):  # series that can never meet, and the fix
        print(line, file=sys.stderr)
    if args.first and args.last and args.last < args.first:
        raise UsageError(f"--until {args.last} is before --from {args.first}")
    workers = min(os.cpu_count() or 1, 4)  # used only when the program is large
    spec = program_spec(config)
    progress = Progress("planning, groups of people solved")

    def compute() -> Plan:
        return plan_program(spec, method=args.method, workers=workers, progress=progress)

    # the program from scratch (no ledger), kept in the store when there is one, so that
    # simulate and preview reuse it; no store is created for it. The store's modules load
    # only then: importing them takes longer than planning a small program.
    if store_exists(config.store.url):
        from service.plans import PlanCache
        from service.store.store import Store

        store = Store(config.store.url)
        try:
            plan = PlanCache(store).plan(spec, [], compute, SystemClock().now(), args.method)
        finally:
            store.close()
    else:
        plan = compute()
    progress.finish()
    view = PlanView(plan, args.first, args.last)
    names = {p.email: p.name for p in config.people}
    # each format's renderer loads only when asked for (iCalendar's is slow to import)
    if args.format == "json":
        from service.render.plan_json import write_json

        write_json(plan, view, sys.stdout)
    elif args.format == "ics":
        from service.render.plan_ics import export_stamp, render_ics

        stamp = export_stamp(config, os.environ.get("SOURCE_DATE_EPOCH"))
        sys.stdout.buffer.write(render_ics(config, plan, view, stamp))
    elif args.format == "html":
        from service.render.plan_html import render_html

        sys.stdout.write(render_html(plan, view, names))
    else:
        from service.render.plan_table import render_table

        sys.stdout.write(render_table(plan, view, names))
    sys.stdout.flush()
    return 0
