"""Read a Rota config (TOML, SPEC §2) into a frozen `Config`, or report every problem at once.

Each problem is one line, `FILE:LINE: key.path: message (hint)`, sorted by line, so an admin
fixes the whole file in one pass. Parsing is driven by `schema`; the cross-checks (people that
pairs and groups name, duplicates, hours inside hours, quorum size, phases) live here.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduling.model import Away, DayWindow
from service.config import fields as f
from service.config import schema as s
from service.config.locate import key_lines, line_of
from service.config.model import (
    CheckinCadence,
    Config,
    Evaluation,
    GroupConfig,
    ImapSettings,
    MailSettings,
    MeetingCadence,
    PairConfig,
    PersonConfig,
    Phase,
    ProgramInfo,
    RoundConfig,
    ServerSettings,
    StoreSettings,
)


@dataclass(frozen=True, slots=True)
class Issue:
    line: int
    path: str
    message: str
    hint: str = ""

    def render(self, file: str) -> str:
        text = f"{file}:{self.line}: {self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(Exception):
    """The config cannot be used; `lines` are ready to print, one per problem."""

    def __init__(self, file: str, issues: Sequence[Issue]) -> None:
        self.file = file
        self.issues = sorted(issues, key=lambda i: (i.line, i.path))
        self.lines = [i.render(file) for i in self.issues]
        super().__init__("\n".join(self.lines))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: dict[str, int] | None = None
        self.issues: list[Issue] = []

    @property
    def lines(self) -> dict[str, int]:
        """Line of every key path: scanned only when an error needs one (a 17,000-person
        config takes seconds to scan, and a good config needs none)."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        return self._lines

    def fail(self, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue(line_of(self.lines, path), path, message, hint))

    def table(
        self,
        raw: object,
        path: str,
        fields: Sequence[s.Field],
        extra: Callable[[str], bool] | None = None,
    ) -> dict[str, Any]:
        """Parse a table by its fields; unknown keys and bad values become issues."""
        if not isinstance(raw, dict):
            self.fail(path, "expected a table", f"write it as [{path}] with keys below it")
            return {}
        known = {fd.name: fd for fd in fields}
        out: dict[str, Any] = {}
        for key in raw:
            if key not in known and not (extra and extra(key)):
                self.fail(
                    f"{path}.{key}",
                    "unknown key",
                    f.suggest(key, known) or f"known keys: {', '.join(known)}",
                )
        for fd in fields:
            where = f"{path}.{fd.name}"
            if fd.name not in raw:
                if fd.default is s.REQUIRED:
                    self.fail(path, f"missing required key '{fd.name}'", fd.help)
                    out[fd.name] = None
                else:  # defaults are written as in TOML; None, "" and () mean "not set"
                    unset = fd.default is None or fd.default == "" or fd.default == ()
                    out[fd.name] = fd.default if unset else fd.parse(fd.default)
                continue
            try:
                out[fd.name] = fd.parse(raw[fd.name])
            except f.Invalid as bad:
                self.fail(where, bad.message, bad.hint)
                out[fd.name] = None
        return out

    def array(self, raw: object, path: str) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail(path, "expected an array of tables", f"write each entry as [[{path}]]")
            return []
        return raw


def _people(
    r: _Reader, raw: list[Any], defaults: dict[str, Any]
) -> tuple[list[PersonConfig], set[str]]:
    """Valid people, and every email named (so one bad field does not cascade into pairs)."""
    people: list[PersonConfig] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(r.array(raw, "people")):
        path = f"people[{i}]"
        v = r.table(entry, path, s.PERSON)
        email = v["email"]
        if email is not None:
            if email in seen:
                first = seen[email]
                r.fail(
                    f"{path}.email",
                    f"duplicate person '{email}'",
                    f"also people[{first}] on line {line_of(r.lines, f'people[{first}]')}",
                )
                continue
            seen[email] = i
        preferred = v["preferred_hours"] or defaults["preferred_hours"]
        available = v["available_hours"] or defaults["available_hours"]
        if (
            preferred
            and available
            and not available.contains(preferred)
            and (v["preferred_hours"] or v["available_hours"])
        ):
            key = "preferred_hours" if v["preferred_hours"] else "available_hours"
            r.fail(
                f"{path}.{key}",
                f"available_hours {_hours(available)} do not contain preferred_hours "
                f"{_hours(preferred)}",
                "widen available_hours or narrow preferred_hours",
            )
        away = _away(r, v["away"], f"{path}.away")
        if None in (email, v["timezone"], preferred, available):
            continue
        people.append(
            PersonConfig(
                email=email,
                name=v["name"] or email,
                timezone=v["timezone"],
                preferred=preferred,
                available=available,
                workdays=v["workdays"] if v["workdays"] is not None else defaults["workdays"],
                away=away,
                miss_cost=v["miss_cost"] if v["miss_cost"] is not None else defaults["miss_cost"],
                interests=tuple(i.lower() for i in (v["interests"] or ())),
                level=(v["level"] or "").lower(),
            )
        )
    return people, set(seen)


def _hours(w: DayWindow) -> str:
    return f"'{w.start // 60:02d}:{w.start % 60:02d}-{w.end // 60:02d}:{w.end % 60:02d}'"


def _away(r: _Reader, raw: object, path: str) -> tuple[Away, ...]:
    if not isinstance(raw, list):
        r.fail(
            path, "expected a list of periods", "away = [{ from = 2026-04-06, to = 2026-04-10 }]"
        )
        return ()
    out = []
    for j, item in enumerate(raw):
        v = r.table(item, f"{path}[{j}]", s.AWAY)
        if v["from"] is None or v["to"] is None:
            continue
        if v["to"] < v["from"]:
            r.fail(
                f"{path}[{j}].to",
                f"ends ({v['to']}) before it starts ({v['from']})",
                "swap from and to",
            )
            continue
        out.append(Away(v["from"], v["to"]))
    return tuple(sorted(out, key=lambda a: (a.first, a.last)))


def _person_ref(r: _Reader, path: str, email: str | None, known: set[str]) -> str | None:
    if email is None:
        return None
    if email not in known:
        r.fail(
            path,
            f"unknown person '{email}'",
            f.suggest(email, sorted(known)) or "add them under [[people]] first",
        )
        return None
    return email


def _pairs(r: _Reader, raw: list[Any], known: set[str]) -> list[PairConfig]:
    out: list[PairConfig] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(r.array(raw, "pairs")):
        path = f"pairs[{i}]"
        v = r.table(entry, path, s.PAIR)
        mentor = _person_ref(r, f"{path}.mentor", v["mentor"], known)
        mentee = _person_ref(r, f"{path}.mentee", v["mentee"], known)
        if mentor is None or mentee is None:
            continue
        if mentor == mentee:
            r.fail(f"{path}.mentee", "a person cannot mentor themselves", "pick another mentee")
        elif (mentor, mentee) in seen:
            r.fail(path, f"duplicate pair {mentor} → {mentee}", "remove one of them")
        else:
            seen.add((mentor, mentee))
            out.append(PairConfig(mentor, mentee, v["location"] or ""))
    return out


def _quorum(r: _Reader, raw: object, path: str, size: int) -> int:
    if raw is None:
        return size
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        r.fail(path, f"expected a count or a share, got {raw!r}", "e.g. quorum = 3 or quorum = 0.6")
        return size
    if isinstance(raw, int):
        n = raw
        if n < 1:
            r.fail(path, "must be at least 1")
            return size
    else:
        if not 0 < raw <= 1:
            r.fail(path, f"share {raw} is not between 0 and 1", "e.g. 0.6, or a whole count like 3")
            return size
        n = math.ceil(raw * size - 1e-9)
    if n > size:
        r.fail(
            path,
            f"quorum {n} is larger than the group ({size} members)",
            f"use at most {size}, or a share such as 0.6",
        )
        return size
    return n


def _groups(
    r: _Reader, raw: list[Any], known: set[str], cadences: dict[str, MeetingCadence]
) -> list[GroupConfig]:
    out: list[GroupConfig] = []
    names: set[str] = set()
    group_cadences = sorted(k for k in cadences if k not in s.FIXED_CADENCES)
    for i, entry in enumerate(r.array(raw, "groups")):
        path = f"groups[{i}]"
        v = r.table(entry, path, s.GROUP)
        name = v["name"]
        if name in names:
            r.fail(f"{path}.name", f"duplicate group name '{name}'", "give each group its own name")
        names.add(name)
        raw_members = v["members"]
        members = _emails(
            r, raw_members, f"{path}.members", known, 'members = ["a@example.org", …]', "member"
        )
        # given but empty (or not a list at all): say so, beside any other issue
        no_members = raw_members is not None and (
            not isinstance(raw_members, list) or not raw_members
        )
        cadence = v["cadence"]
        if cadence is None:
            if len(group_cadences) == 1:
                cadence = group_cadences[0]
            else:
                r.fail(
                    path,
                    "missing key 'cadence'",
                    f"one of: {', '.join(group_cadences)}"
                    if group_cadences
                    else "add a group cadence such as [cadences.circle]",
                )
        elif cadence in s.FIXED_CADENCES:
            r.fail(
                f"{path}.cadence",
                f"'{cadence}' is a pair cadence, not a group one",
                "define e.g. [cadences.circle] and use it here",
            )
            cadence = None
        elif cadence not in cadences:
            r.fail(
                f"{path}.cadence",
                f"unknown cadence '{cadence}'",
                f.suggest(cadence, group_cadences) or f"define [cadences.{cadence}]",
            )
            cadence = None
        quorum = _quorum(r, v["quorum"], f"{path}.quorum", len(members))
        if name is None or cadence is None or not members:
            if name is not None and not members and no_members:
                r.fail(f"{path}.members", "a group needs members")
            continue
        roles = tuple(v["roles"] or ())
        volunteers: list[tuple[str, tuple[str, ...]]] = []
        raw_vol = v["volunteers"] or {}
        if not isinstance(raw_vol, dict):
            r.fail(
                f"{path}.volunteers",
                "expected a table",
                'volunteers = { host = ["a@example.org"] }',
            )
            raw_vol = {}
        for role, who in raw_vol.items():
            where = f"{path}.volunteers.{role}"
            if role not in roles:
                r.fail(
                    where,
                    f"'{role}' is not one of this group's roles",
                    f.suggest(role, roles) or "add it to roles",
                )
                continue
            if not isinstance(who, list) or not who:
                r.fail(where, "expected a list of members", f'{role} = ["a@example.org"]')
                continue
            picked: list[str] = []
            for j, m in enumerate(who):
                try:
                    email = f.email(m)
                except f.Invalid as bad:
                    r.fail(f"{where}[{j}]", bad.message, bad.hint)
                    continue
                if email not in members:
                    r.fail(
                        f"{where}[{j}]",
                        f"'{email}' is not a member of this group",
                        f.suggest(email, members) or "volunteers come from the members",
                    )
                    continue
                picked.append(email)
            if picked:
                volunteers.append((role, tuple(picked)))
        out.append(
            GroupConfig(
                name, tuple(members), cadence, quorum, v["location"] or "", roles, tuple(volunteers)
            )
        )
    return out


def _cadences(r: _Reader, raw: object) -> tuple[CheckinCadence, dict[str, MeetingCadence]]:
    tables = raw if isinstance(raw, dict) else {}
    if raw is not None and not isinstance(raw, dict):
        r.fail("cadences", "expected a table of cadences", "e.g. [cadences.call]")
    c = r.table(tables.get("checkin", {}), "cadences.checkin", s.CHECKIN)
    checkin = CheckinCadence(
        every=c["every"] or 1,
        weekday=c["weekday"] if c["weekday"] is not None else 4,
        at=c["at"] if c["at"] is not None else 15 * 60,
        remind_after=c["remind_after"] or f.duration("2d"),
        escalate_after_missed=c["escalate_after_missed"] or 2,
        offset=c["offset"] or 0,
        nudge_after=c["nudge_after"] if c["nudge_after"] is not None else f.duration("24h"),
    )
    meetings: dict[str, MeetingCadence] = {}
    for name, body in tables.items():
        if name == "checkin":
            continue
        spec = s.FIXED_CADENCES.get(name, s.GROUP_CADENCE)
        v = r.table(body, f"cadences.{name}", spec)
        if None in (v["every"], v["duration"], v["offset"]):
            continue
        meetings[name] = MeetingCadence(
            name,
            v["every"],
            v["duration"],
            v["offset"],
            v["location"] or "",
            bool(v["recap"]),
            bool(v["survey"]),
        )
    return checkin, meetings


def _emails(
    r: _Reader,
    raw: object,
    path: str,
    known: set[str],
    example: str = 'e.g. ["a@example.org", "b@example.org"]',
    each: str = "person",
) -> list[str]:
    """A list of known people's emails, each once (every problem an issue at its index)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.fail(path, "expected a list of emails", example)
        return []
    out: list[str] = []
    for j, m in enumerate(raw):
        try:
            email = f.email(m)
        except f.Invalid as bad:
            r.fail(f"{path}[{j}]", bad.message, bad.hint)
            continue
        if _person_ref(r, f"{path}[{j}]", email, known) is None:
            continue
        if email in out:
            r.fail(f"{path}[{j}]", f"'{email}' is listed twice", f"list each {each} once")
            continue
        out.append(email)
    return out


def _rounds(r: _Reader, raw: list[Any], known: set[str]) -> list[RoundConfig]:
    out: list[RoundConfig] = []
    names: set[str] = set()
    for i, entry in enumerate(r.array(raw, "rounds")):
        path = f"rounds[{i}]"
        v = r.table(entry, path, s.ROUND)
        name = v["name"]
        if name is not None:
            if name in names:
                r.fail(
                    f"{path}.name", f"duplicate round name '{name}'", "give each round its own name"
                )
            names.add(name)
        people = _emails(r, v["people"], f"{path}.people", known)
        mentors = _emails(r, v["mentors"], f"{path}.mentors", known)
        mentees = _emails(r, v["mentees"], f"{path}.mentees", known)
        if people and (mentors or mentees):
            r.fail(
                path,
                "has both people and mentors/mentees",
                "use people (peers) or mentors and mentees",
            )
            continue
        if not people and not (mentors and mentees):
            r.fail(
                path,
                "needs people, or mentors and mentees",
                'people = ["a@example.org", "b@example.org"]',
            )
            continue
        if people and len(people) < 2:
            r.fail(f"{path}.people", "a round needs at least two people")
            continue
        if name is None or None in (v["every"], v["duration"], v["offset"]):
            continue
        out.append(
            RoundConfig(
                name,
                tuple(people),
                tuple(mentors),
                tuple(mentees),
                v["capacity"] or 1,
                v["every"],
                v["duration"],
                v["offset"],
                v["location"] or "",
                bool(v["recap"]),
                bool(v["survey"]),
            )
        )
    return out


def _phases(r: _Reader, raw: list[Any], cadence_names: set[str]) -> list[Phase]:
    out: list[Phase] = []
    afters: set[int] = set()
    for i, entry in enumerate(r.array(raw, "phases")):
        path = f"phases[{i}]"
        if not isinstance(entry, dict):
            r.fail(path, "expected a table", "write it as [[phases]]")
            continue
        v = r.table(entry, path, s.PHASE, extra=lambda k: True)
        changes: dict[str, dict[str, object] | None] = {}
        for key, value in entry.items():
            if key == "after":
                continue
            where = f"{path}.{key}"
            if key not in cadence_names:
                r.fail(
                    where,
                    f"unknown cadence '{key}'",
                    f.suggest(key, sorted(cadence_names)) or "phases change cadences by name",
                )
                continue
            if value == "off":
                changes[key] = None
                continue
            if not isinstance(value, dict):
                r.fail(
                    where,
                    f'expected "off" or a table, got {value!r}',
                    f'{key} = "off" or {key} = {{ every = "4w" }}',
                )
                continue
            fields = s.FIXED_CADENCES.get(key, s.GROUP_CADENCE)
            allowed = {fd.name: fd for fd in fields}
            parsed: dict[str, object] = {}
            for k, val in value.items():
                if k == "duration" and key != "checkin":
                    r.fail(
                        f"{where}.{k}",
                        "a phase cannot change a meeting's length",
                        "an invite series keeps one duration; change every or switch it off",
                    )
                    continue
                if k in ("location", "recap", "survey"):
                    r.fail(
                        f"{where}.{k}",
                        "a phase cannot change where a series meets"
                        if k == "location"
                        else f"a phase cannot switch a series' {k} on or off",
                        "set location on the cadence, the pair or the group"
                        if k == "location"
                        else f"set {k} on the cadence or the round",
                    )
                    continue
                if k not in allowed:
                    r.fail(f"{where}.{k}", "unknown key", f.suggest(k, allowed) or "")
                    continue
                try:
                    parsed[k] = allowed[k].parse(val)
                except f.Invalid as bad:
                    r.fail(f"{where}.{k}", bad.message, bad.hint)
            changes[key] = parsed
        after = v["after"]
        if after is None:
            continue
        if after in afters:
            r.fail(
                f"{path}.after",
                f"another phase already starts after {after}w",
                "merge the two phases",
            )
            continue
        afters.add(after)
        out.append(Phase(after, changes))
    return sorted(out, key=lambda p: p.after)


def _server(
    r: _Reader, raw: object, path: str, fields: Sequence[s.Field], imap: bool
) -> ServerSettings | None:
    v = r.table(raw, path, fields)
    if v["host"] is None:
        return None
    security = v["security"] or ("tls" if imap else "starttls")
    default_port = (
        {"tls": 993, "starttls": 143, "none": 143}
        if imap
        else {"tls": 465, "starttls": 587, "none": 25}
    )
    common = dict(
        host=v["host"],
        port=v["port"] or default_port[security],
        security=security,
        username=v["username"] or "",
        password_env=v["password_env"] or "",
        timeout=float(v["timeout"] or 30),
        ca_file=v["ca_file"] or "",
    )
    if imap:
        return ImapSettings(
            **common,
            folder=v["folder"] or "INBOX",
            processed_folder=v["processed_folder"] or "Rota/Processed",
            review_folder=v["review_folder"] or "Rota/Review",
        )
    return ServerSettings(**common)


def _mail(r: _Reader, raw: object) -> MailSettings:
    v = r.table(raw if raw is not None else {}, "mail", s.MAIL)
    transport = v["transport"] or "maildir"
    smtp = imap = None
    if v["smtp"] is not None:
        smtp = _server(r, v["smtp"], "mail.smtp", s.SMTP, imap=False)
    if v["imap"] is not None:
        found = _server(r, v["imap"], "mail.imap", s.IMAP, imap=True)
        imap = found if isinstance(found, ImapSettings) else None
    if transport == "imap-smtp":
        for name, value in (("smtp", v["smtp"]), ("imap", v["imap"])):
            if value is None:
                r.fail(
                    "mail.transport",
                    f"transport imap-smtp needs mail.{name}",
                    f'add {name} = {{ host = "…", … }} under [mail]',
                )
    if v["templates"] and not Path(v["templates"]).is_dir():
        r.fail(
            "mail.templates",
            f"no folder {v['templates']} (relative paths start in the folder Rota runs in)",
            "create it with your copies of the templates, or remove the key to use the packaged ones",
        )
    maildir = Path(v["maildir"] or "var/mail")
    if maildir.exists() and not maildir.is_dir():
        r.fail(
            "mail.maildir",
            f"{maildir} is a file, not a folder",
            "name a folder for outbox/ and inbox/",
        )
    return MailSettings(
        transport=transport,
        maildir=maildir,
        smtp=smtp,
        imap=imap,
        authserv_id=v["authserv_id"] or "",
        templates=Path(v["templates"]) if v["templates"] else None,
        reply_to=v["reply_to"] or "",
    )


def parse_config(text: str, path: Path, display: str | None = None) -> Config:
    """Validate TOML `text` (read from `path`) into a Config, or raise ConfigError."""
    shown = display or str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        msg = str(bad)
        line = 1
        if "(at line " in msg:
            try:
                line = int(msg.rsplit("(at line ", 1)[1].split(",")[0])
            except ValueError:
                pass
            msg = msg.rsplit(" (at line ", 1)[0]
        raise ConfigError(shown, [Issue(line, "syntax", msg, "this is not valid TOML")]) from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise ConfigError(
            shown, [Issue(1, "syntax", "values nested too deep", "this is not a Rota config")]
        ) from None
    r = _Reader(text)
    for key in data:
        if key not in s.TOP:
            r.fail(key, "unknown key", f.suggest(key, s.TOP) or f"known tables: {', '.join(s.TOP)}")
    if "program" not in data:
        r.fail("program", "missing the [program] table", "see config/example.toml")
    p = r.table(data.get("program", {}), "program", s.PROGRAM)
    d = r.table(data.get("defaults", {}), "defaults", s.DEFAULTS)
    if (
        d["preferred_hours"]
        and d["available_hours"]
        and not d["available_hours"].contains(d["preferred_hours"])
    ):
        r.fail(
            "defaults.preferred_hours",
            f"available_hours {_hours(d['available_hours'])} do not contain preferred_hours "
            f"{_hours(d['preferred_hours'])}",
            "widen available_hours or narrow preferred_hours",
        )
    if p["starts"] and p["ends"] and p["ends"] < p["starts"]:
        r.fail(
            "program.ends",
            f"ends ({p['ends']}) before the program starts ({p['starts']})",
            "check the dates",
        )
    elif p["starts"] and p["ends"] and (p["ends"] - p["starts"]).days > 7 * f.MAX_WEEKS:
        r.fail(
            "program.ends",
            f"the program runs {(p['ends'] - p['starts']).days // 7} weeks, longer than Rota plans",
            f"end it within {f.MAX_WEEKS} weeks (five years) of {p['starts']}; run a new program after",
        )
    people, known = _people(r, data.get("people", []), d)
    if not data.get("people"):
        r.fail("people", "no people", "add at least one [[people]] entry")
    pairs = _pairs(r, data.get("pairs", []), known)
    checkin, meetings = _cadences(r, data.get("cadences"))
    groups = _groups(r, data.get("groups", []), known, meetings)
    phases = _phases(r, data.get("phases", []), {"checkin", *meetings})
    evaluations = []
    for i, entry in enumerate(r.array(data.get("evaluations", []), "evaluations")):
        v = r.table(entry, f"evaluations[{i}]", s.EVALUATION)
        if v["name"] is None or v["on"] is None:
            continue
        if p["starts"] and p["ends"] and not p["starts"] <= v["on"] <= p["ends"]:
            r.fail(
                f"evaluations[{i}].on",
                f"{v['on']} is outside the program",
                f"pick a date from {p['starts']} to {p['ends']}",
            )
        evaluations.append(
            Evaluation(
                v["name"],
                v["on"],
                tuple(v["headings"] or ()),
                v["mentors"] if v["mentors"] is not None else True,
                tuple(v["mentor_headings"] or ()),
            )
        )
    rounds = _rounds(r, data.get("rounds", []), known)
    mail = _mail(r, data.get("mail"))
    st = r.table(data.get("store", {}), "store", s.STORE)
    if r.issues:
        raise ConfigError(shown, r.issues)
    organizer_name, organizer = p["organizer"]
    return Config(
        path=path,
        program=ProgramInfo(
            p["name"],
            organizer_name,
            organizer,
            p["starts"],
            p["ends"],
            p["timezone"],
            p["secret_env"],
        ),
        people=tuple(people),
        pairs=tuple(pairs),
        groups=tuple(groups),
        checkin=checkin,
        meetings=meetings,
        phases=tuple(phases),
        evaluations=tuple(evaluations),
        mail=mail,
        store=StoreSettings(st["url"]),
        miss_cost=d["miss_cost"],
        rounds=tuple(rounds),
    )


def load_config(path: str | Path) -> Config:
    """Read and validate the config file at `path`."""
    display = str(path)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            display,
            [
                Issue(
                    1,
                    "file",
                    "no such file",
                    "pass the config with -c, e.g. -c config/example.toml",
                )
            ],
        ) from None
    except UnicodeDecodeError as bad:
        line = p.read_bytes()[: bad.start].count(b"\n") + 1
        raise ConfigError(
            display,
            [
                Issue(
                    line,
                    "file",
                    f"not UTF-8 text (byte 0x{bad.object[bad.start]:02x})",
                    "save the file as UTF-8",
                )
            ],
        ) from None
    except OSError as bad:
        raise ConfigError(
            display, [Issue(1, "file", f"cannot read it: {bad.strerror or bad}")]
        ) from None
    return parse_config(text, p, display)
