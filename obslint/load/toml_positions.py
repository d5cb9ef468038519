"""Where the tables, keys, values and array items of a TOML text stand.

tomllib returns plain values without positions, so this locator scans the text once more and
maps each path (keys and array indices from the top table, as tomllib nests them) to the
position of its key and of its value. It runs only on text tomllib has accepted, so it follows
the grammar loosely (https://toml.io/en/v1.0.0); a path it cannot place is left out, and callers
fall back to the enclosing table, never to another line.

- `[a.b]`: (a, b) at the `[` of the header, its key at `b`; (a,) at `a` unless defined itself.
- `[[a.b]]`: (a, b) at its first header, (a, b, i) at the i-th header.
- `k = v`, `k.m = v`, `{k = v}`, `[v, v]`: the key, and the first character of the value.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from obslint.load.source import _LINE_BREAK

Path = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line, column

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BLANK = " \t"
# Possessive quantifiers: a text tomllib accepted matches at once, and no text makes them backtrack.
# Multi-line strings may end with up to two quotes of content before the closing three.
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"{1,2}+(?!"))*+"{3,5}+'
    r"|'''(?:[^']|'{1,2}+(?!'))*+'{3,5}+"
    r'|"(?P<basic>(?:[^"\\\r\n]|\\.)*+)"'
    r"|'(?P<literal>[^'\r\n]*+)'",
    re.S,
)
_SCALAR = re.compile(r"[^,\]}#\r\n]*")  # number, boolean, date-time (which may hold a blank)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Placed:
    """The position of one path: its key (or header part) and its value (or table header)."""

    key: Pos
    value: Pos
    style: str = ""  # '"' basic string, "'" literal string, '' anything else


@dataclass
class Positions:
    by_path: dict[Path, Placed] = field(default_factory=dict)
    _explicit: set[Path] = field(default_factory=set)

    def place(self, path: Path, placed: Placed, explicit: bool) -> None:
        """Record `path`; a path only implied (`a` of `[a.b]`) gives way to where it is defined."""
        if path not in self.by_path or (explicit and path not in self._explicit):
            self.by_path[path] = placed
            if explicit:
                self._explicit.add(path)


class _Unlocatable(Exception):
    """The text is not laid out as the locator expects: the positions found so far are kept."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        self.out = Positions()
        self.aot: dict[Path, int] = {}  # array of tables -> how many headers so far

    # --- positions -------------------------------------------------------------------
    def pos(self, offset: int) -> Pos:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    # --- lexing ----------------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def skip_blank(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in _BLANK:
            self.i += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.i)
            self.i = len(self.text) if end < 0 else end

    def skip_space(self) -> None:
        """Blanks, comments and line breaks (inside arrays)."""
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif c == "#":
                self.skip_comment()
            else:
                return

    def string(self) -> str:
        """Read the string at `i` and return its value (escapes decoded; a multi-line string is
        only skipped, no key being one)."""
        m = _STRING.match(self.text, self.i)
        if m is None:
            raise _Unlocatable
        self.i = m.end()
        if m["basic"] is not None:
            return _unescape(m["basic"])
        return m["literal"] if m["literal"] is not None else ""

    def key(self) -> list[tuple[str, int]]:
        """A dotted key: each part with the offset where it starts."""
        parts: list[tuple[str, int]] = []
        while True:
            self.skip_blank()
            start = self.i
            c = self.peek()
            if c in ('"', "'"):
                parts.append((self.string(), start))
            else:
                m = _BARE_KEY.match(self.text, self.i)
                if m is None:
                    raise _Unlocatable
                parts.append((m.group(), start))
                self.i = m.end()
            self.skip_blank()
            if self.peek() != ".":
                return parts
            self.i += 1

    # --- grammar ---------------------------------------------------------------------
    def document(self) -> Positions:
        table: Path = ()
        try:
            while True:
                self.skip_space()
                if self.i >= len(self.text):
                    break
                if self.peek() == "[":
                    table = self.header()
                else:
                    self.key_value(table)
                self.skip_blank()
                self.skip_comment()
        except (_Unlocatable, IndexError):
            pass  # keep what was placed before the part the locator could not follow
        return self.out

    def header(self) -> Path:
        start = self.i
        array = self.peek(2) == "[["
        self.i += 2 if array else 1
        parts = self.key()
        self.i += 2 if array else 1
        path: Path = ()
        for n, (name, offset) in enumerate(parts):
            path = (*path, name)
            last = n == len(parts) - 1
            placed = Placed(self.pos(offset), self.pos(start) if last else self.pos(offset))
            self.out.place(path, placed, explicit=last and not array)
            if path in self.aot and not last:
                path = (*path, self.aot[path] - 1)  # a table below the latest element
        if array:
            count = self.aot.get(path, 0)
            self.aot[path] = count + 1
            path = (*path, count)
            self.out.place(path, Placed(self.pos(start), self.pos(start)), explicit=True)
        return path

    def key_value(self, table: Path) -> None:
        parts = self.key()
        if self.peek() != "=":
            raise _Unlocatable
        self.i += 1
        self.skip_blank()
        path = table
        for n, (name, offset) in enumerate(parts):
            path = (*path, name)
            if n < len(parts) - 1:
                self.out.place(path, Placed(self.pos(offset), self.pos(offset)), explicit=False)
        self.value(path, self.pos(parts[-1][1]))

    def value(self, path: Path, key: Pos) -> None:
        at = self.pos(self.i)
        c = self.peek()
        style = c if c in ('"', "'") and self.peek(3) not in ('"""', "'''") else ""
        self.out.place(path, Placed(key, at, style), explicit=True)
        if c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        elif c in ('"', "'"):
            self.string()
        else:
            m = _SCALAR.match(self.text, self.i)
            self.i = m.end() if m else self.i

    def array(self, path: Path) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip_space()
            if self.peek() == "]":
                self.i += 1
                return
            here = self.pos(self.i)
            self.value((*path, index), here)
            self.skip_space()
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != "]":
                raise _Unlocatable
            index += 1

    def inline_table(self, path: Path) -> None:
        self.i += 1
        while True:
            self.skip_space()
            if self.peek() == "}":
                self.i += 1
                return
            self.key_value(path)
            self.skip_space()
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != "}":
                raise _Unlocatable


def _unescape(raw: str) -> str:
    """The value of a basic string's body (TOML escapes: \\b \\t \\n \\f \\r \\" \\\\ \\uXXXX \\UXXXXXXXX)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = raw[i + 1 : i + 2]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e in ("u", "U"):
            width = 4 if e == "u" else 8
            try:
                out.append(chr(int(raw[i + 2 : i + 2 + width], 16)))
            except ValueError as exc:
                raise _Unlocatable from exc
            i += 2 + width
        else:
            raise _Unlocatable
    return "".join(out)


def locate(text: str) -> Positions:
    """The positions of every path of a TOML text tomllib accepts (see the module docstring)."""
    return _Scanner(text).document()
