"""STOR001-STOR004 and the storage model."""

from __future__ import annotations

from obslint.findings import Severity
from obslint.model.storage import tsdb_stores
from obslint.units import DAY
from tests.conftest import check, rule_ids


def kps(values: str) -> dict[str, str]:
    head = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kps
  namespace: monitoring
spec:
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
  values:
"""
    body = "\n".join("    " + line for line in values.strip("\n").splitlines())
    return {"monitoring/kps.yaml": head + body + "\n"}


AM_PVC = """
alertmanager:
  alertmanagerSpec:
    storage:
      volumeClaimTemplate:
        spec: {resources: {requests: {storage: 1Gi}}}
"""


def prom(spec: str) -> str:
    return AM_PVC + "prometheus:\n  prometheusSpec:\n" + "\n".join("    " + x for x in spec.strip("\n").splitlines())


PVC = """
retention: 15d
storageSpec:
  volumeClaimTemplate:
    spec:
      resources:
        requests:
          storage: 20Gi
"""


def findings(root, rule_id, **kw):
    result = check(root, select=[rule_id], **kw)
    assert not result.errors, result.errors
    return result.findings


def test_retention_without_size_fires_on_pvc(repo):
    (f,) = findings(repo(kps(prom(PVC))), "STOR001")
    assert f.loc.path == "monitoring/kps.yaml"
    assert (f.loc.line, f.loc.col) == (19, 20)  # the retention value
    assert "15d" in f.message and "20Gi" in f.message


def test_retention_without_size_quiet_with_size_or_no_pvc(repo):
    assert not findings(repo(kps(prom(PVC + "retentionSize: 16GiB"))), "STOR001")
    # emptyDir: nothing to fill (STOR003's business)
    assert not findings(repo(kps(prom("retention: 15d"))), "STOR001")


def test_retention_without_size_uses_chart_default_retention(repo):
    spec = PVC.replace("retention: 15d\n", "")
    (f,) = findings(repo(kps(prom(spec))), "STOR001")
    assert "10d" in f.message  # kube-prometheus-stack 80.6.0 default


def test_size_exceeds_volume(repo):
    (f,) = findings(repo(kps(prom(PVC + "retentionSize: 25GB"))), "STOR002")
    assert "larger than" in f.message and f.loc.line == 26
    assert f.severity is Severity.ERROR
    (f,) = findings(repo(kps(prom(PVC + "retentionSize: 20GB"))), "STOR002")
    assert "as large as" in f.message and f.severity is Severity.ERROR
    (f,) = findings(repo(kps(prom(PVC + "retentionSize: 18GiB"))), "STOR002")
    # below the volume: whether the WAL and a compaction fit depends on the data
    assert "above 85%" in f.message and "may fill" in f.message and f.severity is Severity.WARNING
    assert not findings(repo(kps(prom(PVC + "retentionSize: 17GiB"))), "STOR002")


def test_size_share_option(repo):
    files = kps(prom(PVC + "retentionSize: 17GiB"))
    files[".obslint.yaml"] = "options:\n  retention-size-exceeds-volume: {max-share: 0.8}\n"
    assert rule_ids(findings(repo(files), "STOR002")) == ["STOR002"]
    files[".obslint.yaml"] = "options:\n  STOR002: {max-share: 0.9}\n"
    assert not findings(repo(files), "STOR002")


def test_size_prometheus_units_are_powers_of_two(repo):
    # 20GB in Prometheus = 20GiB = the whole 20Gi volume
    assert findings(repo(kps(prom(PVC + "retentionSize: 20GB"))), "STOR002")
    # 17GB = 17GiB < 17Gi... equal share under 85% of 20Gi (17Gi): fine
    assert not findings(repo(kps(prom(PVC + "retentionSize: 17GB"))), "STOR002")


def test_prometheus_crd(repo):
    files = {
        "prom.yaml": """\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: main, namespace: monitoring}
spec:
  retention: 30d
  retentionSize: 60GiB
  storage:
    volumeClaimTemplate:
      spec:
        resources: {requests: {storage: 50Gi}}
"""
    }
    result = check(repo(files), select=["STOR001", "STOR002", "STOR003"])
    assert rule_ids(result.findings) == ["STOR002"]
    assert "Prometheus monitoring/main" in result.findings[0].message


def test_emptydir_size_limit_counts_as_volume(repo):
    spec = "retention: 2d\nretentionSize: 9GiB\nstorageSpec:\n  emptyDir:\n    sizeLimit: 10Gi"
    root = repo(kps(prom(spec)))
    assert rule_ids(check(root, select=["STOR002", "STOR003"]).findings) == ["STOR002", "STOR003"]


def test_without_persistence(repo):
    (f,) = findings(repo(kps(prom("retention: 15d\nretentionSize: 8GiB"))), "STOR003")
    assert "emptyDir" in f.message and "no storageSpec set" in f.message
    assert not findings(repo(kps(prom(PVC))), "STOR003")


def test_without_persistence_alertmanager_default_and_disabled(repo):
    values = "prometheus:\n  enabled: false\n"
    (f,) = findings(repo(kps(values)), "STOR003")
    assert "Alertmanager" in f.message and "120h" in f.message
    assert not findings(repo(kps(values + "alertmanager:\n  enabled: false\n")), "STOR003")


def test_without_persistence_ephemeral_and_agent_mode(repo):
    spec = "storageSpec:\n  ephemeral:\n    volumeClaimTemplate:\n      spec: {resources: {requests: {storage: 5Gi}}}"
    (f,) = findings(repo(kps(prom(spec))), "STOR003")
    assert "ephemeral" in f.message
    agent = AM_PVC + "prometheus:\n  agentMode: true\n"
    assert not findings(repo(kps(agent)), "STOR003")


def test_capacity_off_until_configured(repo):
    root = repo(kps(prom(PVC.replace("15d", "60d") + "retentionSize: 16GiB")))
    assert not findings(root, "STOR004")


def test_capacity_with_option(repo):
    files = kps(prom(PVC.replace("15d", "30d") + "retentionSize: 16GiB"))
    files[".obslint.yaml"] = "options:\n  retention-capacity: {ingest-per-day: 1Gi}\n"
    (f,) = findings(repo(files), "STOR004")
    assert "30d" in f.message and "retentionSize" in f.message and "16.0 days" in f.message
    files[".obslint.yaml"] = "options:\n  retention-capacity: {ingest-per-day: 500Mi}\n"
    assert not findings(repo(files), "STOR004")


def test_capacity_bad_option_is_usage_error(repo):
    import pytest

    from obslint.runner import UsageError

    files = kps(prom(PVC))
    files[".obslint.yaml"] = "options:\n  retention-capacity: {ingest-per-day: lots}\n"
    with pytest.raises(UsageError):
        check(repo(files), select=["STOR004"])


def test_bad_types_do_not_crash(repo):
    spec = "retention: [1, 2]\nretentionSize: {a: 1}\nstorageSpec: 12"
    result = check(repo(kps(prom(spec))), select=["STOR001", "STOR002", "STOR003", "STOR004"])
    assert not result.errors
    result = check(repo(kps("prometheus: 5\nalertmanager: [x]\n")), select=["STOR"])
    assert not result.errors


def test_model_values(repo):
    from obslint.config import Config
    from obslint.index import Index
    from obslint.load import load_tree

    root = repo(kps(prom(PVC + "retentionSize: 16GiB")))
    index = Index.build(load_tree(str(root), [], 8 << 20), Config())
    import obslint.model.storage  # noqa: F401

    prom_store, am = tsdb_stores(index)
    assert prom_store.retention == 15 * DAY and prom_store.retention_size == 16 * 1024**3
    assert prom_store.volume.kind == "pvc" and prom_store.volume.size == 20 * 1024**3
    assert am.component == "alertmanager" and am.retention == 5 * DAY and am.volume.size == 1024**3


def test_values_from_may_hold_the_missing_key(repo):
    files = kps(prom(PVC))
    files["monitoring/kps.yaml"] = files["monitoring/kps.yaml"].replace(
        "  values:\n", "  valuesFrom:\n    - {kind: ConfigMap, name: kps-values}\n  values:\n"
    )
    assert not findings(repo(files), "STOR001")
    files["monitoring/kps.yaml"] = files["monitoring/kps.yaml"].replace(
        "name: kps-values}", "name: kps-values, targetPath: grafana.adminPassword}"
    )
    assert findings(repo(files), "STOR001")


def test_alertmanager_crd_and_loki_without_persistence(repo):
    files = {
        "am.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: m}\n"
        "spec:\n  replicas: 1\n",
        "loki.yaml": """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: loki, namespace: m}
spec:
  chart: {spec: {chart: loki, version: 6.46.0}}
  values:
    deploymentMode: SingleBinary
    singleBinary:
      persistence:
        enabled: false
    loki:
      storage: {type: filesystem}
      limits_config: {retention_period: 7d}
""",
    }
    found = findings(repo(files), "STOR003")
    assert sorted((f.loc.path, f.loc.line) for f in found) == [("am.yaml", 4), ("loki.yaml", 10)]
    assert "120h" in found[0].message and "1w of logs" in found[1].message


def test_values_from_configmaps_in_the_repo_are_read(repo):
    files = kps(prom(PVC))
    files["monitoring/kps.yaml"] = files["monitoring/kps.yaml"].replace(
        "  values:\n", "  valuesFrom:\n    - {kind: ConfigMap, name: kps-values}\n  values:\n"
    )
    cm = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kps-values, namespace: monitoring}\n"
        "data:\n  values.yaml: |\n"
    )
    files["monitoring/cm.yaml"] = cm + "    grafana: {enabled: false}\n"
    assert findings(repo(files), "STOR001")  # the ConfigMap does not set retentionSize
    files["monitoring/cm.yaml"] = cm + "    prometheus:\n      prometheusSpec: {retentionSize: 10GiB}\n"
    assert not findings(repo(files), "STOR001")
    # a generated ConfigMap (kustomize configMapGenerator) is read from its file
    del files["monitoring/cm.yaml"]
    files["monitoring/kustomization.yaml"] = (
        "configMapGenerator:\n  - name: kps-values\n    files: [values.yaml=extra-values.yaml]\n"
    )
    files["monitoring/extra-values.yaml"] = "grafana: {enabled: false}\n"
    assert findings(repo(files), "STOR001")
