"""The real `pre-commit try-repo` runs the hook on a clean and on a broken repository."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def _git(cwd, *args):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e",
        },
    )


def test_pre_commit_try_repo(tmp_path):
    pre_commit = shutil.which("pre-commit") or os.path.join(os.path.dirname(os.sys.executable), "pre-commit")
    if not os.path.exists(pre_commit) or not (ROOT / ".git").exists():
        if os.environ.get("CI"):
            pytest.fail("pre-commit and a git checkout are required in CI")
        pytest.skip("pre-commit or git checkout missing")
    target = tmp_path / "target"
    target.mkdir()
    (target / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n")
    _git(target, "init", "-q")
    _git(target, "add", ".")
    _git(target, "commit", "-qm", "init")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    cmd = [pre_commit, "try-repo", str(ROOT), "obslint", "--all-files"]
    ok = subprocess.run(cmd, cwd=target, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (target / "broken.yaml").write_text("a: [\n")
    _git(target, "add", ".")
    bad = subprocess.run(cmd, cwd=target, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "broken.yaml:2:1" in bad.stdout and "CORE001" in bad.stdout
