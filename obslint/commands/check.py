from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from obslint.result import RunResult

HELP = "lint a repository (default: the current directory)"
# Deliberately not $SOPS_AGE_KEY_FILE: a key in the shell of someone running the pre-commit hook is
# used only when they ask for it.
SOPS_KEY_ENV = "OBSLINT_SOPS_AGE_KEY_FILE"


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
        "--sops-age-key-file",
        metavar="FILE",
        default=os.environ.get(SOPS_KEY_ENV) or None,
        help=f"age key file: decrypt each SOPS file it can open to prove it is intact (default: ${SOPS_KEY_ENV})",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the cache of results and tool outputs (default: $OBSLINT_CACHE_DIR, "
        "else $XDG_CACHE_HOME/obslint, else ~/.cache/obslint)",
    )


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _debug() -> bool:
    """OBSLINT_DEBUG puts a traceback into a rule's error, shown with its line breaks."""
    return bool(os.environ.get("OBSLINT_DEBUG"))


def _cached_run(args: argparse.Namespace) -> RunResult:
    """The run's result: from the run cache when the repository, configuration, options and obslint
    are those of a stored run (obslint.cache.run_results), else from a new run, then stored."""
    from obslint.cache import store
    from obslint.cache.run_results import RunKey, lookup, save
    from obslint.root import resolve_root

    select, ignore = _split(args.select), _split(args.ignore)
    key = None
    store.set_enabled(not args.no_cache)
    if not args.no_cache and not args.sops_age_key_file:
        root = resolve_root(args.paths)
        key = RunKey(args.paths, root, args.config, select, ignore)
        if key.start() is not None:
            hit = lookup(key.key, root)
            if hit is not None:
                return hit
    from obslint.runner import run_check

    result = run_check(
        args.paths,
        config_path=args.config,
        select=select,
        ignore=ignore,
        sops_age_key_file=args.sops_age_key_file,
    )
    if key is not None and key.still_valid():
        save(key.key, result)
    return result


def run(args: argparse.Namespace) -> int:
    from obslint.findings import Severity
    from obslint.output_file import check_output_path, write_output
    from obslint.printable import printable
    from obslint.report import render
    from obslint.report.text import use_color

    if args.output:
        check_output_path(args.output)  # before the run, not after it
    result = _cached_run(args)
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
    fail_on = Severity.parse(args.fail_on or result.fail_on)
    return 1 if result.failed(fail_on) else 0
