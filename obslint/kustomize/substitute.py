"""Flux postBuild variable substitution, as kustomize-controller applies it to each built object.

Upstream: fluxcd/pkg kustomize/kustomize_varsub.go (SubstituteVariables, LoadVariables,
varSubstitution) and its fork of drone/envsubst, fluxcd/pkg envsubst/parse/{scan,parse}.go,
template.go and funcs.go.

What kustomize-controller does, and what this module reproduces:

* Variables come from `spec.postBuild.substituteFrom` (ConfigMap `data`, Secret `data` decoded;
  in order, a later source overriding an earlier one) and then `spec.postBuild.substitute`, which
  overrides them. Line feeds are removed from every value. Every variable name must match
  `^[_[:alpha:]][_[:alpha:][:digit:]]*$`, or no object of the Kustomization can be built.
* Substitution runs only when at least one variable exists (`if len(vars) > 0`), and not on an
  object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`.
* The object is written as YAML, substituted as text, and parsed again: a value yaml.v2 writes as
  a plain scalar is re-typed (`${REPLICAS}` with REPLICAS=3 becomes the integer 3, even when the
  file quoted it); see obslint.kustomize.goyaml. Multi-line strings (embedded configs) are written
  as literal blocks: substituted, never re-typed.
* Syntax (Flux's envsubst fork): only `${...}` substitutes, `$VAR` is plain text; `$$` is an
  escaped `$` (`$${X}` gives the literal `${X}`). Forms: `${X}`; defaults `${X:=d}`, `${X:-d}`,
  `${X=d}`, `${X:?d}` and `${X:+d}`, which in envsubst all mean "X if X is not empty, else d"
  (`:+` and `:?` do not follow the shell); casing `${X^}`, `${X^^}`, `${X,}`, `${X,,}`; length
  `${#X}`; substring `${X:offset}`, `${X:offset:length}`; replacement `${X/a/b}`, `${X//a/b}`,
  `${X/#a/b}`, `${X/%a/b}` (where `\\/` and `\\\\` escape a slash and a backslash); removal
  `${X#glob}`, `${X##glob}`, `${X%glob}`, `${X%%glob}`. Anything else that starts with `${`
  (`${X-d}`, `${a b}`, `${}`) is a bad substitution and fails the build.

Design choice: a variable obslint does not know stays UNKNOWN. kustomize-controller replaces an
undefined variable with the empty string, but obslint cannot know that a variable is undefined
(it may come from a Secret outside the repository, or be added out of band), so `${X}` is kept as
written and `is_unknown` reports the value as unknown. A known variable, or a default when the
variable is certainly not defined, is replaced. `Vars` says which variables exist: known values,
names known to exist with unknown values (a SOPS-encrypted Secret's keys), and whether other
variables may exist (a substituteFrom source outside the repository), in which case a default is
not taken either. Forms that are not simple and exact here (casing or a byte-length of non-ASCII
text, removal patterns other than `*` and literals) give an unknown result too.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from obslint.findings import Loc
from obslint.kustomize.goyaml import read_back, written_plain
from obslint.kustomize.problem import Problem
from obslint.kustomize.tree import rewrite_strings
from obslint.load.source import EmbeddedSource
from obslint.load.yamlfile import YMap, YSeq

T = TypeVar("T")

DISABLE_KEY = "kustomize.toolkit.fluxcd.io/substitute"
FLUX_VAR_REGEX = "^[_[:alpha:]][_[:alpha:][:digit:]]*$"
VAR_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*\Z")  # FLUX_VAR_REGEX: Go RE2's POSIX classes are ASCII
_SOPS_VALUE = re.compile(r"ENC\[[A-Z0-9_]+,")
_MAX_NESTING = 64  # `${a:=${b:=${c:=...}}}` deeper than this is left unknown
_MAX_PATTERN_TEXT = 10_000  # removal patterns are tried on every prefix: longer values stay unknown


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Marker("UNKNOWN")  # the variable exists (or may exist) with a value obslint cannot know
UNDEFINED = _Marker("UNDEFINED")  # the variable certainly has no value


def is_unknown(value: Any) -> bool:
    """A value that still holds a `${...}` reference after substitution is not known."""
    return isinstance(value, str) and "${" in value


@dataclass(frozen=True)
class Vars:
    """The variables of one Kustomization (treat `values` as read-only)."""

    values: Mapping[str, str] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()  # names that exist with values obslint cannot read
    open: bool = False  # other variables may exist (a source outside the repository)

    @property
    def active(self) -> bool:
        """Whether kustomize-controller runs substitution at all (at least one variable)."""
        return bool(self.values or self.unknown or self.open)

    def lookup(self, name: str) -> str | _Marker:
        if name in self.values:
            return self.values[name]
        if name in self.unknown or self.open:
            return UNKNOWN
        return UNDEFINED


# --- building the variables -----------------------------------------------------------------------


class _VarsBuilder:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.unknown: set[str] = set()
        self.open = False
        self.problems: list[Problem] = []

    def put(self, container: Mapping, key: Any, value: str | None) -> None:
        name = str(key)
        if not VAR_NAME.match(name):
            self.problems.append(
                Problem(
                    "invalid-variable-name",
                    f"variable name {name!r} does not match {FLUX_VAR_REGEX}:"
                    " kustomize-controller fails the build of every object",
                    _key_loc(container, key),
                )
            )
        if value is None or _SOPS_VALUE.match(value):
            self.unknown.add(name)
            self.values.pop(name, None)
        else:
            self.values[name] = value.replace("\n", "")
            self.unknown.discard(name)

    def add_source(self, obj: Mapping | None) -> None:
        if obj is None:
            self.open = True
            return
        kind = obj.get("kind")
        if kind == "ConfigMap":
            self._add_data(obj.get("data"), decode=False)
        elif kind == "Secret":
            # The API server merges stringData into data (stringData wins).
            self._add_data(obj.get("data"), decode=True)
            self._add_data(obj.get("stringData"), decode=False)

    def _add_data(self, data: Any, decode: bool) -> None:
        if not isinstance(data, Mapping):
            return
        for key, value in data.items():
            self.put(data, key, _secret_text(value) if decode else value if isinstance(value, str) else None)

    def add_inline(self, substitute: Any) -> None:
        if not isinstance(substitute, Mapping):
            return
        for key, value in substitute.items():
            if not isinstance(value, str):
                self.problems.append(
                    Problem(
                        "substitute-not-string",
                        f"postBuild.substitute value of {str(key)!r} is not a string:"
                        " the Kustomization API only accepts strings (quote it)",
                        _value_loc(substitute, key),
                    )
                )
                value = None
            self.put(substitute, key, value)

    def build(self) -> tuple[Vars, tuple[Problem, ...]]:
        return Vars(dict(self.values), frozenset(self.unknown), self.open), tuple(self.problems)


def _secret_text(value: Any) -> str | None:
    """A Secret `data` value decoded, or None when it cannot be read (encrypted, not base64, binary)."""
    if not isinstance(value, str) or _SOPS_VALUE.match(value):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def postbuild_vars(postbuild: Any, sources: Sequence[Mapping | None] = ()) -> tuple[Vars, tuple[Problem, ...]]:
    """The variables of a Kustomization's `spec.postBuild`.

    `sources` are the objects `substituteFrom` names, in its order: the ConfigMap or Secret
    mapping found in the repository, or None for one that is not in it (its variables are
    unknown). Inline `substitute` values override them."""
    builder = _VarsBuilder()
    for source in sources:
        builder.add_source(source)
    if isinstance(postbuild, Mapping):
        builder.add_inline(postbuild.get("substitute"))
    return builder.build()


def _key_loc(container: Any, key: Any):
    return container.key_loc(key) if isinstance(container, YMap) and key in container else None


def _value_loc(container: Any, key: Any):
    return container.loc(key) if isinstance(container, (YMap, YSeq)) else None


# --- the envsubst syntax --------------------------------------------------------------------------

_DOLLAR, _BACKSLASH = 1, 2
_DEFAULT_OPS = frozenset({"=", ":=", ":-", ":?", ":+"})
_GO_ATOI = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)


@dataclass(frozen=True, slots=True)
class _Func:
    """`${...}`: variable `name`, operator `op` ('' for a plain reference), its arguments, and where
    it stands in the text (to keep it as written when its value is unknown)."""

    name: str
    op: str
    args: tuple[str | _Func, ...]
    start: int
    end: int


class _Bad(Exception):
    """Flux's parser refuses the text. `at_end`: the value ended first; in Flux the text that
    follows the value in the object could still complete it."""

    def __init__(self, reason: str, at_end: bool):
        super().__init__(reason)
        self.reason, self.at_end = reason, at_end
        self.offset = 0  # where the refused `${` starts in the text


class _TooDeep(Exception):
    pass


def _ident_char(c: str, _i: int) -> bool:
    return c.isalpha() or c.isdecimal() or c == "_"


def _any_char(_c: str, _i: int) -> bool:
    return True


def _not_closing(c: str, _i: int) -> bool:
    return c != "}"


def _not_colon_close(c: str, _i: int) -> bool:
    return c not in ":}"


def _not_slash(c: str, _i: int) -> bool:
    return c != "/"


def _default_op(c: str, i: int) -> bool:
    return (i == 1 and c == ":") or (i == 2 and c in "=-?+")


def _replace_op(c: str, i: int) -> bool:
    return (i == 1 and c == "/") or (i == 2 and c in "/#%")


class _Scanner:
    """The scanner of Flux's envsubst fork, without its buffer rewriting: an escape (`$$`, and in
    replacement arguments `\\/` and `\\\\`) contributes its second character to the token."""

    __slots__ = ("i", "n", "s")

    def __init__(self, s: str):
        self.s, self.i, self.n = s, 0, len(s)

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def at_func(self) -> bool:
        return self.s.startswith("${", self.i)

    def _escape(self, i: int, escapes: int) -> bool:
        c, nxt = self.s[i], self.s[i + 1 : i + 2]
        if c == "$":
            return bool(escapes & _DOLLAR) and nxt == "$"
        return c == "\\" and bool(escapes & _BACKSLASH) and nxt in ("/", "\\") and nxt != ""

    def token(self, accept, stop_at_func: bool = False, escapes: int = 0) -> str | None:
        """The longest run of accepted characters (None when the first one is not accepted).
        accept(c, i) gets the 1-based index of c in the token."""
        s, i, n = self.s, self.i, self.n
        out: list[str] = []
        while i < n:
            if out and stop_at_func and s.startswith("${", i):
                break
            if escapes and self._escape(i, escapes):
                out.append(s[i + 1])
                i += 2
                continue
            if not accept(s[i], len(out) + 1):
                break
            out.append(s[i])
            i += 1
        if not out:
            return None
        self.i = i
        return "".join(out)

    def expect_close(self) -> None:
        if self.peek() != "}":
            raise _Bad("missing closing brace", self.i >= self.n)
        self.i += 1


@functools.lru_cache(maxsize=8192)
def _parse(text: str) -> tuple[str | _Func, ...] | _Bad | _TooDeep:
    """The text and `${...}` nodes of `text`, or why Flux refuses it."""
    sc = _Scanner(text)
    nodes: list[str | _Func] = []
    try:
        while sc.i < sc.n:
            if sc.at_func():
                start = sc.i
                nodes.append(_parse_func(sc, 0))
            else:
                nodes.append(sc.token(_any_char, stop_at_func=True, escapes=_DOLLAR) or "")
    except _Bad as exc:
        exc.offset = start
        return exc
    except _TooDeep as exc:
        return exc
    return tuple(nodes)


def _parse_func(sc: _Scanner, depth: int) -> _Func:
    if depth > _MAX_NESTING:
        raise _TooDeep()
    start = sc.i
    sc.i += 2  # `${`
    if sc.peek() == "#":
        sc.i += 1
        name = sc.token(_ident_char)
        if name is None:
            raise _Bad("bad substitution", sc.i >= sc.n)
        sc.expect_close()
        return _Func(name, "#", (), start, sc.i)
    name = sc.token(_ident_char)
    if name is None:
        raise _Bad("unable to parse variable name", sc.i >= sc.n)
    c = sc.peek()
    if c == "=" or (c == ":" and sc.s[sc.i + 1 : sc.i + 2] in ("=", "-", "?", "+")):
        op, args = _parse_default(sc, depth)
    elif c == ":":
        op, args = _parse_substring(sc, depth)
    elif c in (",", "^"):
        op, args = sc.token(lambda ch, i: ch in ",^" and i < 3) or "", ()
        sc.expect_close()
    elif c == "/":
        op, args = _parse_replace(sc, depth)
    elif c in ("#", "%"):
        op = sc.token(lambda ch, i, mark=c: ch == mark and i < 3) or ""
        args = (_parse_param(sc, _not_closing, 0, depth),)
        sc.expect_close()
    else:
        op, args = "", ()
        sc.expect_close()
    return _Func(name, op, args, start, sc.i)


def _parse_param(sc: _Scanner, accept, escapes: int, depth: int) -> str | _Func:
    if sc.i >= sc.n:
        raise _Bad("unable to parse substitution within function", True)
    if sc.at_func():
        return _parse_func(sc, depth + 1)
    text = sc.token(accept, stop_at_func=True, escapes=escapes)
    if text is None:
        raise _Bad("bad substitution", False)
    return text


def _parse_default(sc: _Scanner, depth: int) -> tuple[str, tuple[str | _Func, ...]]:
    op = sc.token((lambda c, i: i == 1 and c == "=") if sc.peek() == "=" else _default_op) or ""
    args: list[str | _Func] = []
    while sc.peek() != "}":
        args.append(_parse_param(sc, _not_closing, 0, depth))
    sc.i += 1
    return op, tuple(args)


def _parse_substring(sc: _Scanner, depth: int) -> tuple[str, tuple[str | _Func, ...]]:
    sc.i += 1  # the `:` operator
    offset = _parse_param(sc, _not_colon_close, 0, depth)
    if sc.peek() == "}":
        sc.i += 1
        return ":", (offset,)
    if sc.token(lambda c, _i: c == ":") is None:
        raise _Bad("bad substitution", sc.i >= sc.n)
    length = _parse_param(sc, _not_closing, 0, depth)
    sc.expect_close()
    return ":", (offset, length)


def _parse_replace(sc: _Scanner, depth: int) -> tuple[str, tuple[str | _Func, ...]]:
    op = sc.token(_replace_op) or ""
    escapes = _DOLLAR | _BACKSLASH
    pattern = "" if sc.peek() == "/" else _parse_param(sc, _not_slash, escapes, depth)
    if sc.token(lambda c, _i: c == "/") is None:
        raise _Bad("bad substitution", sc.i >= sc.n)
    if sc.peek() == "}":
        sc.i += 1
        return op, (pattern,)
    replacement = _parse_param(sc, _not_closing, escapes, depth)
    sc.expect_close()
    return op, (pattern, replacement)


# --- evaluation -----------------------------------------------------------------------------------


def _go_atoi(text: str) -> int | None:
    if not _GO_ATOI.match(text):
        return None
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else None


def _substring(s: str, args: list[str]) -> str | None:
    """envsubst toSubstr; byte offsets, so only ASCII text is exact."""
    if not s.isascii():
        return None
    pos = _go_atoi(args[0])
    if pos is None:
        return s
    n = len(s)
    if pos < 0:
        pos = max(n + pos, 0)
    if len(args) == 1:
        return s[pos:]
    length = _go_atoi(args[1])
    if length is None:
        return s
    if length < 0:
        end = n + length
        return "" if end < pos else s[pos:end]
    return s[pos : pos + length]


def _replace(op: str, s: str, args: list[str]) -> str:
    old, new = args[0], args[1] if len(args) > 1 else ""
    if op == "/":
        return s.replace(old, new, 1)
    if op == "//":
        return s.replace(old, new)
    if len(args) != 2:
        return s  # `${X/#a}` and `${X/%a}` need a replacement
    if op == "/#":
        return new + s[len(old) :] if s.startswith(old) else s
    return s[: len(s) - len(old)] + new if s.endswith(old) else s


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str] | None:
    """envsubst's glob (its own path.Match, where `*` also matches `/`: upstream tests expect
    `${f##*/}` of `path/to/file` to be `file`) for patterns of `*` and literals, which read the same
    reversed, as its suffix removal needs. None for `?`, classes and escapes."""
    if any(c in pattern for c in "?[\\"):
        return None
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.S)


def _remove(op: str, s: str, pattern: str) -> str | None:
    """envsubst trim{Shortest,Longest}{Prefix,Suffix}: remove the shortest or longest non-empty
    prefix (`#`, `##`) or suffix (`%`, `%%`) matching the glob."""
    glob = _glob(pattern)
    if glob is None or not (s.isascii() and pattern.isascii()) or len(s) > _MAX_PATTERN_TEXT:
        return None
    n = len(s)
    lengths = range(1, n + 1) if op in ("#", "%") else range(n, 0, -1)
    for length in lengths:
        if op[0] == "#" and glob.fullmatch(s, 0, length):
            return s[length:]
        if op[0] == "%" and glob.fullmatch(s, n - length):
            return s[: n - length]
    return s


def _casing(op: str, s: str) -> str | None:
    if not s.isascii():
        return None  # Go's and Python's case mappings differ outside ASCII
    if op == ",":
        return s[:1].lower() + s[1:]
    if op == ",,":
        return s.lower()
    if op == "^":
        return s[:1].upper() + s[1:]
    if op == "^^":
        return s.upper()
    return s  # `,^` and `^,`: envsubst's default function returns the value


def _eval_args(args: tuple[str | _Func, ...], vars: Vars) -> list[str] | None:
    out: list[str] = []
    for arg in args:
        value = arg if isinstance(arg, str) else _eval_func(arg, vars)
        if value is None:
            return None
        out.append(value)
    return out


def _eval_func(f: _Func, vars: Vars) -> str | None:
    """The value of `${...}`, or None when it is unknown."""
    value = vars.lookup(f.name)
    if f.op in _DEFAULT_OPS:
        if value is UNKNOWN:
            return None
        if isinstance(value, str) and value:
            return value
        args = _eval_args(f.args, vars)
        return None if args is None else "".join(args)
    if not isinstance(value, str):
        return None
    if not f.op:
        return value
    args = _eval_args(f.args, vars)
    if args is None:
        return None
    if f.op == "#" and not args:
        return str(len(value.encode("utf-8")))
    if f.op[0] in ",^":
        return _casing(f.op, value)
    if f.op == ":":
        return _substring(value, args)
    if f.op[0] == "/":
        return _replace(f.op, value, args)
    return _remove(f.op, value, args[0])


@dataclass(frozen=True)
class Expansion:
    """The result of substituting one string. `error` is why kustomize-controller refuses it
    (the text is then returned unchanged); `certain` is False when the text that follows the
    value in the object could change that."""

    text: str
    error: str | None = None
    certain: bool = True
    error_offset: int = 0  # where the refused `${` starts


def expand(text: str, vars: Vars) -> Expansion:
    """Substitute the variables in `text`, keeping unknown references as written."""
    if not vars.active or "$" not in text:
        return Expansion(text)
    nodes = _parse(text)
    if isinstance(nodes, _TooDeep):
        return Expansion(text)
    if isinstance(nodes, _Bad):
        return Expansion(text, nodes.reason, not nodes.at_end, nodes.offset)
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        else:
            value = _eval_func(node, vars)
            out.append(text[node.start : node.end] if value is None else value)
    return Expansion("".join(out))


# --- objects --------------------------------------------------------------------------------------


def substitution_disabled(obj: Mapping) -> bool:
    """Labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`."""
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return False
    for name in ("labels", "annotations"):
        entries = meta.get(name)
        if isinstance(entries, Mapping) and entries.get(DISABLE_KEY) == "disabled":
            return True
    return False


def _offset_loc(container: YMap | YSeq, key: Any, value: str, offset: int) -> Loc:
    """Where text[offset] stands in the file: inside a literal block, on its own line."""
    source = EmbeddedSource.from_value(container, key)
    if source is None or not source.exact or "\n" not in value:
        return container.loc(key)
    line = value.count("\n", 0, offset) + 1
    col = offset - (value.rfind("\n", 0, offset) + 1) + 1
    return source.loc(line, col)


class _TreeSubstitution:
    def __init__(self, vars: Vars):
        self.vars = vars
        self.problems: list[Problem] = []

    def __call__(self, value: str, container: YMap | YSeq, key: Any) -> Any:
        if "$" not in value:
            return value
        result = expand(value, self.vars)
        if result.error is not None:
            self.problems.append(
                Problem(
                    "bad-substitution",
                    f"variable substitution fails here ({result.error}): kustomize-controller fails the build",
                    _offset_loc(container, key, value, result.error_offset),
                    result.certain,
                )
            )
            return value
        text = result.text
        if text == value or is_unknown(text) or not written_plain(value):
            return value if text == value else text
        try:
            return read_back(text, container, key)
        except ValueError as exc:
            self.problems.append(
                Problem(
                    "substituted-yaml-invalid",
                    f"after substitution this value is not valid YAML ({exc}): kustomize-controller fails the build",
                    container.loc(key),
                )
            )
            return text


def substitute_tree(node: T, vars: Vars) -> T:
    """`node` with every string value substituted (keys are not), copy-on-write (see the package
    docstring). Values Flux would refuse are left as written: `substitute_object` reports them."""
    if not vars.active:
        return node
    return rewrite_strings(node, _TreeSubstitution(vars))


@dataclass(frozen=True)
class Substitution:
    data: Any
    problems: tuple[Problem, ...] = ()
    applied: bool = False  # whether kustomize-controller substitutes this object at all


def substitute_object(obj: YMap, vars: Vars) -> Substitution:
    """What kustomize-controller makes of one built object: substituted unless no variable exists
    or the object disables substitution. The problems of the variables themselves (invalid names)
    come from `postbuild_vars`."""
    if not vars.active or substitution_disabled(obj):
        return Substitution(obj)
    walk = _TreeSubstitution(vars)
    data = rewrite_strings(obj, walk)
    return Substitution(data, tuple(walk.problems), True)
