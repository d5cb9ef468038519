r"""Go regular expressions (RE2 syntax, Go's regexp package) matched with RE2 (google-re2).

Three families read Go regexps, all from the checked (untrusted) repository: Alertmanager
matchers (obslint.routing: Alertmanager compiles `^(?:re)$`, so the whole value must match),
`.sops.yaml` creation rules (obslint.model.sops: sops calls MatchString, a search) and kustomize
patch targets (obslint.kustomize.target, `^(?:re)$` too). All use `compile_go(pattern,
anchored=...)`, whose result matches with RE2: the C++ engine Go's regexp was modelled on, with
the same leftmost-first semantics and time linear in the text, so no pattern can make matching
backtrack (`(a|a)*b` on forty `a`s answers at once, as in Go).

RE2 and Go's regexp differ in details, so the pattern is not handed to RE2 as written. It is
parsed the way Go's regexp/syntax parser does with the Perl flags that regexp.Compile uses
(src/regexp/syntax/parse.go; syntax: https://pkg.go.dev/regexp/syntax and
https://github.com/google/re2/wiki/Syntax), which gives Go's verdict and Go's error text, and
each construct is written out in a small RE2 subset whose meaning is the same in both:

* flags `i`, `m`, `s`, `U` as `(?flags)` (for the rest of the current group, across `|`: Go
  restores the flags only at the group's `)`) and `(?flags:re)`, with `-` to clear. The
  translator tracks the flags itself and writes each atom for the flags in force: `.` is
  `[^\n]` or `(?s:.)`, `^`/`$` are `\A`/`\z` or `(?m:^)`/`(?m:$)`, `U` swaps greedy and lazy
  repetition, `i` wraps the atom in `(?i:...)` (RE2 folds as Go does: simple case folding
  orbits, a negated class item folded before it is negated);
* `^ $ \A \z \b \B` (`\b` is ASCII in both);
* Perl classes `\d \s \w` and negations (ASCII only; `\s` is [\t\n\f\r ], no `\v`), POSIX
  classes `[[:alpha:]]` and `[[:^alpha:]]`, Unicode general categories `\pL`, `\p{Lu}`,
  `\PN`, `\p{^Lu}` negation and `\p{Any}`: RE2 has the same names and class grammar;
* escapes: `\a \f \t \n \r \v`, octal `\0`, `\123`, hex `\x41`, `\x{10FFFF}`, any escaped
  ASCII punctuation (`\_` too), `\Q...\E` (each character a literal, so `\Qab\E*` repeats `b`):
  every literal is written as itself or `\x{...}`, so the RE2 text is ASCII;
* repetition `* + ? {n} {n,} {n,m}` and lazy forms; Go's limits: a count above 1000, or
  nested counts whose product exceeds 1000 (`(a{100}){20}`), are invalid. A repetition of a
  variable repetition (`(a+)+`) is evaluated like any other: RE2 does not backtrack;
* groups `(re)`, `(?:re)`, named `(?P<name>re)` and `(?<name>re)` (the latter since Go 1.22:
  golang/go#58458; amtool 0.25, built with Go 1.19, refuses it, current Alertmanager and sops
  accept it). Only whether and where a match is matters, so every group is `(?:re)`.

Go-only or RE2-only syntax is settled here: `\C` (any byte) is RE2's and invalid in Go; a
pattern that is not UTF-8 is invalid in Go. The text is read as Go reads it: a byte that is
not UTF-8 is one U+FFFD rune (see `_as_go_reads`).

Two errors, both GoRegexError:

* InvalidGoRegex: Go refuses the pattern (message in Go's words): Python-only syntax such as
  lookarounds, backreferences, `\Z`, possessive `a*+`, atomic or comment groups included;
* UnsupportedGoRegex: valid Go that this module cannot evaluate the same way. Callers must
  decline (treat the answer as unknown and say so), never guess. Declined: Unicode scripts
  and other `\p` names (`\p{Greek}`, `\pC`, `\p{Letter}`: their sets or their very validity
  depend on the Go version), groups nested more than 100 deep (Go limits the tree's height,
  which is not computed here), patterns near Go's size limit, and patterns RE2 cannot compile
  within its memory budget (re2.h max_mem, 1 MiB here: `\pL{1000}`, `[a-z\pL]{100}`), and large ones once
  the run's budget of RE2 instructions is spent. Without google-re2 installed,
  every pattern is declined: a backtracking engine is never used on untrusted patterns.

Known residual differences: Unicode tables (categories, case folding) are RE2's, whose Unicode
version may differ from the one of the Go release that built Alertmanager or sops.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

try:
    import re2  # google-re2: RE2, the linear-time engine Go's regexp is modelled on
except ImportError:  # pragma: no cover - a hard dependency; without it patterns are declined
    re2 = None

__all__ = [
    "GoRegexError",
    "GoRegexp",
    "InvalidGoRegex",
    "UnsupportedGoRegex",
    "compile_go",
    "translate",
]

MAX_REPEAT = 1000  # parse.go maxRepeat: largest count, and largest product of nested counts
MAX_SIZE = (128 << 20) // 40  # parse.go maxSize: compiled program size Go accepts (Insts)
MAX_DEPTH = 100  # ours: deeper nesting is declined (Go limits the tree's height to 1000, not computed here)
MAX_RUNE = 0x10FFFF


class GoRegexError(ValueError):
    """The pattern cannot be evaluated; `invalid` tells whether Go itself refuses it."""

    invalid: bool = True


class InvalidGoRegex(GoRegexError):
    """Go's regexp.Compile refuses the pattern. str() is Go's error text."""

    invalid = True

    def __init__(self, code: str, expr: str):
        super().__init__(f"error parsing regexp: {code}: `{expr}`")
        self.code = code
        self.expr = expr


class UnsupportedGoRegex(GoRegexError):
    """Valid Go whose meaning this module cannot reproduce faithfully: callers decline."""

    invalid = False


# --- classes ------------------------------------------------------------------------------
# Go's perl_groups.go: Perl and POSIX classes are ASCII-only, as in RE2 (re2/perl_groups.cc,
# generated from the same tables), so they are passed to RE2 by name.
_PERL = frozenset("dDsSwW")
_POSIX = frozenset(
    {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper"}
    | {"word", "xdigit"}
)
# General categories every Go version since 1.0 has in unicode.Categories with the same
# members (up to the Unicode version). Not here: "C" (Go 1.25 added Cn to it), "Cn", "LC" and
# aliases such as "Letter" (new in Go 1.25, golang/go#70780), scripts (new ones come with each
# Unicode version, so whether Go accepts a name depends on the Go version).
_CATEGORIES = frozenset(
    {"L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps"}
    | {"Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs"}
)


def _unicode_class(name: str, negated: bool) -> str:
    """RE2 text for Go's \\p{name} (or its negation); RE2 has the same category names."""
    if name != "Any" and name not in _CATEGORIES:
        raise UnsupportedGoRegex(
            f"Unicode class \\p{{{name}}} is not evaluated here (scripts, aliases and C/Cn/LC depend on the Go version)"
        )
    return ("\\P{" if negated else "\\p{") + name + "}"


def _char(cp: int) -> str:
    """One code point as RE2 text, valid inside and outside a class (the text stays ASCII)."""
    c = chr(cp)
    if c.isascii() and (c.isalnum() or c == "_"):
        return c
    return f"\\x{{{cp:x}}}"


class _Class:
    """A one-character matcher: RE2 class items (ranges, Perl, POSIX and Unicode classes) and
    whether the whole class is negated. Under `i` RE2 folds each item, a negated item after
    folding its positive form, then negates the class: the order of Go's parseClass
    (regexp/syntax/parse.go appendGroup; re2/parse.cc AddUGroup)."""

    __slots__ = ("items", "negated")

    def __init__(self, items: list[str], negated: bool = False):
        self.items = items
        self.negated = negated

    def render(self, fold: bool) -> str:
        text = ("[^" if self.negated else "[") + "".join(self.items) + "]"
        return f"(?i:{text})" if fold else text


# --- parser -------------------------------------------------------------------------------
class _Atom:
    """A parsed piece of a concatenation: its RE2 text and what Go's limits need."""

    __slots__ = ("quantified", "reps", "size", "text", "unit")

    def __init__(self, text: str, unit: bool = True, size: int = 1, reps: tuple = ()):
        self.text = text
        self.unit = unit  # a quantifier may follow the text directly
        self.size = size  # Go's calcSize estimate of the compiled program
        self.reps = reps  # nested counted repetitions: ((count, inner reps), ...)
        self.quantified = False


class _Frame:
    __slots__ = ("alts", "capture", "flags", "items")

    def __init__(self, flags: frozenset[str], capture: bool):
        self.flags = flags  # flags in force at the '(' (restored at ')')
        self.capture = capture
        self.alts: list[list[_Atom]] = []
        self.items: list[_Atom] = []


_SIMPLE_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_OCTAL = "01234567"
# parse.go parseRepeat: {n}, {n,}, {n,m}; decimal without leading zeros, else `{` is a literal
_COUNTED = re.compile(r"\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}")


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _repeat_ok(node: tuple[int, tuple], n: int) -> bool:
    """parse.go repeatIsValid: nested counts may not multiply beyond maxRepeat."""
    m, inner = node
    if m == 0:
        return True
    if m > n:
        return False
    n //= m
    return all(_repeat_ok(sub, n) for sub in inner)


def _group(alts: list[list[_Atom]], capture: bool) -> _Atom:
    """A group: captures do not change whether or where a match is, so all are `(?:`."""
    sizes = [max(1, sum(a.size for a in alt)) for alt in alts]
    size = sum(sizes) + len(alts) - 1 + (2 if capture else 0)
    return _Atom(
        "(?:" + "|".join("".join(a.text for a in alt) for alt in alts) + ")",
        size=size,
        reps=tuple(r for alt in alts for a in alt for r in a.reps),
    )


class _Parser:
    def __init__(self, s: str):
        self.s = s
        self.flags: frozenset[str] = frozenset()  # Go's Perl defaults: none of i, m, s, U
        self.frames = [_Frame(self.flags, False)]

    def error(self, code: str, start: int, end: int | None = None) -> InvalidGoRegex:
        return InvalidGoRegex(code, self.s[start:end])

    # -- escapes
    def escape(self, i: int) -> tuple[int, int]:
        """parse.go parseEscape: the code point of the escape at s[i] == '\\' and the next index."""
        s, n = self.s, len(self.s)
        if i + 1 >= n:
            raise InvalidGoRegex("trailing backslash at end of expression", "")
        c, j = s[i + 1], i + 2
        if c.isascii() and not _isalnum(c):
            return ord(c), j  # escaped punctuation is itself (\_ included)
        if c in _OCTAL and (c == "0" or (j < n and s[j] in _OCTAL)):
            value = int(c)
            for _ in range(2):
                if j < n and s[j] in _OCTAL:
                    value, j = value * 8 + int(s[j]), j + 1
            return value, j
        if c == "x" and j < n:
            if s[j] == "{":
                end = s.find("}", j)
                digits = s[j + 1 : end] if end > 0 else ""
                if digits and re.fullmatch("[0-9A-Fa-f]+", digits) and int(digits, 16) <= MAX_RUNE:
                    return int(digits, 16), end + 1
                raise self.error("invalid escape sequence", i, end + 1 if end > 0 else None)
            digits = s[j : j + 2]
            if len(digits) == 2 and re.fullmatch("[0-9A-Fa-f]{2}", digits):
                return int(digits, 16), j + 2
            raise self.error("invalid escape sequence", i, j + 2)
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c], j
        raise self.error("invalid escape sequence", i, j)

    def unicode_class(self, i: int) -> tuple[str, int]:
        """parse.go parseUnicodeClass at s[i:i+2] == '\\p' or '\\P': (RE2 class item, next)."""
        s, n = self.s, len(self.s)
        negated = s[i + 1] == "P"
        if i + 2 >= n:
            raise self.error("invalid character class range", i)
        if s[i + 2] != "{":
            name, j = s[i + 2], i + 3
        else:
            end = s.find("}", i)
            if end < 0:
                raise self.error("invalid character class range", i)
            name, j = s[i + 3 : end], end + 1
        if name.startswith("^"):
            negated, name = not negated, name[1:]
        return _unicode_class(name, negated), j

    # -- character classes
    def char_class(self, i: int) -> tuple[_Class, int]:
        """parse.go parseClass at s[i] == '['."""
        s, n = self.s, len(self.s)
        j, negated = i + 1, False
        if j < n and s[j] == "^":
            negated, j = True, j + 1
        items: list[str] = []
        first = True
        while True:
            if j >= n:
                raise self.error("missing closing ]", i)
            if s[j] == "]" and not first:
                j += 1
                break
            first = False
            if s.startswith("[:", j) and n - j > 2:
                end = s.find(":]", j + 2)
                if end >= 0:
                    name = s[j + 2 : end]
                    if name.removeprefix("^") not in _POSIX:
                        raise self.error("invalid character class range", j, end + 2)
                    items.append(f"[:{name}:]")
                    j = end + 2
                    continue
            if s.startswith("\\", j) and j + 1 < n and s[j + 1] in "pP":
                item, j = self.unicode_class(j)
                items.append(item)
                continue
            if s.startswith("\\", j) and j + 1 < n and s[j + 1] in _PERL:
                items.append(s[j : j + 2])
                j += 2
                continue
            start = j
            lo, j = self.class_char(j, i)
            hi = lo
            if n - j >= 2 and s[j] == "-" and s[j + 1] != "]":
                hi, j = self.class_char(j + 1, i)
                if hi < lo:
                    raise self.error("invalid character class range", start, j)
            items.append(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}")
        return _Class(items, negated), j

    def class_char(self, j: int, class_start: int) -> tuple[int, int]:
        if j >= len(self.s):
            raise self.error("missing closing ]", class_start)
        if self.s[j] == "\\":
            return self.escape(j)
        return ord(self.s[j]), j + 1

    # -- repetition
    def repeat(self, lo: int, hi: int | None, kind: str, start: int, end: int, last_repeat: int | None) -> int:
        """parse.go repeat: apply * + ? or {lo,hi} (hi None: unbounded) to the last atom."""
        s = self.s
        lazy = end < len(s) and s[end] == "?"
        if lazy:
            end += 1
        if last_repeat is not None:
            raise self.error("invalid nested repetition operator", last_repeat, end)
        items = self.frames[-1].items
        if not items:
            raise self.error("missing argument to repetition operator", start, end)
        atom = items[-1]
        if kind == "{":
            count = hi if hi is not None else lo
            node = (count, atom.reps)
            if (lo >= 2 or (hi or 0) >= 2) and not _repeat_ok(node, MAX_REPEAT):
                raise self.error("invalid repeat count", start, end)
            reps: tuple = (node,)
            suffix = f"{{{lo}}}" if hi == lo else f"{{{lo},{'' if hi is None else hi}}}"
            # parse.go calcSize: x{n,} is n copies and a star, x{n,m} is m copies and m-n quests
            size = hi * atom.size + (hi - lo) if hi is not None else 1 + max(1, lo) * atom.size + (lo == 0)
        else:
            reps, suffix = atom.reps, kind
            size = (2 if kind == "*" else 1) + atom.size
        if lazy != ("U" in self.flags):  # (?U) swaps greedy and lazy
            suffix += "?"
        base = atom.text if atom.unit and not atom.quantified else f"(?:{atom.text})"
        new = _Atom(base + suffix, size=max(1, size), reps=reps)
        new.quantified = True
        items[-1] = new
        return end

    def counted(self, i: int) -> tuple[int, int | None, int] | None:
        """parse.go parseRepeat at s[i] == '{': (lo, hi, next) or None when '{' is a literal.
        lo is -1 when a number is too large."""
        m = _COUNTED.match(self.s, i)
        if not m:
            return None
        lo = int(m.group(1)) if len(m.group(1)) < 9 else -1
        if m.group(2) is None:
            hi: int | None = lo
        elif m.group(3) is None:
            hi = None
        else:
            hi = int(m.group(3)) if len(m.group(3)) < 9 else -1
            if hi < 0:
                lo = -1
        return lo, hi, m.end()

    # -- groups
    def perl_group(self, i: int) -> int:
        """parse.go parsePerlFlags at s[i:i+2] == '(?': named group, flags, or (?flags:."""
        s, n = self.s, len(self.s)
        named = 4 if s.startswith("(?P<", i) and n - i > 4 else 3 if s.startswith("(?<", i) and n - i > 3 else 0
        if named:
            end = s.find(">", i)
            if end < 0:
                raise self.error("invalid named capture", i)
            name = s[i + named : end]
            if not name or not all(_isalnum(c) or c == "_" for c in name):
                raise self.error("invalid named capture", i, end + 1)
            self.open(capture=True)
            return end + 1
        flags, sign, saw = set(self.flags), 1, False
        j = i + 2
        while j < n:
            c = s[j]
            j += 1
            if c in "imsU":
                (flags.add if sign > 0 else flags.discard)(c)
                saw = True
            elif c == "-" and sign > 0:
                sign, saw = -1, False
            elif c in ":)" and (sign > 0 or saw):
                if c == ":":
                    self.open(capture=False)
                self.flags = frozenset(flags)
                return j
            else:
                break
        raise self.error("invalid or unsupported Perl syntax", i, j)

    def open(self, capture: bool) -> None:
        self.frames.append(_Frame(self.flags, capture))
        if len(self.frames) > MAX_DEPTH:
            raise UnsupportedGoRegex(f"groups nested more than {MAX_DEPTH} deep are not evaluated")

    def close(self) -> None:
        if len(self.frames) == 1:
            raise InvalidGoRegex("unexpected )", self.s)
        frame = self.frames.pop()
        self.flags = frame.flags
        self.frames[-1].items.append(_group([*frame.alts, frame.items], frame.capture))

    # -- the whole pattern
    def atom(self, text: str, unit: bool = True) -> None:
        self.frames[-1].items.append(_Atom(text, unit))

    def literal(self, cp: int) -> None:
        self.atom(f"(?i:{_char(cp)})" if "i" in self.flags else _char(cp))

    def parse(self) -> _Atom:
        s, n, i = self.s, len(self.s), 0
        last_repeat: int | None = None  # start of the repetition operator just parsed
        while i < n:
            c, start, repeat_start = self.s[i], i, None
            if c == "(":
                if s.startswith("(?", i):
                    i = self.perl_group(i)
                else:
                    self.open(capture=True)
                    i += 1
            elif c == "|":
                frame = self.frames[-1]
                frame.alts.append(frame.items)
                frame.items = []
                i += 1
            elif c == ")":
                self.close()
                i += 1
            elif c == "^":
                self.atom("(?m:^)" if "m" in self.flags else "\\A", unit=False)
                i += 1
            elif c == "$":
                self.atom("(?m:$)" if "m" in self.flags else "\\z", unit=False)
                i += 1
            elif c == ".":
                self.atom("(?s:.)" if "s" in self.flags else "[^\\n]")
                i += 1
            elif c == "[":
                cls, i = self.char_class(i)
                self.atom(cls.render("i" in self.flags))
            elif c in "*+?":
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
                i = self.repeat(lo, hi, c, i, i + 1, last_repeat)
                repeat_start = start
            elif c == "{" and (counted := self.counted(i)) is not None:
                lo, hi, end = counted
                if lo < 0 or lo > MAX_REPEAT or (hi is not None and (hi > MAX_REPEAT or lo > hi)):
                    raise self.error("invalid repeat count", i, end)
                i = self.repeat(lo, hi, "{", i, end, last_repeat)
                repeat_start = start
            elif c == "\\":
                i = self.backslash(i)
            else:
                self.literal(ord(c))
                i += 1
            last_repeat = repeat_start
        if len(self.frames) != 1:
            raise InvalidGoRegex("missing closing )", s)
        top = self.frames[0]
        return _group([*top.alts, top.items], capture=False)

    def backslash(self, i: int) -> int:
        s, n = self.s, len(self.s)
        d = s[i + 1] if i + 1 < n else ""
        if d in ("A", "z"):
            self.atom("\\A" if d == "A" else "\\z", unit=False)
            return i + 2
        if d in ("b", "B"):
            self.atom("\\" + d, unit=False)  # ASCII word boundary in Go and RE2 alike
            return i + 2
        if d == "C":  # any byte: Go does not support it
            raise self.error("invalid escape sequence", i, i + 2)
        if d == "Q":
            end = s.find("\\E", i + 2)
            for ch in s[i + 2 : end if end >= 0 else n]:
                self.literal(ord(ch))
            return n if end < 0 else end + 2
        if d in ("p", "P"):
            item, j = self.unicode_class(i)
            self.atom(_Class([item]).render("i" in self.flags))
            return j
        if d and d in _PERL:
            self.atom(_Class(["\\" + d]).render("i" in self.flags))
            return i + 2
        cp, j = self.escape(i)
        self.literal(cp)
        return j


_SURROGATE = re.compile("[\ud800-\udfff]")


def translate(pattern: str, *, anchored: bool = False) -> str:
    """RE2 text for a Go regex. anchored: as Alertmanager compiles it, `^(?:pattern)$` (the Go
    string, so the pattern's own flags and parentheses interact exactly as in Go).
    Raises InvalidGoRegex or UnsupportedGoRegex."""
    if not isinstance(pattern, str):
        raise InvalidGoRegex("not a string", repr(pattern))
    source = f"^(?:{pattern})$" if anchored else pattern
    if _SURROGATE.search(source):
        # A Python str holds a lone surrogate only for bytes that are not UTF-8 (or an escape
        # Go's YAML decoders refuse); Go's parser checks its string first (parse.go checkUTF8).
        raise InvalidGoRegex("invalid UTF-8", source)
    top = _Parser(source).parse()
    if top.size > MAX_SIZE:
        raise UnsupportedGoRegex("the pattern is near Go's size limit (expression too large); not evaluated")
    return top.text


# --- matching -----------------------------------------------------------------------------
_ESCAPED_BYTE = range(0xDC80, 0xDD00)  # os.fsdecode's surrogateescape: one undecodable byte each


def _as_go_reads(text: str) -> str:
    """The text as Go's regexp reads its bytes: each byte that is not UTF-8 is U+FFFD, one rune
    wide (utf8.DecodeRuneInString returns RuneError, 1). A lone surrogate of a Python str is one
    such byte (surrogateescape) or else the three bytes of its UTF-8-like encoding."""
    return _SURROGATE.sub(lambda m: "\ufffd" * (1 if ord(m.group()) in _ESCAPED_BYTE else 3), text)


class GoRegexp:
    """A compiled Go regexp matched by RE2 in time linear in the text (never backtracking).

    `search` is Go's MatchString; `match` and `fullmatch` anchor at the start and at both ends.
    Each returns a match object or None; text that is not valid UTF-8 is read as Go reads it."""

    __slots__ = ("_regexp", "anchored", "pattern")

    def __init__(self, regexp: Any, pattern: str, anchored: bool):  # regexp: a compiled re2 pattern
        self._regexp = regexp
        self.pattern = pattern  # the Go source, as written in the checked repository
        self.anchored = anchored

    def search(self, text: str) -> Any | None:
        return self._run(self._regexp.search, text)

    def match(self, text: str) -> Any | None:
        return self._run(self._regexp.match, text)

    def fullmatch(self, text: str) -> Any | None:
        return self._run(self._regexp.fullmatch, text)

    @staticmethod
    def _run(method: Callable[[str], Any], text: str) -> Any | None:
        try:
            return method(text)
        except UnicodeEncodeError:  # the binding encodes str as strict UTF-8
            return method(_as_go_reads(text))

    def __repr__(self) -> str:
        return f"GoRegexp({self.pattern!r}, anchored={self.anchored})"


def compile_go(pattern: str, *, anchored: bool) -> GoRegexp:
    """A compiled pattern that matches what Go's regexp matches (cached).

    anchored=True: Alertmanager's `^(?:pattern)$` (the value must match whole);
    anchored=False: a search, like Go's MatchString (sops path_regex, encrypted_regex).
    Use `.search()` on the result, as Go's MatchString searches: even anchored, `.match()`
    differs when the pattern's own parentheses split the anchoring (`a)|(b` matches "xb").
    Raises InvalidGoRegex or UnsupportedGoRegex (both GoRegexError).
    """
    if not isinstance(pattern, str):
        raise InvalidGoRegex("not a string", repr(pattern))
    compiled = _compile(pattern, bool(anchored))
    if isinstance(compiled, UnsupportedGoRegex):
        raise compiled
    return compiled


@functools.cache
def _options() -> Any:
    """RE2 options for the text `translate` writes (https://github.com/google/re2/blob/main/re2/re2.h)."""
    opts = re2.Options()
    opts.posix_syntax = False  # Perl syntax: \d \b \pN (?flags), like Go's syntax.Perl
    opts.longest_match = False  # leftmost-first, like regexp.Compile (not CompilePOSIX)
    opts.case_sensitive = True  # `i` is written into the text where Go's flags put it
    opts.dot_nl = False  # the text writes `.` out as `(?s:.)` or `[^\n]`
    opts.never_nl = False  # Go matches across newlines
    opts.never_capture = True  # callers ask only whether (and where) it matches: no submatches
    opts.log_errors = False  # a refused pattern becomes UnsupportedGoRegex, not stderr noise
    # A pattern written to be huge (`[a-z\pL]{400}`: 478,000 instructions, 7 MB and 0.3 s each) is
    # refused as soon as its program passes this budget, instead of being compiled in full. Real
    # matchers and path regexes need tens to a few thousand instructions.
    opts.max_mem = MAX_MEM
    return opts


MAX_MEM = 1 << 20  # per pattern; RE2 gives about two thirds to the program (re2.h: max_mem)
SMALL_PROGRAM = 2_000  # always compiled: a matcher listing a few hundred alert names stays below
RUN_PROGRAM_BUDGET = 500_000  # instructions of all patterns compiled in one process together
_used = [0]


def new_run() -> None:
    """Start a run's regex budget afresh (and let go of the previous run's compiled patterns)."""
    _compile.cache_clear()
    _used[0] = 0


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str, anchored: bool) -> GoRegexp | UnsupportedGoRegex:
    """The compiled pattern, or why RE2 does not evaluate it (cached too: a refused pattern is
    often asked about again, once per alert or file, and each attempt costs a compile)."""
    text = translate(pattern, anchored=anchored)
    if re2 is None:
        # Never fall back to a backtracking engine: an untrusted pattern could hang it.
        raise UnsupportedGoRegex("google-re2 is not installed; Go regexps are not evaluated")
    try:
        compiled = re2.compile(text, _options())
    except re2.error as exc:  # RE2's memory budget (max_mem) is smaller than Go's size limit
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        return UnsupportedGoRegex(f"RE2 cannot compile it ({reason}); not evaluated")
    # Many large patterns together (a hostile repository repeats one with small changes) would
    # still add up: once the run's budget is spent, only small patterns are compiled.
    size = compiled.programsize
    if size > SMALL_PROGRAM and _used[0] + size > RUN_PROGRAM_BUDGET:
        return UnsupportedGoRegex("too large for what is left of the run's regex budget; not evaluated")
    _used[0] += size
    return GoRegexp(compiled, pattern, anchored)
