"""Parse YAML text the way the loader does, with positions in a named file."""

from __future__ import annotations

import textwrap
from typing import Any

from obslint.load import parse_yaml
from obslint.load.source import SourceFile


def docs(text: str, rel: str = "test.yaml") -> list[Any]:
    text = textwrap.dedent(text)
    source = SourceFile(path=f"/repo/{rel}", rel=rel, kind="yaml", text=text)
    parsed, problems = parse_yaml(source)
    assert not problems, problems
    return [d for d, _, _ in parsed]


def doc(text: str, rel: str = "test.yaml") -> Any:
    (only,) = docs(text, rel)
    return only
