from __future__ import annotations

import argparse
import sys

HELP = "lint a repository (default: the current directory)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH")
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
        "--max-file-size-mb",
        type=float,
        metavar="MB",
        help="largest file read (default 8, or OBSLINT_MAX_FILE_SIZE_MB); the checked repository's own "
        "configuration may lower it, and raise it to 32 at most",
    )


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def run(args: argparse.Namespace) -> int:
    from obslint.findings import Severity
    from obslint.report import render
    from obslint.report.text import use_color
    from obslint.runner import run_check

    result = run_check(
        args.paths,
        config_path=args.config,
        select=_split(args.select),
        ignore=_split(args.ignore),
        max_file_size_mb=args.max_file_size_mb,
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            render(result, args.format, out)
    else:
        render(result, args.format, sys.stdout, color=args.format == "text" and use_color(sys.stdout))
    redact = result.index.redactor.redact if result.index else str
    for notice in result.notices:
        print(f"obslint: note: {redact(notice)}", file=sys.stderr)
    for error in result.errors:
        print(f"obslint: {error}", file=sys.stderr)
    if result.errors:
        return 2
    fail_on = Severity.parse(args.fail_on or result.config.fail_on)
    return 1 if result.failed(fail_on) else 0
