"""Reply tokens: bind a reply to the mentee and week it answers (SPEC §5).

A prompt's Reply-To is `checkins+TOKEN@domain`. TOKEN = kind, week, a short person id and an
HMAC-SHA256 over them under the program secret, all lowercase letters and digits so that any
mail server may lowercase the local part. A reply sent from another client or address still
carries the token; a forged or altered one fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = {"c": "checkin", "f": "forward", "e": "evaluation", "m": "mentor-evaluation"}
MEETING_KINDS = {"r": "recap", "s": "survey"}  # about one meeting: the token names its series
_TOKEN = re.compile(r"^([a-z])(\d{1,4})\.([a-z2-7]{8})\.([a-z2-7]{16})$")
_MEETING_TOKEN = re.compile(r"^([a-z])(\d{1,4})\.([a-z2-7]{8})\.([a-z2-7]{8})\.([a-z2-7]{16})$")


def person_id(email: str) -> str:
    """A short, stable, non-secret id of an address (8 base32 characters)."""
    digest = hashlib.sha256(email.lower().encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:8]


def _mac(secret: bytes, kind: str, week: int, pid: str) -> str:
    digest = hmac.new(secret, f"rota-reply|{kind}|{week}|{pid}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:16]


@dataclass(frozen=True, slots=True)
class ReplyToken:
    kind: str  # "checkin" | "forward" | "evaluation" | "mentor-evaluation" | "recap" | "survey"
    week: int
    email: str  # the mentee the reply is about (a meeting token: the person it was sent to)
    series: str = ""  # a meeting token: the short id of the series (series_tag)


def make_token(secret: bytes, kind: str, week: int, email: str) -> str:
    code = next(k for k, v in KINDS.items() if v == kind)
    pid = person_id(email)
    return f"{code}{week}.{pid}.{_mac(secret, code, week, pid)}"


def series_tag(series_id: str) -> str:
    """A short, stable, non-secret id of a series (8 base32 characters)."""
    digest = hashlib.sha256(series_id.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:8]


def make_meeting_token(secret: bytes, kind: str, week: int, email: str, series_id: str) -> str:
    """A token for a reply about one meeting (a recap, a survey answer): kind, week, person
    and series, under one HMAC."""
    code = next(k for k, v in MEETING_KINDS.items() if v == kind)
    pid, tag = person_id(email), series_tag(series_id)
    return f"{code}{week}.{pid}.{tag}.{_mac(secret, code, week, pid + tag)}"


def reply_address(base: str, token: str) -> str:
    """`checkins@example.org` + token → `checkins+TOKEN@example.org`."""
    local, _, domain = base.partition("@")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def token_of(address: str) -> str | None:
    """The token in a plus-address, if any."""
    local = address.rsplit("@", 1)[0]
    return local.split("+", 1)[1].lower() if "+" in local else None


def verify_token(secret: bytes, token: str, people: Iterable[str]) -> ReplyToken | None:
    """The (kind, week, person) a token stands for, or None when it is malformed or forged."""
    meeting = _MEETING_TOKEN.match(token.lower())
    if meeting and meeting.group(1) in MEETING_KINDS:
        code, week, pid, tag, mac = (
            meeting.group(1),
            int(meeting.group(2)),
            meeting.group(3),
            meeting.group(4),
            meeting.group(5),
        )
        if not hmac.compare_digest(mac, _mac(secret, code, week, pid + tag)):
            return None
        for email in people:
            if person_id(email) == pid:
                return ReplyToken(MEETING_KINDS[code], week, email.lower(), tag)
        return None
    m = _TOKEN.match(token.lower())
    if not m or m.group(1) not in KINDS:
        return None
    code, week, pid, mac = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if not hmac.compare_digest(mac, _mac(secret, code, week, pid)):
        return None
    for email in people:
        if person_id(email) == pid:
            return ReplyToken(KINDS[code], week, email.lower())
    return None


def sent_ref(secret: bytes, message_id: str) -> str:
    """`X-Rota-Ref` of an email Rota sent: an HMAC of its Message-ID under the program secret.
    A bounce counts only when it returns this header (Message-IDs are derived from public
    facts; anyone could name one in a forged delivery report)."""
    digest = hmac.new(secret, f"rota-sent|{message_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:24]
