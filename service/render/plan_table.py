"""`rota plan --format table`: a grid a person can read at a glance.

One block per series: each occurrence with every attendee's local day and time; a meeting
outside someone's preferred hours is marked `*` with its cost, a left-out group member `–`
with the miss cost. Burden per person closes the report, largest first, with a bar.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from scheduling.model import Plan, cost_to_hours2
from service.render.plan_json import zone_info
from service.render.view import PlanView

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def render_table(plan: Plan, view: PlanView, names: dict[str, str]) -> str:
    prog = plan.program
    zones = {p.email: p.zone for p in prog.people}
    out = [
        f"{prog.name} — fair plan, {prog.weeks} weeks from {prog.week0.isoformat()} "
        f"(weeks in {prog.zone})",
        "Local day and time of each attendee; * outside preferred hours (cost, hours²); "
        "– left out of a group meeting (miss cost).",
    ]
    for s in prog.series:
        occs = view.occurrences(s.id)
        if not occs:
            continue
        width = max(
            [18]
            + [len(names.get(m, m)) + 2 for m in s.members]
            + [len(zones[m]) + 2 for m in s.members]
        )
        out += [
            "",
            f"{s.id} — {s.title}, {s.duration} min"
            + (f", quorum {s.quorum} of {len(s.members)}" if s.is_group else ""),
        ]
        out.append(
            " week  start (UTC)       " + "".join(names.get(m, m).ljust(width) for m in s.members)
        )
        out.append("                         " + "".join(zones[m].ljust(width) for m in s.members))
        for o in occs:
            if o.start is None:
                who = ", ".join(o.blocked_by)
                out.append(f"{o.week:5d}  unschedulable: {who} — {o.reason}")
                continue
            utc = o.start.astimezone(ZoneInfo("UTC"))
            cells = []
            for m in s.members:
                loc = o.start.astimezone(zone_info(zones[m]))
                text = f"{_DAYS[loc.weekday()]} {loc:%H:%M}"
                cost = cost_to_hours2(o.cost.get(m, 0))
                if m in o.left_out:
                    text = f"{text} –{_num(cost)}"
                elif cost:
                    text = f"{text} *{_num(cost)}"
                cells.append(text.ljust(width))
            fixed = "  (fixed)" if o.fixed else ""
            out.append(
                f"{o.week:5d}  {_DAYS[utc.weekday()]} {utc:%m-%d %H:%M}   "
                + "".join(cells).rstrip()
                + fixed
            )
    burden = view.burden()
    top = max(burden.values(), default=0) or 1
    out += ["", "Burden per person (hours², sum of d² and miss costs), largest first"]
    for email, cost in sorted(burden.items(), key=lambda kv: (-kv[1], kv[0])):
        bar = "█" * round(24 * cost / top)
        out.append(
            f"  {names.get(email, email)[:22]:22} {email[:30]:30} {zones[email][:22]:22}"
            f" {_num(cost_to_hours2(cost)):>8}  {bar}"
        )
    return "\n".join(out) + "\n"
