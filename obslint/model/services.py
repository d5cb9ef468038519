"""What the repository will create that other objects refer to: the catalogue.

Services (plain manifests and those the known charts create for a release), Namespaces,
custom resource kinds (CustomResourceDefinition manifests, known charts, the Flux bootstrap),
Secrets and ConfigMaps (manifests and kustomize generators). Providers:

- ``"flux.services"``: `ServiceCatalogue` — every Service with name, namespace, ports, origin,
  plus the namespaces where something the repo cannot see into (an unknown chart, a remote
  kustomize base) may create Services, so URL checks stay quiet there.
- ``"flux.catalogue"``: `Catalogue` — namespaces, CRD kinds, Secrets and ConfigMaps, each with
  the object that creates it (the Flux family turns that into "who must depend on whom").

`check_url(index, url, from_namespace=...)` tells whether an in-cluster URL reaches a Service
(and port) that the repository creates.

Chart facts (names and ports of the Services a chart renders) come from the chart templates at
the pinned versions; each table entry cites its source.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from obslint.findings import Loc
from obslint.index import Index, K8sObject, dig, memoised
from obslint.model.helm import HelmReleaseView, helm_releases, values_bool

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


# --- chart knowledge ---------------------------------------------------------------------

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
)


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


def _port(values: Any, *path: str, default: int) -> int:
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
        yield f"{full}-alertmanager", (_port(v, "alertmanager", "service", "port", default=9093), 8080)
        yield "alertmanager-operated", (9093, 9094)
    if _enabled(v, "prometheus", "enabled"):
        # templates/prometheus/service.yaml: `<fullname>-prometheus`, service.port (9090) + reloader-web 8080.
        yield f"{full}-prometheus", (_port(v, "prometheus", "service", "port", default=9090), 8080)
        yield "prometheus-operated", (9090,)
    if _enabled(v, "prometheusOperator", "enabled"):
        op = dig(v, "prometheusOperator", "fullnameOverride")
        name = op if isinstance(op, str) and op else f"{full}-operator"
        yield name, (443,)
    if _enabled(v, "grafana", "enabled"):
        # grafana subchart: grafana.fullname, service.port 80.
        g = _sub(v, "grafana")
        yield helm_fullname(rel.release_name, "grafana", g), (_port(g, "service", "port", default=80),)
    if _enabled(v, "kubeStateMetrics", "enabled"):
        k = _sub(v, "kube-state-metrics")
        yield helm_fullname(rel.release_name, "kube-state-metrics", k), (_port(k, "service", "port", default=8080),)
    if _enabled(v, "nodeExporter", "enabled"):
        n = _sub(v, "prometheus-node-exporter")
        yield (
            helm_fullname(rel.release_name, "prometheus-node-exporter", n),
            (_port(n, "service", "port", default=9100),),
        )


def _loki_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # grafana/loki production/helm/loki 6.46.0 templates (see oracles/charts/KEYS.md "Service names").
    v = rel.values
    full = helm_fullname(rel.release_name, "loki", v)
    name = _chart_name("loki", v)
    http = _port(v, "loki", "server", "http_listen_port", default=3100)
    grpc = _port(v, "loki", "server", "grpc_listen_port", default=9095)
    mode = dig(v, "deploymentMode")
    mode = mode if isinstance(mode, str) else "SimpleScalable"
    yield f"{full}-memberlist", (7946,)
    if _enabled(v, "gateway", "enabled"):
        yield f"{full}-gateway", (_port(v, "gateway", "service", "port", default=80),)
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
    ports = [_port(alloy, "listenPort", default=12345)]
    extra = alloy.get("extraPorts")
    if isinstance(extra, list):
        for p in extra:
            port = _port(p, "port", default=0)
            if port:
                ports.append(port)
    yield helm_fullname(rel.release_name, "alloy", v), tuple(ports)


def _grafana_services(rel: HelmReleaseView) -> Iterator[tuple[str, tuple[int, ...]]]:
    # grafana/helm-charts charts/grafana templates/service.yaml: grafana.fullname, service.port 80.
    v = rel.values
    if _enabled(v, "service", "enabled"):
        yield helm_fullname(rel.release_name, "grafana", v), (_port(v, "service", "port", default=80),)


CHART_SERVICES = {
    "kube-prometheus-stack": _kps_services,
    "loki": _loki_services,
    "alloy": _alloy_services,
    "grafana": _grafana_services,
}

# Charts known to create no Service anyone would address (so their namespace stays checkable).
CHARTS_WITHOUT_SERVICES = frozenset({"prometheus-operator-crds"})


# --- the catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    namespace: str | None  # None: namespace unknown (matches any)
    ports: tuple[int, ...]
    origin: str  # human description: "Service manifest" or "HelmRelease monitoring/loki (chart loki)"
    obj: K8sObject  # the Service manifest or the HelmRelease that creates it

    @property
    def loc(self) -> Loc:
        return self.obj.loc()


@dataclass
class ServiceCatalogue:
    services: list[ServiceEntry] = field(default_factory=list)
    # namespaces where something opaque (unknown chart, remote base) may create Services
    opaque_namespaces: set[str] = field(default_factory=set)
    opaque_anywhere: bool = False
    # every namespace the repo puts something into (where "no such Service" is meaningful)
    managed_namespaces: set[str] = field(default_factory=set)
    _by_name: dict[str, list[ServiceEntry]] = field(default_factory=lambda: defaultdict(list))

    def add(self, entry: ServiceEntry) -> None:
        self.services.append(entry)
        self._by_name[entry.name].append(entry)

    def lookup(self, name: str, namespace: str | None = None) -> list[ServiceEntry]:
        return [
            e
            for e in self._by_name.get(name, ())
            if namespace is None or e.namespace is None or e.namespace == namespace
        ]

    def in_namespace(self, namespace: str) -> list[ServiceEntry]:
        return [e for e in self.services if e.namespace in (namespace, None)]

    def is_opaque(self, namespace: str) -> bool:
        return self.opaque_anywhere or namespace in self.opaque_namespaces


def namespace_of(index: Index, obj: K8sObject) -> str | None:
    """The namespace an object lands in after kustomize and Flux (metadata.namespace otherwise)."""
    graph = _graph(index)
    if graph is not None:
        return graph.namespace_of(obj)
    return obj.namespace


def namespaces_of(index: Index, obj: K8sObject) -> list[str | None]:
    """Every namespace the object is applied in (first: `namespace_of`)."""
    graph = _graph(index)
    if graph is not None:
        return graph.namespaces_of(obj)
    return [obj.namespace]


def release_namespace(index: Index, rel: HelmReleaseView) -> str | None:
    target = rel.obj.spec.get("targetNamespace")
    if isinstance(target, str) and target:
        return target
    return namespace_of(index, rel.obj)


def _graph(index: Index) -> Any:
    from obslint.model.flux import flux_graph  # flux imports this module

    return flux_graph(index)


@memoised
def service_catalogue(index: Index) -> ServiceCatalogue:
    cat = ServiceCatalogue()
    for obj in index.of_kind("Service", group=""):
        ports = []
        raw = obj.get("spec", "ports")
        for p in raw if isinstance(raw, list) else ():
            port = _port(p, "port", default=0)
            if port:
                ports.append(port)
        for ns in namespaces_of(index, obj):
            cat.add(ServiceEntry(obj.name, ns, tuple(ports), "Service manifest", obj))
    # The operator creates `<kind>-operated` governing Services for each Alertmanager/Prometheus CR.
    for kind, svc, ports in (
        ("Alertmanager", "alertmanager-operated", (9093, 9094)),
        ("Prometheus", "prometheus-operated", (9090,)),
    ):
        for obj in index.of_kind(kind, group="monitoring.coreos.com"):
            ns = namespace_of(index, obj)
            cat.add(ServiceEntry(svc, ns, ports, f"the prometheus-operator for {obj.ref()}", obj))
    for rel in helm_releases(index):
        ns = release_namespace(index, rel)
        fn = CHART_SERVICES.get(rel.chart)
        if fn is None:
            if rel.chart in CHARTS_WITHOUT_SERVICES:
                continue
            if ns is None:
                cat.opaque_anywhere = True
            else:
                cat.opaque_namespaces.add(ns)
            continue
        origin = f"HelmRelease {rel.obj.namespace + '/' if rel.obj.namespace else ''}{rel.obj.name} (chart {rel.chart})"
        try:
            produced = list(fn(rel))
        except Exception:
            produced = []
            cat.opaque_namespaces.add(ns or "")
        for name, ports in produced:
            cat.add(ServiceEntry(name, ns, ports, origin, rel.obj))
    graph = _graph(index)
    if graph is not None:
        for ns in graph.opaque_namespaces:
            if ns is None:
                cat.opaque_anywhere = True
            else:
                cat.opaque_namespaces.add(ns)
    for obj in index.objects:
        for ns in namespaces_of(index, obj):
            if ns:
                cat.managed_namespaces.add(ns)
    for obj in index.of_kind("Namespace", group=""):
        cat.managed_namespaces.add(obj.name)
    return cat


# --- URL check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlProblem:
    message: str
    hint: str


DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 80, "grpcs": 443}
TEMPLATE_RE = re.compile(r"\$\{|\$\(|\{\{|\{%|<[A-Za-z_]|%\(|\$[A-Z_]")
LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def _split_host(url: str) -> tuple[str, str, int | None, bool] | None:
    """(scheme, host, port, port_given) of a URL or host[:port]; None when it does not parse."""
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    if port is None:
        return scheme, host, DEFAULT_PORTS.get(scheme), False
    return scheme, host, port, True


def parse_cluster_host(host: str, known_namespaces: set[str] | None = None) -> tuple[str, str | None] | None:
    """(service, namespace or None) for an in-cluster host name, None when it is not one.

    `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local` (any cluster domain after `.svc`),
    with a trailing dot, and `pod.svc.ns.svc...` for pods of headless Services. A two-label
    `svc.ns` counts only when `ns` is a namespace the repo knows (else it is a public host).
    """
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if not labels or not all(LABEL_RE.match(lbl) for lbl in labels):
        return None
    if "svc" in labels[2:]:
        i = labels.index("svc", 2)
        before = labels[:i]
        return before[-2], before[-1]
    if len(labels) == 1:
        if labels[0] == "localhost":
            return None
        return labels[0], None
    if len(labels) == 2 and known_namespaces is not None and labels[1] in known_namespaces:
        return labels[0], labels[1]
    return None


def check_url(index: Index, url: str, *, from_namespace: str | None = None) -> UrlProblem | None:
    """None when `url` is not an in-cluster Service URL or reaches a Service (and port) the repo
    creates; otherwise what is wrong with it."""
    if not isinstance(url, str) or not url.strip() or TEMPLATE_RE.search(url):
        return None
    split = _split_host(url)
    if split is None:
        return None
    scheme, host, port, port_given = split
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    cat: ServiceCatalogue = service_catalogue(index)
    parsed = parse_cluster_host(host, cat.managed_namespaces)
    if parsed is None:
        return None
    name, ns = parsed
    explicit_ns = ns is not None
    if ns is None:
        ns = from_namespace
    if ns is None:
        # A bare name with no namespace to resolve it in: only judge it when the repo has it somewhere.
        found = cat.lookup(name)
        if not found:
            return None
        return _check_port(name, None, found, port, port_given, scheme, url)
    found = cat.lookup(name, ns)
    if found:
        return _check_port(name, ns, found, port, port_given, scheme, url)
    if cat.is_opaque(ns) or (ns not in cat.managed_namespaces and ns not in CLUSTER_NAMESPACES):
        return None
    # `http://loki:3100` from a namespace with no Service we know of: could be a compose-style alias.
    if not explicit_ns and not cat.in_namespace(ns):
        return None
    return UrlProblem(
        f"no Service {name} in namespace {ns} (URL {_safe(url)})",
        _suggest(cat, name, ns),
    )


def resolve_url(index: Index, url: str, *, from_namespace: str | None = None) -> list[ServiceEntry]:
    """The catalogue entries an in-cluster URL reaches (name, namespace and port match); [] otherwise."""
    if not isinstance(url, str) or TEMPLATE_RE.search(url):
        return []
    split = _split_host(url)
    if split is None:
        return []
    _scheme, host, port, _given = split
    cat: ServiceCatalogue = service_catalogue(index)
    parsed = parse_cluster_host(host, cat.managed_namespaces)
    if parsed is None:
        return []
    name, ns = parsed
    ns = ns or from_namespace
    if ns is None:
        return []
    return [e for e in cat.lookup(name, ns) if port is None or not e.ports or port in e.ports]


def _check_port(
    name: str,
    ns: str | None,
    found: list[ServiceEntry],
    port: int | None,
    port_given: bool,
    scheme: str,
    url: str,
) -> UrlProblem | None:
    if port is None:
        return None
    for e in found:
        if not e.ports or port in e.ports:
            return None
    ports = sorted({p for e in found for p in e.ports})
    where = f" in namespace {ns}" if ns else ""
    how = f"port {port}" if port_given else f"port {port} (the default for {scheme}://)"
    return UrlProblem(
        f"Service {name}{where} has no {how} (ports: {', '.join(map(str, ports))}; "
        f"created by {found[0].origin}) (URL {_safe(url)})",
        f"use one of the Service's ports, e.g. {name}{'.' + ns if ns else ''}:{ports[0]}" if ports else "",
    )


def _suggest(cat: ServiceCatalogue, name: str, ns: str) -> str:
    same_name = [e for e in cat.lookup(name) if e.namespace and e.namespace != ns]
    if same_name:
        e = same_name[0]
        return f"Service {name} exists in namespace {e.namespace} ({e.origin}): use {name}.{e.namespace}.svc"
    here = sorted({e.name for e in cat.in_namespace(ns)})
    if here:
        close = [s for s in here if s.startswith(name.split("-")[0])] or here
        return f"Services in namespace {ns}: {', '.join(close[:6])}"
    return f"nothing in the repository creates Services in namespace {ns}"


def _safe(url: str) -> str:
    """The URL without user info or query (which may carry credentials)."""
    try:
        parts = urlsplit(url if "://" in url else "//" + url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}{port}{parts.path}"


# --- namespaces, kinds, secrets, configmaps -----------------------------------------------


@dataclass(frozen=True)
class Produced:
    """Something the repo creates and the object that creates it."""

    key: tuple[str, ...]  # ("Namespace", name) | ("Kind", group, kind) | ("Secret", ns, name) ...
    obj: K8sObject  # the manifest, the HelmRelease (chart), or the kustomization.yaml owner object
    via: str  # "manifest", "chart", "generator", "createNamespace"
    loc: Loc
    hashed: bool = False  # a kustomize generator appends a content hash to the name


@dataclass
class Catalogue:
    namespaces: dict[str, list[Produced]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[tuple[str, str], list[Produced]] = field(default_factory=lambda: defaultdict(list))
    # (kind "Secret"|"ConfigMap", namespace or None, name) -> producers
    configs: dict[tuple[str, str | None, str], list[Produced]] = field(default_factory=lambda: defaultdict(list))

    def namespace(self, name: str) -> list[Produced]:
        return self.namespaces.get(name, [])

    def kind(self, group: str, kind: str) -> list[Produced]:
        return self.kinds.get((group, kind), [])

    def config(self, kind: str, namespace: str | None, name: str) -> list[Produced]:
        out = list(self.configs.get((kind, namespace, name), ()))
        if namespace is not None:
            out.extend(self.configs.get((kind, None, name), ()))
        return out

    def kind_known(self, group: str, kind: str) -> bool:
        return is_builtin_group(group) or (group, kind) in self.kinds


@memoised
def catalogue(index: Index) -> Catalogue:
    cat = Catalogue()
    for obj in index.of_kind("Namespace", group=""):
        cat.namespaces[obj.name].append(Produced(("Namespace", obj.name), obj, "manifest", obj.loc()))
    for obj in index.of_kind("CustomResourceDefinition", group="apiextensions.k8s.io"):
        group, kind = obj.get("spec", "group"), obj.get("spec", "names", "kind")
        if isinstance(group, str) and isinstance(kind, str):
            cat.kinds[(group, kind)].append(Produced(("Kind", group, kind), obj, "manifest", obj.loc()))
    for kind in ("Secret", "ConfigMap"):
        for obj in index.of_kind(kind, group=""):
            for ns in namespaces_of(index, obj):
                cat.configs[(kind, ns, obj.name)].append(
                    Produced((kind, ns or "", obj.name), obj, "manifest", obj.loc())
                )
    # Operators that write Secrets: external-secrets (spec.target.name, default the object's name)
    # and sealed-secrets (the SealedSecret's name).
    for kind, group, path in (
        ("ExternalSecret", "external-secrets.io", ("spec", "target", "name")),
        ("SealedSecret", "bitnami.com", ("spec", "template", "metadata", "name")),
    ):
        for obj in index.of_kind(kind, group=group):
            ns = namespace_of(index, obj)
            name = obj.get(*path)
            name = name if isinstance(name, str) and name else obj.name
            cat.configs[("Secret", ns, name)].append(Produced(("Secret", ns or "", name), obj, "manifest", obj.loc()))
    # rook-ceph / lib-bucket-provisioner: an ObjectBucketClaim gets a ConfigMap and a Secret of its name.
    for obj in index.of_kind("ObjectBucketClaim", group="objectbucket.io"):
        ns = namespace_of(index, obj)
        for kind in ("ConfigMap", "Secret"):
            cat.configs[(kind, ns, obj.name)].append(Produced((kind, ns or "", obj.name), obj, "manifest", obj.loc()))
    for rel in helm_releases(index):
        crds = CHART_CRDS.get(rel.chart)
        spec = rel.obj.spec
        if crds is not None:
            on = not crds.switches or any(_enabled(rel.values, *p, default=d) for p, d in crds.switches)
            policy = dig(spec, "install", "crds")
            if crds.in_crds_dir and isinstance(policy, str) and policy == "Skip":
                on = False
            if on:
                for gk in crds.kinds:
                    cat.kinds[gk].append(Produced(("Kind", *gk), rel.obj, "chart", rel.obj.loc("spec", "chart")))
        if dig(spec, "install", "createNamespace") is True:
            ns = release_namespace(index, rel)
            if ns:
                cat.namespaces[ns].append(
                    Produced(("Namespace", ns), rel.obj, "createNamespace", rel.obj.loc("spec", "install"))
                )
    graph = _graph(index)
    if graph is not None:
        for produced in graph.generated:
            if produced.key[0] in ("Secret", "ConfigMap"):
                kind, ns, name = produced.key
                cat.configs[(kind, ns or None, name)].append(produced)
            elif produced.key[0] == "Kind":
                cat.kinds[(produced.key[1], produced.key[2])].append(produced)
    return cat
