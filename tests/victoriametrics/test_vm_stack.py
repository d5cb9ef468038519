"""What a victoria-metrics-k8s-stack release renders from its values: the VMSingle and VMCluster
(`vmsingle.spec`, `vmcluster.spec`, judged by STOR003/STOR004 with the pinned chart version's defaults) and
the VMAlertmanager's config
(`alertmanager.config`, judged by the AM rules, with the VMAlertmanagerConfigs it selects)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.victoriametrics.test_victoriametrics import CAPACITY, run

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: vm
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
"""
VMSINGLE = "VMSingle monitoring/vm-victoria-metrics-k8s-stack"
VMCLUSTER = "VMCluster monitoring/vm-victoria-metrics-k8s-stack"
CLUSTER_ON = "    vmsingle: {enabled: false}\n    vmcluster:\n      enabled: true\n"


def repo(tmp_path: Path, values: str, version: str = "0.91.0", capacity: bool = False) -> Path:
    root = tmp_path / "repo"
    (root / "monitoring").mkdir(parents=True)
    (root / ".obslint.yaml").write_text("fail-on: info\n" + (CAPACITY if capacity else ""), encoding="utf-8")
    (root / "monitoring/vm.yaml").write_text(RELEASE.replace("VERSION", version) + values, encoding="utf-8")
    return root


def findings(root: Path) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in run(root).findings]


def test_chart_defaults_lint_clean(tmp_path):
    # a 20Gi claim and one month of retention (chart 0.91.0 defaults): 31 days at 500MB/day fit
    assert findings(repo(tmp_path, "", capacity=True)) == []


@pytest.mark.parametrize(
    ("values", "rule", "says"),
    [
        # `storage: null` deletes the chart's default claim: the operator mounts an emptyDir
        ("    vmsingle:\n      spec:\n        storage: null\n", "STOR003", f"{VMSINGLE} keeps samples for 1 month"),
        # two months at 500MB/day need about 31GB, more than the default 20Gi claim
        ('    vmsingle:\n      spec:\n        retentionPeriod: "2"\n', "STOR004", f"{VMSINGLE} retention 2 months"),
        # a storage class alone: Helm keeps the chart's 20Gi request, which 60 days do not fit in
        (
            "    vmsingle:\n      spec:\n        retentionPeriod: 60d\n        storage:\n"
            "          storageClassName: fast\n",
            "STOR004",
            "more than its volume (20Gi)",
        ),
        # chart 0.91.0 defaults: one month on two 10Gi vmstorage nodes holding every sample twice (10Gi of room);
        # 31 days at 500MB/day need about 15.5GB
        (CLUSTER_ON, "STOR004", f"{VMCLUSTER} retention 1 month (the chart default)"),
        # `storage: null` deletes the default claim template: the vmstorage nodes run on an emptyDir
        (CLUSTER_ON + "      spec:\n        vmstorage:\n          storage: null\n", "STOR003", f"{VMCLUSTER} keeps"),
        # a storage class alone: Helm keeps the default 10Gi request
        (
            CLUSTER_ON + "      spec:\n        vmstorage:\n          storage:\n            volumeClaimTemplate:\n"
            "              spec: {storageClassName: fast}\n",
            "STOR004",
            "more than its volume (10Gi)",
        ),
    ],
)
def test_stores_from_values(tmp_path, values, rule, says):
    found = findings(repo(tmp_path, values, capacity=True))
    assert [r for r, _ in found] == [rule], found
    assert says in found[0][1], found


def test_vmsingle_default_retention_of_old_versions(tmp_path):
    # through 0.19.4 the chart's default retentionPeriod was "14" (months): 20Gi do not hold that
    found = findings(repo(tmp_path, "", version="0.10.0", capacity=True))
    assert [r for r, _ in found] == ["STOR004"], found
    assert "retention 14 months (the chart default)" in found[0][1]


@pytest.mark.parametrize(
    ("values", "version"),
    [
        ("    vmsingle:\n      spec:\n        storage: null\n", "99.0.0-not-a-release"),  # unknown version
        ("    vmsingle:\n      enabled: false\n      spec:\n        storage: null\n", "0.91.0"),  # not rendered
        ("    vmsingle:\n      spec:\n        storage: null\n        storageDataPath: /data\n", "0.91.0"),
    ],
)
def test_vmsingle_not_judged(tmp_path, values, version):
    assert findings(repo(tmp_path, values, version=version, capacity=True)) == []


AM_VALUES = """\
    alertmanager:
      spec:
        disableNamespaceMatcher: true
      config:
        route:
          receiver: team
          group_by: [alertname]
          routes:
            - receiver: pager
              matchers: [severity="critical"]
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
"""
AMC = """\
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAlertmanagerConfig
metadata: {name: apps, namespace: monitoring}
spec:
  route: {receiver: apps, group_by: [alertname]}
  receivers:
    - name: apps
      webhook_configs: [{url: "https://example.org/apps"}]
    - name: unused
      webhook_configs: [{url: "https://example.org/unused"}]
"""


def test_alertmanager_config_from_values(tmp_path):
    found = findings(repo(tmp_path, AM_VALUES))
    assert (
        "AM001",
        'undefined receiver "pager" used in route of HelmRelease monitoring/vm values alertmanager.config',
    ) in found, found


def test_alertmanager_config_merges_the_selected_vmalertmanagerconfigs(tmp_path):
    values = AM_VALUES.replace('            - receiver: pager\n              matchers: [severity="critical"]\n', "")
    values = values.replace("          routes:\n", "")
    root = repo(tmp_path, values)
    assert findings(root) == []
    path = root / "monitoring/vm.yaml"
    path.write_text(path.read_text(encoding="utf-8") + AMC, encoding="utf-8")
    assert findings(root) == [
        ("AM002", 'receiver "unused" of VMAlertmanagerConfig monitoring/apps is not used by its route')
    ]


def test_managed_config_is_not_read(tmp_path):
    values = AM_VALUES.replace("    alertmanager:\n", "    alertmanager:\n      useManagedConfig: true\n")
    assert findings(repo(tmp_path, values)) == []


@pytest.mark.parametrize(
    "values",
    [
        CLUSTER_ON + "      spec:\n        vmstorage: {replicaCount: 4}\n",  # 4 nodes x 10Gi / 2 copies: 20Gi
        CLUSTER_ON + "      spec:\n        replicationFactor: 1\n",  # 2 nodes x 10Gi, one copy
        CLUSTER_ON + '      spec:\n        retentionPeriod: "14d"\n',
        "    vmsingle: {enabled: false}\n",  # vmcluster is off by default
    ],
)
def test_vmcluster_that_fits(tmp_path, values):
    assert findings(repo(tmp_path, values, capacity=True)) == []


def test_vmcluster_of_a_chart_version_without_one(tmp_path):
    # 0.2.x have no vmcluster section (it came in 0.3.0): `enabled: true` renders nothing, the VMSingle stays
    found = findings(repo(tmp_path, "    vmcluster: {enabled: true}\n", version="0.2.9", capacity=True))
    (flux051, stor004) = sorted(found)
    assert flux051 == (
        "FLUX051",
        "HelmRelease vm: victoria-metrics-k8s-stack 0.2.9 has no value 'vmcluster'; Helm ignores it",
    )
    assert stor004[0] == "STOR004" and VMSINGLE in stor004[1]


@pytest.mark.parametrize(
    "values",
    [
        CLUSTER_ON + "      spec: {vmstorage: x, replicationFactor: [1]}\n",
        CLUSTER_ON + "      spec: {vmstorage: {replicaCount: abc, storage: 5}, retentionPeriod: {a: 1}}\n",
        CLUSTER_ON + "      spec: {vmstorage: {storage: {volumeClaimTemplate: [x]}}}\n",
        "    vmsingle: {enabled: false}\n    vmcluster: {enabled: true, spec: [1, 2]}\n",
    ],
)
def test_vmcluster_values_of_the_wrong_shape_give_no_traceback(tmp_path, values):
    run(repo(tmp_path, values, capacity=True))  # `run` asserts the check ran without internal errors
