"""Render email templates (Jinja2) safely: a sandbox, strict variables, escaped HTML.

Each kind has `KIND.txt` (required; its first line is `Subject: …`) and optionally
`KIND.html`. An admin's template folder is searched first, the packaged one second, so a
partial copy overrides only what it contains. Whatever a participant wrote reaches templates
as plain values: it is shown literally (escaped in HTML), never evaluated as a template.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from mail.headers import one_line

_ITEM = re.compile(r"^(\s*(?:[-*•+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?|\s*)")


def wrap(text: str, width: int = 76) -> str:
    """Wrap long lines (list items with a hanging indent) so text parts stay 7bit-clean and
    readable in every client, whatever the template or the participant wrote."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        lead = _ITEM.match(line)
        prefix = lead.group(1) if lead else ""
        out.append(
            textwrap.fill(
                line,
                width,
                subsequent_indent=" " * len(prefix),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


class TemplateProblem(Exception):
    """A template is missing or broken; the message names the file."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None


class Templates:
    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        loader = ChoiceLoader([FileSystemLoader(str(f)) for f in self.folders])
        self.env = SandboxedEnvironment(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html")),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def revision(self, extra: str = "") -> str:
        """A digest of every template file (and `extra`): changes when an admin edits one."""
        h = hashlib.sha256(extra.encode("utf-8"))
        for folder in self.folders:
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                h.update(str(path.relative_to(folder)).encode("utf-8") + b"\0")
                try:
                    h.update(path.read_bytes())
                except OSError:
                    h.update(b"unreadable")
        return h.hexdigest()

    def render(self, kind: str, context: Mapping[str, Any]) -> Rendered:
        try:
            raw = self.env.get_template(f"{kind}.txt").render(context)
        except TemplateNotFound:
            raise TemplateProblem(
                f"no template {kind}.txt in {', '.join(map(str, self.folders))}"
            ) from None
        except TemplateError as bad:
            raise TemplateProblem(f"{kind}.txt: {bad}") from None
        first, _, body = raw.partition("\n")
        if not first.startswith("Subject:"):
            raise TemplateProblem(f"{kind}.txt must start with a 'Subject: …' line")
        html = None
        try:
            html = self.env.get_template(f"{kind}.html").render(context)
        except TemplateNotFound:
            pass
        except TemplateError as bad:
            raise TemplateProblem(f"{kind}.html: {bad}") from None
        return Rendered(one_line(first[len("Subject:") :]), wrap(body.lstrip("\n")), html)
