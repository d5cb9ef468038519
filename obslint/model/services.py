"""The Services each cluster will have, and whether an in-cluster URL reaches one of them.

Services come from manifests (as rendered for their cluster), from the HelmReleases of charts whose
Services obslint knows (obslint.model.chart_facts: names and ports for the pinned version), and from the
prometheus-operator (`alertmanager-operated`, `prometheus-operated`), the VictoriaMetrics operator
(`vmsingle-<name>`, ...) and grafana-operator (`<grafana>-service`). What the repository cannot see into
leaves names unknown:

* a release of any other chart may create Services named like the release (`<release>`,
  `<release>-<suffix>`, a `fullnameOverride`), the chart, its namespace or something in its values
  (`chart_facts.unknown_chart_name_patterns`): those names in its namespace are unknown, others are not;
* a namespace where something may create Services of any name (a remote kustomize base, another
  repository's Kustomization, a release whose values or name obslint cannot read) is opaque: no URL into
  it is judged.

`check_url(index, url, from_namespace=..., cluster=...)` judges a URL within one cluster.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from obslint.findings import Basis, Loc, few
from obslint.index import Index, memoised
from obslint.model.chart_facts import (
    CHARTS_WITHOUT_SERVICES,
    OPERATOR_SERVICES,
    chart_services,
    could_be_named,
    port_of,
    release_name_patterns,
    unknown_chart_name_patterns,
)
from obslint.model.charts import CLUSTER_NAMESPACES, is_builtin_group
from obslint.model.helm import HelmReleaseView, helm_releases
from obslint.objects import Cluster, K8sObject


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    namespace: str | None  # None: namespace unknown (matches any)
    ports: tuple[int, ...]
    origin: str  # human description: "Service manifest" or "HelmRelease monitoring/loki (chart loki)"
    obj: K8sObject  # the Service manifest or the HelmRelease that creates it
    # names of its ports (an Ingress backend may name one); None: not known (a chart's Service)
    port_names: tuple[str, ...] | None = None

    @property
    def loc(self) -> Loc:
        return self.obj.loc()


@dataclass
class ClusterServices:
    """The Services of one cluster."""

    services: list[ServiceEntry] = field(default_factory=list)
    # namespaces where something opaque (unknown chart, remote base) may create Services
    opaque_namespaces: set[str] = field(default_factory=set)
    opaque_anywhere: bool = False
    # namespace (None: any) -> name prefixes of releases whose Services obslint does not know
    release_names: dict[str | None, list[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(list))
    # namespace -> names of custom resources an operator may create Services after
    resource_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
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

    def may_exist_unseen(self, name: str, namespace: str) -> bool:
        """Whether something obslint cannot see into may create a Service of this name there."""
        if self.is_opaque(namespace):
            return True
        releases = [p for ns in (namespace, None) for p in self.release_names.get(ns, ())]
        if any(could_be_named(patterns, name) for patterns in releases):
            return True
        dashed = f"-{name}-"
        return any(f"-{cr}-" in dashed for cr in self.resource_names.get(namespace, ()))


@dataclass
class ServiceCatalogue:
    clusters: dict[Cluster | None, ClusterServices] = field(default_factory=lambda: defaultdict(ClusterServices))

    def of(self, scope: K8sObject | None) -> ClusterServices:
        """The Services of the cluster `scope` is applied in."""
        return self.clusters[scope.cluster if scope is not None else None]

    @property
    def services(self) -> list[ServiceEntry]:
        return [e for c in self.clusters.values() for e in c.services]

    def lookup(self, name: str, namespace: str | None = None) -> list[ServiceEntry]:
        """Services of that name in any cluster (for callers that reason across the repository)."""
        return [e for c in self.clusters.values() for e in c.lookup(name, namespace)]

    def in_namespace(self, namespace: str) -> list[ServiceEntry]:
        return [e for c in self.clusters.values() for e in c.in_namespace(namespace)]


def namespace_of(index: Index, obj: K8sObject) -> str | None:
    """The namespace an object lands in after kustomize and Flux."""
    graph = index.graph
    return graph.namespace_of(obj) if graph is not None else obj.namespace


def release_namespace(index: Index, rel: HelmReleaseView) -> str | None:
    """Where a HelmRelease's chart puts its objects (targetNamespace, else the release's own)."""
    return rel.namespace or namespace_of(index, rel.obj)


@memoised
def service_catalogue(index: Index) -> ServiceCatalogue:
    out = ServiceCatalogue()
    graph = index.graph
    for obj in index.of_kind("Service", group=""):
        ports = tuple(p for p in (port_of(x, "port", default=0) for x in _ports(obj)) if p)
        names = tuple(str(x["name"]) for x in _ports(obj) if isinstance(x, dict) and x.get("name"))
        out.of(obj).add(ServiceEntry(obj.name, obj.namespace, ports, "Service manifest", obj, names))
    # The operator creates `<kind>-operated` governing Services for each Alertmanager/Prometheus CR.
    for kind, (svc, ports) in OPERATOR_SERVICES.items():
        for obj in index.of_kind(kind, group="monitoring.coreos.com"):
            out.of(obj).add(ServiceEntry(svc, obj.namespace, ports, f"the prometheus-operator for {obj.ref()}", obj))
    _add_flux_services(index, out)
    for obj, svc, cr_ports, operator in _custom_resource_services(index):
        out.of(obj).add(ServiceEntry(svc, obj.namespace, cr_ports, f"the {operator} for {obj.ref()}", obj))
    for rel in helm_releases(index):
        _add_release(index, out.of(rel.obj), rel)
    # Operators name the Services they create after their custom resource: the VictoriaMetrics operator
    # `vmsingle-<name>`, `vmalertmanager-<name>` (VictoriaMetrics/operator api/operator/v1beta1, PrefixedName),
    # grafana-operator `<name>-service` (grafana/grafana-operator controllers/model/grafana_resources.go).
    # A name with the resource's name among its dash-separated parts may be one of those.
    # Operators modelled in CUSTOM_RESOURCE_SERVICES create exactly the Services listed there.
    for obj in index.objects:
        if not (obj.namespace and obj.name) or is_builtin_group(obj.group) or obj.group in _SERVICELESS_GROUPS:
            continue
        if (obj.group, obj.kind) not in CUSTOM_RESOURCE_SERVICES:
            out.of(obj).resource_names[obj.namespace].add(obj.name)
    if graph is not None:
        for cluster, spaces in graph.opaque.items():
            for ns in spaces:
                if ns is None:
                    out.clusters[cluster].opaque_anywhere = True
                else:
                    out.clusters[cluster].opaque_namespaces.add(ns)
    for obj in index.objects:
        if obj.namespace:
            out.of(obj).managed_namespaces.add(obj.namespace)
        if obj.kind == "Namespace" and obj.group == "":
            out.of(obj).managed_namespaces.add(obj.name)
    return out


# Custom resources whose Services obslint models (the prometheus-operator's `<kind>-operated`) or that
# make none (Flux, kustomize).
_SERVICELESS_GROUPS = frozenset(
    {
        "monitoring.coreos.com",
        "kustomize.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "source.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
        "kustomize.config.k8s.io",
    }
)


def _renames_unseen(rel: HelmReleaseView, chart_known: bool) -> bool:
    """Whether values obslint cannot read may name the release's objects anything: a whole values
    document (any key, a fullnameOverride among them), a `targetPath` that sets a fullnameOverride, or,
    for a chart whose templates obslint does not know, one that sets any key naming something
    (`service.name`, `nameOverride`, `forceRename`)."""
    for path in rel.open_paths:
        last = str(path[-1]).lower() if path else ""
        if not path or last == "fullnameoverride" or (not chart_known and ("name" in last or "override" in last)):
            return True
    return False


def _add_release(index: Index, cat: ClusterServices, rel: HelmReleaseView) -> None:
    """The Services of one HelmRelease: its chart's, for the version it pins, when obslint knows them;
    else (or as well, when the values may differ from what obslint reads) the names its release could give."""
    if rel.chart in CHARTS_WITHOUT_SERVICES:
        return
    ns = rel.namespace
    known = chart_services(index, rel)
    # A chart obslint does not know leaves unknown the names it could give (unknown_chart_name_patterns):
    # its release's, its own, its namespace's and its values'. A known chart whose list may be incomplete
    # (values obslint cannot read, a subchart it does not model) adds the names its release could give.
    # Names nobody can read (a values document obslint cannot see, a postBuild variable naming the
    # release, a release whose namespace is unknown) make the namespace opaque.
    if _renames_unseen(rel, known is not None) or "${" in rel.release_name or (known is None and ns is None):
        if ns is None:
            cat.opaque_anywhere = True
        else:
            cat.opaque_namespaces.add(ns)
    elif known is None:
        cat.release_names[ns].append(unknown_chart_name_patterns(rel, ns))
    elif not known.complete or rel.values_open():
        cat.release_names[ns].append(release_name_patterns(rel))
    if known is None:
        return
    origin = f"HelmRelease {rel.obj.namespace + '/' if rel.obj.namespace else ''}{rel.obj.name} (chart {rel.chart})"
    for name, ports in known.services:
        cat.add(ServiceEntry(name, ns, ports, origin, rel.obj, known.port_names))


# Services that operators create for their custom resources: (group, kind) -> (operator, [(name
# prefix, name suffix)]). Their ports are not judged: they move with operator versions and CR
# fields (VMSingle serves more than 8428 in newer operators), so only the name is.
# VictoriaMetrics/operator: PrefixedName() of each CR (`vmsingle-<name>`, api/operator/v1beta1/
# vmsingle_types.go AsURL; vmcluster_types.go: vmselect-, vminsert-, vmstorage-). grafana-operator:
# `<name>-service` for a Grafana it deploys (controllers/reconcilers/grafana/service_reconciler.go).
CUSTOM_RESOURCE_SERVICES: dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]] = {
    ("operator.victoriametrics.com", "VMSingle"): ("VictoriaMetrics operator", (("vmsingle-", ""),)),
    ("operator.victoriametrics.com", "VMAlert"): ("VictoriaMetrics operator", (("vmalert-", ""),)),
    ("operator.victoriametrics.com", "VMAgent"): ("VictoriaMetrics operator", (("vmagent-", ""),)),
    ("operator.victoriametrics.com", "VMAuth"): ("VictoriaMetrics operator", (("vmauth-", ""),)),
    ("operator.victoriametrics.com", "VMAlertmanager"): ("VictoriaMetrics operator", (("vmalertmanager-", ""),)),
    ("operator.victoriametrics.com", "VMCluster"): (
        "VictoriaMetrics operator",
        (("vmselect-", ""), ("vminsert-", ""), ("vmstorage-", "")),
    ),
    ("grafana.integreatly.org", "Grafana"): ("grafana-operator", (("", "-service"),)),
}


def _custom_resource_services(index: Index) -> list[tuple[K8sObject, str, tuple[int, ...], str]]:
    out: list[tuple[K8sObject, str, tuple[int, ...], str]] = []
    for (group, kind), (operator, services) in CUSTOM_RESOURCE_SERVICES.items():
        for obj in index.of_kind(kind, group=group):
            if obj.get("spec", "external") is not None:  # an external Grafana: nothing is deployed
                continue
            for prefix, suffix in services:
                out.append((obj, f"{prefix}{obj.name}{suffix}", (), operator))  # () = any port
    return out


# The Services `flux install` / `flux bootstrap` (and flux-operator's FluxInstance) create in the Flux
# namespace: fluxcd/source-controller config/manager/service.yaml (`source-controller`, port 80) and
# fluxcd/notification-controller config/manager/service.yaml (`notification-controller`, port 80, and
# `webhook-receiver`, port 80 to the receiver's 9292). They exist wherever Flux applies the repository.
FLUX_SERVICES = (("source-controller", (80,)), ("notification-controller", (80,)), ("webhook-receiver", (80,)))
FLUX_NAMESPACE = "flux-system"


def _add_flux_services(index: Index, out: ServiceCatalogue) -> None:
    seen: set[int] = set()
    for obj in index.of_kind("Kustomization", group="kustomize.toolkit.fluxcd.io"):
        cat = out.of(obj)
        if obj.namespace != FLUX_NAMESPACE or id(cat) in seen:
            continue
        seen.add(id(cat))
        for name, ports in FLUX_SERVICES:
            cat.add(ServiceEntry(name, FLUX_NAMESPACE, ports, "the Flux installation", obj))


def _ports(obj: K8sObject) -> list:
    raw = obj.get("spec", "ports")
    return raw if isinstance(raw, list) else []


# --- URL check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlProblem:
    message: str
    hint: str
    # A Service nothing in the repository creates may still come from outside it (installed by hand
    # or by another repository, made by an operator): that finding rests on an assumption. A port the
    # Service the repository renders does not have is certain, unless its namespace is opaque.
    basis: Basis = Basis.CERTAIN


DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 80, "grpcs": 443}
TEMPLATE_RE = re.compile(r"\$\{|\$\(|\{\{|\{%|<[A-Za-z_]|%\(|\$[A-Z_]")
LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def split_host(url: str) -> tuple[str, str, int | None, bool] | None:
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


def check_url(
    index: Index, url: str, *, from_namespace: str | None = None, cluster: Cluster | None = None
) -> UrlProblem | None:
    """None when `url` is not an in-cluster Service URL or reaches a Service (and port) that the
    repository creates in `cluster`; otherwise what is wrong with it."""
    if not isinstance(url, str) or not url.strip() or TEMPLATE_RE.search(url):
        return None
    split = split_host(url)
    if split is None:
        return None
    scheme, host, port, port_given = split
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    cat = service_catalogue(index).clusters[cluster]
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
        problem = _check_port(name, None, found, port, port_given, scheme, url)
        # Which namespace it resolves in is not known: another Service of that name may be the one.
        return replace(problem, basis=Basis.ASSUMPTION) if problem is not None else None
    found = cat.lookup(name, ns)
    if found:
        problem = _check_port(name, ns, found, port, port_given, scheme, url)
        # values or a base obslint cannot read may set the port
        if problem is not None and cat.may_exist_unseen(name, ns):
            return replace(problem, basis=Basis.ASSUMPTION)
        return problem
    if cat.may_exist_unseen(name, ns) or (ns not in cat.managed_namespaces and ns not in CLUSTER_NAMESPACES):
        return None
    # `http://loki:3100` from a namespace with no Service we know of: could be a compose-style alias.
    if not explicit_ns and not cat.in_namespace(ns):
        return None
    return UrlProblem(
        f"no Service {name} in namespace {ns} (URL {safe_url(url)})",
        _suggest(cat, name, ns),
        Basis.ASSUMPTION,
    )


def resolve_url(
    index: Index, url: str, *, from_namespace: str | None = None, cluster: Cluster | None = None
) -> list[ServiceEntry]:
    """The catalogue entries an in-cluster URL reaches in `cluster` (name, namespace and port
    match); [] otherwise."""
    if not isinstance(url, str) or TEMPLATE_RE.search(url):
        return []
    split = split_host(url)
    if split is None:
        return []
    _scheme, host, port, _given = split
    cat = service_catalogue(index).clusters[cluster]
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
    # the Service's origin (`HelmRelease x (chart y)`) goes to the hint: nested parentheses in
    # the first line read badly
    use = f"use one of its ports, e.g. {name}{'.' + ns if ns else ''}:{ports[0]}; " if ports else ""
    return UrlProblem(
        f"Service {name}{where} has no {how}, only {', '.join(map(str, ports))}: URL {safe_url(url)}",
        f"{use}the Service is created by {found[0].origin}",
    )


def _suggest(cat: ClusterServices, name: str, ns: str) -> str:
    same_name = [e for e in cat.lookup(name) if e.namespace and e.namespace != ns]
    if same_name:
        e = same_name[0]
        return f"Service {name} exists in namespace {e.namespace} ({e.origin}): use {name}.{e.namespace}.svc"
    here = sorted({e.name for e in cat.in_namespace(ns)})
    if here:
        close = [s for s in here if s.startswith(name.split("-")[0])] or here
        return f"Services in namespace {ns}: {few(close, 4)}"
    return f"nothing in the repository creates Services in namespace {ns}"


def safe_url(url: str) -> str:
    """The URL without user info or query (which may carry credentials)."""
    try:
        parts = urlsplit(url if "://" in url else "//" + url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}{port}{parts.path}"
