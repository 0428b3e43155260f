"""One inbound message, classified and extracted: bytes in, a value out, never an exception.

Kinds (SPEC §4): `bounce` (a delivery report), `auto-reply` (see mail.autoreply: RFC 3834
and vendor headers, "Automatic reply" and "Out of office" subjects in over 40 languages), `rsvp` (an iTIP REPLY), `checkin` (an answer to a prompt: it
carries a reply token, answers a check-in subject, or reads like one) and `unknown`. A message
that is too large, nests too deep or has too many parts is not parsed at all: it is `unknown`
with a reason, for a human (the stdlib parser recurses without bound and is slow on huge
part counts, so we look before we let it).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import EmailPolicy, default
from email.utils import getaddresses, parseaddr
from typing import Any

from mail.autoreply import is_auto_reply
from mail.checkin import extract_checkin, heading_of, is_reply_heading
from mail.dsn import Bounce, is_bounce, parse_bounce
from mail.htmltext import html_to_text
from mail.quotes import visible
from mail.replies import Rsvp, calendar_part, parse_reply
from mail.tokens import token_of


@functools.lru_cache(maxsize=8192)
def _header(name: str, value: str) -> Any:
    return default.header_fetch_parse(name, value)


class _ReadPolicy(EmailPolicy):
    """The default policy, with each header parsed once. The stdlib parses a header again
    on every access: classifying one message reads Content-Type about 17 times (get_body,
    get_content_type, get_param), two thirds of the parse time. Header objects are immutable,
    so sharing them is safe."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or not isinstance(value, str):
            return default.header_fetch_parse(name, value)
        return _header(name, value)


READ_POLICY = _ReadPolicy()


@dataclass(frozen=True, slots=True)
class Limits:
    """What a message may be before the stdlib parser sees it. Its header parser is
    quadratic in time and memory on long fields: a 256 KB Subject of encoded words takes
    2 GB and a second, a 1 MB one more memory than a machine has."""

    max_bytes: int = 10 * 1024 * 1024
    max_parts: int = 100
    max_depth: int = 10
    max_header_bytes: int = 256 * 1024  # the whole header section
    max_field_bytes: int = 32 * 1024  # one header field, folded lines included
    max_fields: int = 1000
    max_encoded_words: int = 250  # =?…?= in one field


_CHECKIN_SUBJECT = re.compile(r"check-?in|evaluation|weekly update", re.IGNORECASE)


@dataclass
class Parsed:
    kind: str
    message_id: str
    sender: str  # lowercased address in From
    sender_name: str
    in_reply_to: str | None
    references: tuple[str, ...] = ()
    subject: str = ""
    recipients: tuple[str, ...] = ()  # To, Cc, Delivered-To, X-Original-To (lowercased)
    checkin: dict[str, Any] | None = None
    rsvp: Rsvp | None = None
    bounce: Bounce | None = None
    reason: str = ""  # why it is unknown (or why it could not be read)
    content_hash: str = ""
    auth_results: tuple[str, ...] = ()
    date: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""  # what the sender wrote (quotes and signature gone): for other readings

    @property
    def tokens(self) -> list[str]:
        return [t for t in (token_of(a) for a in self.recipients) if t]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "message_id": self.message_id,
            "from": self.sender,
            "in_reply_to": self.in_reply_to,
            "checkin": self.checkin,
            "rsvp": self.rsvp.to_json() if self.rsvp else None,
        }
        if self.bounce is not None:
            out["bounce"] = self.bounce.to_json()
        if self.reason:
            out["reason"] = self.reason
        return out


# What a message is, as its author sent it: the headers they wrote and the body. Trace
# headers that each hop adds (Received, Delivered-To, Authentication-Results…) are left out,
# so the same message delivered by two routes is recognised as one.
_IDENTITY_HEADERS = frozenset(
    (
        b"from",
        b"sender",
        b"to",
        b"cc",
        b"date",
        b"subject",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"mime-version",
        b"content-type",
        b"content-transfer-encoding",
    )
)
_FIELD = re.compile(rb"(?m)^([!-9;-~]+)[ \t]*:(.*(?:\r?\n[ \t].*)*)")


def content_digest(raw: bytes) -> str:
    """A hash of what the author sent: identity headers (unfolded) and the body."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    h = hashlib.sha256()
    for m in _FIELD.finditer(head):
        name = m.group(1).lower()
        if name in _IDENTITY_HEADERS:
            h.update(name + b":" + b" ".join(m.group(2).split()) + b"\n")
    h.update(b"\n")
    h.update(body.replace(b"\r\n", b"\n"))
    return h.hexdigest()


def _one(value: object) -> str:
    return re.sub(r"[\r\n]+", " ", str(value)).strip() if value is not None else ""


def _ids(value: object) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", str(value or "")))


def _header_problem(raw: bytes, limits: Limits) -> str:
    window = raw[: limits.max_header_bytes + 4]
    end = min((i for i in (window.find(b"\r\n\r\n"), window.find(b"\n\n")) if i >= 0), default=-1)
    if end < 0:
        if len(raw) > limits.max_header_bytes:
            return f"header section too large (over {limits.max_header_bytes // 1024} KB)"
        end = len(raw)
    fields = 0
    for m in _FIELD.finditer(raw, 0, end):
        fields += 1
        name = m.group(1).decode("ascii", "replace")[:40]
        size = m.end() - m.start()
        if size > limits.max_field_bytes:
            return f"header {name} too large ({size // 1024} KB, limit {limits.max_field_bytes // 1024} KB)"
        if m.group(2).count(b"=?") > limits.max_encoded_words:
            return f"header {name} has too many encoded words (limit {limits.max_encoded_words})"
    if fields > limits.max_fields:
        return f"too many header fields ({fields}, limit {limits.max_fields})"
    return ""


def _precheck(raw: bytes, limits: Limits) -> str:
    if len(raw) > limits.max_bytes:
        return f"message too large ({len(raw) / 1048576:.1f} MB, limit {limits.max_bytes / 1048576:.0f} MB)"
    problem = _header_problem(raw, limits)
    if problem:
        return problem
    multiparts = len(re.findall(rb"(?im)^content-type:\s*multipart/", raw))
    parts = len(re.findall(rb"(?im)^content-type:", raw))
    if multiparts > limits.max_depth * 4 or parts > limits.max_parts:
        return f"too many MIME parts ({parts}, limit {limits.max_parts})"
    return ""


def _shape(msg: EmailMessage, limits: Limits) -> str:
    stack: list[tuple[Any, int]] = [(msg, 1)]
    count = 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if depth > limits.max_depth:
            return f"MIME nested too deep (over {limits.max_depth} levels)"
        if count > limits.max_parts:
            return f"too many MIME parts (over {limits.max_parts})"
        if part.is_multipart():
            stack.extend((p, depth + 1) for p in part.get_payload())
    return ""


def body_text(msg: EmailMessage) -> str:
    """The text a person wrote: the plain part, or the HTML part read as text."""
    for kind in ("plain", "html"):
        part = msg.get_body((kind,))
        if part is None:
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        if not isinstance(content, str) or not content.strip():
            continue
        return html_to_text(content) if kind == "html" else content
    return ""


def _is_auto_reply(msg: EmailMessage) -> bool:
    return is_auto_reply(lambda name: _one(msg.get(name, "")))


def unread(head: bytes, reason: str, digest: str) -> Parsed:
    """A message not parsed at all (too large, too complex): its Message-ID if the first
    bytes show one, for the review folder."""
    mid = re.search(rb"(?im)^message-id:\s*(<[^>\r\n]+>)", head[:65536])
    return Parsed(
        "unknown",
        mid.group(1).decode("ascii", "replace") if mid else "",
        "",
        "",
        None,
        reason=reason,
        content_hash=digest,
    )


def parse_message(raw: bytes, limits: Limits | None = None) -> Parsed:
    """Classify and extract one message. Problems become kind `unknown` with a reason."""
    limits = limits or Limits()
    digest = content_digest(raw)
    problem = _precheck(raw, limits)
    if problem:
        return unread(raw[:65536], problem, digest)
    try:
        msg = message_from_bytes(raw, policy=READ_POLICY)
        assert isinstance(msg, EmailMessage)
        problem = _shape(msg, limits)
        name, sender = parseaddr(_one(msg.get("From", "")))
        parsed = Parsed(
            kind="unknown",
            message_id=_one(msg.get("Message-ID", "")),
            sender=sender.lower(),
            sender_name=name.strip(),
            in_reply_to=(_ids(msg.get("In-Reply-To")) or (None,))[0],
            references=_ids(msg.get("References")),
            subject=_one(msg.get("Subject", "")),
            recipients=tuple(
                a.lower()
                for _, a in getaddresses(
                    [
                        str(v)
                        for h in ("To", "Cc", "Delivered-To", "X-Original-To")
                        for v in msg.get_all(h) or []
                    ]
                )
                if a
            ),
            content_hash=digest,
            auth_results=tuple(str(v) for v in msg.get_all("Authentication-Results") or []),
            date=_one(msg.get("Date")) or None,
        )
        if problem:
            parsed.reason = problem
            return parsed
        _classify(msg, parsed)
        return parsed
    except Exception as bad:  # a message that breaks the parser is still a value with a reason
        reason = (
            "too complex to read (it needs more memory than allowed)"
            if isinstance(bad, MemoryError)
            else f"unparseable message: {type(bad).__name__}: {bad}"
        )
        return Parsed(
            "unknown",
            "",
            "",
            "",
            None,
            reason=reason,
            content_hash=digest,
        )


def _classify(msg: EmailMessage, parsed: Parsed) -> None:
    if is_bounce(msg, parsed.sender):
        parsed.kind = "bounce"
        parsed.bounce = parse_bounce(msg)
        return
    cal = calendar_part(msg)
    if cal is not None:
        found = parse_reply(cal, parsed.sender)
        if isinstance(found, Rsvp):
            parsed.kind = "rsvp"
            parsed.rsvp = found
            return
        if not _is_auto_reply(msg):
            parsed.reason = found
    if _is_auto_reply(msg):
        parsed.kind = "auto-reply"
        return
    text = body_text(msg)
    names = [parsed.sender_name, parsed.sender_name.split(" ")[0]] if parsed.sender_name else []
    lines = visible(text, is_heading=is_reply_heading, sender_names=names)
    headings = sum(1 for x in lines if heading_of(x if isinstance(x, str) else x.text))
    ours = any(ref.startswith("<rota.") for ref in (*parsed.references, parsed.in_reply_to or ""))
    parsed.body = "\n".join(x if isinstance(x, str) else x.text for x in lines)
    if parsed.tokens or headings or ours or _CHECKIN_SUBJECT.search(parsed.subject):
        parsed.kind = "checkin"
        parsed.checkin = extract_checkin(lines)
        parsed.reason = ""
    elif not parsed.reason:
        parsed.reason = "neither a check-in, an RSVP, a bounce nor an auto-reply"
