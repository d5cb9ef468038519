"""Named mutations of the reference stack, each making exactly the rules it names fire.

Every family adds a module here (tests/mutations/<family>.py) with functions decorated
`@mutation("short-name", expect={"FLUX002"})` that edit a fresh copy of reference-stack/.
tests/test_mutations.py runs each one and requires the set of fired rules to be exactly
`expect`, and fails when a registered rule has no mutation at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML


@dataclass
class Mutation:
    name: str
    expect: frozenset[str]
    edit: Callable[[StackCopy], None]
    description: str


MUTATIONS: dict[str, Mutation] = {}


def mutation(name: str, expect: set[str] | frozenset[str], description: str = "") -> Callable:
    def register(fn: Callable[[StackCopy], None]) -> Callable[[StackCopy], None]:
        if name in MUTATIONS:
            raise ValueError(f"mutation {name!r} registered twice")
        MUTATIONS[name] = Mutation(name, frozenset(expect), fn, description or (fn.__doc__ or "").strip())
        return fn

    return register


class StackCopy:
    """A writable copy of the reference stack with small, checked edit helpers."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str | bytes) -> None:
        p = self.path(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str, count: int = 1) -> None:
        """Replace `old` by `new`; the edit must match exactly `count` times (0 = at least once)."""
        text = self.read(rel)
        found = text.count(old)
        if found == 0 or (count and found != count):
            raise AssertionError(f"mutation expected {count or 'some'} of {old!r} in {rel}, found {found}")
        self.write(rel, text.replace(old, new))

    def append(self, rel: str, text: str) -> None:
        self.write(rel, (self.read(rel) if self.path(rel).exists() else "") + text)

    def delete(self, rel: str) -> None:
        self.path(rel).unlink()

    def edit_yaml(self, rel: str, fn: Callable[[list], None]) -> None:
        """Round-trip edit (comments kept) of all documents of a YAML file: fn(documents)."""
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        docs = list(yaml.load_all(self.read(rel)))
        fn(docs)
        buf = io.StringIO()
        yaml.dump_all(docs, buf)
        self.write(rel, buf.getvalue())
