"""VictoriaMetrics operator objects: a fixture that lints clean, planted mistakes each caught by
exactly the rule that carries over (STOR003, STOR004, PROM004-PROM007, AM001, LOKI006), MetricsQL
never reported as a parse error, and one notice for what is not checked yet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obslint.model.victoriametrics import MONTH, retention_seconds
from obslint.units import DAY, HOUR, YEAR
from tests.conftest import check

FIXTURE = Path(__file__).parent / "fixture"
STORES = "monitoring/vmsingle.yaml"
RULES = "monitoring/vmrules.yaml"
AM = "monitoring/vmalertmanager.yaml"
CAPACITY = "options:\n  retention-capacity: {ingest-per-day: 500MB}\n"


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    return root


def planted(tmp_path: Path, rel: str, old: str, new: str, root: Path | None = None) -> Path:
    root = root or copy(tmp_path)
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def run(root: Path):
    result = check(root)
    assert not result.errors, result.errors
    return result


def with_capacity(tmp_path: Path) -> Path:
    root = copy(tmp_path)
    (root / ".obslint.yaml").write_text("fail-on: info\n" + CAPACITY, encoding="utf-8")
    return root


def test_fixture_lints_clean():
    result = run(FIXTURE)
    assert result.findings == []
    # MetricsQL that is not PromQL (WITH, rollup_candlestick) is not judged, and that is said once
    assert [n for n in result.notices if "VMRule" in n] == [
        "VictoriaMetrics VMRule groups: vmalert's own validation is not checked yet (PROM001); "
        "MetricsQL-only expressions are not judged"
    ]


def test_fixture_fits_its_volumes_at_the_measured_rate(tmp_path):
    assert run(with_capacity(tmp_path)).findings == []


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "says"),
    [
        # VMSingle without spec.storage: the operator mounts an emptyDir
        (
            STORES,
            "  storage:\n    accessModes: [ReadWriteOnce]\n    resources:\n      requests:\n        storage: 20Gi\n",
            "",
            "STOR003",
            "VMSingle monitoring/main keeps samples for 14d on an emptyDir (no storage set)",
        ),
        # VMCluster storage nodes without a claim template
        (
            STORES,
            "    storage:\n      volumeClaimTemplate:\n        spec:\n          resources:\n"
            "            requests:\n              storage: 50Gi\n",
            "",
            "STOR003",
            "VMCluster monitoring/long-term keeps samples for 3 months on an emptyDir",
        ),
        # an alert without severity
        (
            RULES,
            "          labels:\n            severity: warning\n          annotations:\n            summary: Filesystem",
            "          annotations:\n            summary: Filesystem",
            "PROM004",
            "NodeFilesystemAlmostFull",
        ),
        # the severity check reads MetricsQL alerts too: it needs no AST
        (
            RULES,
            "          labels:\n            severity: warning\n          annotations:\n            summary: CPU",
            "          annotations:\n            summary: CPU",
            "PROM004",
            "NodeCPUBusy",
        ),
        # an alert expression that always fires
        (
            RULES,
            " / node_filesystem_size_bytes < 0.1",
            " / node_filesystem_size_bytes",
            "PROM007",
            "NodeFilesystemAlmostFull",
        ),
        # a label the aggregation drops, printed in the summary
        (
            RULES,
            'expr: node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes < 0.1',
            'expr: sum by (instance) (node_filesystem_avail_bytes{fstype!="tmpfs"}) < 1e9',
            "PROM006",
            "mountpoint",
        ),
        # the VMAlertmanager's own config routes to a receiver it does not define
        (
            AM,
            "      routes:\n",
            '      routes:\n        - receiver: pager\n          matchers: [severity="warning"]\n',
            "AM001",
            "pager",
        ),
        # a webhook at a port the Service does not have
        (AM, "alert-relay.monitoring.svc:8080", "alert-relay.monitoring.svc:8081", "AM008", "8081"),
    ],
)
def test_planted_mistake_is_caught(tmp_path, rel, old, new, rule, says):
    found = run(planted(tmp_path, rel, old, new)).findings
    assert {f.rule for f in found} == {rule}, [(f.rule, f.message) for f in found]
    assert any(says in f.message for f in found), [f.message for f in found]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        # 30 days at 500MB/day need about 14GiB: still fits 20Gi; 60 days do not
        ("retentionPeriod: 14d", "retentionPeriod: 60d", "VMSingle monitoring/main retention 60d"),
        # three storage nodes keeping two copies have room for 75Gi; one node for 25Gi
        ("    replicaCount: 3\n", "    replicaCount: 1\n", "VMCluster monitoring/long-term retention 3 months"),
    ],
)
def test_capacity_is_judged_for_victoriametrics(tmp_path, old, new, says):
    found = run(planted(tmp_path, STORES, old, new, root=with_capacity(tmp_path))).findings
    assert {f.rule for f in found} == {"STOR004"}, [(f.rule, f.message) for f in found]
    assert says in found[0].message


def test_promql_parse_errors_are_not_reported_for_metricsql(tmp_path):
    """`rate(x)` without a range is valid MetricsQL (the range defaults to the step)."""
    root = planted(tmp_path, RULES, 'rate(node_cpu_seconds_total{mode="idle"}[5m])', "rate(node_cpu_seconds_total)")
    assert run(root).findings == []


def test_grafana_datasource_reaches_the_vmsingle_service(tmp_path):
    root = copy(tmp_path)
    ds = (
        "apiVersion: grafana.integreatly.org/v1beta1\nkind: GrafanaDatasource\n"
        "metadata: {name: vm, namespace: monitoring}\n"
        "spec:\n  instanceSelector: {matchLabels: {dashboards: grafana}}\n"
        "  datasource: {name: VictoriaMetrics, type: prometheus, url: 'http://vmsingle-main.monitoring.svc:PORT'}\n"
    )
    (root / "monitoring/ds.yaml").write_text(ds.replace("PORT", "8428"), encoding="utf-8")
    assert run(root).findings == []
    (root / "monitoring/ds.yaml").write_text(ds.replace("PORT", "8428").replace("-main", "-mian"), encoding="utf-8")
    found = run(root).findings
    assert [(f.rule, "no Service vmsingle-mian in namespace monitoring" in f.message) for f in found] == [
        ("LOKI006", True)
    ]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("1", MONTH), ("3", 3 * MONTH), ("14d", 14 * DAY), ("36h", 36 * HOUR), ("1y", YEAR), (2, 2 * MONTH)],
)
def test_retention_period_units(raw, seconds):
    assert retention_seconds(raw) == seconds


@pytest.mark.parametrize("raw", ["1m", "two", "", "-1", True, None, "1.5.2"])
def test_retention_period_invalid(raw):
    assert retention_seconds(raw) is None
