"""Parser for Alloy configuration syntax: text -> `File` with diagnostics, never an exception.

Grammar and error behaviour follow the Alloy parser (restated in
../shared/oracles/alloy/GRAMMAR.md; docs: https://grafana.com/docs/alloy/latest/get-started/syntax/):

    File      = Body .
    Body      = [ Statement { TERMINATOR Statement } ] .
    Statement = identifier "=" Expression | BlockName "{" Body "}" .
    BlockName = identifier { "." identifier } [ string ] .

Expressions use precedence climbing: `||` < `&&` < comparisons < `+ -` < `* / %` < `^`
(right-associative, its left side a unary expression) < unary `! -` < postfix `.name [i] (args)`.

Error recovery matches upstream so the same mistakes produce the same diagnostics at the same
positions: at most one parser error per line, a bad statement is skipped up to the next
terminator (keeping bracket pairs balanced), a bad expression up to the end of the statement.
Nesting is limited to MAX_DEPTH levels (a diagnostic, not a Python stack overflow).
"""

from __future__ import annotations

from obslint.alloy.ast import (
    Access,
    Array,
    Attribute,
    Binary,
    Block,
    Call,
    Expr,
    Field,
    File,
    Ident,
    Index,
    Literal,
    Object,
    Paren,
    Stmt,
    Unary,
)
from obslint.alloy.lexer import (
    BOOL,
    EOF,
    FLOAT,
    IDENT,
    NULL,
    NUMBER,
    STRING,
    TERMINATOR,
    Diagnostic,
    LineIndex,
    tokenize,
    unquote,
)

MAX_DEPTH = 100

_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 3,
    "<=": 3,
    ">": 3,
    ">=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
}
_STATEMENT_END = frozenset({TERMINATOR, ")", "}", "]", ","})
_LITERAL_KINDS = {STRING: "string", NUMBER: "number", FLOAT: "float", BOOL: "bool", NULL: "null"}


class _TooDeep(Exception):
    pass


def is_valid_identifier(s: str) -> bool:
    """Letters, digits and `_`, not starting with a digit (what a block label must be)."""
    if not s or s[0].isdigit():
        return False
    return all(c == "_" or c.isalnum() for c in s) and not s[0].isdecimal()


def _go_quote(s: str) -> str:
    out = ['"']
    for c in s:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not c.isprintable():
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _number(kind: str, lit: str):
    try:
        return int(lit) if kind == NUMBER else float(lit)
    except ValueError:
        return None


class _Parser:
    def __init__(self, text: str):
        self.lines = LineIndex(text)
        tokens, comments, errors = tokenize(text)
        self.toks = tokens
        self.i = 0
        self.tok, self.lit, self.off = tokens[0]
        self.diags: list[Diagnostic] = [self._diag(off, msg) for off, msg in errors]
        self.comments = [(t, *self.lines.pos(off)) for t, off in comments]
        self.last_error_line = 0
        self.depth = 0

    # --- helpers -------------------------------------------------------------------------
    def _diag(self, offset: int, message: str) -> Diagnostic:
        line, col = self.lines.pos(offset)
        return Diagnostic(line, col, offset, message)

    def next(self) -> None:
        if self.i < len(self.toks) - 1:
            self.i += 1
        self.tok, self.lit, self.off = self.toks[self.i]

    def pos(self) -> tuple[int, int]:
        return self.lines.pos(self.off)

    def error(self, message: str) -> None:
        """A parser error at the current token; later errors on the same line are dropped."""
        line, col = self.lines.pos(self.off)
        if line == self.last_error_line:
            return
        self.last_error_line = line
        self.diags.append(Diagnostic(line, col, self.off, message))

    def error_at(self, offset: int, message: str) -> None:
        """An error at a given position (not subject to the one-per-line limit)."""
        self.diags.append(self._diag(offset, message))

    def expect(self, kind: str) -> bool:
        ok = self.tok == kind
        if not ok:
            self.error(f"expected {kind}, got {self.tok}")
        self.next()
        return ok

    def advance(self, to: str) -> None:
        while self.tok != EOF and self.tok != to:
            self.next()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            line, col = self.pos()
            self.diags.append(
                Diagnostic(line, col, self.off, f"nesting deeper than {MAX_DEPTH} levels; the rest is not parsed")
            )
            raise _TooDeep

    # --- statements ----------------------------------------------------------------------
    def parse_file(self) -> File:
        body: list[Stmt] = []
        try:
            self.parse_body(EOF, body)
        except _TooDeep:
            pass
        except RecursionError:  # pragma: no cover - MAX_DEPTH keeps well below the limit
            line, col = self.pos()
            self.diags.append(Diagnostic(line, col, self.off, "nested too deeply to parse"))
        self.diags.sort(key=lambda d: d.offset)
        return File(body, self.comments, self.diags)

    def parse_body(self, until: str, body: list[Stmt]) -> list[Stmt]:
        while self.tok != until and self.tok != EOF:
            stmt = self.parse_statement()
            if stmt is not None:
                body.append(stmt)
            if self.tok == until:
                break
            if self.tok != TERMINATOR:
                self.error(f"expected TERMINATOR, got {self.tok}")
                self.consume_statement()
            self.next()
        return body

    def consume_statement(self) -> None:
        curly = brack = paren = 0
        while self.tok != EOF:
            t = self.tok
            if t == "{":
                curly += 1
            elif t == "}":
                curly -= 1
            elif t == "[":
                brack += 1
            elif t == "]":
                brack -= 1
            elif t == "(":
                paren += 1
            elif t == ")":
                paren -= 1
            elif t == TERMINATOR and curly <= 0 and brack <= 0 and paren <= 0:
                return
            self.next()

    def parse_statement(self) -> Stmt | None:
        if self.tok != IDENT:
            self.error(f"expected identifier, got {self.tok}")
            self.advance(IDENT)
            return None
        start = self.off
        fragments = [self.lit]
        self.next()
        while self.tok == ".":
            self.next()
            if self.tok != IDENT:
                self.error(f"expected identifier, got {self.tok}")
            fragments.append(self.lit)
            self.next()
        label: str | None = None
        label_off: int | None = None
        if self.tok != "=" and self.tok != "{":
            if self.tok == STRING:
                if self.lit[0] != '"':
                    self.error(f"expected block label to be a double quoted string, but got {_go_quote(self.lit)}")
                if len(self.lit) > 2:
                    label = self.lit[1:-1]
                    if not is_valid_identifier(label):
                        self.error(f"expected block label to be a valid identifier, but got {_go_quote(label)}")
                else:
                    label = ""
                label_off = self.off
            else:
                self.error(f"expected block label, got {self.tok}")
            self.next()

        line, col = self.lines.pos(start)
        if self.tok == "=":
            self.next()
            if len(fragments) != 1:
                self.error_at(start, 'attribute names may only consist of a single identifier with no "."')
            elif label_off is not None:
                self.error_at(label_off, "attribute names may not have labels")
            return Attribute(fragments[0], self.parse_expr(), line, col)
        if self.tok == "{":
            block = Block(".".join(fragments), label, [], line, col)
            if label_off is not None:
                block.label_line, block.label_col = self.lines.pos(label_off)
            self.next()
            self.enter()
            self.parse_body("}", block.body)
            self.depth -= 1
            block.end_line, block.end_col = self.pos()
            self.expect("}")
            return block
        if len(fragments) == 1 and not label:
            self.error(f"expected attribute assignment or block body, got {self.tok}")
        else:
            self.error(f"expected block body, got {self.tok}")
        self.advance(IDENT)
        return None

    # --- expressions ---------------------------------------------------------------------
    def parse_expr(self, min_prec: int = 1) -> Expr:
        lhs = self.parse_pow()
        while True:
            prec = _PRECEDENCE.get(self.tok, 0)
            if prec < min_prec:
                return lhs
            op = self.tok
            op_line, op_col = self.pos()
            self.next()
            self.enter()
            rhs = self.parse_expr(prec + 1)
            self.depth -= 1
            lhs = Binary(op, lhs, rhs, op_line, op_col)

    def parse_pow(self) -> Expr:
        lhs = self.parse_unary()
        if self.tok != "^":
            return lhs
        op_line, op_col = self.pos()
        self.next()
        self.enter()
        rhs = self.parse_pow()
        self.depth -= 1
        return Binary("^", lhs, rhs, op_line, op_col)

    def parse_unary(self) -> Expr:
        if self.tok == "!" or self.tok == "-":
            op = self.tok
            line, col = self.pos()
            self.next()
            self.enter()
            value = self.parse_unary()
            self.depth -= 1
            return Unary(op, value, line, col)
        start_off = self.off
        primary = self.parse_primary()
        while True:
            t = self.tok
            if t == ".":
                self.next()
                name_line, name_col = self.pos()
                name = self.lit
                self.expect(IDENT)
                primary = Access(primary, name, name_line, name_col)
            elif t == "[":
                self.next()
                self.enter()
                index = self.parse_expr()
                self.depth -= 1
                self.expect("]")
                primary = Index(primary, index)
            elif t == "(":
                self.next()
                self.enter()
                args = self.parse_list(")") if self.tok != ")" else []
                self.depth -= 1
                self.expect(")")
                primary = Call(primary, args)
            elif t == STRING or t == "{":
                # Someone assigned a block to an attribute (`x = loki.write "a" { ... }`):
                # parse it as a block to say so, or give up on the statement.
                if t == STRING:
                    self.next()
                if not self.expect("{"):
                    self.consume_statement()
                    return primary
                self.enter()
                self.parse_body("}", [])
                self.depth -= 1
                if not self.expect("}"):
                    self.consume_statement()
                    return primary
                self.error_at(start_off, "cannot use a block as an expression")
            else:
                return primary

    def parse_primary(self) -> Expr:
        t = self.tok
        line, col = self.pos()
        if t == IDENT:
            node: Expr = Ident(self.lit, line, col)
            self.next()
            return node
        kind = _LITERAL_KINDS.get(t)
        if kind is not None:
            lit = self.lit
            if kind == "string":
                value = unquote(lit)
            elif kind == "bool":
                value = lit == "true"
            elif kind == "null":
                value = None
            else:
                value = _number(t, lit)
            self.next()
            return Literal(kind, lit, value, line, col)
        if t == "(":
            self.next()
            self.enter()
            inner = self.parse_expr()
            self.depth -= 1
            self.expect(")")
            return Paren(inner, line, col)
        if t == "[":
            self.next()
            self.enter()
            elements = self.parse_list("]") if self.tok != "]" else []
            self.depth -= 1
            self.expect("]")
            return Array(elements, line, col)
        if t == "{":
            self.next()
            self.enter()
            fields = self.parse_fields() if self.tok != "}" else []
            self.depth -= 1
            self.expect("}")
            return Object(fields, line, col)
        self.error(f"expected expression, got {t}")
        node = Literal("null", "null", None, line, col)
        while self.tok != EOF and self.tok not in _STATEMENT_END:
            self.next()
        return node

    def parse_list(self, until: str) -> list[Expr]:
        out: list[Expr] = []
        while self.tok != until and self.tok != EOF:
            out.append(self.parse_expr())
            if self.tok == until:
                break
            if self.tok != ",":
                self.error("missing ',' in expression list")
            self.next()
        return out

    def parse_fields(self) -> list[Field]:
        out: list[Field] = []
        while self.tok != "}" and self.tok != EOF:
            line, col = self.pos()
            name, quoted = "", False
            if self.tok == STRING or self.tok == IDENT:
                name = self.lit
                if self.tok == STRING:
                    name, quoted = unquote(self.lit), True
                self.next()
            else:
                self.error(f"expected field name (string or identifier), got {self.tok}")
                self.advance("=")
            self.expect("=")
            out.append(Field(name, quoted, self.parse_expr(), line, col))
            if self.tok == "}":
                break
            if self.tok != ",":
                self.error("missing ',' in field list")
            self.next()
        return out


def parse(text: str) -> File:
    """Parse a whole config. Syntax errors are in `File.diagnostics` (sorted by position)."""
    return _Parser(text).parse_file()


def parse_expression(text: str) -> tuple[Expr | None, list[Diagnostic]]:
    """Parse a single expression (followed by nothing but an optional newline)."""
    p = _Parser(text)
    try:
        expr = p.parse_expr()
    except _TooDeep:
        return None, p.diags
    if p.tok == TERMINATOR:
        p.next()
    if p.tok != EOF:
        p.error(f"expected {TERMINATOR}, got {p.tok}")
    p.diags.sort(key=lambda d: d.offset)
    return expr, p.diags
