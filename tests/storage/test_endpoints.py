"""LOKI005 loki-tenant-mismatch, LOKI006 endpoint-unreachable and the loki.writers provider."""

from __future__ import annotations

from obslint.findings import Severity
from tests.conftest import check
from tests.storage.test_loki import BASE, loki_hr, with_loki


def run(root, *ids):
    result = check(root, select=list(ids))
    assert not result.errors, result.errors
    return result.findings


def loki(auth: bool, extra: str = "") -> dict[str, str]:
    return loki_hr(with_loki(f"auth_enabled: {str(auth).lower()}\n" + extra, BASE))


ALLOY = """\
loki.write "default" {
  endpoint {
    url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"
    TENANT
  }
}
"""


def test_alloy_without_tenant_to_multi_tenant_loki(repo):
    files = loki(True)
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "")
    (f,) = run(repo(files), "LOKI005")
    assert (f.loc.path, f.loc.line) == ("alloy/config.alloy", 3)
    assert "401" in f.message and f.severity is Severity.ERROR


def test_alloy_with_tenant_or_header_or_stage(repo):
    files = loki(True)
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", 'tenant_id = "home"')
    assert not run(repo(files), "LOKI005")
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", 'headers = {"X-Scope-OrgID" = "home"}')
    assert not run(repo(files), "LOKI005")
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "") + (
        'loki.process "t" {\n  forward_to = [loki.write.default.receiver]\n'
        '  stage.tenant {\n    value = "home"\n  }\n}\n'
    )
    assert not run(repo(files), "LOKI005")


def test_tenant_ignored_by_single_tenant_loki(repo):
    files = loki(False)
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", 'tenant_id = "home"')
    (f,) = run(repo(files), "LOKI005")
    assert "tenant fake" in f.message and f.loc.line == 4
    assert f.severity is Severity.WARNING  # nothing is lost
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "")
    assert not run(repo(files), "LOKI005")


def test_default_auth_is_multi_tenant(repo):
    files = loki_hr(BASE)  # loki.auth_enabled not written: chart default true
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "")
    assert len(run(repo(files), "LOKI005")) == 1


def test_promtail_and_vector_writers(repo):
    files = loki(True)
    files["promtail/promtail.yaml"] = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: promtail, namespace: monitoring}
spec:
  chart: {spec: {chart: promtail, version: 6.16.0}}
  values:
    config:
      clients:
        - url: http://loki:3100/loki/api/v1/push
        - url: http://loki:3100/loki/api/v1/push
          tenant_id: home
"""
    files["vector/vector.yaml"] = """\
sources:
  k8s: {type: kubernetes_logs}
sinks:
  loki:
    type: loki
    inputs: [k8s]
    endpoint: http://loki.monitoring:3100
"""
    found = run(repo(files), "LOKI005")
    assert sorted((f.loc.path, f.loc.line) for f in found) == [
        ("promtail/promtail.yaml", 9),
        ("vector/vector.yaml", 7),
    ]


def test_writer_to_unknown_loki_is_not_judged(repo):
    files = loki(True)
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "").replace(
        "loki.monitoring.svc.cluster.local:3100", "logs.example.org"
    )
    assert not run(repo(files), "LOKI005")


def test_gateway_basic_auth_sets_tenant(repo):
    files = loki(True)
    files["monitoring/loki.yaml"] += "    gateway:\n      basicAuth: {enabled: true}\n"
    files["alloy/config.alloy"] = ALLOY.replace("TENANT", "")
    assert not run(repo(files), "LOKI005")


# --- LOKI006 -------------------------------------------------------------------------------

KPS = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values:
    grafana:
      additionalDataSources:
        - name: Loki
          type: loki
          url: URL
"""


def test_ruler_alertmanager_url(repo):
    am = "rulerConfig:\n  alertmanager_url: http://kube-prometheus-stack-alertmanager.monitoring.svc:PORT\n"
    files = loki(False, am.replace("PORT", "9093"))
    files["monitoring/kps.yaml"] = KPS.replace("URL", "http://loki.monitoring.svc:3100")
    assert not run(repo(files), "LOKI006")
    files["monitoring/loki.yaml"] = loki(False, am.replace("PORT", "9094"))["monitoring/loki.yaml"]
    (f,) = run(repo(files), "LOKI006")
    assert "ruler alertmanager_url" in f.message and f.loc.path == "monitoring/loki.yaml"
    assert f.severity is Severity.ERROR  # a port the Service of the repository does not have
    files["monitoring/loki.yaml"] = loki(False, am.replace("PORT", "9093/api/v2/alerts"))["monitoring/loki.yaml"]
    (f,) = run(repo(files), "LOKI006")
    assert "wrong API path" in f.message and f.severity is Severity.ERROR


def test_ruler_url_to_missing_service(repo):
    files = loki(False, "rulerConfig:\n  alertmanager_url: http://alertmanager.monitoring.svc:9093\n")
    (f,) = run(repo(files), "LOKI006")
    assert "no Service alertmanager" in f.message
    assert f.severity is Severity.WARNING  # the Service may come from outside the repository


def test_grafana_additional_datasource(repo):
    files = loki(False)
    files["monitoring/kps.yaml"] = KPS.replace("URL", "http://loki-read.monitoring.svc:3100")
    (f,) = run(repo(files), "LOKI006")
    assert (f.loc.path, f.loc.line) == ("monitoring/kps.yaml", 11)
    files["monitoring/kps.yaml"] = KPS.replace("URL", "http://loki.monitoring.svc:3100/loki/api/v1/query")
    (f,) = run(repo(files), "LOKI006")
    assert "wrong API path" in f.message
    files["monitoring/kps.yaml"] = KPS.replace("URL", "https://logs.example.org")
    assert not run(repo(files), "LOKI006")


def test_datasource_configmap_and_operator(repo):
    files = loki(False)
    files["monitoring/ds.yaml"] = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ds
  namespace: monitoring
  labels: {grafana_datasource: "1"}
data:
  ds.yaml: |
    apiVersion: 1
    datasources:
      - name: Loki
        type: loki
        url: http://loki.monitoring.svc:3101
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDatasource
metadata: {name: loki, namespace: monitoring}
spec:
  datasource:
    type: loki
    url: http://loki.monitoring.svc:3100/loki/api/v1/push
"""
    found = run(repo(files), "LOKI006")
    assert sorted(f.loc.line for f in found) == [13, 21]


def test_promtail_and_vector_paths(repo):
    files = loki(False)
    files["promtail/config.yaml"] = """\
server: {http_listen_port: 9080}
positions: {filename: /tmp/positions.yaml}
clients:
  - url: http://loki.monitoring.svc:3100/api/v1/push
  - url: http://loki.monitoring.svc:3100/loki/api/v1/push
scrape_configs: []
"""
    files["vector/vector.yaml"] = """\
sources:
  k8s: {type: kubernetes_logs}
sinks:
  loki:
    type: loki
    inputs: [k8s]
    endpoint: http://loki.monitoring.svc:3100/loki/api/v1/push
  ok:
    type: loki
    inputs: [k8s]
    endpoint: http://loki.monitoring.svc:3100
"""
    found = run(repo(files), "LOKI006")
    assert sorted((f.loc.path, f.loc.line) for f in found) == [("promtail/config.yaml", 4), ("vector/vector.yaml", 7)]


def test_bad_values_do_not_crash(repo):
    files = loki(False, "rulerConfig:\n  alertmanager_url: [1, 2]\n")
    files["monitoring/kps.yaml"] = KPS.replace("url: URL", "url: {a: 1}")
    files["promtail/config.yaml"] = "clients: [1, {url: 5}]\nscrape_configs: x\n"
    files["vector/vector.yaml"] = "sources: {}\nsinks: {a: {type: loki, endpoint: [1]}}\n"
    assert not check(repo(files), select=["LOKI005", "LOKI006", "GRAF001"]).errors
