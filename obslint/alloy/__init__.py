"""Alloy (River) configuration syntax: lexer, parser and AST.

`parse(text) -> File` never raises; syntax errors are `File.diagnostics`.
"""

from obslint.alloy.ast import (
    UNKNOWN,
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
    iter_attributes,
    iter_blocks,
    reference_path,
    static_value,
    walk_exprs,
)
from obslint.alloy.lexer import Diagnostic, tokenize, unquote
from obslint.alloy.parser import MAX_DEPTH, parse, parse_expression

__all__ = [
    "MAX_DEPTH",
    "UNKNOWN",
    "Access",
    "Array",
    "Attribute",
    "Binary",
    "Block",
    "Call",
    "Diagnostic",
    "Expr",
    "Field",
    "File",
    "Ident",
    "Index",
    "Literal",
    "Object",
    "Paren",
    "Stmt",
    "Unary",
    "iter_attributes",
    "iter_blocks",
    "parse",
    "parse_expression",
    "reference_path",
    "static_value",
    "tokenize",
    "unquote",
    "walk_exprs",
]
