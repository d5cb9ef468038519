"""The README's pre-commit snippets through real pre-commit, on a clean repository and on one with a planted
mistake.

`pre-commit try-repo` installs the hook into a fresh store on every call (pre_commit/commands/try_repo.py:
`Store(tempdir)`), and the install (a virtualenv, then `pip install .` of the project and its dependencies) is
nearly all of its time. So the test does what try-repo does once: a repository of the tracked files with their
working-tree content (try-repo's shadow repository), tagged as the release the README pins, the README's
configurations with that repository as OBSLINT_REPO, and `pre-commit run` with one PRE_COMMIT_HOME, which
installs the hook on the first run and reuses it for the others. The README's `repo: local` hook then runs
the obslint of that installed environment from PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obslint import __version__
from obslint.scaffold.ci import REPO_PLACEHOLDER, pre_commit_config
from tests.conftest import ROOT, in_ci
from tests.core.test_install_docs import pre_commit_snippets
from tests.snapshot import git, snapshot_of_tracked_files


def _pre_commit() -> str:
    path = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    if not os.path.exists(path) or not (ROOT / ".git").exists():
        if in_ci():
            pytest.fail("pre-commit and a git checkout are required in CI")
        pytest.skip("pre-commit or git checkout missing")
    return path


@pytest.mark.slow
def test_readme_pre_commit_snippets_pass_a_clean_repository_and_fail_a_broken_one(tmp_path):
    pre_commit = _pre_commit()
    source = tmp_path / "source"
    snapshot_of_tracked_files(source)
    git(source, "tag", "-a", f"v{__version__}", "-m", "release")  # the tag RELEASING.md has made
    plain, with_diff = pre_commit_snippets()
    configs = {}
    for name, text in (("plain", plain), ("diff", with_diff)):
        configs[name] = tmp_path / f"{name}.yaml"
        configs[name].write_text(text.replace(REPO_PLACEHOLDER, str(source)), encoding="utf-8")
    # PIP_NO_COMPILE: the hook install skips byte-compiling its dependencies (Python compiles what it imports
    # on first use): seconds of the install, and nothing the test proves.
    cache = tmp_path / "cache"
    env = {**os.environ, "PRE_COMMIT_HOME": str(cache), "PIP_NO_COMPILE": "1"}

    target = tmp_path / "target"
    target.mkdir()
    (target / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n")
    git(target, "init", "-q")
    git(target, "add", ".")
    git(target, "commit", "-qm", "init")

    def run(config: Path, run_env: dict[str, str] = env) -> subprocess.CompletedProcess:
        cmd = [pre_commit, "run", "--config", str(config), "--all-files"]
        return subprocess.run(cmd, cwd=target, capture_output=True, text=True, env=run_env, timeout=600, check=False)

    ok = run(configs["plain"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "obslint" in ok.stdout and "Passed" in ok.stdout, ok.stdout

    (target / "broken.yaml").write_text("a: [\n")
    git(target, "add", ".")
    bad = run(configs["plain"])
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "broken.yaml:2:1" in bad.stdout and "CORE001" in bad.stdout, bad.stdout
    # the `--diff HEAD` snippet: the staged mistake is new against HEAD, and no longer once committed
    new = run(configs["diff"])
    assert new.returncode == 1 and "broken.yaml:2:1" in new.stdout, new.stdout + new.stderr
    git(target, "commit", "-qm", "broken")
    old = run(configs["diff"])
    assert old.returncode == 0, old.stdout + old.stderr
    # one hook environment served every run
    assert "Installing environment" in ok.stdout + ok.stderr
    for later in (bad, new, old):
        assert "Installing environment" not in later.stdout + later.stderr

    # the README's (and `obslint init`'s) local hook runs the obslint found on PATH: the one just installed
    (installed,) = cache.glob("repo*/py_env-*/bin/obslint")
    local = tmp_path / "local.yaml"
    local.write_text(pre_commit_config(), encoding="utf-8")
    path_env = {**env, "PATH": f"{installed.parent}:/usr/bin:/bin"}
    from_path = run(local, path_env)
    assert from_path.returncode == 1 and "broken.yaml:2:1" in from_path.stdout, from_path.stdout + from_path.stderr
    (target / "broken.yaml").unlink()
    git(target, "commit", "-qam", "fixed")
    fixed = run(local, path_env)
    assert fixed.returncode == 0 and "Passed" in fixed.stdout, fixed.stdout + fixed.stderr
