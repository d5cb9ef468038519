#!/usr/bin/env python3
"""Benchmark Go regexps that make a backtracking engine take exponential time.

For each pathological pattern (the kind a hostile pull request can put in an Alertmanager matcher
or a `.sops.yaml` path_regex) and each text length, times:

  obslint     obslint's own path: compile_go (RE2) and a match, through the same call the
              routing engine (anchored, `^(?:re)$`) or sops matching (a search) makes
  backtrack   the same pattern with Python's `re` (a backtracking engine), in a child process
              stopped after --budget seconds (">budget" in the table; once a length runs past
              the budget, the longer ones, which only take longer, are not run)

Times are the median of --runs runs, in seconds. The obslint column should grow linearly with the
length; the backtracking column explodes within a few characters.
Usage: .venv/bin/python bench/regex_dos.py [--lengths 20 25 30 40 1000 100000] [--runs 5] [--budget 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial

from obslint.goregex import compile_go
from obslint.routing import Matcher


@dataclass(frozen=True)
class Case:
    name: str
    pattern: str  # Go syntax, which Python's re reads the same way for these patterns
    anchored: bool  # True: an Alertmanager matcher (full match); False: a sops path_regex (search)
    text: str  # the text for length n is text * n + tail
    tail: str = ""


CASES = [
    Case("am alternation", "(a|a)*b", True, "a"),
    Case("am overlap", "(a|aa)*c", True, "a"),
    Case("am nested plus", "(a+)+b", True, "a"),
    Case("am counted", "(.*a){20}", True, "a", "!"),
    Case("sops alternation", "(a|a)*b", False, "a", ".yaml"),
    Case("sops nested star", "(a*)*b", False, "a", ".yaml"),
]

# Times one match with Python's re in a child process, so a runaway one can be stopped.
BACKTRACK = """
import re, sys, time
pattern, anchored, text = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
compiled = re.compile(pattern)
start = time.perf_counter()
(compiled.fullmatch if anchored else compiled.search)(text)
print(time.perf_counter() - start)
"""


def time_obslint(case: Case, text: str, runs: int) -> float:
    """The call obslint makes: a route matcher's matches_value, or a path_regex search."""
    if case.anchored:
        call = partial(Matcher.make("alertname", "=~", case.pattern).matches_value, text)
    else:
        call = partial(compile_go(case.pattern, anchored=False).search, text)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_backtracking(case: Case, text: str, budget: float) -> float | None:
    """Seconds Python's re takes, or None when it runs past the budget."""
    argv = [sys.executable, "-c", BACKTRACK, case.pattern, "1" if case.anchored else "0", text]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=budget, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[20, 25, 30, 40, 1000, 100000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds before a backtracking run is stopped")
    args = parser.parse_args()
    print(f"{'case':<17} {'pattern':<10} {'length':>7} {'obslint s':>10} {'backtrack s':>12}")
    for case in CASES:
        gave_up = False  # a longer text only takes longer: stop once the budget is exceeded
        for n in args.lengths:
            text = case.text * n + case.tail
            ours = time_obslint(case, text, args.runs)
            theirs = None if gave_up else time_backtracking(case, text, args.budget)
            gave_up = gave_up or theirs is None
            shown = f">{args.budget:g}" if theirs is None else f"{theirs:.6f}"
            print(f"{case.name:<17} {case.pattern:<10} {len(text):>7} {ours:>10.6f} {shown:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
