from __future__ import annotations

import argparse
import io
import os
import sys

HELP = "lint a repository (default: the one the current directory is in)"
# Deliberately not $SOPS_AGE_KEY_FILE: a key in the shell of someone running the pre-commit hook is
# used only when they ask for it.
SOPS_KEY_ENV = "OBSLINT_SOPS_AGE_KEY_FILE"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="report only findings under these files or directories (default: all)"
    )
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    p.add_argument(
        "--select", action="append", metavar="RULES", help="only these rules (ids, names or families, comma-separated)"
    )
    p.add_argument("--ignore", action="append", metavar="RULES", help="skip these rules")
    p.add_argument(
        "--fail-on", choices=("error", "warning", "info"), help="lowest severity that fails (default: warning)"
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (default: .obslint.yaml or pyproject.toml)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument(
        "--sops-age-key-file",
        metavar="FILE",
        default=os.environ.get(SOPS_KEY_ENV) or None,
        help=f"age key file: decrypt each SOPS file it can open to prove it is intact (default: ${SOPS_KEY_ENV})",
    )


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _debug() -> bool:
    """OBSLINT_DEBUG puts a traceback into a rule's error, shown with its line breaks."""
    return bool(os.environ.get("OBSLINT_DEBUG"))


def run(args: argparse.Namespace) -> int:
    from obslint.findings import Severity
    from obslint.output_file import check_output_path, write_output
    from obslint.printable import printable
    from obslint.report import render
    from obslint.report.text import use_color
    from obslint.runner import run_check

    if args.output:
        check_output_path(args.output)  # before the run, not after it
    result = run_check(
        args.paths,
        config_path=args.config,
        select=_split(args.select),
        ignore=_split(args.ignore),
        sops_age_key_file=args.sops_age_key_file,
    )
    if args.output:
        out = io.StringIO()
        render(result, args.format, out)
        write_output(args.output, out.getvalue())
    else:
        render(result, args.format, sys.stdout, color=args.format == "text" and use_color(sys.stdout))
    redact = result.index.redactor.redact if result.index else str
    for notice in result.notices:  # notices and errors name files of the checked tree
        print(f"obslint: note: {printable(redact(notice))}", file=sys.stderr)
    for error in result.errors:
        print(f"obslint: {printable(error, keep_newlines=_debug())}", file=sys.stderr)
    if result.errors:
        return 2
    fail_on = Severity.parse(args.fail_on or result.config.fail_on)
    return 1 if result.failed(fail_on) else 0
