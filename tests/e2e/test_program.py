"""Ten weeks of a program end to end: real Dovecot, a real SMTP server delivering into it,
Rota's own App on a fake clock, and the test playing every person by reading their mailbox.

Mentees answer from different clients (replies from the corpus, re-addressed to the
Reply-To of the prompt they received), Priya stays silent. Ben accepts his call series with
Ana and answers a forwarded check-in; Tom declines one occurrence of his call with Mia. Rota
reads all of it over IMAP (organizer and reply addresses are one mailbox, as in production).
"""

from __future__ import annotations

import asyncio
import smtplib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mail.imap import ImapInbox, ImapSettings
from mail.smtp import SmtpSettings, SmtpTransport
from service.app import App
from service.clock import ManualClock
from service.config.load import load_config
from service.store import schema
from service.store.store import Store
from tests.support import dovecot as dovecot_support
from tests.support import icaljs
from tests.support.configs import G, P, Program
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mailsystem import Delivery, mailbox, start_delivery
from tests.support.replies import CORPUS, STYLES

SECRET = b"end to end test secret 0123456789"
START = datetime(2026, 3, 2, tzinfo=UTC)
END = datetime(
    2026, 5, 12, 12, 0, tzinfo=UTC
)  # the Tuesday after the last week: every email is out
PEOPLE = {
    "ben@example.org": ("Ben Ortiz", "America/New_York"),
    "ana@example.org": ("Ana Sousa", "Europe/Lisbon"),
    "priya@example.org": ("Priya Raman", "Asia/Kolkata"),
    "tom@example.org": ("Tom Hale", "Europe/Berlin"),
    "mia@example.org": ("Mia Chen", "Australia/Sydney"),
}
MENTEES = ["ana@example.org", "priya@example.org", "mia@example.org"]
DECLINE_WEEK = 4


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_support.start()


def _config(tmp: Path, smtp_port: int, imap_port: int, rota_user: str) -> Path:
    extra = f"""
[cadences.checkin]
escalate_after_missed = 6

[mail]
transport = "imap-smtp"
smtp = {{ host = "127.0.0.1", port = {smtp_port}, security = "none" }}
imap = {{ host = "127.0.0.1", port = {imap_port}, security = "none", username = "{rota_user}", password_env = "E2E_IMAP_PASSWORD" }}

[store]
url = "sqlite:///{tmp / "rota.db"}"
"""
    prog = Program(
        people=[P(e, z, name=n) for e, (n, z) in PEOPLE.items()],
        pairs=[
            ("ben@example.org", "ana@example.org"),
            ("ben@example.org", "priya@example.org"),
            ("tom@example.org", "mia@example.org"),
        ],
        groups=[G("Circle", list(PEOPLE), quorum=0.6)],
        starts="2026-03-02",
        ends="2026-05-08",
        extra=extra,
    )
    return prog.write(tmp)


class World:
    """Everyone but Rota: reads their mailbox, answers as planned, through real SMTP."""

    def __init__(self, dovecot: Dovecot, delivery: Delivery, smtp_port: int) -> None:
        self.dovecot = dovecot
        self.delivery = delivery
        self.smtp_port = smtp_port
        self.seen: Counter[str] = Counter()
        self.pending: list[tuple[datetime, str, bytes]] = []  # (when, from, message)
        self.n = 0
        self.declined: datetime | None = None

    def user(self, email: str) -> str:
        found = self.delivery.user_of(email)
        assert found is not None
        return found

    def new_mail(self, email: str) -> list[EmailMessage]:
        box = mailbox(self.dovecot, self.user(email))
        fresh = box[self.seen[email] :]
        self.seen[email] = len(box)
        return fresh

    def later(self, when: datetime, sender: str, raw: bytes) -> None:
        self.pending.append((when, sender, raw))
        self.pending.sort(key=lambda p: p[0])

    def next_time(self) -> datetime | None:
        return self.pending[0][0] if self.pending else None

    async def deliver_due(self, now: datetime) -> None:
        while self.pending and self.pending[0][0] <= now:
            _, sender, raw = self.pending.pop(0)
            to = [a for _, a in getaddresses(_headers(raw, "To"))]
            await asyncio.to_thread(self._send, sender, to, raw)

    def _send(self, sender: str, to: list[str], raw: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as s:
            s.sendmail(sender, to, raw)

    # -- people ---------------------------------------------------------------------------------
    def react(self, now: datetime) -> None:
        for email in MENTEES:
            for msg in self.new_mail(email):
                subject = str(msg["Subject"])
                if (
                    "check-in" in subject
                    and not subject.startswith("Re:")
                    and email != "priya@example.org"
                ):
                    self._checkin(email, msg)
        for msg in self.new_mail("ben@example.org"):
            if (
                _calendar(msg)
                and "Mentorship call: Ben & Ana" in str(msg["Subject"])
                and not str(msg["Subject"]).startswith("Updated")
            ):
                self._rsvp("ben@example.org", msg, "ACCEPTED", None)
            if str(msg["Subject"]) == "Check-in from Ana Sousa, week 1":
                self._answer_forward("ben@example.org", msg)
        for msg in self.new_mail("tom@example.org"):
            if _calendar(msg) and str(msg["Subject"]) == "Mentorship call: Tom & Mia":
                events = icaljs.expand(_calendar(msg))["events"]  # type: ignore[arg-type]
                week4 = next(e for e in events if _week(e["start"]) == DECLINE_WEEK)
                rid = datetime.fromisoformat(week4["recurrence_id"].replace("Z", "+00:00"))
                self._rsvp("tom@example.org", msg, "DECLINED", rid)

    def _checkin(self, email: str, prompt: EmailMessage) -> None:
        reply_to = next(a for _, a in getaddresses(prompt.get_all("Reply-To", [])))
        when = parsedate_to_datetime(str(prompt["Date"])) + timedelta(hours=20)
        style = STYLES[self.n % len(STYLES)]
        self.n += 1
        raw = (CORPUS / f"{style}.eml").read_bytes()
        raw = _rewrite(
            raw,
            PEOPLE[email][0],
            email,
            reply_to,
            when,
            f"e2e{self.n}@mail.test",
            str(prompt["Message-ID"]),
        )
        self.later(when, email, raw)

    def _rsvp(self, email: str, invite: EmailMessage, partstat: str, rid: datetime | None) -> None:
        from tests.support.replies import rsvp

        cal = _calendar(invite) or b""
        uid = next(
            line.split(b":", 1)[1].strip().decode()
            for line in cal.splitlines()
            if line.startswith(b"UID:")
        )
        when = parsedate_to_datetime(str(invite["Date"])) + timedelta(days=1)
        if partstat == "DECLINED":
            self.declined = when
        self.n += 1
        raw = rsvp(
            email,
            PEOPLE[email][0],
            "team@example.org",
            uid,
            partstat,
            when,
            f"e2e{self.n}@mail.test",
            rid,
        )
        self.later(when, email, raw)

    def _answer_forward(self, email: str, forward: EmailMessage) -> None:
        msg = EmailMessage()
        to = [a for _, a in getaddresses(forward.get_all("Reply-To", []))]
        msg["From"] = f"{PEOPLE[email][0]} <{email}>"
        msg["To"] = ", ".join(to)
        msg["Subject"] = f"Re: {forward['Subject']}"
        when = parsedate_to_datetime(str(forward["Date"])) + timedelta(hours=3)
        msg["Date"] = format_datetime(when)
        self.n += 1
        msg["Message-ID"] = f"<e2e{self.n}@mail.test>"
        msg["In-Reply-To"] = str(forward["Message-ID"])
        msg.set_content("Great progress, Ana! Let's talk about the release process on our call.\n")
        self.later(when, email, bytes(msg))


def _headers(raw: bytes, name: str) -> list[str]:
    from email.parser import BytesHeaderParser

    return BytesHeaderParser().parsebytes(raw).get_all(name, [])


def _rewrite(
    raw: bytes, name: str, email: str, to: str, when: datetime, mid: str, in_reply_to: str
) -> bytes:
    import re

    raw = re.sub(rb"checkins\+[\w.]+@example\.org", to.encode(), raw)
    raw = re.sub(rb"(?im)^From: .*$", f"From: {name} <{email}>".encode(), raw, count=1)
    raw = re.sub(rb"(?im)^Date: .*$", f"Date: {format_datetime(when)}".encode(), raw, count=1)
    raw = re.sub(rb"(?im)^Message-ID: .*$", f"Message-ID: <{mid}>".encode(), raw, count=1)
    raw = re.sub(rb"(?im)^In-Reply-To: .*$", f"In-Reply-To: {in_reply_to}".encode(), raw, count=1)
    return raw


def _calendar(msg: EmailMessage) -> bytes | None:
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else None
    return None


def _week(iso: str) -> int:
    return (datetime.fromisoformat(iso.replace("Z", "+00:00")) - START).days // 7


def _local(msg: EmailMessage, email: str) -> datetime:
    return parsedate_to_datetime(str(msg["Date"])).astimezone(ZoneInfo(PEOPLE[email][1]))


async def test_ten_weeks_of_a_program_over_real_imap_and_smtp(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = {e: dovecot.user() for e in PEOPLE}
    rota_user = dovecot.user()
    users["team@example.org"] = rota_user  # the organizer's mailbox is Rota's inbox
    users["checkins@example.org"] = rota_user
    delivery = Delivery(dovecot, users)
    server, smtp_port = await start_delivery(delivery)
    monkeypatch.setenv("E2E_IMAP_PASSWORD", PASSWORD)
    config = load_config(_config(tmp_path, smtp_port, dovecot.port, rota_user))
    clock = ManualClock(START)
    store = Store(config.store.url)
    transport = SmtpTransport(SmtpSettings("127.0.0.1", smtp_port, "none", timeout=30))
    inbox = ImapInbox(
        ImapSettings("127.0.0.1", dovecot.port, "none", rota_user, PASSWORD, timeout=30)
    )
    app = App(config, store, SECRET, clock, transport, inbox, "imap")
    app.start()
    world = World(dovecot, delivery, smtp_port)
    try:
        while True:
            await world.deliver_due(clock.now())
            await app.step(ingest=True)
            await asyncio.to_thread(world.react, clock.now())
            times = [t for t in (app.next_wakeup(), world.next_time()) if t is not None]
            if not times or min(times) > END:
                break
            clock.set(max(min(times), clock.now()))
        await app.ingest()  # what the last step sent to the organizer is read too
    finally:
        await app.close()
        server.close()

    # -- what each person received -------------------------------------------------------------
    boxes = {e: mailbox(dovecot, u) for e, u in users.items() if e != "checkins@example.org"}
    for email, msgs in boxes.items():
        ids = [str(m["Message-ID"]) for m in msgs]
        assert len(ids) == len(set(ids)), f"{email} got a message twice"
    for mentee in MENTEES:
        prompts = [
            m
            for m in boxes[mentee]
            if "check-in" in str(m["Subject"]) and not str(m["Subject"]).startswith("Re:")
        ]
        assert sorted(int(str(m["X-Rota-Week"])) for m in prompts) == list(range(10)), mentee
        for m in prompts:
            loc = _local(m, mentee)
            assert (loc.weekday(), loc.time()) == (4, time(15, 0)), (mentee, loc)
        reminders = [
            m
            for m in boxes[mentee]
            if str(m["Subject"]).startswith("Re:") and "check-in" in str(m["Subject"])
        ]
        if mentee == "priya@example.org":
            assert sorted(int(str(m["X-Rota-Week"])) for m in reminders) == list(range(10))
        else:
            assert reminders == [], f"{mentee} answered every week and was reminded"
    escalations = [m for m in boxes["ben@example.org"] if "has not checked in" in str(m["Subject"])]
    assert [str(m["Subject"]) for m in escalations] == ["Priya has not checked in for 6 weeks"]
    assert "team@example.org" in str(escalations[0]["Cc"])
    assert not [m for m in boxes["tom@example.org"] if "has not checked in" in str(m["Subject"])]

    # -- the declined occurrence moved, both attendees updated, nothing else changed -----------
    def call_calendars(email: str) -> list[EmailMessage]:
        return [
            m
            for m in boxes[email]
            if _calendar(m)
            and "Tom & Mia" in str(m["Subject"])
            and "Mentorship call" in str(m["Subject"])
        ]

    for email in ("tom@example.org", "mia@example.org"):
        first, *updates = call_calendars(email)
        assert len(updates) == 1 and str(updates[0]["Subject"]).startswith("Updated:")
        before = {_week(e["start"]): e["start"] for e in icaljs.expand(_calendar(first))["events"]}  # type: ignore[arg-type]
        after = {
            _week(e["start"]): e["start"] for e in icaljs.expand(_calendar(updates[0]))["events"]
        }  # type: ignore[arg-type]
        assert {w for w in before if before[w] != after.get(w)} == {DECLINE_WEEK}
        assert world.declined is not None
        assert after[DECLINE_WEEK] > world.declined.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert b"SEQUENCE:1" in (_calendar(updates[0]) or b"")

    # -- records and attendance ----------------------------------------------------------------
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.checkins)).all()
        rsvps = conn.execute(select(schema.rsvps)).all()
        review = conn.execute(
            select(schema.inbound).where(schema.inbound.c.outcome == "review")
        ).all()
    store.close()
    per = Counter(r.mentee for r in rows)
    assert per == {"ana@example.org": 10, "mia@example.org": 10}
    assert all(r.week in range(10) for r in rows) and not any(r.late for r in rows)
    answered = [r for r in rows if r.answered_at is not None]
    assert [(r.mentee, r.week) for r in answered] == [("ana@example.org", 1)]
    assert sorted((r.attendee, r.partstat, r.week) for r in rsvps) == [
        ("ben@example.org", "ACCEPTED", None),
        ("tom@example.org", "DECLINED", DECLINE_WEEK),
    ]
    assert review == [], [(r.reason, r.sender) for r in review]
    forwards = [
        m for m in boxes["ben@example.org"] if str(m["Subject"]).startswith("Check-in from Ana")
    ]
    assert len(forwards) == 10
    # Rota's mailbox: everything it read is filed, nothing left behind or lost
    assert mailbox(dovecot, rota_user) == []
    assert len(mailbox(dovecot, rota_user, "Rota/Processed")) >= 20 + 3
    assert mailbox(dovecot, rota_user, "Rota/Review") == []
