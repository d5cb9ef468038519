"""Parse errors of Go text/template: what `template.Parse` refuses, found without running Go.

Go's parser stops at the first error, and so does `first_error`. Checked (text/template/parse
lex.go and parse.go, https://pkg.go.dev/text/template):

* lexing: an action or comment without its closing `}}` ("unclosed action", "unclosed comment"),
  a string without its closing quote ("unterminated quoted string"; a newline ends a `"` string),
  a character that cannot stand in an action ("unrecognized character in action": `}`, `[`, `!`,
  ...), a lone `:` ("expected :="), a sign or digit that starts no number (`.Labels.pod-name` lexes
  `-name` as a number: "bad number syntax");
* structure: an `{{ end }}` or `{{ else }}` with nothing open, a control structure without its
  `{{ end }}` ("unexpected EOF"), a `{{ define }}` inside another action, `define`/`template`/`block`
  without a quoted name, an empty action or control clause ("missing value for ...");
* names: a variable used before it is declared in scope ("undefined variable"), and a function
  the template engine does not define ("function ... not defined": Go checks function names at
  parse time, against the functions the caller registered plus Go's builtins).

Not checked (accepted here, so never reported): argument counts and types, which Go checks only
when the template runs, and pipeline shapes rarer than these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from obslint.model.gotemplate import SPACE, Token, lex, lex_action

# Go's builtin functions (text/template funcs.go builtins()).
GO_BUILTINS = frozenset(
    {
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
        "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
    }
)  # fmt: skip
CONSTANTS = frozenset({"true", "false", "nil"})
_NUMBER = re.compile(
    r"[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?"
    r"|0[oObB][0-9_]+"
    r"|([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][+-]?[0-9_]+)?)i?\Z"
)


@dataclass(frozen=True)
class SyntaxProblem:
    offset: int  # in the template text
    message: str

    def line(self, text: str) -> int:
        """1-based line of the problem in the template text."""
        return text.count("\n", 0, self.offset) + 1


def _lex_problem(text: str) -> SyntaxProblem | None:
    """The lexer's first error: unclosed comments and actions, bad tokens, in text order."""
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            return None
        body = start + 2
        if text.startswith("-", body) and body + 1 < len(text) and text[body + 1] in SPACE:
            body += 2
        if text.startswith("/*", body):
            close = text.find("*/", body + 2)
            if close < 0:
                return SyntaxProblem(start, "unclosed comment")
            after = close + 2
            if text[after : after + 1] in (" ", "\t", "\r", "\n") and text.startswith("-}}", after + 1):
                after += 2
            if not text.startswith("}}", after):
                return SyntaxProblem(start, "comment ends before closing delimiter")
            i = after + 2
            continue
        tokens, i = lex_action(text, body)
        for tok in tokens:
            problem = _token_problem(tok)
            if problem is not None:
                return problem
        if not _closed(text, i):
            return SyntaxProblem(start, "unclosed action")


def _closed(text: str, end: int) -> bool:
    return end >= 2 and text[end - 2 : end] == "}}"


def _token_problem(tok: Token) -> SyntaxProblem | None:
    if tok.kind == "string":
        quote = tok.text[0]
        if len(tok.text) < 2 or tok.text[-1] != quote or (quote == '"' and tok.text.endswith("\n")):
            what = "quoted string" if quote == '"' else "raw quoted string"
            return SyntaxProblem(tok.start, f"unterminated {what}")
    if tok.kind == "number" and not tok.text.startswith("'") and not _NUMBER.match(tok.text):
        return SyntaxProblem(tok.start, f"bad number syntax: {tok.text!r}")
    if tok.kind == "number" and tok.text.startswith("'") and (len(tok.text) < 3 or not tok.text.endswith("'")):
        return SyntaxProblem(tok.start, "unterminated character constant")
    if tok.kind == "bad":
        if tok.text == ":":
            return SyntaxProblem(tok.start, "expected :=")
        return SyntaxProblem(tok.start, f"unrecognized character in action: {tok.text!r}")
    return None


@dataclass
class _Open:
    kind: str  # if | with | range | define | block
    offset: int
    variables: set[str]
    has_else: bool = False


def _solid(tokens: Iterable[Token]) -> list[Token]:
    return [t for t in tokens if t.kind != "space"]


class _Checker:
    def __init__(self, funcs: frozenset[str]):
        self.funcs = funcs | GO_BUILTINS
        self.stack: list[_Open] = []
        self.top_vars: set[str] = {"$"}

    @property
    def variables(self) -> set[str]:
        return self.stack[-1].variables if self.stack else self.top_vars

    def action(self, start: int, tokens: list[Token]) -> SyntaxProblem | None:
        if not tokens:
            return SyntaxProblem(start, "missing value for command")
        head = tokens[0].text if tokens[0].kind == "ident" else ""
        if head == "end":
            if not self.stack:
                return SyntaxProblem(start, "unexpected {{end}}")
            self.stack.pop()
            return None
        if head == "else":
            return self._else(start, tokens)
        if head in ("break", "continue"):
            if not any(o.kind == "range" for o in self.stack):
                return SyntaxProblem(start, f"{{{{{head}}}}} outside {{{{range}}}}")
            return None
        if head in ("if", "with", "range"):
            vars_ = set(self.variables)
            problem = self._pipeline(start, tokens[1:], head, vars_, declare=True)
            self.stack.append(_Open(head, start, vars_))
            return problem
        if head == "define":
            if self.stack:
                return SyntaxProblem(start, "unexpected <define> in command")
            if len(tokens) != 2 or tokens[1].kind != "string":
                return SyntaxProblem(start, "define clause needs exactly one quoted template name")
            self.stack.append(_Open("define", start, {"$"}))
            return None
        if head in ("template", "block"):
            if len(tokens) < 2 or tokens[1].kind != "string":
                return SyntaxProblem(start, f"unexpected token in {head} clause: a quoted template name must follow")
            problem = self._pipeline(start, tokens[2:], head, self.variables, declare=False, optional=True)
            if head == "block":
                self.stack.append(_Open("define", start, {"$"}))
            return problem
        return self._pipeline(start, tokens, "command", self.variables, declare=True)

    def _else(self, start: int, tokens: list[Token]) -> SyntaxProblem | None:
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind not in ("if", "with", "range"):
            return SyntaxProblem(start, "unexpected {{else}}")
        if frame.has_else:
            return SyntaxProblem(start, "expected end; found {{else}}")
        # Go keeps the variables of the first branch in scope in the else branch
        # (parse.go parseControl pops them only at {{end}}).
        chained = tokens[1].text if len(tokens) > 1 and tokens[1].kind == "ident" else ""
        if chained in ("if", "with"):
            return self._pipeline(start, tokens[2:], chained, frame.variables, declare=True)
        if len(tokens) > 1:
            return SyntaxProblem(start, "unexpected tokens after else")
        frame.has_else = True
        return None

    def _pipeline(
        self, start: int, tokens: list[Token], context: str, scope: set[str], declare: bool, optional: bool = False
    ) -> SyntaxProblem | None:
        declared: list[str] = []
        k = 0
        if declare:
            while k < len(tokens) and tokens[k].kind == "var" and "." not in tokens[k].text[1:]:
                names = [tokens[k].text]
                j = k + 1
                if context == "range" and j + 1 < len(tokens) and tokens[j].text == "," and tokens[j + 1].kind == "var":
                    names.append(tokens[j + 1].text)
                    j += 2
                if j < len(tokens) and tokens[j].kind == "op" and tokens[j].text in (":=", "="):
                    if tokens[j].text == "=":
                        missing = [n for n in names if n not in scope]
                        if missing:
                            return SyntaxProblem(tokens[k].start, f"undefined variable {missing[0]!r}")
                    else:
                        declared = names
                    k = j + 1
                break
        body = tokens[k:]
        if not body:
            if optional:
                return None
            return SyntaxProblem(start, f"missing value for {context}")
        problem = self._operands(body, scope)
        scope.update(declared)
        return problem

    def _operands(self, tokens: list[Token], scope: set[str]) -> SyntaxProblem | None:
        depth = 0
        for tok in tokens:
            if tok.kind == "op":
                if tok.text == "(":
                    depth += 1
                    continue
                if tok.text == ")":
                    depth -= 1
                    if depth < 0:
                        return SyntaxProblem(tok.start, "unexpected right paren")
                elif tok.text == "|":
                    continue
                elif tok.text in (":=", "=", ","):
                    return SyntaxProblem(tok.start, f"unexpected {tok.text!r} in operand")
            elif tok.kind == "var":
                if tok.text not in scope:
                    return SyntaxProblem(tok.start, f"undefined variable {tok.text!r}")
            elif tok.kind == "ident" and tok.text not in CONSTANTS and tok.text not in self.funcs:
                # every identifier in an operand is a function call in Go templates
                return SyntaxProblem(tok.start, f"function {tok.text!r} not defined")
        if depth > 0:
            return SyntaxProblem(tokens[-1].start, "unclosed left paren")
        return None


def first_error(text: str, funcs: frozenset[str]) -> SyntaxProblem | None:
    """The first parse error Go's text/template reports for `text`, with `funcs` registered
    (besides Go's builtins); None when it parses."""
    problem = _lex_problem(text)
    if problem is not None:
        return problem
    checker = _Checker(funcs)
    for action in lex(text):
        problem = checker.action(action.start, _solid(action.tokens))
        if problem is not None:
            return problem
    if checker.stack:
        frame = checker.stack[-1]
        return SyntaxProblem(frame.offset, f"unexpected EOF: {{{{{frame.kind}}}}} is never closed by {{{{end}}}}")
    return None
