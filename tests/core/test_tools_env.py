"""External tools never see the environment of the person or CI running obslint."""

from __future__ import annotations

import sys

from obslint.tools import run_tool


def test_tool_environment_carries_no_credentials(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", "/home/someone/keys.txt")
    monkeypatch.setenv("KUBECONFIG", "/home/someone/.kube/config")
    script = "import os, json; print(json.dumps(sorted(os.environ)))"
    res = run_tool([sys.executable, "-c", script])
    assert res.returncode == 0, res.stderr
    names = set(__import__("json").loads(res.stdout))
    assert not names & {"AWS_SECRET_ACCESS_KEY", "SOPS_AGE_KEY_FILE", "KUBECONFIG"}


def test_tool_environment_takes_what_the_caller_passes(monkeypatch):
    res = run_tool([sys.executable, "-c", "import os; print(os.environ['GOGC'])"], env={"GOGC": "off"})
    assert res.stdout.strip() == "off"
