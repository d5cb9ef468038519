"""The repository's .pre-commit-hooks.yaml through real pre-commit, on a clean repository and on one with a
planted mistake.

`pre-commit try-repo` installs the hook into a fresh store on every call (pre_commit/commands/try_repo.py:
`Store(tempdir)`), and the install (a virtualenv, then `pip install .` of the project and its dependencies) is
nearly all of its time. So the test does what try-repo does once: a repository of the tracked files with their
working-tree content (try-repo's shadow repository), a config naming it at that commit, and `pre-commit run`
with one PRE_COMMIT_HOME, which installs the hook on the first run and reuses it for the second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, in_ci

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@e",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@e",
}


def _git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY}
    )
    return out.stdout


def _pre_commit() -> str:
    path = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    if not os.path.exists(path) or not (ROOT / ".git").exists():
        if in_ci():
            pytest.fail("pre-commit and a git checkout are required in CI")
        pytest.skip("pre-commit or git checkout missing")
    return path


def snapshot_of_tracked_files(dest: Path) -> str:
    """A repository at dest holding ROOT's tracked files (staged new ones included) as they are in the working
    tree, like try-repo's shadow repository for a checkout with changes; returns its commit."""
    dest.mkdir()
    for rel in _git(ROOT, "ls-files", "-z").split("\0"):
        src = ROOT / rel
        if not rel or not (src.exists() or src.is_symlink()):
            continue  # deleted in the working tree
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel, follow_symlinks=False)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "snapshot")
    return _git(dest, "rev-parse", "HEAD").strip()


def test_pre_commit_hook_passes_a_clean_repository_and_fails_a_broken_one(tmp_path):
    pre_commit = _pre_commit()
    source = tmp_path / "source"
    rev = snapshot_of_tracked_files(source)
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": str(source), "rev": rev, "hooks": [{"id": "obslint"}]}]}))
    # PIP_NO_COMPILE: the hook install skips byte-compiling its dependencies (Python compiles what it imports
    # on first use): seconds of the install, and nothing the test proves.
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_NO_COMPILE": "1"}

    target = tmp_path / "target"
    target.mkdir()
    (target / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n")
    _git(target, "init", "-q")
    _git(target, "add", ".")
    _git(target, "commit", "-qm", "init")

    def run() -> subprocess.CompletedProcess:
        cmd = [pre_commit, "run", "--config", str(config), "--all-files"]
        return subprocess.run(cmd, cwd=target, capture_output=True, text=True, env=env, timeout=600, check=False)

    ok = run()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "obslint" in ok.stdout and "Passed" in ok.stdout, ok.stdout

    (target / "broken.yaml").write_text("a: [\n")
    _git(target, "add", ".")
    bad = run()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "broken.yaml:2:1" in bad.stdout and "CORE001" in bad.stdout, bad.stdout
    # one hook environment served both runs
    assert "Installing environment" in ok.stdout + ok.stderr
    assert "Installing environment" not in bad.stdout + bad.stderr
