"""Which VMAlert loads a VMRule (PROM002, PROM009 for VictoriaMetrics): the operator's selector rules,
the victoria-metrics-k8s-stack VMAlert, and the open world (nothing said when the VMAlert is not known)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.victoriametrics.test_victoriametrics import copy, planted, run

VMALERT = "monitoring/vmalert.yaml"
RULES = "monitoring/vmrules.yaml"
SELECTORS = "  ruleSelector:\n    matchLabels:\n      team: platform\n  ruleNamespaceSelector: {}\n"

STACK = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: vm-stack
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: victoria-metrics-k8s-stack
      version: VERSION
      sourceRef: {kind: HelmRepository, name: victoria-metrics}
  values:
    grafana: {enabled: false}
VALUES"""


def prom002(root: Path) -> list[str]:
    found = run(root).findings
    assert {f.rule for f in found} <= {"PROM002"}, [(f.rule, f.message) for f in found]
    return [f.message for f in found]


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        # the VMRule lacks the label the VMAlert selects
        ("  labels:\n    team: platform\n", "", "selects VMRules with labels team=platform"),
        # no selector at all and selectAllByDefault unset (false): the VMAlert loads nothing
        (SELECTORS, "", "selects no VMRules"),
        (SELECTORS, "  selectAllByDefault: false\n", "selects no VMRules"),
        # a ruleSelector without a namespace selector: only the VMAlert's own namespace
        ("  namespace: monitoring\n  labels:", "  namespace: apps\n  labels:", None),
    ],
)
def test_unselected_vmrule_is_reported(tmp_path, old, new, why):
    root = copy(tmp_path)
    if why is None:  # the VMRule moves to another namespace, the VMAlert keeps its ruleSelector only
        planted(tmp_path, VMALERT, "  ruleNamespaceSelector: {}\n", "", root=root)
        planted(tmp_path, RULES, old, new, root=root)
        why = "only selects VMRules in its own namespace monitoring"
    else:
        planted(tmp_path, VMALERT if old == SELECTORS else RULES, old, new, root=root)
    found = run(root).findings
    assert [(f.rule, f.message) for f in found] == [
        (
            "PROM002",
            f"VMRule {'apps' if 'apps' in new else 'monitoring'}/node is not selected by any VMAlert, "
            "so it is never loaded",
        )
    ]
    assert why in found[0].related[0].message


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        # selectAllByDefault with no selectors: every VMRule of every namespace
        (VMALERT, SELECTORS, "  selectAllByDefault: true\n"),
        # a namespace selector alone: every VMRule in the namespaces it matches
        (VMALERT, SELECTORS, "  ruleNamespaceSelector: {}\n"),
        # a selector written with a Flux substitution is not known: nothing is said
        (VMALERT, "      team: platform\n", "      team: ${RULES_TEAM}\n"),
    ],
)
def test_selected_or_unknown_vmrule_is_not_reported(tmp_path, rel, old, new):
    root = planted(tmp_path, RULES, "  labels:\n    team: platform\n", "  labels:\n    team: apps\n")
    root = planted(tmp_path, rel, old, new, root=root)
    assert prom002(root) == []


def test_no_vmalert_in_the_repository_is_not_judged(tmp_path):
    root = planted(tmp_path, RULES, "  labels:\n    team: platform\n", "")
    (root / VMALERT).unlink()
    assert prom002(root) == []


def test_label_fix_is_offered(tmp_path):
    root = planted(tmp_path, RULES, "  labels:\n    team: platform\n", "  labels:\n    app: node\n")
    (finding,) = run(root).findings
    assert finding.fix is not None and "team: platform" in finding.fix.summary


def stack(root: Path, version: str, values: str) -> None:
    (root / VMALERT).unlink()
    text = STACK.replace("VERSION", version).replace("VALUES", values)
    (root / "monitoring/vm-stack.yaml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("version", "values", "reported"),
    [
        # the chart's VMAlert selects every VMRule (selectAllByDefault: true is the chart default since 0.6.0)
        ("0.91.0", "", False),
        # switched off in the values: nothing selects, so it is reported
        ("0.91.0", "    vmalert:\n      spec: {selectAllByDefault: false}\n", True),
        ("0.91.0", "    vmalert:\n      spec:\n        ruleSelector: {matchLabels: {team: apps}}\n", True),
        # the VMAlert is not rendered: no VMAlert is known, nothing is said
        ("0.91.0", "    vmalert: {enabled: false}\n", False),
        # before 0.6.0 the chart set no selectAllByDefault: the operator default (false) selects nothing
        ("0.5.0", "", True),
        # a version the chart history does not have: unknown
        ("99.0.0-not-a-release", "    vmalert:\n      spec: {selectAllByDefault: false}\n", False),
    ],
)
def test_the_k8s_stack_vmalert(tmp_path, version, values, reported):
    root = planted(tmp_path, RULES, "  labels:\n    team: platform\n", "")
    stack(root, version, values)
    messages = prom002(root)
    expected = ["VMRule monitoring/node is not selected by any VMAlert, so it is never loaded"] if reported else []
    assert messages == expected


def test_duplicate_alert_of_one_vmalert(tmp_path):
    root = copy(tmp_path)
    text = (root / RULES).read_text(encoding="utf-8").replace("name: node\n", "name: node-copy\n", 1)
    (root / "monitoring/vmrules-copy.yaml").write_text(text, encoding="utf-8")
    found = run(root).findings
    assert {(f.rule, f.message) for f in found} == {
        ("PROM009", "alert 'NodeFilesystemAlmostFull' is defined twice for the same VMAlert with the same expression"),
        ("PROM009", "alert 'NodeCPUBusy' is defined twice for the same VMAlert with the same expression"),
        (
            "PROM009",
            "record 'instance:node_load1:rollup_max' is defined twice for the same VMAlert with the same expression",
        ),
    }
    # the copy is not loaded by the VMAlert: no duplicate
    planted(tmp_path, "monitoring/vmrules-copy.yaml", "    team: platform\n", "    team: other\n", root=root)
    assert [f.rule for f in run(root).findings] == ["PROM002"]
    # a VMAlert that has the operator deduplicate its rules
    planted(tmp_path, "monitoring/vmrules-copy.yaml", "    team: other\n", "    team: platform\n", root=root)
    planted(
        tmp_path,
        VMALERT,
        "  namespace: monitoring\n",
        "  namespace: monitoring\n  annotations:\n    operator.victoriametrics.com/vmalert-deduplicate-rules: 'true'\n",
        root=root,
    )
    assert run(root).findings == []


PREDICT = """\
        - alert: NodeFilesystemFillsIn30Days
          expr: predict_linear(node_filesystem_avail_bytes{fstype!="tmpfs"}[RANGE], 30 * 86400) < 0
          for: 1h
          labels:
            severity: warning
          annotations:
            summary: Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} fills within 30 days
            description: The trend predicts a full filesystem.
"""


@pytest.mark.parametrize(
    ("rng", "datasource", "reported"),
    [
        # 30 days of trend, but the VMSingle the VMAlert queries keeps 14
        ("30d", "http://vmsingle-main.monitoring.svc:8428", True),
        ("7d", "http://vmsingle-main.monitoring.svc:8428", False),
        # the VMCluster keeps 3 months: 30 days are there
        ("30d", "http://vmselect-long-term.monitoring.svc:8481/select/0/prometheus", False),
        # a datasource the repository does not deploy: not judged
        ("30d", "http://victoria.example.org:8428", False),
    ],
)
def test_vmrule_range_against_the_retention_of_its_datasource(tmp_path, rng, datasource, reported):
    root = planted(
        tmp_path, RULES, "        # MetricsQL only", PREDICT.replace("RANGE", rng) + "        # MetricsQL only"
    )
    planted(tmp_path, VMALERT, "http://vmsingle-main.monitoring.svc:8428", datasource, root=root)
    found = [(f.rule, f.message) for f in run(root).findings]
    expected = [
        (
            "PROM003",
            "alert 'NodeFilesystemFillsIn30Days' reads 4w2d of history, but VMSingle monitoring/main keeps only 2w "
            "(retention set at monitoring/vmsingle.yaml:8:20)",
        )
    ]
    assert found == (expected if reported else [])


def test_the_k8s_stack_vmalert_reads_the_stacks_vmsingle(tmp_path):
    root = planted(
        tmp_path, RULES, "        # MetricsQL only", PREDICT.replace("RANGE", "60d") + "        # MetricsQL only"
    )
    stack(root, "0.91.0", "")
    found = [(f.rule, f.message) for f in run(root).findings]
    assert found == [
        (
            "PROM003",
            "alert 'NodeFilesystemFillsIn30Days' reads 8w4d of history, but VMSingle monitoring/vm-stack-victoria-"
            "metrics-k8s-stack (default retention) keeps only 4w3d (retention set at monitoring/vm-stack.yaml:14:5)",
        )
    ]


CLUSTER_3 = '    vmcluster:\n      enabled: true\n      spec: {retentionPeriod: "3"}\n'
SINGLE_OFF = "    vmsingle: {enabled: false}\n"


@pytest.mark.parametrize(
    ("values", "reported"),
    [
        # the VMSingle off and the VMCluster on: the chart's VMAlert reads from its vmselect (one month kept)
        (SINGLE_OFF + "    vmcluster: {enabled: true}\n", True),
        (SINGLE_OFF + CLUSTER_3, False),
        # with both on, the chart reads from the VMSingle (templates/_helpers.tpl: vmsingle.enabled comes first)
        (CLUSTER_3, True),
    ],
)
def test_the_k8s_stack_vmalert_reads_the_stacks_vmcluster_when_its_vmsingle_is_off(tmp_path, values, reported):
    root = planted(
        tmp_path, RULES, "        # MetricsQL only", PREDICT.replace("RANGE", "60d") + "        # MetricsQL only"
    )
    stack(root, "0.91.0", values)
    found = [(f.rule, f.message) for f in run(root).findings if f.rule == "PROM003"]
    assert len(found) == (1 if reported else 0), found
    store = "VMCluster" if SINGLE_OFF in values else "VMSingle"
    assert all(f"{store} monitoring/vm-stack-victoria-metrics-k8s-stack (default retention)" in m for _, m in found)
