from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from obslint.config import Config
    from obslint.result import RunResult

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
    p.add_argument(
        "--max-file-size-mb",
        type=float,
        metavar="MB",
        help="largest file read (default 8, or $OBSLINT_MAX_FILE_SIZE_MB); the checked repository's own "
        "configuration may lower it, and raise it to 32 at most",
    )
    p.add_argument("--baseline", metavar="FILE", help="report only findings that the baseline FILE does not hold")
    p.add_argument("--write-baseline", metavar="FILE", help="record every current finding in the baseline FILE")
    p.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what is left")
    p.add_argument(
        "--diff",
        nargs="?",
        const="",
        default=None,
        metavar="REF",
        help="report only findings that the changes since the git commit REF introduce (working tree included); "
        "with --fix: print what the fixes would change as a unified diff, and write nothing",
    )
    p.add_argument("--statistics", action="store_true", help="count the findings of each rule instead of listing them")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (2 stays 2)")
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour text output (auto: a terminal)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="findings only: no summary line, no notes")
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


def _cached_run(args: argparse.Namespace, check: Callable[[list[str]], RunResult]) -> RunResult:
    """The run's result: from the run cache when the repository, configuration, options and obslint
    are those of a stored run (obslint.cache.run_results), else `check(args.paths)`, then stored."""
    if args.no_cache or args.sops_age_key_file:  # what a key decrypts is not for the cache
        return check(args.paths)
    from obslint.cache.run_results import RunKey, lookup, save
    from obslint.config import ConfigError, runner_file_size_mb
    from obslint.discovery import discover

    try:
        runner_mb = runner_file_size_mb(args.max_file_size_mb)
    except ConfigError:
        return check(args.paths)  # the run reports it
    root = discover(args.paths or []).root
    key = RunKey(args.paths, root, args.config, _split(args.select), _split(args.ignore), runner_mb)
    if key.start() is not None:
        hit = lookup(key.key, root, key.max_file_size)
        if hit is not None:
            return hit
    result = check(args.paths)
    if key.key is not None and key.still_valid():
        save(key.key, result)
    return result


def _config_of(root: str, config_path: str | None) -> Config:
    """The configuration a run of `root` used (a result read back from the cache does not hold it)."""
    from obslint.config import ConfigError, load_config
    from obslint.errors import UsageError

    try:
        return load_config(root, config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from obslint.adoption import expand_user_paths, narrowing, record_baseline
    from obslint.cache import store
    from obslint.errors import UsageError
    from obslint.findings import Severity
    from obslint.output_file import check_output_path, write_output
    from obslint.printable import printable
    from obslint.report import render
    from obslint.report.statistics import FORMATS as STATISTICS_FORMATS
    from obslint.report.text import use_color
    from obslint.runner import run_check

    store.set_enabled(not args.no_cache)  # before --fix's run too: it starts the tools
    expand_user_paths(args)
    if args.output:
        check_output_path(args.output)  # before the run, not after it
    if args.fix:
        from obslint.fix.command import fix_tree

        code = fix_tree(args, _split(args.select), _split(args.ignore))
        if code is not None:
            return code
    narrow = narrowing(args)
    if args.statistics and args.format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints text or json, not {args.format}")

    def check(paths: list[str], config: Config | None = None) -> RunResult:  # also run on REF's tree by --diff
        return run_check(
            paths,
            config=config,
            config_path=args.config,
            select=_split(args.select),
            ignore=_split(args.ignore),
            sops_age_key_file=args.sops_age_key_file,
            max_file_size_mb=args.max_file_size_mb,
        )

    result = _cached_run(args, check)
    if args.write_baseline and record_baseline(args.write_baseline, result, args.quiet):
        return 0
    # REF's tree is checked with the working tree's configuration, also when the run came from the cache
    config, root = result.config, result.root
    result = narrow.apply(result, lambda path: check([path], config or _config_of(root, args.config)))
    opts = {"quiet": args.quiet, "statistics": args.statistics}
    if args.output:
        out = io.StringIO()
        render(result, args.format, out, color=args.format == "text" and args.color == "always", **opts)
        write_output(args.output, out.getvalue())
    else:
        color = args.color == "always" or (args.color == "auto" and use_color(sys.stdout))
        render(result, args.format, sys.stdout, color=args.format == "text" and color, **opts)
    redact = result.index.redactor.redact if result.index else str
    for notice in [] if args.quiet else result.notices:  # notices and errors name files of the checked tree
        print(f"obslint: note: {printable(redact(notice))}", file=sys.stderr)
    for error in result.errors:
        print(f"obslint: {printable(error, keep_newlines=_debug())}", file=sys.stderr)
    if result.errors:
        return 2
    fail_on = Severity.parse(args.fail_on or result.fail_on)
    return 1 if result.failed(fail_on) and not args.exit_zero else 0
