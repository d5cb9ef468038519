r"""Go regular expressions (RE2 syntax, Go's regexp package) evaluated with Python's `re`.

Two families read Go regexps: Alertmanager matchers (obslint.routing: Alertmanager compiles
`^(?:re)$`, so the whole value must match) and `.sops.yaml` creation rules (obslint.model.sops:
sops calls MatchString, a search). Both use `compile_go(pattern, anchored=...)`.

The pattern is parsed the way Go's regexp/syntax parser does with the Perl flags that
regexp.Compile uses (src/regexp/syntax/parse.go; syntax: https://pkg.go.dev/regexp/syntax and
https://github.com/google/re2/wiki/Syntax), and each construct is written in Python syntax
whose meaning does not depend on Python's defaults:

* flags `i`, `m`, `s`, `U` as `(?flags)` (for the rest of the current group, across `|`: Go
  restores the flags only at the group's `)`) and `(?flags:re)`, with `-` to clear. The
  translator tracks the flags itself and renders each atom for the flags in force: `.` is
  `[^\n]` or any character, `^`/`$` are text or line anchors, `U` swaps greedy and lazy
  repetition, `i` wraps the atom in `(?i:...)`;
* `^ $ \A \z \b \B` (Go's `\b` is ASCII: a word character is [0-9A-Za-z_]; written as
  lookarounds because Python's `\B` never matches an empty string, Go's does);
* Perl classes `\d \s \w` and negations (ASCII only; `\s` is [\t\n\f\r ], no `\v`), POSIX
  classes `[[:alpha:]]` and `[[:^alpha:]]`, Unicode general categories `\pL`, `\p{Lu}`,
  `\PN`, `\p{^Lu}` negation and `\p{Any}`; classes are computed as code-point
  ranges, so `[^\D_]`, `[\d-z]` or `[[:^alpha:]0-3]` come out exact;
* escapes: `\a \f \t \n \r \v`, octal `\0`, `\123`, hex `\x41`, `\x{10FFFF}`, any escaped
  ASCII punctuation (`\_` too), `\Q...\E` (each character a literal, so `\Qab\E*` repeats `b`);
* repetition `* + ? {n} {n,} {n,m}` and lazy forms; Go's limits: a count above 1000, or
  nested counts whose product exceeds 1000 (`(a{100}){20}`), are invalid;
* groups `(re)`, `(?:re)`, named `(?P<name>re)` and `(?<name>re)` (the latter since Go 1.22:
  golang/go#58458; amtool 0.25, built with Go 1.19, refuses it, current Alertmanager and sops
  accept it). Names do not change what matches, so they become plain groups.

Two errors, both GoRegexError:

* InvalidGoRegex: Go refuses the pattern (message in Go's words): Python-only syntax such as
  lookarounds, backreferences, `\Z`, possessive `a*+`, atomic or comment groups included;
* UnsupportedGoRegex: valid Go that this module cannot evaluate the same way. Callers must
  decline (treat the answer as unknown and say so), never guess. Declined: Unicode scripts
  and other `\p` names (`\p{Greek}`, `\pC`, `\p{Letter}`: their sets or their very validity
  depend on the Go version), a repeated group that itself holds a variable repetition
  (`(a+)+`: RE2 runs in linear time, Python's backtracking can take exponential time), groups
  nested more than 100 deep and patterns near Go's size limit.

Known residual differences: Unicode tables are Python's (unicodedata) where Go has its own
version's; case folding is Python's, which matches Go's simple folding (unicode.SimpleFold)
except for the Turkish dotted/dotless i, handled explicitly.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "GoRegexError",
    "InvalidGoRegex",
    "UnsupportedGoRegex",
    "compile_go",
    "translate",
]

MAX_REPEAT = 1000  # parse.go maxRepeat: largest count, and largest product of nested counts
MAX_SIZE = (128 << 20) // 40  # parse.go maxSize: compiled program size Go accepts (Insts)
MAX_DEPTH = 100  # ours: deeper nesting is declined (Python's parser recurses per group)
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


# --- code-point sets ----------------------------------------------------------------------
Ranges = tuple[tuple[int, int], ...]


def _clean(pairs) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(pairs):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _negate(rs: Ranges) -> Ranges:
    out, nxt = [], 0
    for lo, hi in rs:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX_RUNE:
        out.append((nxt, MAX_RUNE))
    return tuple(out)


def _has(rs: Ranges, cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in rs)


def _spec(text: str) -> Ranges:
    """Ranges from a compact spec: 'a-z', single characters."""
    pairs, k = [], 0
    while k < len(text):
        if k + 2 < len(text) and text[k + 1] == "-":
            pairs.append((ord(text[k]), ord(text[k + 2])))
            k += 3
        else:
            pairs.append((ord(text[k]), ord(text[k])))
            k += 1
    return _clean(pairs)


# Go's perl_groups.go: Perl classes and POSIX classes are ASCII-only.
_PERL = {"d": _spec("0-9"), "s": _spec("\t\n\f\r "), "w": _spec("0-9A-Za-z_")}
_POSIX = {
    name: _spec(spec)
    for name, spec in {
        "alnum": "0-9A-Za-z",
        "alpha": "A-Za-z",
        "ascii": "\x00-\x7f",
        "blank": "\t ",
        "cntrl": "\x00-\x1f\x7f",
        "digit": "0-9",
        "graph": "!-~",
        "lower": "a-z",
        "print": " -~",
        "punct": "!-/:-@[-`{-~",
        "space": "\t\n\v\f\r ",
        "upper": "A-Z",
        "word": "0-9A-Za-z_",
        "xdigit": "0-9A-Fa-f",
    }.items()
}
# General categories every Go version since 1.0 has in unicode.Categories with the same
# members (up to the Unicode version). Not here: "C" (Go 1.25 added Cn to it), "Cn", "LC" and
# aliases such as "Letter" (new in Go 1.25, golang/go#70780), scripts (not in unicodedata).
_CATEGORIES = frozenset(
    {"L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps"}
    | {"Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs"}
)


@functools.cache
def _category_table() -> dict[str, Ranges]:
    import unicodedata  # only when a pattern uses \p

    runs: dict[str, list[tuple[int, int]]] = {}
    start, prev = 0, unicodedata.category("\x00")
    for cp in range(1, MAX_RUNE + 2):
        cat = unicodedata.category(chr(cp)) if cp <= MAX_RUNE else None
        if cat != prev:
            runs.setdefault(prev, []).append((start, cp - 1))
            start, prev = cp, cat
    table = {name: _clean(pairs) for name, pairs in runs.items()}
    for major in "LMNPSZ":
        table[major] = _clean(p for name, rs in table.items() if len(name) == 2 and name[0] == major for p in rs)
    return table


def _unicode_class(name: str) -> Ranges:
    if name == "Any":
        return ((0, MAX_RUNE),)
    if name in _CATEGORIES:
        return _category_table()[name]
    raise UnsupportedGoRegex(
        f"Unicode class \\p{{{name}}} is not evaluated here (scripts, aliases and C/Cn/LC depend on the Go version)"
    )


# --- rendering ----------------------------------------------------------------------------
def _char(cp: int) -> str:
    """One code point as Python regex text, valid inside and outside a class."""
    if cp < 128:
        c = chr(cp)
        if c.isalnum() or c == "_":
            return c
        if 0x21 <= cp <= 0x7E:
            return "\\" + c
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _py_class(rs: Ranges, negate: bool = False) -> str:
    if not rs:
        return "(?s:.)" if negate else "(?!)"
    if not negate and len(rs) == 1 and rs[0][0] == rs[0][1]:
        return _char(rs[0][0])
    body = "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in rs)
    return ("[^" if negate else "[") + body + "]"


def _py_exact(rs: Ranges) -> str:
    """The set, written as a class or as the negation of its complement, whichever is shorter."""
    comp = _negate(rs)
    if rs and len(comp) < len(rs):
        return _py_class(comp, negate=True)
    return _py_class(rs)


# Python's IGNORECASE folds i and I with the dotless i (U+0131) and the dotted capital I
# (U+0130); Go's simple folding does not: in Go the orbit of i is {i, I} and U+0131, U+0130
# fold only to themselves (checked against amtool).
_TURKIC = "iI\u0131\u0130"
_GO_ORBIT = {"i": "iI", "I": "iI", "\u0131": "\u0131", "\u0130": "\u0130"}


class _Set:
    """A one-character matcher as Go builds it: items (ranges, negated) are case-folded when
    `i` is on, then negated, then united; the whole class is negated last (`[^...]`)."""

    __slots__ = ("items", "negated")

    def __init__(self, items: list[tuple[Ranges, bool]], negated: bool = False):
        self.items = items
        self.negated = negated

    def exact(self) -> Ranges:
        pairs = [p for rs, neg in self.items for p in (_negate(rs) if neg else rs)]
        rs = _clean(pairs)
        return _negate(rs) if self.negated else rs

    def go_folded_has(self, ch: str) -> bool:
        orbit = [ord(o) for o in _GO_ORBIT[ch]]
        hit = any(any(_has(rs, o) for o in orbit) != neg for rs, neg in self.items)
        return hit != self.negated

    def render(self, fold: bool) -> str:
        if not fold:
            return _py_exact(self.exact())
        pos = _clean(p for rs, neg in self.items if not neg for p in rs)
        negs = [rs for rs, neg in self.items if neg]
        if not self.negated:
            parts = ([_py_class(pos)] if pos else []) + [_py_class(rs, negate=True) for rs in negs]
            body = "|".join(parts) if parts else "(?!)"
        else:
            look = "".join(f"(?={_py_class(rs)})" for rs in negs)
            body = look + _py_class(pos, negate=True)
        if len(pos) == 1 and pos[0][0] == pos[0][1] and not negs and not self.negated:
            c = chr(pos[0][0])
            if c not in _TURKIC and c.lower() == c == c.upper():
                return body  # nothing to fold
        text = f"(?i:{body})"
        touches = negs or self.negated or any(_has(pos, ord(t)) for t in _TURKIC)
        if touches:
            go = "".join(t for t in _TURKIC if self.go_folded_has(t))
            py = "".join(t for t in _TURKIC if re.fullmatch(text, t))
            if go != py:
                extra = "|" + _py_class(_clean((ord(t), ord(t)) for t in go)) if go else ""
                text = f"(?:(?![{_TURKIC}]){text}{extra})"
        return text


# --- parser -------------------------------------------------------------------------------
class _Atom:
    """A parsed piece of a concatenation: its Python text and what Go's limits need."""

    __slots__ = ("quantified", "reps", "size", "text", "unit", "varq")

    def __init__(self, text: str, unit: bool = True, size: int = 1, reps: tuple = (), varq: bool = False):
        self.text = text
        self.unit = unit  # a quantifier may follow the text directly
        self.size = size  # Go's calcSize estimate of the compiled program
        self.reps = reps  # nested counted repetitions: ((count, inner reps), ...)
        self.varq = varq  # holds a repetition of variable count
        self.quantified = False


class _Frame:
    __slots__ = ("alts", "capture", "flags", "items")

    def __init__(self, flags: frozenset[str], capture: bool):
        self.flags = flags  # flags in force at the '(' (restored at ')')
        self.capture = capture
        self.alts: list[list[_Atom]] = []
        self.items: list[_Atom] = []


_WORD = "[0-9A-Za-z_]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
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


def _group(alts: list[list[_Atom]], opener: str) -> _Atom:
    sizes = [max(1, sum(a.size for a in alt)) for alt in alts]
    size = sum(sizes) + len(alts) - 1 + (2 if opener == "(" else 0)
    return _Atom(
        opener + "|".join("".join(a.text for a in alt) for alt in alts) + ")",
        size=size,
        reps=tuple(r for alt in alts for a in alt for r in a.reps),
        varq=any(a.varq for alt in alts for a in alt),
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

    def unicode_class(self, i: int) -> tuple[Ranges, bool, int]:
        """parse.go parseUnicodeClass at s[i:i+2] == '\\p' or '\\P': (ranges, negated, next)."""
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
        return _unicode_class(name), negated, j

    # -- character classes
    def char_class(self, i: int) -> tuple[_Set, int]:
        """parse.go parseClass at s[i] == '['."""
        s, n = self.s, len(self.s)
        j, negated = i + 1, False
        if j < n and s[j] == "^":
            negated, j = True, j + 1
        items: list[tuple[Ranges, bool]] = []
        chars: list[tuple[int, int]] = []
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
                    table = _POSIX.get(name.removeprefix("^"))
                    if table is None:
                        raise self.error("invalid character class range", j, end + 2)
                    items.append((table, name.startswith("^")))
                    j = end + 2
                    continue
            if s.startswith("\\", j) and j + 1 < n and s[j + 1] in "pP":
                rs, neg, j = self.unicode_class(j)
                items.append((rs, neg))
                continue
            if s.startswith("\\", j) and j + 1 < n and s[j + 1] in "dDsSwW":
                items.append((_PERL[s[j + 1].lower()], s[j + 1].isupper()))
                j += 2
                continue
            start = j
            lo, j = self.class_char(j, i)
            hi = lo
            if n - j >= 2 and s[j] == "-" and s[j + 1] != "]":
                hi, j = self.class_char(j + 1, i)
                if hi < lo:
                    raise self.error("invalid character class range", start, j)
            chars.append((lo, hi))
        if chars:
            items.append((_clean(chars), False))
        return _Set(items, negated), j

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
        if atom.varq and (hi is None or hi > 1):
            raise UnsupportedGoRegex(
                f"nested repetition `{s[start:end]}` over a variable repetition may backtrack "
                "exponentially in Python (RE2 is linear); not evaluated"
            )
        if lazy != ("U" in self.flags):  # (?U) swaps greedy and lazy
            suffix += "?"
        base = atom.text if atom.unit and not atom.quantified else f"(?:{atom.text})"
        new = _Atom(base + suffix, size=max(1, size), reps=reps, varq=atom.varq or hi != lo)
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
        self.frames[-1].items.append(_group([*frame.alts, frame.items], "(" if frame.capture else "(?:"))

    # -- the whole pattern
    def atom(self, text: str, unit: bool = True) -> None:
        self.frames[-1].items.append(_Atom(text, unit))

    def literal(self, cp: int) -> None:
        self.atom(_Set([(((cp, cp),), False)]).render("i" in self.flags))

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
                self.atom("(?m:$)" if "m" in self.flags else "\\Z", unit=False)
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
        return _group([*top.alts, top.items], "(?:")

    def backslash(self, i: int) -> int:
        s, n = self.s, len(self.s)
        d = s[i + 1] if i + 1 < n else ""
        if d in ("A", "z"):
            self.atom("\\A" if d == "A" else "\\Z", unit=False)
            return i + 2
        if d in ("b", "B"):
            self.atom(_BOUNDARY if d == "b" else _NOT_BOUNDARY, unit=False)
            return i + 2
        if d == "C":  # any byte: Go does not support it
            raise self.error("invalid escape sequence", i, i + 2)
        if d == "Q":
            end = s.find("\\E", i + 2)
            for ch in s[i + 2 : end if end >= 0 else n]:
                self.literal(ord(ch))
            return n if end < 0 else end + 2
        if d in ("p", "P"):
            rs, neg, j = self.unicode_class(i)
            self.atom(_Set([(rs, neg)]).render("i" in self.flags))
            return j
        if d and d in "dDsSwW":
            self.atom(_Set([(_PERL[d.lower()], d.isupper())]).render("i" in self.flags))
            return i + 2
        cp, j = self.escape(i)
        self.literal(cp)
        return j


def translate(pattern: str, *, anchored: bool = False) -> str:
    """Python `re` text for a Go regex. anchored: as Alertmanager compiles it, `^(?:pattern)$`
    (the Go string, so the pattern's own flags and parentheses interact exactly as in Go).
    Raises InvalidGoRegex or UnsupportedGoRegex."""
    if not isinstance(pattern, str):
        raise InvalidGoRegex("not a string", repr(pattern))
    top = _Parser(f"^(?:{pattern})$" if anchored else pattern).parse()
    if top.size > MAX_SIZE:
        raise UnsupportedGoRegex("the pattern is near Go's size limit (expression too large); not evaluated")
    return top.text


def compile_go(pattern: str, *, anchored: bool) -> re.Pattern[str]:
    """A compiled Python pattern that matches what Go's regexp matches (cached).

    anchored=True: Alertmanager's `^(?:pattern)$` (the value must match whole);
    anchored=False: a search, like Go's MatchString (sops path_regex, encrypted_regex).
    Use `.search()` on the result, as Go's MatchString searches: even anchored, `.match()`
    differs when the pattern's own parentheses split the anchoring (`a)|(b` matches "xb").
    Raises InvalidGoRegex or UnsupportedGoRegex (both GoRegexError).
    """
    if not isinstance(pattern, str):
        raise InvalidGoRegex("not a string", repr(pattern))
    return _compile(pattern, bool(anchored))


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str, anchored: bool) -> re.Pattern[str]:
    text = translate(pattern, anchored=anchored)
    try:
        return re.compile(text)
    except (re.error, RecursionError, OverflowError) as exc:  # pragma: no cover - a translator gap
        raise UnsupportedGoRegex(f"cannot be evaluated here: {exc}") from None
