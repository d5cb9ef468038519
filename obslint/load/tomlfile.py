"""TOML text read into the positioned mappings YAML is read into (`YMap`, `YSeq`).

The standard library's tomllib parses (https://docs.python.org/3/library/tomllib.html); the
positions come from obslint.load.toml_positions. A key that cannot be placed takes the position
of the table holding it (its header line), so a finding never points at another line.

The text is untrusted: text over MAX_CHARS or nested deeper than MAX_DEPTH is refused (a
LIMIT_EXCEEDED problem), and so is nesting deep enough to exhaust tomllib's recursion.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from obslint.load.source import Source
from obslint.load.toml_positions import Path, Positions, locate
from obslint.load.yamlfile import LIMIT_EXCEEDED, YMap, YSeq

# A Vector configuration is a few kilobytes; past this tomllib's pure-Python parse takes seconds.
MAX_CHARS = 1_000_000
# Far deeper than any configuration; keeps the recursion of tomllib and of the locator in bounds.
MAX_DEPTH = 100

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")  # how tomllib ends an error message


@dataclass
class TOMLParse:
    data: YMap | None
    # ("unparseable-file" | LIMIT_EXCEEDED, line, col, message) when data is None
    problem: tuple[str, int, int, str] | None = None


def parse_toml(source: Source) -> TOMLParse:
    """The text of `source` as a YMap whose positions are those of `source`."""
    text = source.text
    if len(text) > MAX_CHARS:
        return TOMLParse(None, (LIMIT_EXCEEDED, 1, 1, f"TOML text over {MAX_CHARS:,} characters; not read"))
    try:
        plain = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _AT.search(message)
        line, col = (int(m[1]), int(m[2])) if m else (1, 1)
        reason = message[: m.start()] if m else message
        return TOMLParse(None, ("unparseable-file", line, col, f"invalid TOML: {reason}"))
    except RecursionError:
        return TOMLParse(None, (LIMIT_EXCEEDED, 1, 1, f"TOML nested deeper than {MAX_DEPTH} levels; not read"))
    if _depth_over(plain, MAX_DEPTH):
        return TOMLParse(None, (LIMIT_EXCEEDED, 1, 1, f"TOML nested deeper than {MAX_DEPTH} levels; not read"))
    return TOMLParse(_positioned(plain, source, locate(text)))


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests tables and arrays deeper than `limit` (without recursing)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _positioned(plain: dict, source: Source, places: Positions) -> YMap:
    by_path = places.by_path
    root = YMap(source, 1, 1)

    def fill(node: YMap | YSeq, value: Any, path: Path) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            here = (*path, key)
            placed = by_path.get(here)
            if isinstance(child, dict | list):
                line, col = placed.value if placed is not None else (node.line, node.col)
                inner: YMap | YSeq = YMap(source, line, col) if isinstance(child, dict) else YSeq(source, line, col)
                fill(inner, child, here)
                child = inner
            if isinstance(node, YMap):
                node[key] = child
                if placed is not None:
                    node.set_pos(key, *placed.key, *placed.value, placed.style)
            else:
                node.append(child)
                line, col = placed.value if placed is not None else (node.line, node.col)
                node.add_pos(line, col, placed.style if placed is not None else "")

    fill(root, plain, ())
    return root
