"""The part of Go text/template (with slim-sprig) that ResourceSet templates mostly use.

flux-operator renders ResourceSet templates with `<<` and `>>` as delimiters, slim-sprig's
functions plus `inputs`, `slugify` and `toYaml`, and `missingkey=error`
(internal/builder/resourceset.go newTemplate). This module evaluates value actions only:

* operands: `inputs` and field chains on it (`inputs.a.b`), string, integer and boolean literals;
* pipelines of `quote`, `squote`, `default`, `int`, `toString`, `lower`, `upper`, `trim`;
* comments `<</* ... */>>` and the trim markers `<<- ` and ` ->>`.

Anything else (if, range, variables, other functions, printing a map or a list) is `unsupported`:
the caller keeps the action as written and treats the result as unknown. A value from an input
obslint cannot know (a ResourceSetInputProvider's) is `UNKNOWN` and makes the action unknown
too. What flux-operator refuses raises TemplateError: a missing input key (`missingkey=error`), a
field of a scalar or of null, a string function given a number, an unclosed action.

Values follow Go: inputs come from JSON, so every number is a float64 and prints as Go's `%v`
does (`2`, `2.5`, `1e+06`); `quote` is Go's `%q`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

LEFT, RIGHT = "<<", ">>"
_CONTROL = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})
_DECIMAL = re.compile(r"[+-]?(?:0|[1-9][0-9]*)\Z")
_INT_TEXT = re.compile(r"([+-]?(?:0|[1-9][0-9]*))(?:\.0*)?\Z")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


class TemplateError(Exception):
    """flux-operator refuses the template: the ResourceSet fails."""


class Unsupported(Exception):
    """A construct this module does not evaluate."""


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Action:
    """`<< body >>` at text[start:end]; `trim_left`/`trim_right` from the `-` markers."""

    start: int
    end: int
    body: str
    trim_left: bool
    trim_right: bool

    @property
    def is_comment(self) -> bool:
        return self.body.startswith("/*") and self.body.endswith("*/")

    @property
    def is_control(self) -> bool:
        words = self.body.split(None, 1)
        return bool(words) and (words[0] in _CONTROL or words[0].startswith("$"))


def _skip_quoted(text: str, i: int) -> int:
    """The index after the Go string, raw string or character literal starting at text[i]."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and quote != "`":
            j += 2
            continue
        if c == quote:
            return j + 1
        if c == "\n" and quote != "`":
            break
        j += 1
    raise TemplateError("unterminated quoted string in a template action")


def lex(text: str) -> list[str | Action]:
    """The text split into plain text and actions."""
    parts: list[str | Action] = []
    pos = 0
    while (start := text.find(LEFT, pos)) >= 0:
        parts.append(text[pos:start])
        i = start + len(LEFT)
        trim_left = text[i : i + 1] == "-" and text[i + 1 : i + 2] in (" ", "\t", "\n", "\r")
        if trim_left:
            i += 2
        body_start = i
        while True:
            if i >= len(text):
                raise TemplateError("unclosed template action")
            if text.startswith("/*", i) and i == body_start:
                close = text.find("*/", i + 2)
                if close < 0:
                    raise TemplateError("unclosed template comment")
                i = close + 2
                continue
            c = text[i]
            if c in "\"'`":
                i = _skip_quoted(text, i)
                continue
            trim_right = text[i] in " \t\n\r" and text.startswith("-" + RIGHT, i + 1)
            if trim_right or text.startswith(RIGHT, i):
                end = i + (1 + 1 + len(RIGHT) if trim_right else len(RIGHT))
                parts.append(Action(start, end, text[body_start:i].strip(), trim_left, trim_right))
                pos = end
                break
            i += 1
    parts.append(text[pos:])
    return parts


# --- values ---------------------------------------------------------------------------------------


def go_float(value: float) -> str:
    """fmt's %v of a float64 (strconv 'g', shortest digits): the exponent form when the exponent
    is below -4 or at least 6, so 1000000 prints as `1e+06` (strconv/ftoa.go)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    mantissa = "".join(map(str, digits))
    point = len(mantissa) + int(exponent)  # position of the decimal point after the first digit run
    x = point - 1
    prefix = "-" if sign else ""
    if x < -4 or x >= 6:
        frac = mantissa[1:]
        return f"{prefix}{mantissa[0]}{'.' + frac if frac else ''}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{mantissa}"
    if point >= len(mantissa):
        return prefix + mantissa + "0" * (point - len(mantissa))
    return f"{prefix}{mantissa[:point]}.{mantissa[point:]}"


def go_quote(text: str) -> str:
    """Go's strconv.Quote (%q) for text whose characters are printable or common escapes."""
    out = ['"']
    for c in text:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif c in _GO_ESCAPES:
            out.append(_GO_ESCAPES[c])
        elif c.isprintable() and not (c.isascii() and ord(c) < 0x20):
            out.append(c)
        elif ord(c) < 0x80:
            out.append(f"\\x{ord(c):02x}")
        else:
            raise Unsupported("a character Go would escape")
    out.append('"')
    return "".join(out)


def text_of(value: Any, printing: bool = False) -> str:
    """fmt's %v of a value (sprig's strval); `printing`: as the template prints it, where a
    missing value is `<no value>` rather than `<nil>`."""
    if value is UNKNOWN:
        raise _UnknownValue()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if value is None:
        return "<no value>" if printing else "<nil>"
    raise Unsupported("printing a map or a list")


class _UnknownValue(Exception):
    pass


def _empty(value: Any) -> bool:
    """sprig's empty(): nil, false, zero, an empty string or collection."""
    return value is None or value is False or value == 0 or (isinstance(value, (str, Mapping, list)) and not value)


def _to_int(value: Any) -> int:
    """sprig's int: cast.ToInt, which parses a string with strconv.ParseInt(s, 0, 0) after
    dropping a zero fraction (`2.0`); only decimal text is read here."""
    if isinstance(value, (bool, int, float)):
        return int(value)
    if value is None:
        return 0
    if isinstance(value, str):
        m = _INT_TEXT.match(value)
        if m:
            return int(m.group(1))
    raise Unsupported("int of a value other than a decimal number")


def _string_arg(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"{name} expects a string, got {text_of(value)!r}")
    if not value.isascii() and name in ("lower", "upper"):
        raise Unsupported("case mapping outside ASCII")
    return value


def _call(name: str, args: list[Any]) -> Any:
    if any(a is UNKNOWN for a in args) and name != "default":
        return UNKNOWN
    if name == "quote":
        return " ".join(go_quote(text_of(a)) for a in args if a is not None)
    if name == "squote":
        return " ".join(f"'{text_of(a)}'" for a in args if a is not None)
    if name == "default":
        if not args:
            raise TemplateError("default needs a value")
        if len(args) == 1:
            return args[0]
        given = args[1]
        if given is UNKNOWN or args[0] is UNKNOWN:
            return UNKNOWN
        return args[0] if _empty(given) else given
    if len(args) != 1:
        raise TemplateError(f"{name} takes one argument, got {len(args)}")
    if name == "int":
        return _to_int(args[0])
    if name == "toString":
        return text_of(args[0])
    value = _string_arg(name, args[0])
    return {"lower": value.lower, "upper": value.upper, "trim": value.strip}[name]()


_FUNCTIONS = frozenset({"quote", "squote", "toString", "default", "int", "lower", "upper", "trim"})
_TOKEN = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|`[^`]*`|\||[^\s|]+)")


def _literal(token: str) -> Any:
    if token.startswith("`"):
        return token[1:-1]
    if token.startswith('"'):
        try:
            return json.loads(token)
        except ValueError:
            raise Unsupported("a Go string escape") from None
    if token in ("true", "false"):
        return token == "true"
    if _DECIMAL.match(token):
        return int(token)
    if _FLOAT.match(token):
        return float(token)
    raise Unsupported(f"operand {token!r}")


def _field_chain(token: str, data: Any) -> Any:
    """`inputs.a.b` with `inputs` returning `data` (missingkey=error)."""
    value = data
    path = "inputs"
    for name in token.split(".")[1:]:
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, Mapping):
            if name not in value:
                raise TemplateError(f"map has no entry for key {name!r} in {path}")
            value = value[name]
        elif value is None:
            raise TemplateError(f"{path} is null: no field {name!r}")
        else:
            raise TemplateError(f"can't evaluate field {name!r} of {path}: it is not a map")
        path += "." + name
    return value


def _operand(token: str, data: Any) -> Any:
    if token == "inputs" or token.startswith("inputs."):
        return _field_chain(token, data)
    return _literal(token)


def evaluate(action: Action, data: Any) -> Any:
    """The value of a value action (UNKNOWN when it depends on an unknown input)."""
    if action.is_control:
        raise Unsupported("a control structure or a variable")
    tokens = _TOKEN.findall(action.body)
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            commands.append([])
        else:
            commands[-1].append(token)
    if any(not command for command in commands):
        raise TemplateError("missing command in a pipeline")
    value: Any = _MISSING_VALUE
    for command in commands:
        head, args = command[0], command[1:]
        if head in _FUNCTIONS:
            values = [_operand(a, data) for a in args]
            if value is not _MISSING_VALUE:
                values.append(value)
            value = _call(head, values)
        elif args or value is not _MISSING_VALUE:
            raise Unsupported(f"function {head!r}")
        else:
            value = _operand(head, data)
    return value


_MISSING_VALUE = object()


@dataclass(frozen=True)
class Rendered:
    text: str
    unknown: bool = False  # an action depends on an unknown input (kept as written)
    unsupported: bool = False  # an action obslint does not evaluate (kept as written)


def render(text: str, data: Any, parts: list[str | Action] | None = None) -> Rendered:
    """The text with its actions evaluated; actions that cannot be are kept as written.
    TemplateError when flux-operator refuses the template."""
    parts = lex(text) if parts is None else parts
    out: list[str] = []
    unknown = unsupported = False
    trim_next = False
    for part in parts:
        if isinstance(part, str):
            out.append(part.lstrip(" \t\r\n") if trim_next else part)
            trim_next = False
            continue
        if part.trim_left and out:
            out[-1] = out[-1].rstrip(" \t\r\n")
        trim_next = part.trim_right
        if part.is_comment:
            continue
        try:
            out.append(text_of(evaluate(part, data), printing=True))
        except _UnknownValue:
            unknown = True
            out.append(text[part.start : part.end])
        except Unsupported:
            unsupported = True
            out.append(text[part.start : part.end])
    return Rendered("".join(out), unknown, unsupported)
