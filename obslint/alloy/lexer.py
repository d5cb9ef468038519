"""Tokenizer for Alloy configuration syntax (River).

One compiled regular expression drives the scan; a small loop classifies each match, inserts
the newline terminators the grammar relies on and records lexical errors as diagnostics.

Behaviour follows the Alloy scanner as described in the syntax documentation
(https://grafana.com/docs/alloy/latest/get-started/syntax/) and pinned by the upstream scanner
tests restated in ../shared/oracles/alloy/syntax_cases.yaml:

* a newline (or end of input) becomes a TERMINATOR token only after IDENT, NULL, BOOL, NUMBER,
  FLOAT, STRING, ``)``, ``]`` or ``}``; a comment that runs to the end of the line produces the
  terminator at the comment's start;
* ``//`` and ``/* */`` comments (no nesting, ``#`` is not a comment);
* double-quoted strings with Go escapes (``\\a \\b \\f \\n \\r \\t \\v \\\\ \\"``, three-digit
  octal, ``\\xNN``, ``\\uNNNN``, ``\\UNNNNNNNN``), raw backtick strings spanning lines;
* integers (``NUMBER``) and floats (``FLOAT``: fraction and/or exponent, ``.5`` and ``5.``).

Positions are 0-based character offsets; `LineIndex` turns them into 1-based line and column
(a column counts characters, a tab is one column).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Token kinds are plain strings. Operators and punctuation use their own spelling as kind, which
# is also how they are named in messages ("expected expression, got +").
IDENT, NUMBER, FLOAT, STRING, BOOL, NULL = "IDENT", "NUMBER", "FLOAT", "STRING", "BOOL", "NULL"
TERMINATOR, EOF, ILLEGAL = "TERMINATOR", "EOF", "ILLEGAL"

_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r]+)
    |(?P<nl>\n)
    |(?P<lcomment>//[^\n]*)
    |(?P<bcomment>/\*.*?(?:\*/|\Z))
    |(?P<num>[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]*)?|\.[0-9]+(?:[eE][+-]?[0-9]*)?)
    |(?P<ident>[^\W\d]\w*)
    |(?P<str>"(?:[^"\\\n]|\\[^\n]?)*(?P<sclose>")?)
    |(?P<raw>`[^`]*(?P<rclose>`)?)
    |(?P<sq>'(?:[^'\\\n]|\\[^\n]?)*(?P<qclose>')?)
    |(?P<op>\|\||&&|==|!=|<=|>=|[-+*/%^!=<>{}()\[\],.|&])
    |(?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_TERM_AFTER = frozenset({IDENT, NULL, BOOL, NUMBER, FLOAT, STRING, ")", "]", "}"})
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}
_ESCAPE_DIGITS = {"x": (2, 16, 255), "u": (4, 16, 0x10FFFF), "U": (8, 16, 0x10FFFF)}


@dataclass(frozen=True)
class Diagnostic:
    """A syntax error: message and position (1-based line and column, 0-based offset)."""

    line: int
    col: int
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"


class LineIndex:
    """Offsets -> (line, col), 1-based."""

    __slots__ = ("starts",)

    def __init__(self, text: str):
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))

    def pos(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def describe_char(ch: str) -> str:
    """Go's %#U rendering of a character: U+2026 '…' (the quoted form only when printable)."""
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


def _comment_reaches_line_end(text: str, start: int) -> bool:
    """Whether the comment(s) starting at `start` are followed only by blanks up to a newline."""
    n = len(text)
    i = start
    while i < n and text[i] == "/" and i + 1 < n and text[i + 1] in "/*":
        if text[i + 1] == "/":
            return True
        end = text.find("*/", i + 2)
        if end < 0:
            return True  # unterminated: runs to the end of input
        if "\n" in text[i:end]:
            return True
        i = end + 2
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n or text[i] == "\n":
            return True
    return False


def unquote(lit: str, offset: int = 0, errors: list[tuple[int, str]] | None = None) -> str:
    """The value of a string literal (double-quoted with escapes, or raw backtick).

    Escape errors are appended to `errors` as (offset, message) when given; the value then holds
    the text with the bad escape kept literally.
    """
    if lit.startswith("`"):
        return lit[1:-1] if len(lit) >= 2 and lit.endswith("`") else lit[1:]
    body = lit[1:-1] if len(lit) >= 2 and lit.endswith('"') else lit[1:]
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            j = body.find("\\", i)
            j = n if j < 0 else j
            out.append(body[i:j])
            i = j
            continue
        esc_off = offset + 1 + i + 1  # position of the character after the backslash
        if i + 1 >= n:
            if errors is not None:
                errors.append((esc_off, "escape sequence not terminated"))
            out.append("\\")
            break
        c = body[i + 1]
        if c in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[c])
            i += 2
            continue
        if c in "01234567":
            count, base, top, start = 3, 8, 255, i + 1
        elif c in _ESCAPE_DIGITS:
            (count, base, top), start = _ESCAPE_DIGITS[c], i + 2
        else:
            if errors is not None:
                errors.append((esc_off, "unknown escape sequence"))
            out.append("\\")
            i += 1
            continue
        value, j = 0, start
        bad = False
        while count > 0:
            d = int(body[j], 16) if j < n and body[j] in "0123456789abcdefABCDEF" else 16
            if d >= base:
                if errors is not None:
                    if j >= n:
                        errors.append((esc_off, "escape sequence not terminated"))
                    else:
                        errors.append((esc_off, f"illegal character {describe_char(body[j])} in escape sequence"))
                bad = True
                break
            value = value * base + d
            j += 1
            count -= 1
        if bad:
            out.append(body[i:j])
            i = j
            continue
        if value > top or 0xD800 <= value < 0xE000:
            if errors is not None:
                errors.append((esc_off, "escape sequence is invalid Unicode code point"))
            out.append(body[i:j])
        else:
            out.append(chr(value))
        i = j
    return "".join(out)


def tokenize(text: str) -> tuple[list[tuple[str, str, int]], list[tuple[str, int]], list[tuple[int, str]]]:
    """Scan `text` into (tokens, comments, errors).

    tokens: (kind, literal, offset), ending with EOF. comments: (text, offset).
    errors: (offset, message), in scan order.
    """
    tokens: list[tuple[str, str, int]] = []
    comments: list[tuple[str, int]] = []
    errors: list[tuple[int, str]] = []
    append = tokens.append
    pos = 1 if text.startswith("\ufeff") else 0
    if "\x00" in text or "\ufeff" in text[1:]:
        for m in re.finditer("[\x00\ufeff]", text):
            if m.start() == 0 and m.group() == "\ufeff":
                continue
            errors.append((m.start(), "illegal character NUL" if m.group() == "\x00" else "illegal byte order mark"))
    insert = False
    match = _TOKEN.match
    n = len(text)
    while pos < n:
        m = match(text, pos)
        assert m is not None  # the last alternative matches any character
        kind = m.lastgroup
        start = pos
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "nl":
            if insert:
                append((TERMINATOR, "\n", start))
                insert = False
            continue
        if kind == "ident":
            lit = m.group()
            if lit == "true" or lit == "false":
                append((BOOL, lit, start))
            elif lit == "null":
                append((NULL, lit, start))
            else:
                append((IDENT, lit, start))
            insert = True
        elif kind == "op":
            lit = m.group()
            if lit == "|" or lit == "&":
                errors.append((start + 1, f"missing second {lit} in {lit}{lit}"))
                lit = lit + lit
            append((lit, lit, start))
            insert = lit in ")]}"
        elif kind == "str" or kind == "sclose":
            lit = m.group()
            if m.group("sclose") is None:
                errors.append((start, "string literal not terminated"))
            if "\\" in lit:
                unquote(lit, start, errors)
            append((STRING, lit, start))
            insert = True
        elif kind == "num":
            lit = m.group()
            if "e" in lit or "E" in lit:
                if not lit[-1].isdigit():
                    errors.append((start, "exponent has no digits"))
                append((FLOAT, lit, start))
            else:
                append((FLOAT if "." in lit else NUMBER, lit, start))
            insert = True
        elif kind == "lcomment" or kind == "bcomment":
            lit = m.group()
            if insert and _comment_reaches_line_end(text, start):
                append((TERMINATOR, "\n", start))
            insert = False
            if (kind == "bcomment" and not lit.endswith("*/")) or lit == "/*/":
                errors.append((start, "block comment not terminated"))
            comments.append((lit.replace("\r", ""), start))
        elif kind == "raw" or kind == "rclose":
            lit = m.group()
            if m.group("rclose") is None:
                errors.append((start, "string literal not terminated"))
            append((STRING, lit, start))
            insert = True
        elif kind == "sq" or kind == "qclose":
            lit = m.group()
            errors.append((start, "illegal single-quoted string; use double quotes"))
            if m.group("qclose") is None:
                errors.append((start, "string literal not terminated"))
            append((ILLEGAL, lit, start))
            insert = True
        else:  # bad
            ch = m.group()
            if ch not in "\x00\ufeff":  # those were reported above
                errors.append((start, f"illegal character {describe_char(ch)}"))
            append((ILLEGAL, ch, start))
    if insert:
        append((TERMINATOR, "\n", n))
    append((EOF, "", n))
    return tokens, comments, errors
