"""Go text/template, as far as the linters need it: what each reference in a template points at.

Prometheus alert annotations/labels and Alertmanager notification texts are Go templates. A
reference such as `.Labels.job` means different things depending on where it stands:

* `$` is the data passed to the template and `.` ("dot") starts out as the same value;
* `{{ range P }}` sets dot to each element of P, `{{ with P }}` to the value of P; in their
  `{{ else }}` branch dot is the outer dot again (`{{ else with P }}` rebinds it once more);
* a variable (`$x := P`) lives until the `end` of the control structure it is declared in;
* a `{{ define "n" }}` body sees the data its `{{ template "n" P }}` caller passes, nothing else;
* strings are lexed inside an action, so `}}` within `"..."` does not end it, and the text of a
  string literal is never expanded again: templates do not nest.

References: https://pkg.go.dev/text/template (Actions, Arguments, Variables) and the lexer
text/template/parse/lex.go (trim markers, comments, quoted and raw strings, character constants).

`analyse(text, ...)` resolves every reference to a path from the root data (`("Labels", "job")`)
when it is certain, and None when it depends on the data (the element of a `range query ...`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

Path = tuple[str, ...]

KEYWORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})
# Functions whose arguments are tested or compared rather than printed: an empty value there is handled.
TEST_FUNCS = frozenset({"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len"})
SPACE = " \t\r\n"
ELEMENT = "[]"
CHAINABLE = ("field", "var", "dot", "paren")  # path step for "an element of" (range)


# --- lexer ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # field | var | dot | string | ident | number | op | space | bad
    text: str
    start: int  # offset in the template text
    value: str = ""  # decoded text of a string literal


@dataclass(frozen=True, slots=True)
class Action:
    start: int  # offset of `{{`
    end: int  # offset after `}}` (end of text when unterminated)
    tokens: tuple[Token, ...]


def _ident_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def _scan_quoted(text: str, i: int) -> int:
    """Offset after the string/char literal opening at i (end of text when unterminated)."""
    quote, n = text[i], len(text)
    j = i + 1
    if quote == "`":
        end = text.find("`", j)
        return n if end < 0 else end + 1
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == quote or ch == "\n":
            return j + 1
        j += 1
    return n


def _decode(literal: str) -> str:
    """The value of a Go string literal (escapes as Go reads them, well enough for matching)."""
    if literal.startswith("`"):
        return literal[1:-1] if literal.endswith("`") and len(literal) > 1 else literal[1:]
    body = literal[1:-1] if len(literal) > 1 and literal[-1] == literal[0] else literal[1:]
    out: list[str] = []
    k = 0
    while k < len(body):
        ch = body[k]
        if ch == "\\" and k + 1 < len(body):
            nxt = body[k + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            k += 2
            continue
        out.append(ch)
        k += 1
    return "".join(out)


def _right_delim(text: str, i: int) -> int:
    """Length of the right delimiter (with its trim marker) at i, 0 when there is none."""
    if text.startswith("}}", i):
        return 2
    if text[i] in SPACE and text.startswith("-}}", i + 1):
        return 4
    return 0


def lex_action(text: str, i: int) -> tuple[list[Token], int]:
    """Tokens of the action whose body starts at i, and the offset after its `}}`."""
    tokens: list[Token] = []
    n = len(text)
    while i < n:
        closing = _right_delim(text, i)
        if closing:
            return tokens, i + closing
        ch = text[i]
        if ch in SPACE:
            j = i
            while j < n and text[j] in SPACE and not _right_delim(text, j):
                j += 1
            tokens.append(Token("space", text[i:j], i))
            i = j
        elif ch in "\"`'":
            j = _scan_quoted(text, i)
            kind = "string" if ch != "'" else "number"  # a character constant is a number in Go
            tokens.append(Token(kind, text[i:j], i, _decode(text[i:j]) if kind == "string" else ""))
            i = j
        elif ch == ":" and text.startswith(":=", i):
            tokens.append(Token("op", ":=", i))
            i += 2
        elif ch in "|(),=":
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch in "$.":
            j = i + 1
            while j < n and _ident_char(text[j]):
                j += 1
            if ch == "." and j == i + 1:
                if j < n and text[j].isdigit():  # `.5` is a number
                    j = _scan_number(text, i)
                    tokens.append(Token("number", text[i:j], i))
                else:
                    tokens.append(Token("dot", ".", i))
                i = j
                continue
            tokens.append(Token("var" if ch == "$" else "field", text[i:j], i))
            i = j
        elif ch.isdigit() or ch in "+-":
            j = _scan_number(text, i)
            tokens.append(Token("number", text[i:j], i))
            i = j
        elif _ident_char(ch):
            j = i
            while j < n and _ident_char(text[j]):
                j += 1
            tokens.append(Token("ident", text[i:j], i))
            i = j
        else:
            tokens.append(Token("bad", ch, i))
            i += 1
    return tokens, n


def _scan_number(text: str, i: int) -> int:
    j = i + 1
    while j < len(text) and (text[j].isalnum() or text[j] in "._+-") and not _right_delim(text, j):
        if text[j] in "+-" and text[j - 1].lower() not in "ep":
            break
        j += 1
    return j


@lru_cache(maxsize=8192)
def lex(text: str) -> tuple[Action, ...]:
    """Every action of the template (comments left out), with its tokens."""
    out: list[Action] = []
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            return tuple(out)
        body = start + 2
        if text.startswith("-", body) and body + 1 < len(text) and text[body + 1] in SPACE:
            body += 2  # left trim marker `{{- `
        if text.startswith("/*", body):  # a comment must follow the delimiter directly
            close = text.find("*/", body + 2)
            end = text.find("}}", close + 2) if close >= 0 else -1
            i = len(text) if end < 0 else end + 2
            continue
        tokens, i = lex_action(text, body)
        out.append(Action(start, i, tuple(tokens)))


# --- pipelines ----------------------------------------------------------------------------------


@dataclass
class Paren:
    """A parenthesised sub-pipeline used as an operand."""

    commands: list[Command]
    start: int


Operand = list[Token] | Paren  # a chain (a term and the fields directly after it), or a sub-pipeline


@dataclass
class Command:
    """One command of a pipeline: a function and its arguments, or a single value."""

    operands: list[Operand] = field(default_factory=list)

    @property
    def func(self) -> str:
        head = self.operands[0] if self.operands else None
        if isinstance(head, list) and len(head) == 1 and head[0].kind == "ident":
            return "" if head[0].text in ("true", "false", "nil") else head[0].text
        return ""


def _parse_pipeline(tokens: list[Token], i: int) -> tuple[list[Command], int]:
    """Commands of the pipeline starting at tokens[i], up to an unmatched `)` or the end."""
    commands = [Command()]
    prev: Token | None = None
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "op" and tok.text == ")":
            return [c for c in commands if c.operands], i + 1
        if tok.kind == "op" and tok.text == "|":
            commands.append(Command())
        elif tok.kind == "op" and tok.text == "(":
            sub, i = _parse_pipeline(tokens, i + 1)
            commands[-1].operands.append(Paren(sub, tok.start))
            # `(first .).Labels`: fields of a sub-pipeline's result, whose value is not followed
            closed = tokens[i - 1] if tokens[i - 1].text == ")" else None
            prev = Token("paren", ")", closed.start) if closed is not None else None
            continue
        elif tok.kind != "space":
            ops = commands[-1].operands
            adjacent = prev is not None and prev.start + len(prev.text) == tok.start
            last = ops[-1] if ops else None
            if tok.kind == "field" and adjacent and prev is not None and prev.kind == "paren":
                ops.append([prev, tok])
            elif tok.kind == "field" and adjacent and isinstance(last, list) and last[-1].kind in CHAINABLE:
                last.append(tok)  # `.Labels.job`, `$labels.job`: one chain
            else:
                ops.append([tok])
        prev = tok if tok.kind != "space" else None
        i += 1
    return [c for c in commands if c.operands], i


def _start(op: Operand) -> int:
    return op.start if isinstance(op, Paren) else op[0].start


# --- references -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to data: `path` from the template's root data (None: depends on the data)."""

    path: Path | None
    offset: int
    guarded: bool  # an enclosing if/with/range tests this value (or what contains it)
    test: bool  # a condition, declaration or argument of a test function: never printed as such
    define: str | None  # the `define`d template it stands in (None: the main text)


@dataclass(frozen=True, slots=True)
class Call:
    """`{{ template "name" P }}` (or `block`): the named template runs with dot = `arg`."""

    name: str
    arg: Path | None
    offset: int
    define: str | None


@dataclass(frozen=True, slots=True)
class StringArg:
    """A string literal passed to a function (`query "..."`, `"..." | query`)."""

    value: str
    offset: int  # of the opening quote
    func: str


@dataclass(frozen=True)
class Analysis:
    refs: tuple[Ref, ...]
    calls: tuple[Call, ...]
    strings: tuple[StringArg, ...]
    defines: frozenset[str]


@dataclass
class _Frame:
    kind: str  # root | if | with | range | define
    dot: Path | None
    outer_dot: Path | None
    vars: dict[str, Path | None]
    base_vars: dict[str, Path | None]
    guards: frozenset[Path]
    define: str | None


class _Walker:
    def __init__(self, variables: Mapping[str, Path | None], dot: Path | None, define_dots: Mapping[str, Path | None]):
        root_vars = {"$": dot, **variables}
        self.define_dots = define_dots
        self.stack = [_Frame("root", dot, dot, dict(root_vars), dict(root_vars), frozenset(), None)]
        self.refs: list[Ref] = []
        self.calls: list[Call] = []
        self.strings: list[StringArg] = []
        self.defines: set[str] = set()

    @property
    def top(self) -> _Frame:
        return self.stack[-1]

    # values ---------------------------------------------------------------------------------
    def _chain_path(self, chain: list[Token]) -> Path | None:
        head = chain[0]
        if head.kind == "dot":
            base, fields = self.top.dot, chain[1:]
        elif head.kind == "field":
            base, fields = self.top.dot, chain
        elif head.kind == "var":
            base, fields = self.top.vars.get(head.text), chain[1:]
        else:
            return None
        if base is None:
            return None
        return (*base, *(f.text[1:] for f in fields))

    def _operand_path(self, op: Operand) -> Path | None:
        return self.value(op.commands) if isinstance(op, Paren) else self._chain_path(op)

    def value(self, commands: list[Command]) -> Path | None:
        """The path a pipeline evaluates to, when it is a plain reference (or `index` of one)."""
        if len(commands) != 1:
            return None
        ops = commands[0].operands
        if commands[0].func == "index" and len(ops) >= 3:
            base = self._operand_path(ops[1])
            keys = [o[0].value for o in ops[2:] if isinstance(o, list) and len(o) == 1 and o[0].kind == "string"]
            return (*base, *keys) if base is not None and len(keys) == len(ops) - 2 else None
        return self._operand_path(ops[0]) if len(ops) == 1 else None

    # references -------------------------------------------------------------------------------
    def collect(self, commands: list[Command], test: bool, func: str = "") -> list[Path]:
        """Record the references of a pipeline (`func`: the function its value goes to); returns
        the paths it mentions."""
        mentioned: list[Path] = []
        for cmd in commands:
            name = cmd.func
            if name == "index":
                path = self.value([cmd])
                if path is not None:  # `index $labels "job"` is a reference to the label
                    self._add(path, _start(cmd.operands[1]), test, func)
                    mentioned.append(path)
                    continue
            inner = name if name and name != "index" else func
            for k, op in enumerate(cmd.operands):
                if isinstance(op, Paren):
                    mentioned.extend(self.collect(op.commands, test, inner))
                    continue
                head = op[0]
                if head.kind == "string" and name and k > 0:
                    self.strings.append(StringArg(head.value, head.start, name))
                if head.kind not in ("dot", "field", "var"):
                    continue
                path = self._chain_path(op)
                if path is not None:
                    mentioned.append(path)
                self._add(path, head.start, test, inner)
        # `"..." | query`: a lone string literal piped into a function
        for first, nxt in pairwise(commands):
            ops = first.operands
            if len(ops) == 1 and isinstance(ops[0], list) and ops[0][0].kind == "string" and nxt.func:
                self.strings.append(StringArg(ops[0][0].value, ops[0][0].start, nxt.func))
        return mentioned

    def _add(self, path: Path | None, offset: int, test: bool, func: str) -> None:
        guards = self.top.guards
        # testing a list (`range .Alerts`) tests none of its elements' fields
        guarded = path is not None and any(path[: len(g)] == g and ELEMENT not in path[len(g) :] for g in guards)
        self.refs.append(Ref(path, offset, guarded, test or func in TEST_FUNCS, self.top.define))

    # control structure ------------------------------------------------------------------------
    def action(self, tokens: tuple[Token, ...]) -> None:
        toks = [t for t in tokens if t.kind != "space"]
        if not toks:
            return
        head = toks[0].text if toks[0].kind == "ident" and toks[0].text in KEYWORDS else ""
        if head == "end":
            if len(self.stack) > 1:
                self.stack.pop()
            return
        if head in ("break", "continue"):
            return
        if head == "else":
            self._else(list(tokens), toks)
            return
        if head in ("if", "with", "range"):
            self._open(head, list(tokens)[tokens.index(toks[0]) + 1 :])
            return
        if head in ("define", "block", "template"):
            self._named(head, list(tokens)[tokens.index(toks[0]) + 1 :])
            return
        self._declare_or_print(list(tokens))

    def _split_declaration(self, tokens: list[Token]) -> tuple[list[str], list[Token]]:
        """(`$a`, `$b` declared or assigned, the pipeline tokens after `:=`/`=`)."""
        names: list[str] = []
        solid = [t for t in tokens if t.kind != "space"]
        k = 0
        while k < len(solid) and solid[k].kind == "var":
            names.append(solid[k].text)
            if k + 1 < len(solid) and solid[k + 1].kind == "op" and solid[k + 1].text == ",":
                k += 2
                continue
            k += 1
            break
        if names and k < len(solid) and solid[k].kind == "op" and solid[k].text in (":=", "="):
            return names, tokens[tokens.index(solid[k]) + 1 :]
        return [], tokens

    def _declare_or_print(self, tokens: list[Token]) -> None:
        names, rest = self._split_declaration(tokens)
        commands, _ = _parse_pipeline(rest, 0)
        if names:
            self.collect(commands, test=True)
            self.top.vars[names[-1]] = self.value(commands)
        else:
            self.collect(commands, test=False)

    def _open(self, kind: str, tokens: list[Token]) -> None:
        names, rest = self._split_declaration(tokens)
        commands, _ = _parse_pipeline(rest, 0)
        parent = self.top
        mentioned = self.collect(commands, test=True)
        value = self.value(commands)
        vars_ = dict(parent.vars)
        dot = parent.dot
        if kind == "with":
            dot = value
        elif kind == "range":
            dot = (*value, ELEMENT) if value is not None else None
        if names:
            vars_[names[-1]] = dot if kind == "range" else value
            if kind == "range" and len(names) > 1:
                vars_[names[0]] = None  # the index or key
        guards = parent.guards | frozenset(mentioned)
        self.stack.append(_Frame(kind, dot, parent.dot, vars_, dict(parent.vars), guards, parent.define))

    def _else(self, tokens: list[Token], toks: list[Token]) -> None:
        frame = self.top
        rest = tokens[tokens.index(toks[0]) + 1 :]
        frame.vars = dict(frame.base_vars)
        frame.dot = frame.outer_dot
        chained = toks[1].text if len(toks) > 1 and toks[1].kind == "ident" else ""
        if chained in ("if", "with"):
            rest = rest[rest.index(toks[1]) + 1 :]
            names, rest = self._split_declaration(rest)
            commands, _ = _parse_pipeline(rest, 0)
            frame.guards = frame.guards | frozenset(self.collect(commands, test=True))
            if chained == "with":
                frame.dot = self.value(commands)
                if names:
                    frame.vars[names[-1]] = frame.dot

    def _named(self, kind: str, tokens: list[Token]) -> None:
        solid = [t for t in tokens if t.kind != "space"]
        if not solid or solid[0].kind != "string":
            if kind != "template":
                self.stack.append(_Frame("define", None, None, {"$": None}, {"$": None}, frozenset(), "?"))
            return
        name = solid[0].value
        rest = tokens[tokens.index(solid[0]) + 1 :]
        commands, _ = _parse_pipeline(rest, 0)
        arg = self.value(commands) if commands else None
        if kind in ("template", "block"):
            self.collect(commands, test=True)
            self.calls.append(Call(name, arg, solid[0].start, self.top.define))
        if kind == "define":
            self.defines.add(name)
            dot = self.define_dots.get(name)
        elif kind == "block":
            self.defines.add(name)
            dot = arg
        else:
            return
        self.stack.append(_Frame("define", dot, dot, {"$": dot}, {"$": dot}, frozenset(), name))


@lru_cache(maxsize=8192)
def _analyse(
    text: str, variables: tuple[tuple[str, Path | None], ...], dot: Path | None, define_dots: tuple
) -> Analysis:
    walker = _Walker(dict(variables), dot, dict(define_dots))
    for action in lex(text):
        walker.action(action.tokens)
    return Analysis(tuple(walker.refs), tuple(walker.calls), tuple(walker.strings), frozenset(walker.defines))


def analyse(
    text: str,
    variables: Mapping[str, Path | None] | None = None,
    dot: Path | None = (),
    define_dots: Mapping[str, Path | None] | None = None,
) -> Analysis:
    """References, template calls and string arguments of a template (cached per text).

    `variables` are those the caller predefines (Prometheus: `$labels` = `.Labels`); `dot` is what
    the main text's dot is (the root data: `()`); `define_dots` gives the dot of `define`d bodies
    (the argument their callers pass), unknown otherwise."""
    return _analyse(
        text,
        tuple(sorted((variables or {}).items())),
        dot,
        tuple(sorted((define_dots or {}).items(), key=lambda kv: kv[0])),
    )


def has_action(text: str) -> bool:
    """Whether the text holds a template action that refers to data (a field, variable or dot)."""
    return any(t.kind in ("field", "var", "dot") for a in lex(text) for t in a.tokens)


def label_refs(refs: Iterable[Ref], root: str, define: str | None = None) -> Iterator[tuple[str, Ref]]:
    """(label name, ref) for printed references to `<root>.<name>` (`.Labels.job`, `.GroupLabels.x`)
    in the main text (`define` None) or in the body of that define."""
    for ref in refs:
        path = ref.path
        if ref.test or ref.define != define or path is None or len(path) != 2 or path[0] != root:
            continue
        name = path[1]
        if name and (name[0].isalpha() or name[0] == "_") and all(_ident_char(c) for c in name):
            yield name, ref
