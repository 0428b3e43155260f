"""Header values built from data (names, subjects, anything a participant wrote).

No CR or LF may ever reach a header from data: a parsed Subject like
`=?utf-8?q?Hi=0D=0ABcc:_x@evil.example?=` decodes to text with a real line break, and Python
3.11's email package serialises that as a second header line. So every value is flattened to
one line here, and addresses are rebuilt from their parts, never copied whole.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import formataddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def one_line(value: str, limit: int = 200) -> str:
    """`value` as a single header-safe line: control characters become spaces, runs of space
    collapse, and overly long text is cut with an ellipsis."""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def mailbox(name: str, email: str) -> str:
    """'Name <email>' with the name quoted or encoded as needed and no way to break out."""
    addr = one_line(email, 254)
    if not re.fullmatch(r"[^@\s<>()\",;:\\\[\]]+@[^@\s<>()\",;:\\\[\]]+", addr):
        raise ValueError(f"not a usable address: {addr!r}")
    return formataddr((one_line(name, 100), addr))


def address(name: str, email: str) -> Address:
    local, _, domain = one_line(email, 254).partition("@")
    return Address(display_name=one_line(name, 100), username=local, domain=domain)
