"""The root a run checks: the one path given, or the directory that holds all of them."""

from __future__ import annotations

import os

from obslint.errors import UsageError


def resolve_root(paths: list[str]) -> str:
    if not paths:
        paths = ["."]
    for p in paths:
        if not os.path.exists(p):
            raise UsageError(f"{p}: no such file or directory")
    if len(paths) == 1:
        return paths[0]
    return os.path.commonpath([os.path.abspath(p) for p in paths])
