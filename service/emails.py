"""What each kind of email says and who it goes to, built from the config and the records.

Every builder returns an `Outgoing` (mail.compose) whose Message-ID is derived from what the
email is, so deciding it twice yields the same message. Texts come from templates; nothing
here formats prose except labels (dates, times) the templates show.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mail.calendar import (
    Anchor,
    Attendee,
    Meeting,
    SeriesEvent,
    build_calendar,
    cancel_events,
    series_with_anchor,
)
from mail.compose import Outgoing, Person
from mail.ids import message_id, series_uid
from mail.templates import Templates
from mail.tokens import make_meeting_token, make_token, reply_address, sent_ref
from scheduling.model import Occurrence, Plan, Series
from service.config.model import Config, PersonConfig
from service.program import location_of
from service.resources import templates_dir

SECTION_TITLES = (
    ("accomplished", "What I Accomplished"),
    ("struggled", "What I Struggled With"),
    ("questions", "Questions I Have"),
    ("next_goals", "Next Week's Goals"),
    ("mentor_feedback", "Feedback for Mentor"),
)
DEFAULT_MENTOR_HEADINGS = (
    "Progress I have seen",
    "Where they need help",
    "What I will do next",
    "Feedback for the program",
)
DEFAULT_EVALUATION_HEADINGS = (
    "What went well",
    "What was hard",
    "What I learned",
    "What I want next",
    "Feedback for my mentor",
)


def load_templates(config: Config) -> Templates:
    folders = [config.mail.templates] if config.mail.templates else []
    return Templates([*folders, templates_dir()])


@dataclass(frozen=True, slots=True)
class Mailer:
    """Builds emails for one program; `secret` signs reply tokens (None: an unsigned preview)."""

    config: Config
    templates: Templates
    secret: bytes | None

    # -- people and common context ------------------------------------------------------
    def person(self, email: str) -> PersonConfig:
        return self.config.person(email)

    def organizer(self) -> Person:
        return Person(self.config.program.organizer_name, self.config.program.organizer)

    def _who(self, p: PersonConfig) -> dict[str, str]:
        return {"name": p.name, "first_name": p.first_name, "email": p.email, "zone": p.timezone}

    def _base(self, **more: Any) -> dict[str, Any]:
        org = self.organizer()
        return {
            "program": {"name": self.config.program.name},
            "organizer": {"name": org.name, "email": org.email},
            **more,
        }

    def _mid(self, *facts: object) -> str:
        return message_id(self.config.program.organizer, *(str(f) for f in facts))

    def _token_address(self, kind: str, week: int, mentee: str) -> str:
        key = self.secret if self.secret is not None else b"unsigned preview: set the secret"
        return reply_address(self.config.reply_address, make_token(key, kind, week, mentee))

    def stamped(self, out: Outgoing) -> Outgoing:
        """`out` with its X-Rota-Ref: the proof a delivery report must return (mail.tokens)."""
        if self.secret is None:
            return out
        return replace(
            out, headers={**out.headers, "X-Rota-Ref": sent_ref(self.secret, out.message_id)}
        )

    def _meeting_token(self, kind: str, week: int, email: str, series_id: str) -> str:
        key = self.secret if self.secret is not None else b"unsigned preview: set the secret"
        return reply_address(
            self.config.reply_address, make_meeting_token(key, kind, week, email, series_id)
        )

    def _meeting_view(self, series: Series, start: datetime, zone: str) -> dict[str, Any]:
        return {
            "title": series.title,
            "kind": series.kind,
            "local": f"{start.astimezone(ZoneInfo(zone)):%a %-d %b %Y, %H:%M}",
        }

    def recap_prompt(
        self, series: Series, week: int, start: datetime, writer: str, expected: Sequence[str],
        send_at: datetime,
    ) -> Outgoing:  # fmt: skip
        """Ask the note-taker (or mentor) what came of a meeting, headings ready to fill."""
        p = self.person(writer)
        ctx = self._base(
            writer=self._who(p),
            meeting=self._meeting_view(series, start, p.timezone),
            expected=[self.person(e).name for e in expected],
        )
        r = self.templates.render("recap_prompt", ctx)
        return Outgoing(
            kind="recap",
            message_id=self._mid("recap-prompt", series.id, week, writer),
            sender=self.organizer(),
            to=(Person(p.name, p.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(
                    self.config.program.name, self._meeting_token("recap", week, writer, series.id)
                ),
            ),
            date=send_at,
            headers={"X-Rota-Week": str(week), "X-Rota-Series": series.id},
        )

    def recap(
        self, series: Series, week: int, start: datetime, recap: Mapping[str, Any],
        send_at: datetime, revision: str,
    ) -> Outgoing:  # fmt: skip
        """The recap as written, to everyone invited to the meeting."""
        writer = self.person(str(recap["writer"]))
        people = [self.person(m) for m in series.members]
        ctx = self._base(
            writer=self._who(writer),
            meeting=self._meeting_view(series, start, self.config.program.timezone),
            happened=recap["happened"],
            attended=[self.person(e).name for e in recap["attended"]],
            actions=[
                {**a, "owner_name": self.person(a["owner"]).name if a.get("owner") else ""}
                for a in recap["actions"]
            ],
            notes=recap["notes"],
        )
        r = self.templates.render("recap", ctx)
        return Outgoing(
            kind="recap",
            message_id=self._mid("recap", series.id, week, revision),
            sender=self.organizer(),
            to=tuple(Person(p.name, p.email) for p in people),
            subject=r.subject,
            text=r.text,
            html=r.html,
            date=send_at,
            headers={"X-Rota-Week": str(week), "X-Rota-Series": series.id},
        )

    def survey(
        self, series: Series, week: int, start: datetime, who: str, send_at: datetime
    ) -> Outgoing:
        """One question after a meeting, answered with a number, anonymously."""
        p = self.person(who)
        ctx = self._base(
            recipient=self._who(p), meeting=self._meeting_view(series, start, p.timezone)
        )
        r = self.templates.render("survey", ctx)
        return Outgoing(
            kind="survey",
            message_id=self._mid("survey", series.id, week, who),
            sender=self.organizer(),
            to=(Person(p.name, p.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(
                    self.config.program.name, self._meeting_token("survey", week, who, series.id)
                ),
            ),
            date=send_at,
            headers={"X-Rota-Week": str(week), "X-Rota-Series": series.id},
        )

    def mentor_of(self, mentee: str) -> PersonConfig | None:
        for pair in self.config.pairs:
            if pair.mentee == mentee:
                return self.person(pair.mentor)
        return None

    def week_label(self, week: int, zone: str) -> str:
        start = self.config.program.starts - timedelta(days=self.config.program.starts.weekday())
        monday = start + timedelta(weeks=week)
        return f"{monday:%a %-d %b} to {monday + timedelta(days=6):%a %-d %b %Y}"

    # -- check-ins --------------------------------------------------------------------------
    def checkin(
        self,
        mentee: str,
        week: int,
        send_at: datetime,
        goals: Sequence[Mapping[str, Any]] = (),
        actions: Sequence[Mapping[str, Any]] = (),
    ) -> Outgoing:
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor)
            if mentor
            else {"first_name": "Your mentor", "name": "", "email": ""},
            week={"number": week, "label": self.week_label(week, p.timezone)},
            goals=list(goals),
            actions=list(actions),
        )
        r = self.templates.render("checkin", ctx)
        return Outgoing(
            kind="checkin",
            message_id=self._mid("checkin", mentee, week),
            sender=self.organizer(),
            to=(Person(p.name, p.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(self.config.program.name, self._token_address("checkin", week, mentee)),
            ),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def reminder(
        self, mentee: str, week: int, send_at: datetime, prompt_id: str, prompt_subject: str
    ) -> Outgoing:
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor) if mentor else {"first_name": "Your mentor"},
            week={"number": week},
            prompt_subject=prompt_subject,
        )
        r = self.templates.render("reminder", ctx)
        return Outgoing(
            kind="reminder",
            message_id=self._mid("reminder", mentee, week),
            sender=self.organizer(),
            to=(Person(p.name, p.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(self.config.program.name, self._token_address("checkin", week, mentee)),
            ),
            in_reply_to=prompt_id,
            references=(prompt_id,),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def escalation(
        self,
        mentee: str,
        week: int,
        send_at: datetime,
        missed_weeks: Sequence[int],
        last: Mapping[str, Any] | None,
    ) -> Outgoing:
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        if mentor is None:
            raise ValueError(f"{mentee} has no mentor to tell")
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor),
            missed=len(missed_weeks),
            weeks=list(missed_weeks),
            last=_record_view(last) if last else None,
        )
        r = self.templates.render("escalation", ctx)
        org = self.organizer()
        return Outgoing(
            kind="escalation",
            message_id=self._mid("escalation", mentee, week),
            sender=org,
            to=(Person(mentor.name, mentor.email),),
            cc=(org,),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(org,),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def forward(
        self,
        mentee: str,
        week: int,
        send_at: datetime,
        record: Mapping[str, Any],
        original_id: str,
        late: bool,
        content_hash: str = "",
    ) -> Outgoing:
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        if mentor is None:
            raise ValueError(f"{mentee} has no mentor to forward to")
        view = _record_view(record)
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor),
            week={"number": week},
            sections=view["sections"],
            goals=view["goals"],
            free_text=view["free_text"],
            late=late,
        )
        r = self.templates.render("forward", ctx)
        return Outgoing(
            kind="forward",
            # the content too: a Message-ID reused for another check-in is another forward
            message_id=self._mid("forward", mentee, week, original_id, content_hash),
            sender=self.organizer(),
            to=(Person(mentor.name, mentor.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            # the mentor answers the mentee directly; the token copy tells Rota it was answered
            reply_to=(
                Person(p.name, p.email),
                Person(self.config.program.name, self._token_address("forward", week, mentee)),
            ),
            in_reply_to=original_id,
            references=(original_id,),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def nudge(
        self,
        mentee: str,
        week: int,
        send_at: datetime,
        forward_id: str,
        forward_subject: str,
        delivered: datetime,
    ) -> Outgoing:
        """A reminder to the mentor, in the forward's thread, that a check-in waits."""
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        if mentor is None:
            raise ValueError(f"{mentee} has no mentor to remind")
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor),
            week={"number": week},
            forward_subject=forward_subject,
            delivered=f"{delivered.astimezone(ZoneInfo(mentor.timezone)):%a %-d %b, %H:%M}",
        )
        r = self.templates.render("nudge", ctx)
        return Outgoing(
            kind="nudge",
            message_id=self._mid("nudge", mentee, week, forward_id),
            sender=self.organizer(),
            to=(Person(mentor.name, mentor.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(p.name, p.email),
                Person(self.config.program.name, self._token_address("forward", week, mentee)),
            ),
            in_reply_to=forward_id,
            references=(forward_id,),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def mentor_evaluation(
        self, mentee: str, name: str, headings: Sequence[str], week: int, send_at: datetime
    ) -> Outgoing:
        """The mentor's side of an evaluation: about one mentee, to the mentor."""
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        if mentor is None:
            raise ValueError(f"{mentee} has no mentor to ask")
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor),
            evaluation={"name": name, "headings": list(headings or DEFAULT_MENTOR_HEADINGS)},
        )
        r = self.templates.render("mentor_evaluation", ctx)
        return Outgoing(
            kind="evaluation",
            message_id=self._mid("mentor-evaluation", name, mentee),
            sender=self.organizer(),
            to=(Person(mentor.name, mentor.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(
                    self.config.program.name,
                    self._token_address("mentor-evaluation", week, mentee),
                ),
            ),
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def evaluation(
        self, mentee: str, name: str, headings: Sequence[str], week: int, send_at: datetime
    ) -> Outgoing:
        p = self.person(mentee)
        mentor = self.mentor_of(mentee)
        ctx = self._base(
            mentee=self._who(p),
            mentor=self._who(mentor) if mentor else {"first_name": "your mentor"},
            evaluation={"name": name, "headings": list(headings or DEFAULT_EVALUATION_HEADINGS)},
        )
        r = self.templates.render("evaluation", ctx)
        return Outgoing(
            kind="evaluation",
            message_id=self._mid("evaluation", name, mentee),
            sender=self.organizer(),
            to=(Person(p.name, p.email),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            reply_to=(
                Person(self.config.program.name, self._token_address("evaluation", week, mentee)),
            ),
            date=send_at,
            headers={"X-Rota-Week": str(week), "X-Rota-Evaluation": name},
        )

    def digest(
        self, week: int, send_at: datetime, facts: Mapping[str, Any], to: Sequence[str]
    ) -> Outgoing:
        ctx = self._base(
            week={"number": week, "label": self.week_label(week, self.config.program.timezone)},
            **facts,
        )
        r = self.templates.render("digest", ctx)
        org = self.organizer()
        return Outgoing(
            kind="digest",
            message_id=self._mid("digest", week),
            sender=org,
            to=tuple(Person("", a) for a in to) or (org,),
            subject=r.subject,
            text=r.text,
            html=r.html,
            date=send_at,
            headers={"X-Rota-Week": str(week)},
        )

    def test(self, to: str, send_at: datetime, transport: str) -> Outgoing:
        ctx = self._base(sent_at=send_at.strftime("%Y-%m-%d %H:%M:%S %Z"), transport=transport)
        r = self.templates.render("test", ctx)
        return Outgoing(
            kind="test",
            message_id=self._mid("test", to, send_at.isoformat()),
            sender=self.organizer(),
            to=(Person("", to),),
            subject=r.subject,
            text=r.text,
            html=r.html,
            date=send_at,
        )

    # -- invites ----------------------------------------------------------------------------
    def series_event(
        self,
        plan: Plan,
        series_id: str,
        sequence: int,
        dtstamp: datetime,
        description: str = "",
        weeks: Collection[int] | None = None,
    ) -> SeriesEvent:
        """The series as a calendar event: its planned occurrences (only `weeks`, if given)."""
        s = plan.series(series_id)
        meetings = tuple(
            Meeting(o.week, o.start, o.end, frozenset(o.left_out))
            for o in plan.occurrences[series_id]
            if o.start is not None and o.end is not None and (weeks is None or o.week in weeks)
        )
        return SeriesEvent(
            uid=series_uid(self.config.program.organizer, self.config.program.starts, s.id),
            summary=s.title,
            organizer=(self.config.program.organizer_name, self.config.program.organizer),
            attendees=tuple(
                Attendee(m, self.person(m).name, self.person(m).timezone) for m in s.members
            ),
            meetings=meetings,
            description=description,
            sequence=sequence,
            dtstamp=dtstamp,
            location=location_of(self.config, s.id),
        )

    def upcoming_roles(
        self, plan: Plan, series_id: str, now: datetime | None = None, limit: int = 6
    ) -> list[dict[str, str]]:
        """Who facilitates the next meetings of a circle, by program week (for the agenda)."""
        s = plan.series(series_id)
        roles = s.role_plan(plan.occurrences[series_id])
        out = []
        for o in plan.occurrences[series_id]:
            if o.start is None or (now is not None and o.start <= now) or o.week not in roles:
                continue
            start = self.config.program.starts
            monday = start - timedelta(days=start.weekday()) + timedelta(weeks=o.week)
            out.append(
                {"week": f"week of {monday:%a %-d %b}", "text": self._roles_text(roles[o.week])}
            )
            if len(out) == limit:
                break
        return out

    def _roles_text(self, given: Mapping[str, str]) -> str:
        return ", ".join(
            f"{role}: {self.person(who).name if who else 'open'}" for role, who in given.items()
        )

    def description(
        self,
        series: Series,
        goals_open: Sequence[Mapping[str, Any]] = (),
        goals_done: Sequence[Mapping[str, Any]] = (),
        roles: Sequence[Mapping[str, str]] = (),
        actions: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        ctx = self._base(
            series={
                "title": series.title,
                "kind": series.kind,
                "location": location_of(self.config, series.id),
            },
            goals_open=list(goals_open),
            goals_done=list(goals_done),
            roles=list(roles),
            actions=list(actions),
        )
        return self.templates.render("invite_description", ctx).text.strip()

    def invites(
        self,
        plan: Plan,
        series_id: str,
        send_at: datetime,
        sequence: int = 0,
        anchor: Anchor | None = None,
        update: bool = False,
        description: str | None = None,
        only: Sequence[str] = (),
        weeks: Collection[int] | None = None,
        send_times: Mapping[str, datetime] | None = None,
        changes: Mapping[str, Any] | None = None,
        revision: str = "",
    ) -> tuple[list[Outgoing], Anchor | None, bytes]:
        """One REQUEST per attendee (the body shows their own local times), all carrying the
        same calendar: every planned occurrence of the series (only `weeks`, if given).
        `send_times` gives an attendee's email its own send time (their next workday);
        `changes` says what an update moved and why (Jobs._changes); `revision` tells apart
        updates of the same SEQUENCE (a new agenda)."""
        s = plan.series(series_id)
        roles = s.role_plan(plan.occurrences[series_id])
        if description is None:
            upcoming_roles = self.upcoming_roles(plan, series_id, send_at) if roles else []
            description = self.description(s, roles=upcoming_roles)
        desc = description
        ev = self.series_event(plan, series_id, sequence, send_at, desc, weeks)
        events, used = series_with_anchor(ev, anchor)
        cal = bytes(build_calendar(events, method="REQUEST", span=self._span()).to_ical())
        out = []
        for email in s.members:
            if only and email not in only:
                continue
            p = self.person(email)
            when = (send_times or {}).get(email, send_at)
            upcoming = [
                o
                for o in plan.occurrences[series_id]
                if o.start is not None and o.start >= when and (weeks is None or o.week in weeks)
            ]
            ctx = self._base(
                recipient=self._who(p),
                series={
                    "title": s.title,
                    "duration": s.duration,
                    "kind": s.kind,
                    "location": location_of(self.config, s.id),
                },
                update=update,
                changes=_changes_view(changes, p) if update and changes else None,
                upcoming=[
                    {
                        **_local_view(o, p),
                        "roles": self._roles_text(roles[o.week]) if o.week in roles else "",
                    }
                    for o in upcoming[:6]
                ],
                more=max(0, len(upcoming) - 6),
                description=desc,
            )
            r = self.templates.render("invite", ctx)
            out.append(
                Outgoing(
                    kind="invite",
                    message_id=(
                        self._mid("invite", series_id, sequence, email, revision)
                        if revision
                        else self._mid("invite", series_id, sequence, email)
                    ),
                    sender=self.organizer(),
                    to=(Person(p.name, p.email),),
                    subject=r.subject,
                    text=r.text,
                    html=r.html,
                    calendar=cal,
                    method="REQUEST",
                    date=when,
                    headers={"X-Rota-Series": series_id, "X-Rota-Sequence": str(sequence)},
                )
            )
        return out, used, cal

    def cancels(
        self,
        plan: Plan,
        series_id: str,
        send_at: datetime,
        sequence: int,
        anchor: Anchor | None,
        weeks: Sequence[int] = (),
        reason: str = "",
        send_times: Mapping[str, datetime] | None = None,
        only: Sequence[str] = (),
        sent_weeks: Collection[int] | None = None,
    ) -> list[Outgoing]:
        """CANCEL for some weeks (RECURRENCE-ID) or, without weeks, the whole series."""
        ev = self.series_event(plan, series_id, sequence, send_at, weeks=sent_weeks)
        return self.cancel_event(series_id, ev, anchor, weeks, reason, send_times, only)

    def cancel_event(
        self,
        series_id: str,
        ev: SeriesEvent,
        anchor: Anchor | None,
        weeks: Sequence[int] = (),
        reason: str = "",
        send_times: Mapping[str, datetime] | None = None,
        only: Sequence[str] = (),
    ) -> list[Outgoing]:
        """CANCEL emails for a series as it was last sent (it may have left the config)."""
        cal = bytes(
            build_calendar(
                cancel_events(ev, anchor, weeks), method="CANCEL", span=self._span()
            ).to_ical()
        )
        by_week = {m.week: m for m in ev.meetings}
        first = by_week.get(weeks[0]) if weeks else None
        out = []
        for a in ev.attendees:
            if only and a.email not in only:
                continue
            when = (send_times or {}).get(a.email, ev.dtstamp)
            who = {
                "name": a.name,
                "first_name": a.name.split()[0] if a.name.split() else a.email,
                "email": a.email,
                "zone": a.zone,
            }
            ctx = self._base(
                recipient=who,
                series={"title": ev.summary},
                occurrence=_meeting_view(first, a.zone) if first else None,
                reason=reason,
            )
            r = self.templates.render("cancel", ctx)
            out.append(
                Outgoing(
                    kind="cancel",
                    message_id=self._mid(
                        "cancel", series_id, ev.sequence, ",".join(map(str, weeks)), a.email
                    ),
                    sender=self.organizer(),
                    to=(Person(a.name, a.email),),
                    subject=r.subject,
                    text=r.text,
                    html=r.html,
                    calendar=cal,
                    method="CANCEL",
                    date=when,
                    headers={"X-Rota-Series": series_id, "X-Rota-Sequence": str(ev.sequence)},
                )
            )
        return out

    def notice(self, key: str, subject: str, lines: Sequence[str], send_at: datetime) -> Outgoing:
        """A note to the organizer about something only a human can settle."""
        r = self.templates.render("notice", self._base(subject=subject, lines=list(lines)))
        org = self.organizer()
        return Outgoing(
            kind="notice",
            message_id=self._mid("notice", key),
            sender=org,
            to=(org,),
            subject=r.subject,
            text=r.text,
            html=r.html,
            date=send_at,
        )

    def _span(self) -> tuple[date, date]:
        return self.config.program.starts, self.config.program.ends


def _meeting_view(m: Meeting, zone: str) -> dict[str, Any]:
    loc = m.start.astimezone(ZoneInfo(zone))
    return {
        "local": f"{loc:%a %-d %b %Y, %H:%M}",
        "optional": False,
        "utc": m.start.astimezone(UTC).isoformat(),
    }


def _changes_view(changes: Mapping[str, Any], p: PersonConfig) -> dict[str, Any]:
    """What an update changed, in the recipient's own local times."""
    zone = ZoneInfo(p.timezone)

    def local(dt: datetime) -> str:
        return f"{dt.astimezone(zone):%a %-d %b %Y, %H:%M}"

    if changes["kind"] == "agenda":
        return dict(changes)
    whys = {m["why"] for m in changes["moved"]} | {c["why"] for c in changes["cancelled"]}
    return {
        "kind": "schedule",
        "why": whys.pop() if len(whys) == 1 else "",  # said once when it is one reason
        "moved": [
            {"week": m["week"], "from": local(m["from"]), "to": local(m["to"]), "why": m["why"]}
            for m in changes["moved"]
        ],
        "added": [{"week": a["week"], "to": local(a["to"])} for a in changes["added"]],
        "cancelled": [
            {"week": c["week"], "from": local(c["from"]), "why": c["why"]}
            for c in changes["cancelled"]
        ],
        "optional": list(changes["optional"]),
        "joined": list(changes["joined"]),
        "left": list(changes["left"]),
    }


def _local_view(o: Occurrence, p: PersonConfig) -> dict[str, Any]:
    assert o.start is not None
    loc = o.start.astimezone(ZoneInfo(p.timezone))
    return {
        "local": f"{loc:%a %-d %b %Y, %H:%M}",
        "optional": p.email in o.left_out,
        "utc": o.start.astimezone(UTC).isoformat(),
    }


def _record_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A parsed check-in (SPEC §4 `checkin` object plus week/received) for templates."""
    sections = [(title, list(record.get(key) or [])) for key, title in SECTION_TITLES]
    received = record.get("received_at")
    return {
        "week": record.get("week"),
        "received": str(received or ""),
        "sections": sections,
        "goals": list(record.get("goals") or []),
        "free_text": record.get("free_text") or "",
    }
