"""HTML mail read as text, with a well-kept library (html2text); nothing in it is fetched or run.

Quoting survives the conversion as `>` lines (blockquote), so the plain-text rules in
`mail.quotes` apply to HTML-only replies unchanged: inline answers between quoted headings,
attribution lines, Outlook header blocks. What the reader sees is kept: link text (not the
URL behind it), no images, no emphasis markers.
"""

from __future__ import annotations

import re

import html2text

_DROP = re.compile(
    r"<(script|style|head|title|template|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ESCAPED = re.compile(r"\\([-*+#\[\]().!_`>|{}])")


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, quoted parts as `>` lines."""
    cleaned = _COMMENT.sub("", _DROP.sub("", html))
    h = html2text.HTML2Text()
    h.body_width = 0  # never wrap: wrapping would split items
    h.ignore_images = True
    h.ignore_links = True  # keep the link text the reader saw, drop the URL behind it
    h.ignore_emphasis = True
    h.ignore_tables = False
    h.unicode_snob = True
    h.mark_code = True
    text = h.handle(cleaned)
    text = text.replace("[code]", "```").replace("[/code]", "```")
    # html2text escapes Markdown characters a person typed ("\\- item"); undo that, and drop the
    # two trailing spaces it uses to mark <br>
    text = _ESCAPED.sub(r"\1", text)
    return "\n".join(line.rstrip() for line in text.splitlines())
