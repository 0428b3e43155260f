"""Build Rota configs for tests as real TOML text, loaded by the real loader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.config.load import parse_config
from service.config.model import Config


@dataclass
class P:
    email: str
    timezone: str
    preferred: str | None = None
    available: str | None = None
    workdays: Sequence[str] | None = None
    away: Sequence[tuple[str, str]] = ()
    miss_cost: float | None = None
    name: str | None = None


@dataclass
class G:
    name: str
    members: Sequence[str]
    quorum: float | int | None = None
    cadence: str = "circle"


@dataclass
class Program:
    people: Sequence[P]
    pairs: Sequence[tuple[str, str]] = ()
    groups: Sequence[G] = ()
    starts: str = "2026-03-02"
    ends: str = "2026-04-24"
    timezone: str = "UTC"
    call: dict[str, str] | None = field(default_factory=lambda: {"every": "2w", "duration": "30m"})
    review: dict[str, str] | None = field(
        default_factory=lambda: {"every": "4w", "duration": "45m"}
    )
    circle: dict[str, str] | None = field(
        default_factory=lambda: {"every": "4w", "duration": "60m"}
    )
    extra: str = ""

    def toml(self) -> str:
        out = [
            "[program]",
            'name = "Test program"',
            'organizer = "Team <team@example.org>"',
            f"starts = {self.starts}",
            f"ends = {self.ends}",
            f'timezone = "{self.timezone}"',
            "",
        ]
        for p in self.people:
            out += ["[[people]]", f'email = "{p.email}"', f'timezone = "{p.timezone}"']
            if p.name:
                out.append(f'name = "{p.name}"')
            if p.preferred:
                out.append(f'preferred_hours = "{p.preferred}"')
            if p.available:
                out.append(f'available_hours = "{p.available}"')
            if p.workdays is not None:
                out.append("workdays = [" + ", ".join(f'"{d}"' for d in p.workdays) + "]")
            if p.miss_cost is not None:
                out.append(f"miss_cost = {p.miss_cost}")
            if p.away:
                out.append(
                    "away = [" + ", ".join(f"{{ from = {a}, to = {b} }}" for a, b in p.away) + "]"
                )
            out.append("")
        for mentor, mentee in self.pairs:
            out += ["[[pairs]]", f'mentor = "{mentor}"', f'mentee = "{mentee}"', ""]
        for g in self.groups:
            out += [
                "[[groups]]",
                f'name = "{g.name}"',
                "members = [" + ", ".join(f'"{m}"' for m in g.members) + "]",
                f'cadence = "{g.cadence}"',
            ]
            if g.quorum is not None:
                out.append(f"quorum = {g.quorum}")
            out.append("")
        for name, body in (("call", self.call), ("review", self.review), ("circle", self.circle)):
            if body is None or (name == "circle" and not self.groups):
                continue
            out.append(f"[cadences.{name}]")
            out += [f'{k} = "{v}"' for k, v in body.items()]
            out.append("")
        out.append(self.extra)
        return "\n".join(out)

    def load(self, path: Path | None = None) -> Config:
        return parse_config(self.toml(), path or Path("test.toml"))

    def write(self, directory: Path, name: str = "rota.toml") -> Path:
        path = directory / name
        path.write_text(self.toml(), encoding="utf-8")
        return path


def plan_json_of(config: Config, method: str = "auto") -> dict[str, Any]:
    from scheduling.plan import plan_program
    from service.program import program_spec
    from service.render.plan_json import plan_json
    from service.render.view import PlanView

    plan = plan_program(program_spec(config), method=method)
    return plan_json(plan, PlanView(plan))
