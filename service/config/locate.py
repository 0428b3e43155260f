"""Line numbers for TOML key paths, so every config error can say FILE:LINE.

tomllib parses but forgets positions. This scanner walks the (already valid) TOML text once
and records the line of every key path it meets: table headers, array-of-table entries
(`people[3]`), dotted keys, inline tables and arrays of inline tables, e.g.
`people[1].away[0].from`. It skips strings correctly, so '#', '=' or '[' inside values do
not confuse it. A path it does not know falls back to its nearest known parent.
"""

from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    # -- low level -------------------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def advance(self, n: int = 1) -> None:
        chunk = self.text[self.pos : self.pos + n]
        self.line += chunk.count("\n")
        self.pos += n

    def skip_ws(self, newlines: bool = False) -> None:
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while self.pos < len(self.text) and self.text[self.pos] != "\n":
                    self.advance()
            else:
                break

    def skip_string(self) -> str:
        quote = self.peek()
        triple = self.peek(3) == quote * 3
        if triple:
            self.advance(3)
            end = self.text.find(quote * 3, self.pos)
            while end != -1 and quote == '"' and self._escaped(end):
                end = self.text.find(quote * 3, end + 1)
            end = len(self.text) if end == -1 else end
            value = self.text[self.pos : end]
            self.advance(end - self.pos + 3)
            while self.peek() == quote:  # up to two extra quotes belong to the string
                self.advance()
            return value
        self.advance()
        start = self.pos
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "\\" and quote == '"':
                self.advance(2)
                continue
            if c == quote or c == "\n":
                break
            self.advance()
        value = self.text[start : self.pos]
        self.advance()
        return value

    def _escaped(self, i: int) -> bool:
        n = 0
        while i - 1 - n >= 0 and self.text[i - 1 - n] == "\\":
            n += 1
        return n % 2 == 1

    # -- keys and values -------------------------------------------------------------------
    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws()
            if self.peek() in ('"', "'"):
                parts.append(self.skip_string())
            else:
                m = _BARE.match(self.text, self.pos)
                if not m:
                    break
                parts.append(m.group(0))
                self.advance(len(m.group(0)))
            self.skip_ws()
            if self.peek() == ".":
                self.advance()
                continue
            break
        return parts

    def value(self, path: str) -> None:
        self.skip_ws()
        c = self.peek()
        if c in ('"', "'"):
            self.skip_string()
        elif c == "[":
            self.advance()
            i = 0
            while True:
                self.skip_ws(newlines=True)
                if self.peek() in ("]", ""):
                    self.advance()
                    return
                item = f"{path}[{i}]"
                self.lines.setdefault(item, self.line)
                self.value(item)
                i += 1
                self.skip_ws(newlines=True)
                if self.peek() == ",":
                    self.advance()
        elif c == "{":
            self.advance()
            while True:
                self.skip_ws()
                if self.peek() in ("}", ""):
                    self.advance()
                    return
                sub = self.join(path, self.key())
                self.lines.setdefault(sub, self.line)
                self.skip_ws()
                if self.peek() == "=":
                    self.advance()
                self.value(sub)
                self.skip_ws()
                if self.peek() == ",":
                    self.advance()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\n#":
                self.advance()

    @staticmethod
    def join(prefix: str, parts: list[str]) -> str:
        return ".".join([prefix, *parts]) if prefix else ".".join(parts)

    # -- document --------------------------------------------------------------------------
    def scan(self) -> dict[str, int]:
        table = ""
        while True:
            self.skip_ws(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            if self.peek(2) == "[[":
                self.advance(2)
                name = ".".join(self.key())
                i = self.counts.get(name, 0)
                self.counts[name] = i + 1
                table = self._resolve(name) + f"[{i}]"
                self.lines.setdefault(table, self.line)
                self.lines.setdefault(self._resolve(name), self.line)
                self.advance(2)
            elif self.peek() == "[":
                self.advance()
                table = self._resolve(".".join(self.key()))
                self.lines.setdefault(table, self.line)
                self.advance()
            else:
                path = self.join(table, self.key())
                self.lines.setdefault(path, self.line)
                self.skip_ws()
                if self.peek() == "=":
                    self.advance()
                self.value(path)

    def _resolve(self, name: str) -> str:
        """`[people.extra]` after `[[people]]` refers to the latest people entry."""
        parts = name.split(".")
        out: list[str] = []
        for part in parts:
            prefix = ".".join([*out, part]) if out else part
            out.append(part)
            n = self.counts.get(prefix)
            if n and prefix != name:
                out[-1] = f"{part}[{n - 1}]"
        return ".".join(out)


def key_lines(text: str) -> dict[str, int]:
    """Map every key path in `text` to the line it is written on (1-based)."""
    try:
        return _Scanner(text).scan()
    except (IndexError, ValueError):  # never let position-finding hide the real error
        return {}


def line_of(lines: dict[str, int], path: str) -> int:
    """The line of `path`, or of its nearest written parent; 1 if none is known."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return 1
