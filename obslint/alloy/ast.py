"""AST of Alloy configuration syntax. Every node carries 1-based `line` and `col` (its start).

Statements: `Attribute` (name = value) and `Block` (dotted name, optional label, body).
Expressions: `Ident`, `Literal`, `Array`, `Object` (of `Field`), `Access` (value.name),
`Index` (value[index]), `Call` (func(args)), `Unary`, `Binary`, `Paren`.

Walking is iterative (`walk_exprs`, `iter_attributes`) so arbitrarily large files do not
need Python recursion.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Node:
    __slots__ = ("col", "line")

    def __repr__(self) -> str:
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in self._fields())
        return f"{type(self).__name__}({fields})"

    def _fields(self) -> tuple[str, ...]:
        out: list[str] = []
        for klass in type(self).__mro__:
            out.extend(getattr(klass, "__slots__", ()))
        return tuple(s for s in out if s not in ("line", "col"))


# --- expressions -------------------------------------------------------------------------
class Expr(Node):
    __slots__ = ()


class Ident(Expr):
    __slots__ = ("name",)

    def __init__(self, name: str, line: int, col: int):
        self.name, self.line, self.col = name, line, col


class Literal(Expr):
    """kind: "string", "number", "float", "bool" or "null"; `raw` as written; `value` decoded."""

    __slots__ = ("kind", "raw", "value")

    def __init__(self, kind: str, raw: str, value: Any, line: int, col: int):
        self.kind, self.raw, self.value, self.line, self.col = kind, raw, value, line, col

    @property
    def is_raw_string(self) -> bool:
        return self.kind == "string" and self.raw.startswith("`")


class Array(Expr):
    __slots__ = ("elements",)

    def __init__(self, elements: list[Expr], line: int, col: int):
        self.elements, self.line, self.col = elements, line, col


class Field(Node):
    """`name = value` inside an object; `quoted` when the key was a string ("app.kubernetes.io/name")."""

    __slots__ = ("name", "quoted", "value")

    def __init__(self, name: str, quoted: bool, value: Expr, line: int, col: int):
        self.name, self.quoted, self.value, self.line, self.col = name, quoted, value, line, col


class Object(Expr):
    __slots__ = ("fields",)

    def __init__(self, fields: list[Field], line: int, col: int):
        self.fields, self.line, self.col = fields, line, col

    def get(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


class Access(Expr):
    """`value.name`; line/col is the start of the whole expression, name_line/name_col of `name`."""

    __slots__ = ("name", "name_col", "name_line", "value")

    def __init__(self, value: Expr, name: str, name_line: int, name_col: int):
        self.value, self.name, self.name_line, self.name_col = value, name, name_line, name_col
        self.line, self.col = value.line, value.col


class Index(Expr):
    __slots__ = ("index", "value")

    def __init__(self, value: Expr, index: Expr):
        self.value, self.index = value, index
        self.line, self.col = value.line, value.col


class Call(Expr):
    __slots__ = ("args", "func")

    def __init__(self, func: Expr, args: list[Expr]):
        self.func, self.args = func, args
        self.line, self.col = func.line, func.col

    @property
    def name(self) -> str | None:
        """Dotted name of the called function (`sys.env`, `coalesce`), None for computed callees."""
        path = reference_path(self.func)
        return ".".join(path) if path else None


class Unary(Expr):
    __slots__ = ("op", "value")

    def __init__(self, op: str, value: Expr, line: int, col: int):
        self.op, self.value, self.line, self.col = op, value, line, col


class Binary(Expr):
    __slots__ = ("left", "op", "op_col", "op_line", "right")

    def __init__(self, op: str, left: Expr, right: Expr, op_line: int, op_col: int):
        self.op, self.left, self.right, self.op_line, self.op_col = op, left, right, op_line, op_col
        self.line, self.col = left.line, left.col


class Paren(Expr):
    __slots__ = ("inner",)

    def __init__(self, inner: Expr, line: int, col: int):
        self.inner, self.line, self.col = inner, line, col


# --- statements --------------------------------------------------------------------------
class Stmt(Node):
    __slots__ = ()


class Attribute(Stmt):
    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Expr, line: int, col: int):
        self.name, self.value, self.line, self.col = name, value, line, col


class Block(Stmt):
    """`name "label" { body }`. `name` is dotted ("loki.write"); `label` None when absent.

    label_line/label_col locate the label (the name's position when there is none);
    end_line/end_col the closing brace.
    """

    __slots__ = ("body", "end_col", "end_line", "label", "label_col", "label_line", "name")

    def __init__(self, name: str, label: str | None, body: list[Stmt], line: int, col: int):
        self.name, self.label, self.body, self.line, self.col = name, label, body, line, col
        self.label_line, self.label_col = line, col
        self.end_line, self.end_col = line, col

    @property
    def id(self) -> str:
        """`name.label` (how a component is referenced), or just the name without a label."""
        return f"{self.name}.{self.label}" if self.label else self.name

    def attributes(self) -> list[Attribute]:
        return [s for s in self.body if isinstance(s, Attribute)]

    def attr(self, name: str) -> Attribute | None:
        for s in self.body:
            if isinstance(s, Attribute) and s.name == name:
                return s
        return None

    def blocks(self, name: str | None = None) -> list[Block]:
        return [s for s in self.body if isinstance(s, Block) and (name is None or s.name == name)]


class File(Node):
    """A parsed config: top-level statements, comments (text, line, col) and syntax diagnostics."""

    __slots__ = ("body", "comments", "diagnostics")

    def __init__(self, body: list[Stmt], comments: list[tuple[str, int, int]], diagnostics: list):
        self.body, self.comments, self.diagnostics = body, comments, diagnostics
        self.line, self.col = 1, 1

    @property
    def ok(self) -> bool:
        return not self.diagnostics

    def blocks(self, name: str | None = None) -> list[Block]:
        return [s for s in self.body if isinstance(s, Block) and (name is None or s.name == name)]

    def attributes(self) -> list[Attribute]:
        return [s for s in self.body if isinstance(s, Attribute)]


# --- walking -----------------------------------------------------------------------------
def children(expr: Expr) -> list[Expr]:
    """Direct sub-expressions of an expression (object field values included)."""
    if isinstance(expr, Array):
        return list(expr.elements)
    if isinstance(expr, Object):
        return [f.value for f in expr.fields]
    if isinstance(expr, (Access, Unary)):
        return [expr.value]
    if isinstance(expr, Index):
        return [expr.value, expr.index]
    if isinstance(expr, Call):
        return [expr.func, *expr.args]
    if isinstance(expr, Binary):
        return [expr.left, expr.right]
    if isinstance(expr, Paren):
        return [expr.inner]
    return []


def walk_exprs(expr: Expr) -> Iterator[Expr]:
    """Every expression below (and including) `expr`, pre-order, without recursion."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(reversed(children(e)))


def iter_blocks(body: list[Stmt], path: tuple[Block, ...] = ()) -> Iterator[tuple[tuple[Block, ...], Block]]:
    """(enclosing blocks, block) for every block in `body`, nested ones included, in source order."""
    stack: list[tuple[tuple[Block, ...], list[Stmt], int]] = [(path, body, 0)]
    while stack:
        p, stmts, i = stack.pop()
        if i >= len(stmts):
            continue
        stack.append((p, stmts, i + 1))
        s = stmts[i]
        if isinstance(s, Block):
            yield p, s
            stack.append(((*p, s), s.body, 0))


def iter_attributes(body: list[Stmt], path: tuple[Block, ...] = ()) -> Iterator[tuple[tuple[Block, ...], Attribute]]:
    """(enclosing blocks, attribute) for every attribute below `body`, in source order.

    The block path tells where an attribute sits: `password` with path
    (`loki.write "default"`, `endpoint`, `basic_auth`) is `loki.write.default/endpoint/basic_auth`.
    """
    stack: list[tuple[tuple[Block, ...], list[Stmt], int]] = [(path, body, 0)]
    while stack:
        p, stmts, i = stack.pop()
        if i >= len(stmts):
            continue
        stack.append((p, stmts, i + 1))
        s = stmts[i]
        if isinstance(s, Attribute):
            yield p, s
        elif isinstance(s, Block):
            stack.append(((*p, s), s.body, 0))


def reference_path(expr: Expr) -> tuple[str, ...] | None:
    """`a.b.c` -> ("a", "b", "c"); None unless expr is an identifier followed by member accesses."""
    names: list[str] = []
    while isinstance(expr, Access):
        names.append(expr.name)
        expr = expr.value
    if not isinstance(expr, Ident):
        return None
    names.append(expr.name)
    names.reverse()
    return tuple(names)


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


def static_value(expr: Expr | None) -> Any:
    """The value of a constant expression (literals, arrays, objects, string `+`), else UNKNOWN."""
    if expr is None:
        return UNKNOWN
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Paren):
        return static_value(expr.inner)
    if isinstance(expr, Array):
        items = [static_value(e) for e in expr.elements]
        return UNKNOWN if any(i is UNKNOWN for i in items) else items
    if isinstance(expr, Object):
        out = {f.name: static_value(f.value) for f in expr.fields}
        return UNKNOWN if any(v is UNKNOWN for v in out.values()) else out
    if isinstance(expr, Binary) and expr.op == "+":
        left, right = static_value(expr.left), static_value(expr.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(expr, Unary) and expr.op == "-":
        v = static_value(expr.value)
        return -v if isinstance(v, (int, float)) and not isinstance(v, bool) else UNKNOWN
    return UNKNOWN
