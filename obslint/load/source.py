"""Sources of text and how their positions map back to a file of the checked tree.

A `SourceFile` is a file on disk. An `EmbeddedSource` is text held inside another source
(a River config in a YAML block scalar, an alertmanager.yaml inside a Secret's stringData):
positions in it are translated to the enclosing file, so a finding inside an embedded config
points at the right line of the YAML file.
"""

from __future__ import annotations

import base64
import binascii
import re
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc

if TYPE_CHECKING:
    from obslint.load.yamlfile import YMap, YSeq


# The line boundaries of str.splitlines, so that line_text(n) == lines[n - 1].
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class Source:
    """Anything with text whose (line, col) positions can be turned into a `Loc`."""

    text: str

    def loc(self, line: int, col: int = 1) -> Loc:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def lines(self) -> list[str]:
        """Every line (str.splitlines). Costs a string object per line: prefer `line_text`."""
        cached = self.__dict__.get("_lines")
        if cached is None:
            cached = self.text.splitlines()
            self.__dict__["_lines"] = cached
        return cached

    def line_text(self, line: int) -> str | None:
        """Line `line` (1-based, the lines of str.splitlines), or None past the end. Only the
        offsets of the line starts are kept (an excerpt for every finding of a 20,000-line rule
        file would otherwise keep 20,000 strings per file)."""
        starts = self.__dict__.get("_starts")
        text = self.text
        if starts is None:
            starts = array("L", [0])
            starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
            if starts[-1] == len(text) and len(starts) > 1:
                starts.pop()  # a final line break does not start a line
            self.__dict__["_starts"] = starts
        if not 0 < line <= len(starts) or not text:
            return None
        start = starts[line - 1]
        m = _LINE_BREAK.search(text, start)
        return text[start : m.start() if m else len(text)]


@dataclass(eq=False)
class SourceFile(Source):
    """One file of the checked tree, read once per run."""

    path: str  # absolute path on disk
    rel: str  # path relative to the checked root, with forward slashes
    kind: str  # "yaml", "alloy", "toml" or "other"
    size: int = 0
    text: str = ""
    documents: list[Document] = field(default_factory=list)
    sops: bool = False  # the file as a whole is SOPS-encrypted (any format)
    # Problems met while reading (rule name, line, col, message); turned into findings by core rules.
    problems: list[tuple[str, int, int, str]] = field(default_factory=list)

    def loc(self, line: int, col: int = 1) -> Loc:
        return Loc(self.rel, max(line, 1), max(col, 1))

    def __repr__(self) -> str:
        return f"SourceFile({self.rel!r})"


@dataclass(eq=False)
class EmbeddedSource(Source):
    """Text embedded in a parent source, starting at (line, col) of the parent.

    `line_offset` is added to every inner line; inner line 1 gets `first_col_offset`, the
    others `col_offset` (a block scalar's indentation).
    """

    parent: Source
    text: str
    line_offset: int
    col_offset: int
    first_col_offset: int
    anchor: tuple[int, int] = (1, 1)  # where the value starts in the parent
    exact: bool = True  # False when folding or escapes make inner positions approximate
    name: str = ""

    def loc(self, line: int, col: int = 1) -> Loc:
        if not self.exact:
            return self.parent.loc(*self.anchor)
        if line <= 1:
            return self.parent.loc(self.line_offset + 1, self.first_col_offset + col)
        return self.parent.loc(self.line_offset + line, self.col_offset + col)

    @property
    def file(self) -> SourceFile:
        p = self.parent
        while isinstance(p, EmbeddedSource):
            p = p.parent
        assert isinstance(p, SourceFile)
        return p

    @classmethod
    def from_value(cls, container: YMap | YSeq, key: Any, name: str = "") -> EmbeddedSource | None:
        """The string value at `container[key]` as a source whose positions map into the file."""
        value = container[key]
        if not isinstance(value, str):
            return None
        vline, vcol, style = container.value_pos(key)
        parent = container.src_of(key)
        if style in ("|", ">"):
            # Content starts on the line after the indicator; its indentation is that of the
            # first non-blank content line.
            indent = 0
            n = vline + 1
            while (raw := parent.line_text(n)) is not None:
                if raw.strip():
                    indent = len(raw) - len(raw.lstrip(" "))
                    break
                n += 1
            return cls(parent, value, vline, indent, indent, (vline, vcol), style == "|", name)
        quote = 1 if style in ("'", '"') else 0
        exact = "\n" not in value and not (style == '"' and "\\" in _raw_line(parent, vline))
        return cls(parent, value, vline - 1, vcol - 1 + quote, vcol - 1 + quote, (vline, vcol), exact, name)

    @classmethod
    def decoded(cls, container: YMap | YSeq, key: Any, name: str = "") -> EmbeddedSource | None:
        """The base64 value at `container[key]` decoded (a Secret's `data`), as a source whose every
        position is the value's; None when it is not base64 of UTF-8 text."""
        value = container[key]
        if not isinstance(value, str):
            return None
        try:
            text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        vline, vcol, _ = container.value_pos(key)
        return cls(container.src_of(key), text, 0, 0, 0, (vline, vcol), False, name)


def _raw_line(src: Source, line: int) -> str:
    return src.line_text(line) or ""


@dataclass(eq=False)
class Document:
    """One YAML document of a file."""

    file: SourceFile
    index: int  # 0-based position in the file
    data: Any  # YMap / YSeq / scalar
    line: int
    col: int
    sops: bool = False  # carries a top-level `sops:` metadata block
