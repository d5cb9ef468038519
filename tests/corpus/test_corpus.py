"""Every rule over every repository in ../shared/corpus: no crash, and exactly the reviewed findings.

A finding that appears or disappears fails the test, so a rule change that moves what obslint reports
on real repositories gets looked at. After reviewing, run `scripts/update_corpus_snapshots.py` and
write a verdict and reason for each new entry.
"""

from __future__ import annotations

import pytest

from tests.corpus.snapshot import UNREVIEWED, VERDICTS, diff, load_snapshot, repositories, run_repo, snapshot_path

REPOS = repositories()


@pytest.mark.parametrize("root", REPOS, ids=[p.name for p in REPOS])
def test_corpus_repository_matches_snapshot(root, shared):
    run = run_repo(root)
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    assert run.code in (0, 1), f"exit code {run.code}\n{run.stderr}"
    assert snapshot_path(root.name).exists(), f"no snapshot for {root.name}: run scripts/update_corpus_snapshots.py"

    snapshot = load_snapshot(root.name)
    appeared, disappeared = diff(snapshot, run.findings)
    if appeared or disappeared:
        lines = [f"findings on {root.name} changed (review, then scripts/update_corpus_snapshots.py):"]
        messages = {(f["rule"], f["path"], int(f["line"])): f.get("message", "") for f in run.findings}
        lines += [f"  + {r} {p}:{n}  {messages.get((r, p, n), '')}" for r, p, n in appeared]
        lines += [f"  - {r} {p}:{n}" for r, p, n in disappeared]
        pytest.fail("\n".join(lines))


@pytest.mark.parametrize("root", REPOS, ids=[p.name for p in REPOS])
def test_corpus_snapshot_is_reviewed(root, shared):
    for entry in load_snapshot(root.name):
        where = f"{entry['rule']} {entry['path']}:{entry['line']}"
        assert entry.get("verdict") != UNREVIEWED, f"{where}: not reviewed yet"
        assert entry.get("verdict") in VERDICTS, f"{where}: verdict must be one of {VERDICTS}"
        assert str(entry.get("reason") or "").strip(), f"{where}: give a one-line reason"
