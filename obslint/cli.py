"""Command line: argument parsing only. Each subcommand lives in obslint/commands/<name>.py
and exposes HELP, add_arguments(parser) and run(args) -> exit code."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import pkgutil
import signal
import sys
import threading
from collections.abc import Iterator
from importlib import import_module

from obslint import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="obslint",
        description="Policy and config linter for GitOps monitoring repositories.",
    )
    parser.add_argument("--version", action="version", version=f"obslint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import obslint.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = import_module(f"obslint.commands.{info.name}")
        name = getattr(module, "NAME", info.name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


# What ends a run from outside: Ctrl-C, a CI timeout or cancellation, a closed terminal.
_ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _end_run(signum: int, _frame: object) -> None:
    from obslint.tools.live import end_run

    end_run(signum)


@contextlib.contextmanager
def _signals_end_the_run() -> Iterator[None]:
    """While obslint runs, those signals kill its tools and remove its scratch directories before
    it exits (obslint.tools.live). A signal that is ignored stays ignored: nohup, or a background
    job of a non-interactive shell, which ignores SIGINT so that Ctrl-C reaches the foreground job
    alone (POSIX, Shell Command Language, 2.11). Python only lets the main thread set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in _ENDING_SIGNALS:
        handler = signal.getsignal(sig)
        if handler is not signal.SIG_IGN and handler is not None:  # None: set outside Python
            previous[sig] = handler
            signal.signal(sig, _end_run)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    with _signals_end_the_run():
        return _main(argv)


def entry() -> None:
    """The `obslint` command: `main`, then an exit without the interpreter's teardown, which frees
    every object of the run one by one (~0.4 s after checking a thousand files; the process's
    memory goes back to the system at once anyway). Output is flushed and the atexit handlers
    (scratch directories, cache writes still under way) run first."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    from obslint.errors import UsageError
    from obslint.printable import printable

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        print(f"obslint: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # SIGINT where no handler could be set (not the main thread)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("OBSLINT_DEBUG"):
            raise
        detail = printable(f"{type(exc).__name__}: {exc}")
        print(f"obslint: internal error: {detail} (set OBSLINT_DEBUG=1 for details)", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    entry()
