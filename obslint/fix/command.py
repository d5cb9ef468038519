"""`obslint check --fix` and `obslint check --fix --diff`.

`--fix` lints, applies the fixes its findings carry, and hands back to `check`, which lints the
fixed tree again and reports what is left (so the exit code is that of the remaining findings).
`--fix --diff` lints, prints what the fixes would change as a unified diff and writes nothing; it
exits 1 when there is something to change, like `ruff check --fix --diff`.
"""

from __future__ import annotations

import argparse
import sys

from obslint.findings import Finding
from obslint.fix.apply import apply_fixes
from obslint.printable import printable


def fix_paths(args: argparse.Namespace) -> None:
    """`--diff` is defined as `--diff [REF]` (it takes a git ref without --fix): with --fix a value
    argparse gave it is the PATH to check, not a ref."""
    if args.diff:
        args.paths = [args.diff] if args.paths == ["."] else [*args.paths, args.diff]


def fix_tree(args: argparse.Namespace, select: list[str] | None, ignore: list[str] | None) -> int | None:
    """Apply (or, with --diff, print) the fixes of one run. The exit code when the command ends
    here (--diff), None when `check` goes on to lint the fixed tree."""
    from obslint.runner import run_check

    fix_paths(args)
    preview = args.diff is not None
    result = run_check(
        args.paths,
        config_path=args.config,
        select=select,
        ignore=ignore,
        sops_age_key_file=args.sops_age_key_file,
        max_file_size_mb=getattr(args, "max_file_size_mb", None),  # the same files as the check that follows
    )
    fixable = [f for f in result.findings if f.fix is not None]
    assert result.index is not None
    outcome = apply_fixes(result.index, [f.fix for f in fixable if f.fix is not None], write=not preview)
    redact = result.index.redactor.redact
    rules = _rules_by_fix(fixable)
    for fix, reason in outcome.refused:
        where = f"{fix.path}:{fix.line}"
        note = f"not fixed ({rules.get(fix.key, '')}): {where}: {fix.summary}: {reason}"
        print(f"obslint: note: {printable(redact(note))}", file=sys.stderr)
    if preview:
        sys.stdout.write(printable(redact(outcome.diff()), keep_newlines=True))
        return 1 if outcome.changed else 0
    if outcome.applied:
        files = len(outcome.changed)
        print(
            f"obslint: applied {len(outcome.applied)} fix{'es' if len(outcome.applied) != 1 else ''} "
            f"in {files} file{'s' if files != 1 else ''}",
            file=sys.stderr,
        )
    return None


def _rules_by_fix(findings: list[Finding]) -> dict[tuple, str]:
    out: dict[tuple, str] = {}
    for f in findings:
        if f.fix is not None:
            out.setdefault(f.fix.key, f.rule)
    return out
