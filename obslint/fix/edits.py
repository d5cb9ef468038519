"""What a fix is: edits to one YAML mapping of one file, attached to the finding it resolves.

A rule that can resolve its finding safely builds a `Fix` with `fix_at(node, ...)`, where `node`
is the mapping (as obslint loaded it) the edits apply to. The fix names that mapping by its file
and position, so the fixer (obslint.fix.apply) can find it again in a round-trip load of the
file; every edit states what it expects to find there, and the fixer applies nothing when the
file says otherwise. A node that is not written as YAML in a file of the repository (text inside
a string, chart defaults) gets a fix that is `refused`, with the reason shown to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.load import YMap
from obslint.load.source import EmbeddedSource, SourceFile

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
ANY: Any = type("Any", (), {"__repr__": lambda self: "ANY"})()


@dataclass(frozen=True)
class SetKey:
    """`key: value` in the mapping. `expect`: the current value it replaces (MISSING: the key must
    be absent, ANY: whatever is there). `after`: put a new key right after this one, if present.
    `flow`: write a list value in flow style (`[a, b]`)."""

    key: str
    value: Any
    expect: Any = ANY
    after: str | None = None
    flow: bool = False


@dataclass(frozen=True)
class AddItem:
    """`value` in the list under `key` (the list is made when the key is absent): at `at`, or at
    the end when None. Nothing happens when the list already holds it."""

    key: str
    value: Any
    at: int | None = None


@dataclass(frozen=True)
class ReplaceKeys:
    """The keys `old` removed and `items` added to the list under `new` (made where the first
    of `old` stood). At least one of `old` must be present."""

    old: tuple[str, ...]
    new: str
    items: tuple[Any, ...]


Edit = SetKey | AddItem | ReplaceKeys


@dataclass(frozen=True, eq=False)
class Fix:
    """Edits to the mapping at line/col (1-based) of file `path` (relative to the root)."""

    path: str
    line: int
    col: int
    edits: tuple[Edit, ...]
    summary: str  # what it does, e.g. `quote receiver "null"`
    refused: str = ""  # why it cannot be applied safely ("" = it can)

    @property
    def key(self) -> tuple:
        """Two fixes with the same key make the same change (a finding merged across clusters)."""
        return (self.path, self.line, self.col, repr(self.edits))


def fix_at(node: Any, *edits: Edit, summary: str) -> Fix | None:
    """The fix applying `edits` to the mapping `node`; None when node is no loaded mapping."""
    if not isinstance(node, YMap):
        return None
    src = node.src
    if isinstance(src, SourceFile):
        return Fix(src.rel, node.line, node.col, tuple(edits), summary)
    if isinstance(src, EmbeddedSource):
        where = f" ({src.name})" if src.name else ""
        reason = (
            f"the YAML is text inside a string value{where}: fixing it means re-serialising that string, "
            "which obslint does not do; edit it by hand"
        )
        return Fix(src.file.rel, *src.anchor, tuple(edits), summary, refused=reason)
    return None
