"""Every rule over the full tree of every repository in ../shared/corpus-full: no crash, exactly the
reviewed findings, and the precision those reviews give.

A finding that appears or disappears fails the test, so a rule change that moves what obslint reports
on real repositories gets looked at. After reviewing, run `scripts/update_corpus_snapshots.py` and
write a verdict and reason for each new entry.

The runs need the corpus (tests/corpus/shared.py: skipped without it, required in CI); the reviews and the
precision they give are in the project and always checked.
"""

from __future__ import annotations

from collections import Counter

import pytest

from obslint.findings import Severity
from obslint.rules import REGISTRY, load_rules
from tests.corpus.shared import CORPUS_FULL, absent_reason, present
from tests.corpus.snapshot import (
    DEFENSIBLE,
    UNREVIEWED,
    VERDICTS,
    diff,
    load_snapshot,
    repositories,
    run_repo,
    snapshot_names,
    snapshot_path,
)

REVIEWED = snapshot_names()
assert REVIEWED, "no reviewed snapshots in tests/corpus/reviewed"
# A repository of the corpus without a snapshot, and a snapshot whose repository left the corpus, both fail.
NAMES = sorted({*REVIEWED, *(p.name for p in repositories())})
_ABSENT = () if present(CORPUS_FULL) else (pytest.mark.skip(reason=absent_reason(CORPUS_FULL)),)


@pytest.mark.slow  # a whole repository each
@pytest.mark.parametrize("name", [pytest.param(n, id=n, marks=_ABSENT) for n in NAMES])
def test_corpus_repository_matches_snapshot(name):
    root = CORPUS_FULL / name
    assert root.is_dir(), f"tests/corpus/reviewed/{name}.yaml has no repository {root}: update the corpus or drop it"
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


@pytest.mark.parametrize("name", REVIEWED)
def test_corpus_snapshot_is_reviewed(name):
    for entry in load_snapshot(name):
        where = f"{entry['rule']} {entry['path']}:{entry['line']}"
        assert entry.get("verdict") != UNREVIEWED, f"{where}: not reviewed yet"
        assert entry.get("verdict") in VERDICTS, f"{where}: verdict must be one of {VERDICTS}"
        assert str(entry.get("reason") or "").strip(), f"{where}: give a one-line reason"


# Targets of the precision work (issue: precision on full real repositories): overall, and per
# rule once it has enough reviewed findings to say anything.
OVERALL_PRECISION = 0.90
RULE_PRECISION = 0.80
RULE_MIN_FINDINGS = 5


def _precision(verdicts: Counter) -> float:
    judged = sum(n for v, n in verdicts.items() if v in DEFENSIBLE or v == "false-positive")
    return sum(verdicts[v] for v in DEFENSIBLE) / judged if judged else 1.0


def _verdicts_by_rule() -> dict[str, Counter]:
    by_rule: dict[str, Counter] = {}
    for name in REVIEWED:
        for entry in load_snapshot(name):
            by_rule.setdefault(entry["rule"], Counter())[entry.get("verdict")] += 1
    return by_rule


def test_corpus_precision():
    """At least 90% of the reviewed findings are ones the repository's maintainer would defend."""
    total = sum(_verdicts_by_rule().values(), Counter())
    assert _precision(total) >= OVERALL_PRECISION, dict(total)


def test_imprecise_rules_are_info():
    """A rule below 80% precision on real repositories may only speak as info (its explain text says why)."""
    load_rules()
    for rule_id, verdicts in sorted(_verdicts_by_rule().items()):
        if sum(verdicts.values()) < RULE_MIN_FINDINGS or _precision(verdicts) >= RULE_PRECISION:
            continue
        assert REGISTRY.lookup(rule_id).severity is Severity.INFO, (rule_id, dict(verdicts))
