"""A check-in reply's sections, items and goals (SPEC §4 `checkin` object).

Headings are matched loosely: case, `##`, `**`, a trailing colon, close wording ("Goals for
next week", "Struggles", "Feedback for my mentor"), small typos. Items are list entries
(`-`, `*`, `•`, `+`, `1.`, `1)`) or, where a section has no list, its blank-line-separated
paragraphs; wrapped lines are joined, markers and checkboxes stripped, whitespace collapsed; a
fenced code block stays inside its item. `- [ ]` / `- [x]` items also become goals. Text under
no heading is `free_text`. Input is what `mail.quotes.visible` kept, quoted headings included.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mail.quotes import Line, QuotedHeading

SECTIONS = ("accomplished", "struggled", "questions", "next_goals", "mentor_feedback")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "accomplished": (
        "what i accomplished",
        "accomplished",
        "accomplishments",
        "what i did",
        "what i have done",
        "what ive done",
        "what i achieved",
        "achievements",
        "what went well",
        "what i got done",
    ),
    "struggled": (
        "what i struggled with",
        "struggled with",
        "struggled",
        "struggles",
        "struggling",
        "challenges",
        "blockers",
        "difficulties",
        "what was hard",
        "what i found hard",
        "obstacles",
        "where i got stuck",
    ),
    "questions": (
        "questions i have",
        "questions",
        "open questions",
        "my questions",
        "questions for my mentor",
        "questions for mentor",
    ),
    "next_goals": (
        "next weeks goals",
        "next week goals",
        "goals for next week",
        "next goals",
        "goals",
        "plans for next week",
        "plan for next week",
        "next steps",
        "my goals",
        "goals for the next week",
        "next weeks plan",
        "goals next week",
    ),
    "mentor_feedback": (
        "feedback for mentor",
        "feedback for my mentor",
        "feedback to my mentor",
        "feedback to mentor",
        "mentor feedback",
        "feedback",
        "feedback for you",
        "feedback for the mentor",
    ),
}
TRANSLATED: dict[str, tuple[str, ...]] = {  # mentees who translate the headings
    "accomplished": (
        "was ich erreicht habe",
        "erreicht",
        "erledigt",
        "ce que jai accompli",
        "réalisations",
        "lo que logré",
        "logros",
        "o que realizei",
        "conquistas",
        "cosa ho realizzato",
        "risultati",
    ),
    "struggled": (
        "schwierigkeiten",
        "womit ich zu kämpfen hatte",
        "difficultés",
        "dificultades",
        "dificuldades",
        "difficoltà",
    ),
    "questions": ("fragen", "meine fragen", "mes questions", "preguntas", "perguntas", "domande"),
    "next_goals": (
        "ziele für nächste woche",
        "ziele",
        "objectifs pour la semaine prochaine",
        "objectifs",
        "objetivos para la próxima semana",
        "objetivos",
        "metas para a próxima semana",
        "metas",
        "obiettivi per la prossima settimana",
        "obiettivi",
    ),
    "mentor_feedback": (
        "feedback für meinen mentor",
        "feedback für den mentor",
        "retour pour mon mentor",
        "commentaires pour mon mentor",
        "comentarios para mi mentor",
        "feedback para o mentor",
        "feedback per il mentor",
    ),
}
_LOOKUP = {
    syn: key for table in (SYNONYMS, TRANSLATED) for key, syns in table.items() for syn in syns
}
_BY_LENGTH: dict[int, list[str]] = {}
for _key in _LOOKUP:
    _BY_LENGTH.setdefault(len(_key), []).append(_key)
PLACEHOLDERS = {"(your goal)", "your goal", "…", "..."}

_ITEM = re.compile(r"^\s*(?:[-*•+▪◦‣]|\d{1,3}[.)])\s+(.*)$")
_CHECKBOX = re.compile(r"^\[( |x|X|✓|✔)\]\s*(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _norm(text: str) -> str:
    t = text.strip().replace("’", "'").replace("‘", "'")
    t = re.sub(r"^#{1,6}\s*", "", t)
    t = t.strip("*_ \t")
    t = re.sub(r"^#{1,6}\s*", "", t)  # "**## Heading**" or "## **Heading**"
    t = t.strip("*_ \t").rstrip(":：").strip("*_ \t")
    t = t.lower().replace("'", "")
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _near(key: str, cutoff: float) -> str | None:
    """The closest known heading to `key` at `cutoff` (difflib's ratio), trying only the
    headings whose length allows that ratio: a long reply has thousands of lines, and testing
    each against every heading was most of its parse time."""
    size = len(key)
    low, high = size * cutoff / (2 - cutoff), size * (2 - cutoff) / cutoff
    pool = [k for n, keys in _BY_LENGTH.items() if low <= n <= high for k in keys]
    close = difflib.get_close_matches(key, pool, n=1, cutoff=cutoff)
    return close[0] if close else None


@functools.lru_cache(maxsize=4096)
def heading_of(line: str) -> tuple[str, str] | None:
    """(section, text after the heading on the same line) if `line` is a check-in heading."""
    raw = line.strip()
    if not raw or len(raw) > 200:
        return None
    numbered = re.match(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+(.*)$", raw)
    if numbered:  # "1. What I Accomplished" is a heading; "- fixed a bug" is an item
        key = _norm(numbered.group(1))
        return (
            (_LOOKUP[key], "")
            if key in _LOOKUP and not numbered.group(1).rstrip().endswith(".")
            else None
        )
    title, rest = raw, ""
    m = re.match(r"^(.{1,60}?)\s*[:：]\s*(\S.*)$", raw)
    if m and not raw.startswith(("http", "```")):
        title, rest = m.group(1), m.group(2)
        if not rest.strip("*_ \t"):  # "**Accomplished:**": only the closing markup follows
            rest = ""
    key = _norm(title)
    if not key or len(key) > 45 or len(key.split()) > 7:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key], rest.strip()
    marked = (
        raw.startswith("#")
        or raw.startswith("**")
        or title.rstrip().endswith((":", "："))
        or bool(rest)
    )
    if re.search(r"[.!?,;]", title.strip("*#_ ").rstrip(":：")):
        return None
    close = _near(key, 0.86 if marked else 0.92)
    return (_LOOKUP[close], rest.strip()) if close else None


def is_heading(line: str) -> bool:
    return heading_of(line) is not None


@dataclass
class _Section:
    lines: list[str] = field(default_factory=list)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _items(lines: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Items of one section (list entries or paragraphs) and the checkbox goals among them."""
    items: list[str] = []
    goals: list[dict[str, Any]] = []
    current: list[str] | None = None  # the item being built (text pieces)
    code: list[str] | None = None
    current_goal: dict[str, Any] | None = None
    has_list = any(_ITEM.match(x) for x in lines if not _FENCE.match(x))
    para: list[str] = []

    def flush_item() -> None:
        nonlocal current, current_goal
        if current is not None:
            text = _join(current)
            if text and text.lower() not in PLACEHOLDERS:
                items.append(text)
                if current_goal is not None:
                    current_goal["text"] = text
                    goals.append(current_goal)
        current, current_goal = None, None

    def flush_para() -> None:
        nonlocal para
        if para:
            text = _join(para)
            if text and text.lower() not in PLACEHOLDERS:
                items.append(text)
            para = []

    for line in lines:
        if code is not None:
            code.append(line)
            if _FENCE.match(line):
                block = "\n".join(_dedent(code))
                target = current if current is not None else para
                target.append("\x00" + block)
                code = None
            continue
        if _FENCE.match(line):
            code = [line]
            continue
        m = _ITEM.match(line)
        if m:
            flush_para()
            flush_item()
            body = m.group(1)
            box = _CHECKBOX.match(body)
            if box:
                current_goal = {"text": "", "done": box.group(1) != " "}
                body = box.group(2)
            current = [body]
            continue
        if not line.strip():
            if current is not None and has_list:
                flush_item()
            else:
                flush_para()
            continue
        if current is not None:
            current.append(line)
        else:
            para.append(line)
    if code is not None:  # an unclosed fence: keep what was written
        (current if current is not None else para).append("\x00" + "\n".join(_dedent(code)))
    flush_item()
    flush_para()
    return items, goals


def _dedent(lines: list[str]) -> list[str]:
    pad = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return [x[pad:] for x in lines]


def _join(pieces: list[str]) -> str:
    """Wrapped lines joined with spaces; a code block (marked \\x00) kept with its newlines."""
    out: list[str] = []
    for p in pieces:
        if p.startswith("\x00"):
            out.append("\n" + p[1:] + "\n")
        else:
            out.append(_clean(p))
    text = " ".join(x for x in out if x)
    return re.sub(r" ?\n ?", "\n", text).strip()


def extract_checkin(lines: Sequence[Line]) -> dict[str, Any]:
    """The SPEC §4 check-in object from the sender's lines."""
    sections: dict[str, _Section] = {k: _Section() for k in SECTIONS}
    free: list[str] = []
    current: str | None = None
    for line in lines:
        if isinstance(line, QuotedHeading):
            found = heading_of(line.text)
            current = found[0] if found else current
            continue
        found = heading_of(line)
        if found:
            current = found[0]
            if found[1]:
                sections[current].lines.append(found[1])
            continue
        if current is None:
            free.append(line)
        else:
            sections[current].lines.append(line)
    out: dict[str, Any] = {}
    goals: list[dict[str, Any]] = []
    for key in SECTIONS:
        items, section_goals = _items(sections[key].lines)
        out[key] = items
        goals += section_goals
    out["goals"] = goals
    paragraphs, para = [], []
    for line in [*free, ""]:
        if line.strip():
            para.append(line)
        elif para:
            paragraphs.append(_clean(" ".join(para)))
            para = []
    out["free_text"] = "\n\n".join(p for p in paragraphs if p)
    return out


# A meeting recap's headings (templates/recap_prompt.txt and the wordings people use).
RECAP_HEADINGS: dict[str, tuple[str, ...]] = {
    "happened": ("Did it happen?", "Did it happen", "Happened", "Did the meeting happen?"),
    "came": ("Who came", "Attended", "Attendance", "Who attended", "Present"),
    "actions": ("Action items", "Actions", "Next steps", "To do", "Todo"),
    "notes": ("Notes", "Summary", "Minutes"),
}
_RECAP_WORDS = {_norm(w) for words in RECAP_HEADINGS.values() for w in words}


def is_reply_heading(line: str) -> bool:
    """A heading of any prompt we send (check-in or recap): someone answering inline under a
    quoted heading keeps it, so their answer lands in the right section."""
    raw = line.strip()
    return is_heading(raw) or (len(raw) <= 80 and _norm(raw.rstrip(":")) in _RECAP_WORDS)


def extract_sections(
    text: str, headings: Mapping[str, Sequence[str]]
) -> tuple[list[str], dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    """Lines before any heading, and the items (and checkbox items) under each of `headings`
    (key → accepted wordings, matched loosely: case, ##, **, a colon, punctuation)."""
    wanted = {_norm(w): key for key, words in headings.items() for w in words}
    lead: list[str] = []
    lines: dict[str, list[str]] = {key: [] for key in headings}
    current: str | None = None
    for line in text.splitlines():
        raw = line.strip()
        key = None
        if raw and len(raw) <= 80:
            title, _, rest = raw.partition(":") if ":" in raw[:60] else (raw, "", "")
            key = wanted.get(_norm(title))
            if key is not None:
                current = key
                if rest.strip().strip("*_ "):
                    lines[key].append(rest.strip().strip("*_ "))
                continue
        if current is None:
            lead.append(line)
        else:
            lines[current].append(line)
    items: dict[str, list[str]] = {}
    boxes: dict[str, list[dict[str, Any]]] = {}
    for key, body in lines.items():
        items[key], boxes[key] = _items(body)
    return lead, items, boxes
