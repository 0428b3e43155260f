"""Which part of a plan a command shows (--from/--until), and the burden of exactly that part.

The plan is always computed for the whole program (fairness is program-wide); a date window
only selects what is printed. Burden is then the sum over the printed occurrences, so every
output satisfies "burden = sum of inconvenience".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from scheduling.model import Occurrence, Plan


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: Plan
    first: date | None = None  # program-local dates, inclusive
    last: date | None = None

    def _shown(self, o: Occurrence) -> bool:
        if self.first is None and self.last is None:
            return True
        if o.start is not None:
            day = o.start.astimezone(ZoneInfo(self.plan.program.zone)).date()
            lo = hi = day
        else:
            lo = self.plan.program.week0 + timedelta(weeks=o.week)
            hi = lo + timedelta(days=6)
        return (self.first is None or hi >= self.first) and (self.last is None or lo <= self.last)

    def occurrences(self, series_id: str) -> list[Occurrence]:
        return [o for o in self.plan.occurrences.get(series_id, ()) if self._shown(o)]

    def burden(self) -> dict[str, int]:
        totals = {p.email: 0 for p in self.plan.program.people}
        for s in self.plan.program.series:
            for o in self.occurrences(s.id):
                for m, c in o.cost.items():
                    totals[m] += c
        return totals
