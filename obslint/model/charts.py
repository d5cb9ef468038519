"""What the repository knows about Helm charts and the cluster: the CRD kinds a chart installs,
the Services it renders for a release, Helm's naming conventions, and the API groups and
namespaces every cluster has.

Chart facts come from the chart templates at the pinned versions; each table entry cites its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.model.helm import HelmReleaseView, values_bool
from obslint.objects import dig

# --- objects the cluster or the Flux bootstrap create -------------------------------------

CLUSTER_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "flux-system"})

# API groups that need no CRD from the repo: Kubernetes built-ins and the Flux toolkit
# (installed by `flux bootstrap` with the controllers).
BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "node.k8s.io",
        "discovery.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "certificates.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "resource.k8s.io",
        "storagemigration.k8s.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "internal.apiserver.k8s.io",
        "metrics.k8s.io",
        "kustomize.config.k8s.io",  # kustomization.yaml itself, never applied
        "kustomize.toolkit.fluxcd.io",
        "source.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
    }
)


def is_builtin_group(group: str) -> bool:
    return group in BUILTIN_GROUPS or (group.endswith(".k8s.io") and not group.endswith(".x-k8s.io"))


# --- charts ---------------------------------------------------------------------

PROMETHEUS_OPERATOR_KINDS = (
    "Alertmanager",
    "AlertmanagerConfig",
    "PodMonitor",
    "Probe",
    "Prometheus",
    "PrometheusAgent",
    "PrometheusRule",
    "ScrapeConfig",
    "ServiceMonitor",
    "ThanosRuler",
)


@dataclass(frozen=True)
class ChartCRDs:
    """CRD kinds a chart installs, and the values switch that turns them on."""

    kinds: tuple[tuple[str, str], ...]  # (group, kind)
    switches: tuple[tuple[tuple[str, ...], bool], ...] = ()  # any switch true => installed
    in_crds_dir: bool = False  # shipped in a crds/ directory: `install.crds: Skip` drops them


def _kinds(group: str, *kinds: str) -> tuple[tuple[str, str], ...]:
    return tuple((group, k) for k in kinds)


CHART_CRDS: dict[str, ChartCRDs] = {
    # kube-prometheus-stack 80.6.0: `crds.enabled: true` installs the subchart charts/crds whose
    # crds/ directory holds the operator v0.87.1 CRDs (oracles/charts/kube-prometheus-stack-80.6.0/values.yaml).
    "kube-prometheus-stack": ChartCRDs(
        _kinds("monitoring.coreos.com", *PROMETHEUS_OPERATOR_KINDS), ((("crds", "enabled"), True),), True
    ),
    # prometheus-community/helm-charts charts/prometheus-operator-crds: CRDs as templates, always.
    "prometheus-operator-crds": ChartCRDs(_kinds("monitoring.coreos.com", *PROMETHEUS_OPERATOR_KINDS)),
    # cert-manager: CRDs are templates gated by `crds.enabled` (>= 1.15) or the older
    # `installCRDs`, both false by default (cert-manager/cert-manager deploy/charts/cert-manager/values.yaml).
    "cert-manager": ChartCRDs(
        _kinds("cert-manager.io", "Certificate", "CertificateRequest", "Issuer", "ClusterIssuer")
        + _kinds("acme.cert-manager.io", "Order", "Challenge"),
        ((("crds", "enabled"), False), (("installCRDs",), False)),
    ),
    # alloy 1.5.1: `crds.create: true` installs PodLogs (monitoring.grafana.com) from the crds subchart.
    "alloy": ChartCRDs(_kinds("monitoring.grafana.com", "PodLogs"), ((("crds", "create"), True),), True),
    # grafana/helm-charts charts/grafana-operator: CRDs in crds/.
    "grafana-operator": ChartCRDs(
        _kinds(
            "grafana.integreatly.org",
            "Grafana",
            "GrafanaDashboard",
            "GrafanaDatasource",
            "GrafanaFolder",
            "GrafanaAlertRuleGroup",
            "GrafanaContactPoint",
            "GrafanaNotificationPolicy",
            "GrafanaNotificationTemplate",
            "GrafanaMuteTiming",
            "GrafanaLibraryPanel",
        ),
        (),
        True,
    ),
    # external-secrets/external-secrets deploy/charts: `installCRDs: true` by default.
    "external-secrets": ChartCRDs(
        _kinds(
            "external-secrets.io",
            "ExternalSecret",
            "SecretStore",
            "ClusterSecretStore",
            "ClusterExternalSecret",
            "PushSecret",
        ),
        ((("installCRDs",), True),),
    ),
}

# Remote kustomize resources that install well-known CRDs (matched on the URL).
REMOTE_CRD_PATTERNS: tuple[tuple[re.Pattern[str], tuple[tuple[str, str], ...]], ...] = (
    (re.compile(r"cert-manager.*crds?\b", re.I), CHART_CRDS["cert-manager"].kinds),
    (re.compile(r"prometheus-operator.*(crd|bundle)", re.I), CHART_CRDS["prometheus-operator-crds"].kinds),
    # grafana/grafana-operator releases publish crds.yaml with every release
    (re.compile(r"grafana-operator.*crds?\b", re.I), CHART_CRDS["grafana-operator"].kinds),
    (re.compile(r"external-secrets.*crds?\b", re.I), CHART_CRDS["external-secrets"].kinds),
)
# controller-gen names a CRD file `<group>_<plural>.yaml` (kubernetes-sigs/controller-tools
# pkg/crd/gen.go), so a URL of one such file installs that one kind only.
_CRD_FILE = re.compile(r"/([a-z0-9.-]{1,253})_([a-z0-9]{1,63})\.ya?ml(?:[?#].*)?$")


def remote_crd_kinds(url: str) -> set[tuple[str, str]]:
    """The CRD kinds a remote resource (a URL kustomize or kubectl fetches) installs, as far as
    REMOTE_CRD_PATTERNS know it; one kind when the URL names a single CRD file."""
    found: set[tuple[str, str]] = set()
    for pattern, kinds in REMOTE_CRD_PATTERNS:
        if pattern.search(url):
            found.update(kinds)
    m = _CRD_FILE.search(url)
    if m is None or not found:
        return found
    group, plural = m.groups()
    return {(g, k) for g, k in found if g == group and plural in _plurals(k)}


def _plurals(kind: str) -> tuple[str, ...]:
    low = kind.lower()
    return (low + "s", low + "es", low[:-1] + "ies") if low.endswith("y") else (low + "s", low + "es")


def helm_fullname(release: str, chart: str, values: Any, limit: int = 63) -> str:
    """Helm's conventional `<chart>.fullname`: fullnameOverride, else the release name when it
    contains the chart name (or nameOverride), else `<release>-<name>`; truncated, no trailing '-'."""
    override = dig(values, "fullnameOverride")
    if isinstance(override, str) and override:
        return override[:limit].rstrip("-")
    name = dig(values, "nameOverride")
    name = name if isinstance(name, str) and name else chart
    full = release if name in release else f"{release}-{name}"
    return full[:limit].rstrip("-")


def _chart_name(chart: str, values: Any) -> str:
    name = dig(values, "nameOverride")
    return (name if isinstance(name, str) and name else chart)[:63].rstrip("-")


def _enabled(values: Any, *path: str, default: bool = True) -> bool:
    return values_bool(dig(values, *path), default)


def port_of(values: Any, *path: str, default: int) -> int:
    v = dig(values, *path)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return default


def _sub(values: Any, key: str) -> dict:
    v = dig(values, key)
    return v if isinstance(v, dict) else {}


def _kps_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    v = rel.values
    # kube-prometheus-stack templates/_helpers.tpl: "kube-prometheus-stack.fullname" truncates at 26
    # (prometheus-community/helm-charts, charts/kube-prometheus-stack/templates/_helpers.tpl).
    full = helm_fullname(rel.release_name, "kube-prometheus-stack", v, limit=26)
    if _enabled(v, "alertmanager", "enabled"):
        # templates/alertmanager/service.yaml: `<fullname>-alertmanager`, ports service.port (9093)
        # and reloader-web 8080; the operator adds `alertmanager-operated` (9093 web, 9094 mesh).
        yield f"{full}-alertmanager", (port_of(v, "alertmanager", "service", "port", default=9093), 8080)
        yield "alertmanager-operated", (9093, 9094)
    if _enabled(v, "prometheus", "enabled"):
        # templates/prometheus/service.yaml: `<fullname>-prometheus`, service.port (9090) + reloader-web 8080.
        yield f"{full}-prometheus", (port_of(v, "prometheus", "service", "port", default=9090), 8080)
        yield "prometheus-operated", (9090,)
    if _enabled(v, "prometheusOperator", "enabled"):
        op = dig(v, "prometheusOperator", "fullnameOverride")
        name = op if isinstance(op, str) and op else f"{full}-operator"
        yield name, (443,)
    if _enabled(v, "grafana", "enabled"):
        # grafana subchart: grafana.fullname, service.port 80.
        g = _sub(v, "grafana")
        yield helm_fullname(rel.release_name, "grafana", g), (port_of(g, "service", "port", default=80),)
    if _enabled(v, "kubeStateMetrics", "enabled"):
        k = _sub(v, "kube-state-metrics")
        yield helm_fullname(rel.release_name, "kube-state-metrics", k), (port_of(k, "service", "port", default=8080),)
    if _enabled(v, "nodeExporter", "enabled"):
        n = _sub(v, "prometheus-node-exporter")
        yield (
            helm_fullname(rel.release_name, "prometheus-node-exporter", n),
            (port_of(n, "service", "port", default=9100),),
        )


def _loki_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # grafana/loki production/helm/loki 6.46.0 templates (see oracles/charts/KEYS.md "Service names").
    v = rel.values
    full = helm_fullname(rel.release_name, "loki", v)
    name = _chart_name("loki", v)
    http = port_of(v, "loki", "server", "http_listen_port", default=3100)
    grpc = port_of(v, "loki", "server", "grpc_listen_port", default=9095)
    mode = dig(v, "deploymentMode")
    mode = mode if isinstance(mode, str) else "SimpleScalable"
    yield f"{full}-memberlist", (7946,)
    if _enabled(v, "gateway", "enabled"):
        yield f"{full}-gateway", (port_of(v, "gateway", "service", "port", default=80),)
    if _enabled(v, "lokiCanary", "enabled"):
        yield f"{name}-canary", (3500,)
    if _enabled(v, "memcached", "enabled"):
        if _enabled(v, "chunksCache", "enabled"):
            yield f"{full}-chunks-cache", (11211, 9150)
        if _enabled(v, "resultsCache", "enabled"):
            yield f"{full}-results-cache", (11211, 9150)
    if "SingleBinary" in mode:
        yield full, (http, grpc)
        yield f"{name}-headless", (http, grpc)
    if "SimpleScalable" in mode:
        for part in ("read", "write", "backend"):
            yield f"{name}-{part}", (http, grpc)
            yield f"{name}-{part}-headless", (http, grpc)
        yield f"{full}-query-scheduler-discovery", (http, grpc)
    if "Distributed" in mode:
        for part in ("distributor", "ingester", "query-frontend", "index-gateway"):
            yield f"{full}-{part}", (http, grpc)
            yield f"{full}-{part}-headless", (http, grpc)
        for part in ("querier", "query-scheduler", "compactor", "ruler"):
            yield f"{full}-{part}", (http, grpc)


def _alloy_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # grafana/alloy operations/helm/charts/alloy 1.5.1 templates/service.yaml: `alloy.fullname`,
    # port alloy.listenPort (12345) plus alloy.extraPorts[].port; `service.enabled` default true.
    v = rel.values
    if not _enabled(v, "service", "enabled"):
        return
    alloy = _sub(v, "alloy") or _sub(v, "agent")
    ports = [port_of(alloy, "listenPort", default=12345)]
    extra = alloy.get("extraPorts")
    if isinstance(extra, list):
        for p in extra:
            port = port_of(p, "port", default=0)
            if port:
                ports.append(port)
    yield helm_fullname(rel.release_name, "alloy", v), tuple(ports)


def _grafana_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # grafana/helm-charts charts/grafana templates/service.yaml: grafana.fullname, service.port 80.
    v = rel.values
    if _enabled(v, "service", "enabled"):
        yield helm_fullname(rel.release_name, "grafana", v), (port_of(v, "service", "port", default=80),)


def vector_service_ports(v: Any) -> tuple[int, ...]:
    """The ports of the vector chart's Service: `service.ports` when set, else one per
    `customConfig` source or sink with an `address` (its trailing port) plus `api.address` when the
    API is enabled, else the role's defaults (vectordotdev/helm-charts charts/vector/templates/
    service.yaml, service-headless.yaml and _helpers.tpl `vector.ports` / `_helper.generatePort`)."""
    manual = dig(v, "service", "ports")
    if isinstance(manual, list) and manual:
        return tuple(p for p in (port_of(x, "port", default=0) for x in manual) if p)
    custom = dig(v, "customConfig")
    if isinstance(custom, dict) and custom:
        ports: list[int] = []
        for kind in ("sources", "sinks"):
            components = custom.get(kind)
            for conf in components.values() if isinstance(components, dict) else ():
                port = _trailing_port(dig(conf, "address"))
                if port:
                    ports.append(port)
        if values_bool(dig(custom, "api", "enabled"), False):
            port = _trailing_port(dig(custom, "api", "address"))
            if port:
                ports.append(port)
        return tuple(ports)
    role = dig(v, "role")
    if role in ("Aggregator", "Stateless-Aggregator", None):  # "Aggregator" is the chart default
        return (8282, 24224, 5044, 8080, 8125, 9000, 6000, 9090)
    return (9090,)


def _trailing_port(address: Any) -> int:
    # the chart takes `mustRegexFind "[0-9]+$"` of the address; more than 5 digits is no port
    m = re.search(r"[0-9]+$", address) if isinstance(address, str) else None
    return int(m.group(0)) if m and len(m.group(0)) <= 5 else 0


def _vector_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    v = rel.values
    full = helm_fullname(rel.release_name, "vector", v)
    if _enabled(v, "service", "enabled"):
        ports = vector_service_ports(v)
        yield full, ports
        if _enabled(v, "serviceHeadless", "enabled"):
            yield f"{full}-headless", ports
    if _enabled(v, "haproxy", "enabled", default=False):
        # templates/haproxy/service.yaml: `<vector.fullname>-haproxy`, ports as the Vector Service
        yield f"{full}-haproxy", ()


def _falcosidekick_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # falcosecurity/charts charts/falcosidekick templates/service.yaml: `falcosidekick.fullname`
    # on service.port (2801), plus config.tlsserver.notlsport (2810) when notlspaths is set;
    # service-ui.yaml: `<fullname>-ui` (webui.service.port 2802) and `<fullname>-ui-redis` (6379).
    v = rel.values
    full = helm_fullname(rel.release_name, "falcosidekick", v)
    ports = [port_of(v, "service", "port", default=2801)]
    if dig(v, "config", "tlsserver", "notlspaths") != "":
        ports.append(port_of(v, "config", "tlsserver", "notlsport", default=2810))
    yield full, tuple(ports)
    if _enabled(v, "webui", "enabled", default=False):
        yield f"{full}-ui", (port_of(v, "webui", "service", "port", default=2802),)
        if _enabled(v, "webui", "redis", "enabled", default=True):
            yield f"{full}-ui-redis", (port_of(v, "webui", "redis", "service", "port", default=6379),)


def robusta_fullname(rel: HelmReleaseView) -> str:
    """robusta-dev/robusta helm/robusta/templates/_helpers.tpl `robusta.fullname`: fullnameOverride,
    else the release name (never `<release>-robusta`)."""
    override = dig(rel.values, "fullnameOverride")
    name = override if isinstance(override, str) and override else rel.release_name
    return name[:63].rstrip("-")


def _robusta_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # helm/robusta/templates/runner.yaml: Service `<robusta.fullname>-runner`, port 80 (http -> 5000),
    # the address Alertmanager's webhook receiver posts to (`/api/alerts`).
    yield f"{robusta_fullname(rel)}-runner", (80,)


def _robusta_subcharts(rel: HelmReleaseView) -> bool:
    # Chart.yaml dependencies: kube-prometheus-stack (`enablePrometheusStack`) and holmes
    # (`enableHolmesGPT`) render Services of their own, named by their own templates.
    v = rel.values
    return _enabled(v, "enablePrometheusStack", default=False) or _enabled(v, "enableHolmesGPT", default=False)


def _uptime_kuma_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # dirsigler/uptime-kuma-helm charts/uptime-kuma templates/service.yaml: one
    # Service `uptime-kuma.fullname` (Helm's convention, templates/_helpers.tpl), port
    # `service.port` (3001 in values.yaml of 0.1.0 to 4.1.0, oracles/charts/history) named http.
    v = rel.values
    yield helm_fullname(rel.release_name, "uptime-kuma", v), (port_of(v, "service", "port", default=3001),)


CHART_SERVICES = {
    "kube-prometheus-stack": _kps_services,
    "loki": _loki_services,
    "alloy": _alloy_services,
    "grafana": _grafana_services,
    "vector": _vector_services,
    "falcosidekick": _falcosidekick_services,
    "robusta": _robusta_services,
    "uptime-kuma": _uptime_kuma_services,
}
# The port names of every Service a chart renders, where the templates fix them (an Ingress
# backend may name the port).
CHART_PORT_NAMES: dict[str, tuple[str, ...]] = {"uptime-kuma": ("http",)}
# Charts whose Services above hold only for the publisher chart_pin.PUBLISHERS names (pascaliske
# publishes another `uptime-kuma`).
CHARTS_OF_ONE_PUBLISHER = frozenset({"uptime-kuma"})

# Charts whose subcharts, when switched on, render Services CHART_SERVICES does not list: their
# namespace is then opaque (a URL into it is not judged), the listed Services still resolve.
CHART_SERVICES_PARTIAL = {"robusta": _robusta_subcharts}

# Charts known to create no Service anyone would address (so their namespace stays checkable).
CHARTS_WITHOUT_SERVICES = frozenset({"prometheus-operator-crds"})
