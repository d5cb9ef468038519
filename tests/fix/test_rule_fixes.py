"""When a rule attaches no fix: the edit is not proven to be what is missing, or is not safe."""

from __future__ import annotations

from obslint.rules import example_files, load_rules
from tests.conftest import check, write_repo
from tests.fix.helpers import fix

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
"""


def _ns_and_cm(ns: str, cm_ns: str) -> str:
    return (
        f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n---\n"
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: {cm_ns}\ndata: {{k: v}}\n"
    )


def test_depends_on_fixes_never_close_a_cycle_together(tmp_path):
    # alpha needs beta's namespace and beta needs alpha's: each dependsOn alone is acyclic, both are not
    root = write_repo(
        tmp_path / "r",
        {
            "clusters/home/ks.yaml": KS.format(name="alpha") + "---\n" + KS.format(name="beta"),
            "alpha/all.yaml": _ns_and_cm("ns-a", "ns-b"),
            "beta/all.yaml": _ns_and_cm("ns-b", "ns-a"),
        },
    )
    done = fix(root, select=["FLUX002", "FLUX004"])
    assert [f.rule for f in done.before.findings] == ["FLUX002", "FLUX002"]
    assert len(done.outcome.applied) == 1
    assert [f.rule for f in done.after.findings] == ["FLUX002"]  # the other one, and no cycle


def test_no_depends_on_fix_for_a_finding_naming_several_kustomizations(tmp_path):
    root = write_repo(
        tmp_path / "r",
        {
            "clusters/home/ks.yaml": "---\n".join(KS.format(name=n) for n in ("alpha", "beta", "gamma")),
            "alpha/all.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
            "beta/all.yaml": _ns_and_cm("ns-b", "ns-a"),
            "gamma/all.yaml": _ns_and_cm("ns-c", "ns-a"),
        },
    )
    findings = check(root, select=["FLUX002"]).findings
    assert len(findings) == 1 and "and 1 more" in findings[0].message
    assert findings[0].fix is None


def test_no_label_fix_when_a_kustomize_transformer_sets_the_label(tmp_path):
    rule = load_rules().lookup("PROM002")
    assert rule is not None
    files = example_files(rule.failing)
    files["monitoring/kustomization.yaml"] = (
        "resources: [helmrelease.yaml, rules.yaml]\nlabels:\n  - pairs: {release: other}\n"
    )
    files["clusters/home/monitoring.yaml"] = KS.format(name="monitoring")
    findings = check(write_repo(tmp_path / "r", files), select=["PROM002"]).findings
    assert [f.rule for f in findings] == ["PROM002"]
    assert findings[0].fix is None


def test_no_sidecar_label_fix_when_two_sidecars_want_different_labels(tmp_path):
    rule = load_rules().lookup("GRAF001")
    assert rule is not None
    files = example_files(rule.failing)
    (kps,) = (k for k in files if k.endswith("kube-prometheus-stack.yaml"))
    second = files[kps].replace("name: kube-prometheus-stack\n", "name: kps-two\n", 1)
    files["monitoring/second.yaml"] = second.replace("label: grafana_datasource", "label: other_datasource")
    findings = check(write_repo(tmp_path / "r", files), select=["GRAF001"]).findings
    assert findings and all(f.fix is None for f in findings)
