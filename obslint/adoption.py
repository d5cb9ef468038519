"""Adopting obslint in a repository that already has findings: `check --baseline FILE` reports only
findings the baseline does not know, `--write-baseline FILE` records them all, and `--diff REF`
reports only those a change introduces since REF. Both narrow a finished run (the whole
repository is always checked: the checks are cross-file)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from obslint.baseline import (
    Known,
    baseline_gone_note,
    check_baseline_path,
    known_findings,
    load_baseline,
    only_new,
    write_baseline,
)
from obslint.diffrun import check_ref, result_at
from obslint.errors import UsageError
from obslint.result import RunResult

# Options that name a file of the person running obslint: `~` is theirs (`--config=~/x` is not
# expanded by the shell). Globs in the configuration are relative to the checked root.
USER_PATHS = ("config", "baseline", "write_baseline", "output", "sops_age_key_file")


def expand_user_paths(args: argparse.Namespace) -> None:
    for name in USER_PATHS:
        value = getattr(args, name, None)
        if value:
            setattr(args, name, os.path.expanduser(value))


@dataclass
class Narrowing:
    """What `check` reports of a run: the findings not in `known` (the baseline), not at `ref`."""

    known: Known | None = None
    ref: str | None = None

    def apply(self, result: RunResult, check_tree: Callable[[str], RunResult]) -> RunResult:
        """`check_tree(path)` checks REF's tree the way the run checked the working tree."""
        if self.ref is not None:
            result = _changed_since(result, self.ref, check_tree)
        if self.known is not None:
            shown = len(result.findings)
            result = only_new(result, self.known, baseline_gone_note)
            result = _noted(result, shown - len(result.findings), "the baseline holds")
        return result


def narrowing(args: argparse.Namespace) -> Narrowing:
    """The narrowing the options ask for; every usage error before the run, not after it."""
    diff = getattr(args, "diff", None)
    if getattr(args, "fix", False):
        diff = None  # with --fix, --diff previews the fixes: that option's own meaning
    if diff is not None:
        check_ref(diff)
    if args.write_baseline:
        if diff is not None or args.baseline:
            raise UsageError("--write-baseline records every finding: it takes neither --diff nor --baseline")
        check_baseline_path(args.write_baseline)
    known = load_baseline(args.baseline) if args.baseline else None
    return Narrowing(known, diff)


def record_baseline(path: str, result: RunResult, quiet: bool) -> bool:
    """`--write-baseline`: write every finding of a complete run; False, and nothing written, when
    a rule failed (its findings would be missing from the baseline)."""
    if result.errors:
        print(f"obslint: note: baseline {path} not written: the run was incomplete", file=sys.stderr)
        return False
    write_baseline(path, result)
    if not quiet:
        n = len(result.findings)
        print(f"obslint: wrote {n} finding{'s' if n != 1 else ''} to the baseline {path}", file=sys.stderr)
    return True


def _changed_since(result: RunResult, ref: str, check_tree: Callable[[str], RunResult]) -> RunResult:
    old = result_at(ref, result.root, result.max_file_size, check_tree)
    before = known_findings(old) if old is not None else Known()
    shown = len(result.findings)

    def gone(n: int) -> str:
        return f"{n} finding{' no longer occurs' if n == 1 else 's no longer occur'} that {ref} has"

    result = only_new(result, before, gone)
    if old is not None and old.errors:
        result = replace(result, notices=[*result.notices, f"the check of {ref} was incomplete: {old.errors[0]}"])
    return _noted(result, shown - len(result.findings), f"{ref} has too")


def _noted(result: RunResult, hidden: int, holder: str) -> RunResult:
    """A note on the `hidden` findings that `holder` ("the baseline holds") explains."""
    if not hidden:
        return result
    what = "1 finding that" if hidden == 1 else f"{hidden} findings that"
    verb = "is" if hidden == 1 else "are"
    return replace(result, notices=[*result.notices, f"{what} {holder} {verb} not shown"])
