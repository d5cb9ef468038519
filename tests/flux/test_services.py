"""The catalogue of Services, namespaces, kinds and configs, and the URL check."""

from __future__ import annotations

import pytest

from obslint.findings import Basis
from obslint.model.catalogue import catalogue
from obslint.model.chart_facts import helm_fullname
from obslint.model.services import check_url, parse_cluster_host, service_catalogue
from tests.flux.helpers import index_of

STACK = """
-- clusters/home/infra.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: monitoring, namespace: flux-system}
spec:
  interval: 10m
  path: ./monitoring
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
-- monitoring/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: monitoring
resources: [namespace.yaml, kps.yaml, loki.yaml, alloy.yaml, svc.yaml]
secretGenerator:
  - name: grafana-admin
    literals: [user=admin]
configMapGenerator:
  - name: dashboards
    options: {disableNameSuffixHash: true}
    literals: [a=b]
-- monitoring/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
-- monitoring/svc.yaml --
apiVersion: v1
kind: Service
metadata: {name: uptime-kuma}
spec:
  ports: [{port: 3001}]
-- monitoring/kps.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack}
spec:
  chart:
    spec: {chart: kube-prometheus-stack, version: 80.6.0, sourceRef: {kind: HelmRepository, name: prometheus-community}}
  values:
    grafana: {service: {port: 3000}}
-- monitoring/loki.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: loki}
spec:
  chart:
    spec: {chart: loki, version: 6.46.0, sourceRef: {kind: HelmRepository, name: grafana}}
  values:
    deploymentMode: SingleBinary
-- monitoring/alloy.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: alloy}
spec:
  chart:
    spec: {chart: alloy, version: 1.5.1, sourceRef: {kind: HelmRepository, name: grafana}}
  values:
    fullnameOverride: shipper
"""


@pytest.fixture
def stack(repo):
    return index_of(repo(STACK))


def url_problem(index, url, **kw):
    """check_url in the one cluster of the index (or the cluster-less world)."""
    clusters = index.graph.clusters
    return check_url(index, url, cluster=clusters[0] if clusters else None, **kw)


def any_object(index):
    return index.objects[0]


def names(index, ns="monitoring"):
    return sorted({e.name for e in service_catalogue(index).in_namespace(ns)})


def test_catalogue_has_chart_and_manifest_services(stack):
    got = names(stack)
    for expected in (
        "kube-prometheus-stack-alertmanager",
        "kube-prometheus-stack-prometheus",
        "alertmanager-operated",
        "prometheus-operated",
        "kube-prometheus-stack-grafana",
        "kube-prometheus-stack-kube-state-metrics",
        "kube-prometheus-stack-prometheus-node-exporter",
        "loki",
        "loki-gateway",
        "loki-headless",
        "loki-memberlist",
        "shipper",
        "uptime-kuma",
    ):
        assert expected in got
    # namespace comes from kustomization.yaml, not from metadata
    svc = service_catalogue(stack).lookup("uptime-kuma")[0]
    assert svc.namespace == "monitoring" and svc.ports == (3001,)


@pytest.mark.parametrize(
    "url",
    [
        "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push",
        "http://loki-gateway.monitoring.svc.cluster.local./loki/api/v1/push",
        "http://loki-gateway.monitoring.svc/loki/api/v1/push",
        "http://loki-gateway.monitoring/loki/api/v1/push",
        "http://loki.monitoring:3100",
        "http://kube-prometheus-stack-alertmanager.monitoring:9093/api/v2/alerts",
        "http://alertmanager-operated.monitoring.svc:9093",
        "http://alertmanager-main-0.alertmanager-operated.monitoring.svc:9094",
        "http://kube-prometheus-stack-grafana.monitoring.svc:3000",
        "shipper.monitoring.svc:12345",
        "https://hooks.slack.com/services/T000/B000/XXX",
        "http://10.0.0.5:9093",
        "http://${LOKI_HOST}/loki/api/v1/push",
        "http://{{ .Release.Name }}-loki:3100",
        "http://grafana.com",
        "not a url at all",
        "",
    ],
)
def test_urls_that_are_fine(stack, url):
    assert url_problem(stack, url) is None


def test_short_name_resolves_in_from_namespace(stack):
    assert url_problem(stack, "http://loki-gateway/loki/api/v1/push", from_namespace="monitoring") is None
    problem = url_problem(stack, "http://loki-gatewy/loki/api/v1/push", from_namespace="monitoring")
    assert problem is not None and "no Service loki-gatewy in namespace monitoring" in problem.message


def test_missing_service(stack):
    problem = url_problem(stack, "http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push")
    assert problem is None  # namespace unknown to the repo: may be managed elsewhere
    problem = url_problem(stack, "http://loki-write.monitoring.svc.cluster.local:3100/loki/api/v1/push")
    assert problem is not None
    assert problem.message.startswith("no Service loki-write in namespace monitoring")
    assert "loki" in problem.hint


def test_wrong_port(stack):
    problem = url_problem(stack, "http://loki-gateway.monitoring.svc:3100/loki/api/v1/push")
    assert problem is not None
    assert "Service loki-gateway in namespace monitoring has no port 3100, only 80:" in problem.message
    default = url_problem(stack, "http://loki.monitoring.svc/loki/api/v1/push")
    assert default is not None and "port 80 (the default for http://)" in default.message


def test_service_in_another_namespace_suggested(stack):
    problem = url_problem(stack, "http://uptime-kuma.default.svc:3001")
    assert problem is not None and "uptime-kuma.monitoring.svc" in problem.hint


def test_credentials_never_echoed(stack):
    problem = url_problem(stack, "http://user:s3cr3t@loki-write.monitoring.svc:3100/push?token=abc")
    assert problem is not None
    assert "s3cr3t" not in problem.message and "abc" not in problem.message


UNKNOWN_CHART = """
-- apps.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: thing, namespace: apps}
spec:
  chart: {spec: {chart: some-chart, sourceRef: {kind: HelmRepository, name: x}}}
  values: {VALUES}
-- svc.yaml --
apiVersion: v1
kind: Service
metadata: {name: known, namespace: apps}
spec: {ports: [{port: 80}]}
"""


def test_an_unknown_chart_leaves_unknown_only_the_names_it_could_give(repo):
    """A chart obslint does not know may name its Services after its release, its chart, its namespace or
    anything in its values; no other name in its namespace exists unless something else creates it."""
    index = index_of(repo(UNKNOWN_CHART.replace("{VALUES}", "{}")))
    for url in ("http://thing.apps.svc:8080", "http://thing-web.apps.svc", "http://some-chart-webhook.apps.svc"):
        assert url_problem(index, url) is None, url
    assert url_problem(index, "http://apps-dashboard.apps.svc") is None  # named after its namespace
    problem = url_problem(index, "http://whatever.apps.svc:8080")
    assert problem is not None and problem.message.startswith("no Service whatever in namespace apps")
    assert problem.basis is Basis.ASSUMPTION  # a literal name in the unknown templates stays possible


@pytest.mark.parametrize(
    ("values", "url"),
    [
        # cilium: `hubble.ui` makes Service hubble-ui (install/kubernetes/cilium/templates/hubble-ui/service.yaml)
        ("{hubble: {ui: {enabled: true}}}", "http://hubble-ui.apps.svc:80"),
        ("{kubeStateMetrics: {enabled: true}}", "http://kube-state-metrics.apps.svc:8080"),
        ("{service: {name: kube-dns}}", "http://kube-dns.apps.svc:53"),
        ("{controllers: {main: {forceRename: home}}}", "http://home.apps.svc"),
    ],
)
def test_names_from_an_unknown_charts_values_are_unknown(repo, values, url):
    index = index_of(repo(UNKNOWN_CHART.replace("{VALUES}", values)))
    assert url_problem(index, url) is None
    assert url_problem(index, "http://whatever.apps.svc:8080") is not None


def test_an_unknown_charts_unread_value_that_names_something_makes_the_namespace_opaque(repo):
    text = UNKNOWN_CHART.replace("{VALUES}", "{}").replace(
        "  values: {}",
        "  values: {}\n  valuesFrom: [{kind: Secret, name: out-of-band, valuesKey: n, targetPath: service.name}]",
    )
    assert url_problem(index_of(repo(text)), "http://whatever.apps.svc:8080") is None
    password = text.replace("targetPath: service.name", "targetPath: auth.password")
    assert url_problem(index_of(repo(password)), "http://whatever.apps.svc:8080") is not None


def test_a_known_chart_whose_services_are_not_all_modelled_leaves_its_release_names_unknown(repo):
    values = "{deploymentMode: SingleBinary, fullnameOverride: web}"
    text = LOKI_RELEASE.replace("VERSION", "2.16.0").replace("{deploymentMode: SingleBinary}", values)
    index = index_of(repo(text))
    for url in ("http://web.apps.svc:80", "http://web-api.apps.svc:80", "http://logs-loki.apps.svc:3100"):
        assert url_problem(index, url) is None, url
    assert url_problem(index, "http://whatever.apps.svc:8080") is not None


def test_values_obslint_cannot_read_make_the_namespace_opaque(repo):
    text = UNKNOWN_CHART.replace("{VALUES}", "{}").replace(
        "  values: {}", "  values: {}\n  valuesFrom: [{kind: Secret, name: out-of-band}]"
    )
    index = index_of(repo(text))
    assert url_problem(index, "http://whatever.apps.svc:8080") is None


def test_a_release_named_by_a_postbuild_variable_makes_the_namespace_opaque(repo):
    text = UNKNOWN_CHART.replace("{VALUES}", "{}").replace("  values: {}", "  values: {}\n  releaseName: ${APP}")
    index = index_of(repo(text))
    assert url_problem(index, "http://whatever.apps.svc:8080") is None


LOKI_RELEASE = """
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: logs, namespace: apps}
spec:
  chart: {spec: {chart: loki, version: VERSION, sourceRef: {kind: HelmRepository, name: grafana}}}
  values: {deploymentMode: SingleBinary}
"""


def test_known_chart_has_exactly_its_services_for_the_pinned_version(repo):
    index = index_of(repo(LOKI_RELEASE.replace("VERSION", "6.46.0")))
    assert url_problem(index, "http://logs-loki.apps.svc:3100") is None
    problem = url_problem(index, "http://logs-loki-distributor.apps.svc:3100")
    assert problem is not None and "no Service logs-loki-distributor" in problem.message


def test_a_loki_version_whose_services_are_not_modelled_leaves_the_release_names_unknown(repo):
    # loki 2.x is the single-binary chart of before deploymentMode: its names are not modelled
    index = index_of(repo(LOKI_RELEASE.replace("VERSION", "2.16.0")))
    assert not [e for e in service_catalogue(index).services if e.name.startswith("logs")]
    assert url_problem(index, "http://logs-loki-distributor.apps.svc:3100") is None
    assert url_problem(index, "http://elsewhere.apps.svc:3100") is not None


def test_fullname_rules():
    assert helm_fullname("loki", "loki", {}) == "loki"
    assert helm_fullname("my-loki", "loki", {}) == "my-loki"
    assert helm_fullname("logs", "loki", {}) == "logs-loki"
    assert helm_fullname("logs", "loki", {"nameOverride": "lk"}) == "logs-lk"
    assert helm_fullname("logs", "loki", {"fullnameOverride": "x" * 70}) == "x" * 63
    assert helm_fullname("a" * 30, "kube-prometheus-stack", {}, limit=26) == "a" * 26


def test_kps_fullname_truncated_to_26(repo):
    index = index_of(
        repo(
            """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: monitoring-stack-production, namespace: mon}
            spec:
              chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
            """
        )
    )
    got = {e.name for e in service_catalogue(index).services}
    assert "monitoring-stack-productio-alertmanager" in got  # "<release>-kube-prometheus-stack"[:26]


def test_parse_cluster_host():
    assert parse_cluster_host("a.b.svc.cluster.local.") == ("a", "b")
    assert parse_cluster_host("a.b.svc") == ("a", "b")
    assert parse_cluster_host("a.b", {"b"}) == ("a", "b")
    assert parse_cluster_host("a.b", {"c"}) is None
    assert parse_cluster_host("a") == ("a", None)
    assert parse_cluster_host("localhost") is None
    assert parse_cluster_host("example.com") is None


def test_catalogue_namespaces_kinds_configs(stack):
    cat = catalogue(stack)
    scope = any_object(stack)
    assert cat.namespace("monitoring", scope)
    assert cat.kind("monitoring.coreos.com", "PrometheusRule", scope)
    assert cat.kind("monitoring.grafana.com", "PodLogs", scope)
    assert not cat.kind("cert-manager.io", "Certificate", scope)
    secret = cat.config("Secret", "monitoring", "grafana-admin", scope)
    assert secret.present and secret.producers[0].hashed
    cm = cat.config("ConfigMap", "monitoring", "dashboards", scope)
    assert cm.present and not cm.producers[0].hashed
    assert cat.config("Secret", "monitoring", "nowhere", scope).absent  # the repository makes Secrets here


def test_cert_manager_crds_follow_values(repo):
    index = index_of(
        repo(
            """
            -- a.yaml --
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: cert-manager, namespace: cert-manager}
            spec:
              chart: {spec: {chart: cert-manager, version: 1.16.0}}
              install: {createNamespace: true}
              values: {crds: {enabled: true}}
            -- b.yaml --
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: kps, namespace: mon}
            spec:
              chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
              install: {crds: Skip}
            """
        )
    )
    cat = catalogue(index)
    scope = any_object(index)
    assert cat.kind("cert-manager.io", "ClusterIssuer", scope)
    assert cat.namespace("cert-manager", scope)
    assert not cat.kind("monitoring.coreos.com", "ServiceMonitor", scope)


def test_names_an_operator_may_derive_from_a_custom_resource_are_unknown(repo):
    text = (
        UNKNOWN_CHART.split("-- svc.yaml --")[0].split("-- apps.yaml --")[0]
        + "-- svc.yaml --"
        + (UNKNOWN_CHART.split("-- svc.yaml --")[1])
        + (
            "-- vm.yaml --\napiVersion: operator.victoriametrics.com/v1beta1\nkind: VMSingle\n"
            "metadata: {name: kantai, namespace: apps}\nspec: {}\n"
        )
    )
    text += (
        "-- pg.yaml --\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n"
        "metadata: {name: kantai-db, namespace: apps}\nspec: {}\n"
    )
    index = index_of(repo(text))
    # a modelled operator creates exactly its Services: vmsingle-<name>, nothing else
    assert url_problem(index, "http://vmsingle-kantai.apps.svc:8429") is None
    assert url_problem(index, "http://kantai-service.apps.svc:3000") is not None
    assert url_problem(index, "http://vmsingle-kantaix.apps.svc:8429") is not None
    # an operator obslint does not model may name Services after its resource (CloudNativePG: <name>-rw)
    assert url_problem(index, "http://kantai-db-rw.apps.svc:5432") is None
