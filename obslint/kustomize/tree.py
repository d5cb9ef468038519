"""Copy-on-write rewriting of the string values of a YMap/YSeq tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from obslint.load.yamlfile import MAX_DEPTH, YMap, YSeq

T = TypeVar("T")

# fn(value, container, key) -> the new value (the same object when unchanged).
StringFn = Callable[[str, YMap | YSeq, Any], Any]


def rewrite_strings(node: T, fn: StringFn) -> T:
    """`node` with every string value (not key) replaced by fn's answer.

    Returns `node` itself when nothing changed; otherwise copies only the mappings and sequences
    on the path to a change, keeping every position (a new value keeps the position of the value
    it replaces). Nesting deeper than the loader accepts is left as it is."""
    return _rewrite(node, fn, 0)


def _rewrite(node: Any, fn: StringFn, depth: int) -> Any:
    if depth > MAX_DEPTH or not isinstance(node, (YMap, YSeq)):
        return node
    out: YMap | YSeq | None = None
    for key, value in node.items() if isinstance(node, YMap) else enumerate(node):
        if isinstance(value, str):
            new = fn(value, node, key)
        elif isinstance(value, (YMap, YSeq)):
            new = _rewrite(value, fn, depth + 1)
        else:
            continue
        if new is not value:
            if out is None:
                out = node.clone()
            out[key] = new
    return node if out is None else out
