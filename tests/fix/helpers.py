"""Running a check, applying its fixes and checking again."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from obslint.fix.apply import FixResult, apply_fixes
from obslint.runner import RunResult
from tests.conftest import check


@dataclass
class Fixed:
    before: RunResult
    outcome: FixResult
    after: RunResult


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fix(root: Path, *, write: bool = True, select: list[str] | None = None) -> Fixed:
    """Check root, apply (or only compute) the fixes of its findings, check again."""
    before = check(root, select=select)
    assert not before.errors, before.errors
    assert before.index is not None
    outcome = apply_fixes(before.index, [f.fix for f in before.findings if f.fix is not None], write=write)
    after = check(root, select=select)
    assert not after.errors, after.errors
    return Fixed(before, outcome, after)


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two texts: all that differs between them."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added
