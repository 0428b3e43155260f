"""Headers the stdlib parser chokes on (quadratic in time and memory) are refused before it
sees them, with a reason a human reads in the review folder."""

from __future__ import annotations

import time

import pytest

from mail.classify import parse_message


def message(headers: str, body: str = "body\r\n") -> bytes:
    return (
        "From: Ana <ana@example.org>\r\nTo: checkins@example.org\r\nMessage-ID: <m@x>\r\n"
        f"{headers}\r\n{body}"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        # 1 MB of encoded words in one Subject: once minutes and gigabytes of memory
        ("Subject: " + " ".join(["=?utf-8?q?abc?="] * 65000) + "\r\n", "header section too large"),
        # 64 KB folded over thousands of lines
        (
            "Subject: " + "\r\n ".join(["=?utf-8?q?ab?="] * 4000) + "\r\n",
            "header Subject too large",
        ),
        # a modest field packed with encoded words
        ("Subject: " + " ".join(["=?utf-8?q?a?="] * 600) + "\r\n", "too many encoded words"),
        (
            "Cc: " + ", ".join(f'"N{i}" <a{i}@example.org>' for i in range(8000)) + "\r\n",
            "header Cc too large",
        ),
        ("".join(f"X-H{i}: v\r\n" for i in range(5000)), "too many header fields"),
    ],
)
def test_oversized_headers_are_refused_quickly_with_a_reason(headers: str, reason: str) -> None:
    started = time.perf_counter()
    parsed = parse_message(message(headers))
    assert time.perf_counter() - started < 2
    assert parsed.kind == "unknown" and reason in parsed.reason
    assert parsed.message_id == "<m@x>"  # still identifiable in the review folder


def test_ordinary_long_headers_are_still_read() -> None:
    refs = " ".join(f"<thread.{i}@mail.example.org>" for i in range(150))  # a long thread
    subject = "Re: " + " ".join(["=?utf-8?b?5pel5pys6Kqe?="] * 20)  # a long Japanese subject
    parsed = parse_message(
        message(
            f"Subject: {subject}\r\nReferences: {refs}\r\n",
            "## What I Accomplished\r\n- shipped it\r\n",
        )
    )
    assert parsed.kind == "checkin" and parsed.checkin is not None
    assert parsed.checkin["accomplished"] == ["shipped it"]
    assert len(parsed.references) == 150
