"""`rota plan --format html`: one self-contained page (no scripts, no external files).

A bar chart of each person's burden, and "who carries which hours": per person, the local
hours their meetings occupy over the program, their preferred hours shaded, so an admin sees
at a glance that the 7 am calls rotate instead of landing on one person.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from scheduling.model import Plan, cost_to_hours2
from service.render.view import PlanView

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse}td,th{padding:2px 6px;text-align:left}
.hours td.h{width:18px;height:18px;padding:0;border:1px solid #fff;text-align:center;font-size:11px}
.pref{background:#e6f2e6}.off{background:#f4f4f4}.busy{background:#4a7fd0;color:#fff}
.late{background:#d9822b;color:#fff}.bar{background:#4a7fd0;height:12px;display:inline-block}
.muted{color:#777}.un{color:#b00}
"""


def render_html(plan: Plan, view: PlanView, names: dict[str, str]) -> str:
    prog = plan.program
    people = {p.email: p for p in prog.people}
    burden = view.burden()
    top = max(burden.values(), default=0) or 1
    hours: dict[str, list[tuple[int, bool]]] = {e: [] for e in people}
    for s in prog.series:
        for o in view.occurrences(s.id):
            if o.start is None or o.end is None:
                continue
            for m in o.attendees:
                loc = o.start.astimezone(ZoneInfo(people[m].zone))
                hours[m].append((loc.hour, o.cost.get(m, 0) > 0))
    parts = [
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{escape(prog.name)} — plan"
        f"</title><style>{_CSS}</style><h1>{escape(prog.name)}</h1>",
        f"<p class='muted'>{prog.weeks} weeks from {prog.week0.isoformat()}, weeks in "
        f"{escape(prog.zone)}. Burden is the sum of d² (hours outside preferred hours, "
        "squared) and miss costs.</p>",
        "<h2>Burden per person</h2><table>",
    ]
    for email, cost in sorted(burden.items(), key=lambda kv: (-kv[1], kv[0])):
        width = round(300 * cost / top)
        parts.append(
            f"<tr><td>{escape(names.get(email, email))}</td><td class='muted'>"
            f"{escape(people[email].zone)}</td><td>{cost_to_hours2(cost):.2f}</td>"
            f"<td><span class='bar' style='width:{width}px'></span></td></tr>"
        )
    parts.append(
        "</table><h2>Who carries which hours (local start hour of each meeting)</h2>"
        "<table class='hours'><tr><th></th>"
        + "".join(f"<th style='font-size:10px'>{h:02d}</th>" for h in range(24))
        + "</tr>"
    )
    for email, p in people.items():
        counts = [0] * 24
        late = [False] * 24
        for h, bad in hours[email]:
            counts[h] += 1
            late[h] |= bad
        cells = []
        for h in range(24):
            cls = "pref" if p.preferred.start // 60 <= h < -(-p.preferred.end // 60) else "off"
            if counts[h]:
                cls = "late" if late[h] else "busy"
            cells.append(
                f"<td class='h {cls}' title='{h:02d}:00 {counts[h]} meeting(s)'>"
                f"{counts[h] or ''}</td>"
            )
        parts.append(f"<tr><td>{escape(names.get(email, email))}</td>{''.join(cells)}</tr>")
    parts.append("</table><h2>Series</h2>")
    for s in prog.series:
        parts.append(
            f"<h3>{escape(s.title)} <span class='muted'>{escape(s.id)}</span></h3><table>"
            "<tr><th>week</th><th>UTC</th>"
            + "".join(f"<th>{escape(names.get(m, m))}</th>" for m in s.members)
            + "</tr>"
        )
        for o in view.occurrences(s.id):
            if o.start is None:
                parts.append(
                    f"<tr><td>{o.week}</td><td class='un' colspan='{len(s.members) + 1}'>"
                    f"unschedulable — {escape(', '.join(o.blocked_by))}: "
                    f"{escape(o.reason)}</td></tr>"
                )
                continue
            cells = []
            for m in s.members:
                loc = o.start.astimezone(ZoneInfo(people[m].zone))
                mark = (
                    " (left out)"
                    if m in o.left_out
                    else (f" *{cost_to_hours2(o.cost.get(m, 0)):.2f}" if o.cost.get(m, 0) else "")
                )
                cells.append(f"<td>{loc:%a %d %b %H:%M}{escape(mark)}</td>")
            parts.append(
                f"<tr><td>{o.week}</td><td>{o.start:%a %d %b %H:%M}</td>{''.join(cells)}</tr>"
            )
        parts.append("</table>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"
