"""`obslint graph`: Mermaid and DOT output, findings marked."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REFERENCE_STACK

KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./{name}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
{extra}"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "obslint", "graph", *args], capture_output=True, text=True, check=False
    )


def test_mermaid_marks_findings(repo):
    root = repo(
        {
            "k.yaml": KS.format(name="a", extra="  dependsOn: [{name: b}]\n")
            + "---\n"
            + KS.format(name="b", extra="  dependsOn: [{name: a}]\n"),
            "a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n",
            "b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, namespace: default}\n",
        }
    )
    proc = run(str(root))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("flowchart LR\n")
    assert 'k0["Kustomization flux-system/a [FLUX004]"]' in out
    assert "k0 -->|dependsOn| k1" in out and "k1 -->|dependsOn| k0" in out
    assert "class k0 finding" in out


def test_dot_of_reference_stack():
    proc = run(str(REFERENCE_STACK), "--format", "dot")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("digraph flux {")
    assert '[label="Kustomization flux-system/alloy"];' in out
    assert '[label="HelmRelease monitoring/loki", shape=ellipse];' in out
    assert "color=red" not in out
    assert out.count('[label="dependsOn"]') >= 6
