"""The `run:` steps of the GitHub Actions workflow (README, and what `obslint init` writes) as written, in
order, in a fresh virtual environment, on a checked-out repository.

What the runner provides is stood in for: actions/setup-python's `pip` is this environment's pip aimed at
the fresh one (PIP_PYTHON is pip's `--python` option), OBSLINT_REPO is a local copy of the repository tagged
as the release, and the PIP_* variables keep the install offline (no index, dependencies from this
environment, no isolated build environment to download setuptools into). The install itself is the
workflow's own line: pip clones the tag and builds obslint from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obslint import __version__
from obslint.scaffold.ci import REPO_PLACEHOLDER, workflow
from tests.conftest import REFERENCE_STACK
from tests.core.test_wheel import fresh_venv
from tests.snapshot import git, snapshot_of_tracked_files


@pytest.mark.slow
def test_workflow_steps_install_obslint_and_report_sarif_and_annotations(tmp_path):
    source = tmp_path / "obslint"
    snapshot_of_tracked_files(source)
    git(source, "tag", "-a", f"v{__version__}", "-m", "release")
    venv = tmp_path / "venv"
    python = fresh_venv(venv)
    flow = yaml.safe_load(workflow().replace(REPO_PLACEHOLDER, source.as_uri()))
    steps = [s["run"] for s in flow["jobs"]["obslint"]["steps"] if "run" in s]

    checkout = tmp_path / "checkout"  # what actions/checkout leaves: the repository, as a git work tree
    shutil.copytree(REFERENCE_STACK, checkout)
    git(checkout, "init", "-q")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "init")

    runner_bin = tmp_path / "runner-bin"
    runner_bin.mkdir()
    (runner_bin / "pip").symlink_to(Path(sys.executable).parent / "pip")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))},
        "PATH": f"{venv / 'bin'}:{runner_bin}:/usr/bin:/bin",
        "PIP_PYTHON": str(python),
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        # pip reads a negative option's variable inverted: 0 turns isolation off (github.com/pypa/pip/issues/5735)
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GITHUB_ACTIONS": "true",
    }

    def step(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-e", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
        )

    install, *lint = steps
    installed = step(install)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (venv / "bin" / "obslint").is_file()
    for command in lint:
        result = step(command)
        assert result.returncode == 0, (command, result.stdout + result.stderr)
    sarif = json.loads((checkout / "obslint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []

    monitoring = checkout / "clusters/home/monitoring.yaml"
    text = monitoring.read_text(encoding="utf-8")
    monitoring.write_text(text.replace("interval: 30m", "interval: 1d", 1), encoding="utf-8")
    *upload, annotate = lint
    for command in upload:
        assert step(command).returncode == 0, command  # `|| true`: the SARIF is uploaded whatever it holds
    assert json.loads((checkout / "obslint.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    failed = step(annotate)
    assert failed.returncode == 1
    assert "::error file=clusters/home/monitoring.yaml,line=13" in failed.stdout, failed.stdout
