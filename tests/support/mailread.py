"""Read what Rota sent, as a recipient would: headers, the text, the calendar part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path


@dataclass
class Sent:
    kind: str
    file: Path
    msg: EmailMessage

    @property
    def date(self) -> datetime:
        return parsedate_to_datetime(str(self.msg["Date"])).astimezone(UTC)

    @property
    def to(self) -> list[str]:
        return [a.lower() for _, a in getaddresses(self.msg.get_all("To", []))]

    @property
    def cc(self) -> list[str]:
        return [a.lower() for _, a in getaddresses(self.msg.get_all("Cc", []))]

    @property
    def reply_to(self) -> list[str]:
        return [a.lower() for _, a in getaddresses(self.msg.get_all("Reply-To", []))]

    @property
    def message_id(self) -> str:
        return str(self.msg["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"])

    @property
    def week(self) -> int | None:
        value = self.msg["X-Rota-Week"]
        return int(str(value)) if value is not None else None

    def text(self) -> str:
        part = self.msg.get_body(("plain",))
        return part.get_content() if part is not None else ""  # type: ignore[no-any-return]

    def calendar(self) -> bytes | None:
        for part in self.msg.walk():
            if part.get_content_type() == "text/calendar":
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else None
        return None


def read(out: Path, kind: str, file: str) -> Sent:
    path = out / file
    return Sent(kind, path, message_from_bytes(path.read_bytes(), policy=default))  # type: ignore[arg-type]
