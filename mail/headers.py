"""Header values built from data (names, subjects, anything a participant wrote).

No CR or LF may ever reach a header from data. Two ways in: a raw line break, and an RFC 2047
encoded word that decodes to one (`=?utf-8?q?Hi=0D=0ABcc:_x@evil.example?=`): Python's email
package decodes encoded words in any value it is handed and, up to 3.11.9 (CVE-2024-6923),
serialises the decoded line break as a second header line. So every value is decoded here
the way the email package would decode it, flattened to one line, and decoded again until
nothing changes; addresses are rebuilt from their parts, and Message-IDs copied from inbound
mail are checked against the RFC 5322 shape or dropped, never copied whole.
"""

from __future__ import annotations

import re
from email.headerregistry import Address, UnstructuredHeader
from email.utils import formataddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
# RFC 5322 msg-id, printable ASCII only (no space, no brackets inside), and no encoded word
_MSG_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
_DECODE_ROUNDS = 4


def _decoded(value: str) -> str:
    """`value` with its encoded words decoded, as the email package would decode them."""
    if "=?" not in value:
        return value
    try:
        return str(UnstructuredHeader.value_parser(value))
    except Exception:  # a value the parser chokes on is neutralised below
        return value.replace("=?", "= ?")


def _flat(value: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def one_line(value: str, limit: int = 200) -> str:
    """`value` as a single header-safe line: encoded words decoded, control characters turned
    into spaces, runs of space collapsed, overly long text cut with an ellipsis."""
    flat = _flat(value)
    for _ in range(_DECODE_ROUNDS):
        again = _flat(_decoded(flat))
        if again == flat:
            break
        flat = again
    else:  # still decoding after several rounds: nested on purpose; break every encoded word
        flat = flat.replace("=?", "= ?")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def display_name(value: str, limit: int = 100) -> str:
    """A person's name for an address header: one line, and no text left that an address
    parser could take for an encoded word (it decodes them inside quoted names too)."""
    return one_line(value, limit).replace("=?", "= ?")


def msg_id(value: str | None) -> str | None:
    """`value` if it is a well-formed `<id>` safe to copy into a header, else None."""
    if not value:
        return None
    value = value.strip()
    if not _MSG_ID.fullmatch(value) or "=?" in value:
        return None
    return value


def mailbox(name: str, email: str) -> str:
    """'Name <email>' with the name quoted or encoded as needed and no way to break out."""
    addr = one_line(email, 254)
    if not re.fullmatch(r"[^@\s<>()\",;:\\\[\]]+@[^@\s<>()\",;:\\\[\]]+", addr) or "=?" in addr:
        raise ValueError(f"not a usable address: {addr!r}")
    return formataddr((display_name(name), addr))


def address(name: str, email: str) -> Address:
    addr = one_line(email, 254)
    if "=?" in addr:
        raise ValueError(f"not a usable address: {addr!r}")
    local, _, domain = addr.partition("@")
    return Address(display_name=display_name(name), username=local, domain=domain)
