"""`rota report -c FILE [--format table|json|html|csv]`: participation, streaks, RSVP
attendance, mentor answer times and burden per person, from the store."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from html import escape

from service.config.load import load_config
from service.errors import UsageError
from service.records import Report, report
from service.store.location import store_exists
from service.store.store import Store


def _table(r: Report, names: dict[str, str]) -> str:
    lines = [r.program, "", "Participation (check-ins answered of prompts sent)"]
    lines.append(
        f"  {'mentee':<28} {'mentor':<24} {'answered':>9} {'late':>5} {'missed now':>11} {'best run':>9}"
    )
    for p in r.participation:
        lines.append(
            f"  {names.get(p.mentee, p.mentee):<28} {names.get(p.mentor, p.mentor):<24} "
            f"{p.checkins:>4}/{p.prompts:<4} {p.late:>5} {p.missed_streak:>11} {p.longest_streak:>9}"
        )
    lines += ["", "Meeting answers (RSVPs per occurrence; the whole series in brackets)"]
    for a in r.attendance:
        if a.accepted or a.declined or a.tentative or a.series_answer:
            whole = f" [{a.series_answer.lower()}]" if a.series_answer else ""
            lines.append(
                f"  {a.series:<52} {names.get(a.attendee, a.attendee):<24} "
                f"{a.accepted} accepted, {a.declined} declined, {a.tentative} tentative{whole}"
            )
    lines += ["", "Mentor answers to forwarded check-ins"]
    for m in r.answers:
        median = f", median {m.median_hours} h" if m.median_hours is not None else ""
        lines.append(
            f"  {names.get(m.mentor, m.mentor):<28} {m.answered}/{m.forwarded} answered{median}"
        )
    if r.meetings:
        lines += ["", "Meetings recapped (held / not held; who came)"]
        for held in r.meetings:
            came = ", ".join(f"{names.get(e, e)} {n}" for e, n in held.came.items())
            lines.append(
                f"  {held.series:<52} {held.happened} held, {held.not_held} not held; {came}"
            )
    if r.surveys:
        lines += ["", "Surveys (1-5, anonymous: shown from 3 answers)"]
        for v in r.surveys:
            avg = f"{v.average:.2f}" if v.average is not None else "hidden (fewer than 3)"
            lines.append(f"  {v.series:<52} {v.answers} answer(s): {avg}")
    lines += ["", "Burden (hours², the whole plan): the fairness the rotation keeps even"]
    for email, b in sorted(r.burden.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {names.get(email, email):<28} {b:8.2f}")
    return "\n".join(lines)


def _csv(r: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "mentee",
            "mentor",
            "prompts",
            "checkins",
            "late",
            "rate",
            "missed_streak",
            "longest_streak",
            "burden",
            "mentor_median_answer_hours",
        ]
    )
    med = {a.mentor: a.median_hours for a in r.answers}
    for p in r.participation:
        w.writerow(
            [
                p.mentee,
                p.mentor,
                p.prompts,
                p.checkins,
                p.late,
                p.rate,
                p.missed_streak,
                p.longest_streak,
                r.burden.get(p.mentee, 0.0),
                med.get(p.mentor),
            ]
        )
    return buf.getvalue()


def _html(r: Report, names: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{escape(names.get(p.mentee, p.mentee))}</td><td>{escape(names.get(p.mentor, p.mentor))}</td>"
        f"<td>{p.checkins}/{p.prompts}</td><td>{p.late}</td><td>{p.missed_streak}</td><td>{p.longest_streak}</td></tr>"
        for p in r.participation
    )
    top = max(r.burden.values(), default=0) or 1
    bars = "".join(
        f"<tr><td>{escape(names.get(e, e))}</td><td><span style='display:inline-block;height:12px;"
        f"background:#4a7fd0;width:{int(300 * b / top)}px'></span> {b:.2f}</td></tr>"
        for e, b in sorted(r.burden.items(), key=lambda kv: -kv[1])
    )
    answers = "".join(
        f"<tr><td>{escape(names.get(a.mentor, a.mentor))}</td><td>{a.answered}/{a.forwarded}</td>"
        f"<td>{'' if a.median_hours is None else a.median_hours}</td></tr>"
        for a in r.answers
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{escape(r.program)}: report</title><style>body{{font:14px system-ui,sans-serif;margin:2em}}"
        "td,th{padding:2px 8px;text-align:left}</style></head><body>"
        f"<h1>{escape(r.program)}</h1><h2>Participation</h2><table><tr><th>mentee</th><th>mentor</th>"
        f"<th>answered</th><th>late</th><th>missed now</th><th>best run</th></tr>{rows}</table>"
        f"<h2>Mentor answers</h2><table><tr><th>mentor</th><th>answered</th><th>median hours</th></tr>{answers}</table>"
        f"<h2>Burden (hours²)</h2><table>{bars}</table></body></html>\n"
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not store_exists(config.store.url):
        raise UsageError(f"no store at {config.store.url}: Rota has not run for this config yet")
    store = Store(config.store.url)
    try:
        r = report(config, store)
    finally:
        store.close()
    names = {p.email: p.name for p in config.people}
    if args.format == "json":
        json.dump(r.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        sys.stdout.write(_csv(r))
    elif args.format == "html":
        sys.stdout.write(_html(r, names))
    else:
        print(_table(r, names))
    return 0
