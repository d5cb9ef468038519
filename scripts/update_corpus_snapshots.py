#!/usr/bin/env python3
"""Regenerate tests/corpus/reviewed/<repo>.yaml from a fresh `obslint check` of ../shared/corpus-full
(or $OBSLINT_SHARED/corpus-full).

Findings already in a snapshot keep their verdict and reason; new ones are written as `unreviewed`
(the corpus test fails until a verdict and reason are filled in). Usage:
    .venv/bin/python scripts/update_corpus_snapshots.py [REPO ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus.shared import CORPUS_FULL
from tests.corpus.snapshot import diff, load_snapshot, merge, repositories, run_repo, save_snapshot


def main(argv: list[str]) -> int:
    repos = [r for r in repositories() if not argv or r.name in argv]
    if not repos:
        print(f"no corpus repositories found in {CORPUS_FULL}", file=sys.stderr)
        return 1
    for root in repos:
        run = run_repo(root)
        if run.code not in (0, 1):
            print(f"{root.name}: exit code {run.code}\n{run.stderr}", file=sys.stderr)
            return 1
        old = load_snapshot(root.name)
        appeared, disappeared = diff(old, run.findings)
        save_snapshot(root.name, merge(old, run.findings))
        print(f"{root.name}: {len(run.findings)} findings (+{len(appeared)} -{len(disappeared)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
