"""Reviewed snapshots of `obslint check` over the full trees of real repositories in
../shared/corpus-full (tests/corpus/shared.py).

Each repository has tests/corpus/reviewed/<repo>.yaml: one entry per finding (rule, path, line)
with the verdict its maintainer would give and a one-line reason. Regenerate with
scripts/update_corpus_snapshots.py, which keeps the verdicts of findings that are still there.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from obslint.cli import main
from tests.corpus.shared import CORPUS_FULL

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "reviewed"

# true-problem: a real mistake in the repository; accepted: reported correctly but a deliberate or
# harmless choice; false-positive: obslint is wrong (to be fixed at its cause); corpus-artifact: the
# corpus copy dropped the file the finding is about (it keeps YAML, Alloy and JSON files only, and
# no templates/ of vendored charts: corpus-full/README.md in ../shared).
VERDICTS = ("true-problem", "accepted", "false-positive", "corpus-artifact")
# what counts towards precision: a finding its maintainer would defend (artifacts are left out)
DEFENSIBLE = ("true-problem", "accepted")
UNREVIEWED = "unreviewed"

Key = tuple[str, str, int]


@dataclass
class Run:
    code: int
    stderr: str
    findings: list[dict]


def repositories() -> list[Path]:
    """The repositories of the corpus (none when it is absent)."""
    if not CORPUS_FULL.is_dir():
        return []
    return sorted(p for p in CORPUS_FULL.iterdir() if p.is_dir())


def snapshot_names() -> list[str]:
    """Every repository with a reviewed snapshot: the snapshots are in the project, the corpus may not be."""
    return sorted(p.stem for p in SNAPSHOTS.glob("*.yaml"))


def run_repo(root: Path) -> Run:
    """`obslint check --format json` through the command line entry point, all rules, default config."""
    err = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="obslint-corpus-") as tmp:
        out = Path(tmp) / "report.json"
        with contextlib.redirect_stderr(err):
            code = main(["check", "--format", "json", "--output", str(out), str(root)])
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"findings": []}
    return Run(code, err.getvalue(), report.get("findings", []))


def key(entry: dict) -> Key:
    return (str(entry["rule"]), str(entry["path"]), int(entry["line"]))


def snapshot_path(name: str) -> Path:
    return SNAPSHOTS / f"{name}.yaml"


def load_snapshot(name: str) -> list[dict]:
    path = snapshot_path(name)
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("findings") or [])


def diff(snapshot: list[dict], findings: list[dict]) -> tuple[list[Key], list[Key]]:
    """(appeared, disappeared) as sorted (rule, path, line) lists; duplicates count."""
    want = Counter(key(e) for e in snapshot)
    got = Counter(key(f) for f in findings)
    return sorted((got - want).elements()), sorted((want - got).elements())


def merge(snapshot: list[dict], findings: list[dict]) -> list[dict]:
    """New snapshot entries for `findings`, keeping the verdict and reason of each finding already reviewed."""
    reviewed: dict[Key, list[dict]] = {}
    for entry in snapshot:
        reviewed.setdefault(key(entry), []).append(entry)
    merged = []
    for f in sorted(findings, key=lambda f: (key(f), f.get("message", ""))):
        old = reviewed.get(key(f))
        prev = old.pop(0) if old else {}
        merged.append(
            {
                "rule": f["rule"],
                "path": f["path"],
                "line": int(f["line"]),
                "message": f.get("message", ""),
                "verdict": prev.get("verdict", UNREVIEWED),
                "reason": prev.get("reason", ""),
            }
        )
    return merged


def save_snapshot(name: str, entries: list[dict]) -> None:
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"repository": name, "findings": entries}, sort_keys=False, width=200, allow_unicode=True)
    snapshot_path(name).write_text(text, encoding="utf-8")
