"""How deeply a PromQL expression nests, from its text, before anything parses it.

promql-parser (the Rust parser behind obslint.model.promql) needs memory that grows with the
square of an expression's nesting depth, and crashes the interpreter past a few thousand levels:
measured with promql-parser 0.12 (PyPI), `((((up))))` 2,000 levels deep takes 290 MB, `up+up+...+up` with
3,000 terms (a left-nested chain of 3,000 binary expressions) 1.4 GB, 10,000 levels segfault after
6.5 GB. Flat chains count as much as brackets: every infix operator wraps what stands before it.
Prometheus sets no limit of its own (its parser is goyacc-generated, prometheus/prometheus
promql/parser/generated_parser.y; `promtool check rules` accepts 10,000 levels), so obslint sets
one far above any real rule and reports an expression past it instead of parsing it.

`nesting_depth(expr)` is an upper bound of the AST's depth, from one linear scan: per bracket
level, the number of operators in it (infix, unary, `[...]` ranges and subqueries, which wrap the
selector or expression before them) plus the deepest level it holds. String literals, comments and
the insides of `{...}` matchers and `[...]` ranges do not count.
"""

from __future__ import annotations

# Real rules nest a dozen levels or so: the 717 distinct rule expressions of reference-stack/ and
# ../shared/corpus nest at most 10 (this bound: 18). 256 keeps promql-parser under ~20 MB per
# expression and obslint's own recursive walks of the AST (obslint.model.promql.output_labels) far
# below Python's recursion limit.
MAX_NESTING = 256

_SYMBOL_OPS = frozenset("+-*/%^<>=!")
_WORD_OPS = frozenset({"and", "or", "unless", "atan2"})
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:")
_IDENT = _IDENT_START | frozenset("0123456789.")
_CLOSE = {")": "(", "]": "[", "}": "{"}


def nesting_depth(expr: str) -> int:
    """An upper bound of the depth of `expr`'s syntax tree (see the module docstring)."""
    # one frame per open bracket: [bracket, operators at this level, deepest level closed inside]
    frames: list[list] = [["", 0, 0]]
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        top = frames[-1]
        counted = top[0] in ("", "(")  # operators inside {} matchers and [] ranges do not nest
        if ch in "\"'`":
            i = _string_end(expr, i)
            continue
        if ch == "#":
            end = expr.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "([{":
            if ch == "[" and counted:
                top[1] += 1  # a range or subquery wraps what stands before it
            frames.append([ch, 0, 0])
        elif ch in _CLOSE:
            if len(frames) > 1 and frames[-1][0] == _CLOSE[ch]:
                done = frames.pop()
                frames[-1][2] = max(frames[-1][2], 1 + done[1] + done[2])
        elif ch in _SYMBOL_OPS:
            if counted:
                top[1] += 1
            if i + 1 < n and expr[i + 1] in "=~":  # ==, !=, >=, <=, =~, !~ are one operator
                i += 1
        elif ch in _IDENT_START:
            j = i + 1
            while j < n and expr[j] in _IDENT:
                j += 1
            if counted and expr[i:j].lower() in _WORD_OPS:
                top[1] += 1
            i = j
            continue
        i += 1
    while len(frames) > 1:  # unclosed brackets: the parser reports them
        done = frames.pop()
        frames[-1][2] = max(frames[-1][2], 1 + done[1] + done[2])
    return frames[0][1] + frames[0][2]


def _string_end(expr: str, start: int) -> int:
    """The position after the string literal opening at `start` (the end of the text if unclosed).
    Backquoted strings are raw; the others take backslash escapes."""
    quote = expr[start]
    i, n = start + 1, len(expr)
    while i < n:
        ch = expr[i]
        if ch == "\\" and quote != "`":
            i += 2
            continue
        if ch == quote:
            return i + 1
        i += 1
    return n


def nesting_problem(expr: str) -> str | None:
    """Why `expr` is not parsed (None: it is shallow enough)."""
    depth = nesting_depth(expr)
    if depth <= MAX_NESTING:
        return None
    return (
        f"the expression nests {depth} levels deep (brackets and operators), more than the {MAX_NESTING} obslint parses"
    )
