"""Who a reply is from, and whether to believe it (SPEC §5, §6: inbound mail is untrusted).

A check-in is applied only when its reply token verifies under the program secret and its
From is the mentee the token names (a forwarded check-in's answer: that mentee's mentor). An
RSVP only when its UID is one of our series, its ATTENDEE is a member of that series, and the
From is that attendee. `Authentication-Results` count only when written by the configured
`authserv_id` (anyone can add such a header upstream); a DMARC or DKIM failure there sends
the message to review. Everything else that would be applied goes to review, with the reason.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mail.classify import Parsed
from mail.tokens import ReplyToken, sent_ref, series_tag, verify_token
from service.config.model import Config
from service.program import series_of
from service.rhythm import week_start

TOKEN_WEEKS = 6  # how long after its week a reply token is accepted


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # "apply" | "review" | "ignore"
    reason: str
    mentee: str | None = None
    week: int | None = None
    reply_kind: str | None = None  # "checkin" | "forward" | "evaluation" | "mentor-evaluation"
    series_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.action, "reason": self.reason}
        if self.mentee:
            out["mentee"] = self.mentee
        if self.week is not None:
            out["week"] = self.week
        if self.series_id:
            out["series_id"] = self.series_id
        return out


def authentication_failure(parsed: Parsed, authserv_id: str) -> str | None:
    """A DMARC/DKIM/SPF failure reported by our own receiving server, if any."""
    if not authserv_id:
        return None
    for header in parsed.auth_results:
        server = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
        if server != authserv_id.lower():
            continue  # written by someone else: not believed
        for method in ("dmarc", "dkim", "spf"):
            m = re.search(rf"\b{method}\s*=\s*(\w+)", header, re.IGNORECASE)
            if m and m.group(1).lower() in ("fail", "permerror") and method in ("dmarc", "dkim"):
                return f"{method}={m.group(1).lower()} per {authserv_id}"
    return None


def _bounce_verdict(parsed: Parsed, secret: bytes | None) -> Verdict:
    """A delivery report counts only when it returns the X-Rota-Ref of the email it is about:
    anyone can send a DSN naming a participant and a (guessable) Message-ID."""
    bounce = parsed.bounce
    assert bounce is not None
    if not bounce.permanent:
        return Verdict("apply", "a delay notice")
    if secret is None:
        return Verdict("review", "a bounce, but the secret to check it is not set")
    original = bounce.original_message_id
    if not original or not bounce.original_ref:
        return Verdict(
            "review",
            "a bounce that does not return the headers of an email Rota sent "
            "(forged, or the server left them out): no address is marked failing",
        )
    if not hmac.compare_digest(bounce.original_ref, sent_ref(secret, original)):
        return Verdict(
            "review", f"a bounce whose proof does not match {original}: forged or altered"
        )
    return Verdict("apply", f"a delivery report for {original}")


def _meeting_verdict(
    config: Config, parsed: Parsed, token: ReplyToken, now: datetime | None
) -> Verdict:
    """A recap or a survey answer: from the person it was sent to, about a series of the
    program, while the token is fresh."""
    tags = config.derived.get("series_tags")
    if not isinstance(tags, dict):
        tags = config.derived["series_tags"] = {series_tag(s.id): s.id for s in series_of(config)}
    series_id = tags.get(token.series)
    what = "recap" if token.kind == "recap" else "survey answer"
    if series_id is None:
        return Verdict("review", f"a {what} for a meeting no longer in the program")
    if token_expired(config, token.week, now):
        return Verdict("review", f"the {what}'s token of week {token.week} has expired")
    if parsed.sender != token.email:
        return Verdict(
            "review",
            f"a {what} sent from {parsed.sender}, not {token.email} who was asked",
            token.email,
            token.week,
            token.kind,
            series_id,
        )
    return Verdict("apply", f"a {what}", token.email, token.week, token.kind, series_id)


def token_expired(config: Config, week: int, now: datetime | None) -> bool:
    """A token is good from its week's start to TOKEN_WEEKS after it (late check-ins are
    fine; a token from a months-old email, or one for a week not yet begun, is not)."""
    if now is None:
        return False
    start = week_start(config, week)
    return not start - timedelta(days=7) <= now < start + timedelta(weeks=TOKEN_WEEKS + 1)


def verify(
    config: Config,
    parsed: Parsed,
    secret: bytes | None,
    series_by_uid: Mapping[str, tuple[str, tuple[str, ...]]],
    now: datetime | None = None,
) -> Verdict:
    """What to do with a parsed message from the program's point of view."""
    if parsed.kind == "auto-reply":
        return Verdict("ignore", "an automatic reply: never answered, never applied")
    if parsed.kind == "bounce":
        return _bounce_verdict(parsed, secret)
    if parsed.kind == "unknown":
        return Verdict("review", parsed.reason or "not a message Rota understands")
    failure = authentication_failure(parsed, config.mail.authserv_id)
    if failure:
        return Verdict("review", f"sender authentication failed: {failure}")
    if parsed.kind == "rsvp":
        assert parsed.rsvp is not None
        found = series_by_uid.get(parsed.rsvp.uid)
        if found is None:
            return Verdict("review", f"RSVP for an unknown event (UID {parsed.rsvp.uid})")
        series_id, members = found
        if parsed.rsvp.attendee not in members:
            return Verdict(
                "review",
                f"{parsed.rsvp.attendee} is not an attendee of {series_id}",
                series_id=series_id,
            )
        if parsed.sender != parsed.rsvp.attendee:
            return Verdict(
                "review",
                f"RSVP for {parsed.rsvp.attendee} sent from {parsed.sender}",
                series_id=series_id,
            )
        return Verdict("apply", "RSVP from an attendee", series_id=series_id)
    # a check-in (or an answer to a forwarded one)
    if secret is None:
        return Verdict(
            "review", f"reply tokens cannot be checked: {config.program.secret_env} is not set"
        )
    people = [p.email for p in config.people]
    tokens = parsed.tokens
    if not tokens:
        return Verdict("review", "no reply token: not a reply to a Rota prompt")
    found_token = None
    for token in tokens:
        found_token = verify_token(secret, token, people)
        if found_token:
            break
    if found_token is None:
        return Verdict(
            "review", "the reply token does not verify (altered, or from another program)"
        )
    mentee = found_token.email
    if found_token.kind in ("recap", "survey"):
        return _meeting_verdict(config, parsed, found_token, now)
    if token_expired(config, found_token.week, now):
        return Verdict(
            "review",
            f"the reply token of week {found_token.week} has expired (tokens are accepted "
            f"for {TOKEN_WEEKS} weeks after their week): not applied",
            mentee,
            found_token.week,
            found_token.kind,
        )
    if found_token.kind == "mentor-evaluation":
        mentor = next((p.mentor for p in config.pairs if p.mentee == mentee), None)
        if parsed.sender != mentor:
            return Verdict(
                "review",
                f"the mentor's evaluation of {mentee} sent from {parsed.sender}, not their mentor",
                mentee,
                found_token.week,
                found_token.kind,
            )
        return Verdict(
            "apply", "the mentor's evaluation", mentee, found_token.week, found_token.kind
        )
    if found_token.kind == "forward":
        mentor = next((p.mentor for p in config.pairs if p.mentee == mentee), None)
        if parsed.sender not in (mentor, mentee):
            return Verdict(
                "review",
                f"answer to {mentee}'s check-in sent from {parsed.sender}, not their mentor",
                mentee,
                found_token.week,
                "forward",
            )
        return Verdict(
            "apply", "the mentor answered a forwarded check-in", mentee, found_token.week, "forward"
        )
    if parsed.sender != mentee:
        return Verdict(
            "review",
            f"reply token is {mentee}'s but the sender is {parsed.sender}",
            mentee,
            found_token.week,
            found_token.kind,
        )
    return Verdict(
        "apply", "reply token and sender agree", mentee, found_token.week, found_token.kind
    )
