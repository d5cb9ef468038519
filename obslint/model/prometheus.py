"""The Prometheus servers the repository deploys and which objects each one selects.

prometheus-operator picks the PrometheusRules (and ServiceMonitors, PodMonitors, Probes,
ScrapeConfigs) of a Prometheus with two label selectors per kind
(https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec,
`pkg/apis/monitoring/v1/prometheus_types.go`):

* `<kind>Selector`: an empty selector matches all objects, a null (absent) one matches none;
* `<kind>NamespaceSelector`: an empty selector matches all namespaces, a null one matches the
  Prometheus's own namespace only.

kube-prometheus-stack 80.6.0 renders them (templates/prometheus/prometheus.yaml, see
../shared/oracles/charts/KEYS.md): a non-empty `prometheus.prometheusSpec.<kind>Selector` is used
as written; otherwise, when `<kind>SelectorNilUsesHelmValues` is true (the default), the selector
becomes `matchLabels: {release: <helm release name>}`, else `{}` (everything). The namespace
selectors are rendered `{}` (all namespaces) when unset.

Selectors that cannot be known statically (chart values from `valuesFrom`, Helm templates in the
values, Flux substitution variables) are marked `unknown` and match everything, so that no rule
reports a problem it cannot prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.model.flux import flux_graph
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.objects import Cluster, K8sObject, loc_of

OPERATOR_GROUP = "monitoring.coreos.com"
# kind of the selected object -> the selector field prefix in PrometheusSpec
SELECTED_KINDS = {
    "PrometheusRule": "rule",
    "ServiceMonitor": "serviceMonitor",
    "PodMonitor": "podMonitor",
    "Probe": "probe",
    "ScrapeConfig": "scrapeConfig",
}


@dataclass
class LabelSelector:
    """A Kubernetes label selector. nil: matches nothing; unknown: matches everything."""

    match_labels: dict[str, str] = field(default_factory=dict)
    expressions: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    nil: bool = False
    unknown: bool = False
    loc: Loc | None = None

    @classmethod
    def parse(cls, node: Any, loc: Loc | None = None) -> LabelSelector:
        if node is None:
            return cls(nil=True, loc=loc)
        if not isinstance(node, dict):
            return cls(unknown=True, loc=loc)
        sel = cls(loc=loc)
        ml = node.get("matchLabels")
        if isinstance(ml, dict):
            sel.match_labels = {str(k): _text(v) for k, v in ml.items()}
        elif ml is not None:
            sel.unknown = True
        for e in node.get("matchExpressions") or ():
            if not isinstance(e, dict) or not isinstance(e.get("key"), str):
                sel.unknown = True
                continue
            values = e.get("values") if isinstance(e.get("values"), list) else []
            sel.expressions.append((e["key"], str(e.get("operator", "")), tuple(_text(v) for v in values)))
        if _templated(node):
            sel.unknown = True
        return sel

    @property
    def empty(self) -> bool:
        return not self.nil and not self.unknown and not self.match_labels and not self.expressions

    def matches(self, labels: dict) -> bool | None:
        """True/False, or None when the object's labels are not known statically."""
        if self.unknown:
            return True
        if self.nil:
            return False
        labels = {str(k): _text(v) for k, v in labels.items()}
        if any(_templated(v) for v in labels.values()):
            return None
        for k, v in self.match_labels.items():
            if labels.get(k) != v:
                return False
        for key, op, values in self.expressions:
            present = key in labels
            if op == "In" and not (present and labels[key] in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return None
        return True

    def describe(self) -> str:
        if self.unknown:
            return "(not known statically)"
        if self.nil:
            return "nothing (no selector)"
        if self.empty:
            return "everything"
        parts = [f"{k}={v}" for k, v in self.match_labels.items()]
        for key, op, values in self.expressions:
            parts.append(f"{key} {op} ({', '.join(values)})" if values else f"{key} {op}")
        return ", ".join(parts)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def _templated(node: Any) -> bool:
    if isinstance(node, str):
        return "{{" in node or "${" in node
    if isinstance(node, dict):
        return any(_templated(k) or _templated(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_templated(v) for v in node)
    return False


@dataclass
class Selection:
    objects: LabelSelector
    namespaces: LabelSelector  # nil = own namespace only
    how: str  # one-line explanation of where the selector comes from


@dataclass(eq=False)
class PrometheusInstance:
    name: str
    namespace: str | None
    origin: K8sObject  # HelmRelease or Prometheus object
    via: str  # "helm" | "crd"
    loc: Loc
    selections: dict[str, Selection]  # by selected kind
    helm: HelmReleaseView | None = None
    agent: bool = False

    @property
    def cluster(self) -> Cluster | None:
        return self.origin.cluster

    @property
    def noun(self) -> str:
        """What selects: "Prometheus" (a VictoriaMetrics owner says VMAlert or VMAlertmanager)."""
        return "Prometheus"

    def ref(self) -> str:
        if self.via == "helm":
            return f"the Prometheus of HelmRelease {self.origin.ref().split(' ', 1)[1]}"
        return f"Prometheus {self.namespace + '/' if self.namespace else ''}{self.name}"

    def selects(self, kind: str, labels: dict, namespace: str | None, ns_labels: dict | None) -> bool | None:
        """Whether this Prometheus selects an object of `kind`; None when it cannot be told."""
        sel = self.selections.get(kind)
        if sel is None:
            return False
        obj_match = sel.objects.matches(labels)
        if obj_match is False:
            return False
        ns = sel.namespaces
        if ns.unknown or ns.empty:
            ns_match: bool | None = True
        elif ns.nil:
            ns_match = None if namespace is None or self.namespace is None else namespace == self.namespace
        elif ns_labels is None:
            ns_match = None
        else:
            ns_match = ns.matches(ns_labels)
        if ns_match is False:
            return False
        if obj_match is None or ns_match is None:
            return None
        return True


def _from_kps(rel: HelmReleaseView) -> PrometheusInstance | None:
    prom = rel.value("prometheus")
    prom = prom if isinstance(prom, dict) else {}
    if not values_bool(prom.get("enabled"), True) and not rel.values_open("prometheus", "enabled"):
        return None
    spec = prom.get("prometheusSpec")
    spec = spec if isinstance(spec, dict) else {}
    selections: dict[str, Selection] = {}
    for kind, prefix in SELECTED_KINDS.items():
        key = f"{prefix}Selector"
        explicit = spec.get(key)
        base_loc = loc_of(spec, key) if key in spec else rel.loc("prometheus", "prometheusSpec")
        if isinstance(explicit, dict) and explicit:
            objects = LabelSelector.parse(explicit, base_loc)
            how = f"prometheus.prometheusSpec.{key}"
        elif values_bool(spec.get(f"{key}NilUsesHelmValues"), True):
            objects = LabelSelector(match_labels={"release": rel.release_name}, loc=base_loc)
            how = f"{key}NilUsesHelmValues: true renders matchLabels release: {rel.release_name}"
        else:
            objects = LabelSelector(loc=base_loc)
            how = f"{key}NilUsesHelmValues: false with an empty {key} selects everything"
        if rel.values_open("prometheus", "prometheusSpec", key) and key not in spec:
            objects = LabelSelector(unknown=True, loc=base_loc)  # values we cannot see may set it
        ns_key = f"{prefix}NamespaceSelector"
        ns_node = spec.get(ns_key)
        namespaces = LabelSelector.parse(ns_node if isinstance(ns_node, dict) else {}, base_loc)
        if rel.values_open("prometheus", "prometheusSpec", ns_key) and ns_key not in spec:
            namespaces = LabelSelector(unknown=True)
        selections[kind] = Selection(objects, namespaces, how)
    return PrometheusInstance(
        name=rel.release_name,
        namespace=rel.namespace,
        origin=rel.obj,
        via="helm",
        loc=rel.loc("prometheus", "prometheusSpec"),
        selections=selections,
        helm=rel,
        agent=values_bool(prom.get("agentMode"), False),
    )


def _from_crd(obj: K8sObject) -> PrometheusInstance:
    spec = obj.spec
    selections: dict[str, Selection] = {}
    for kind, prefix in SELECTED_KINDS.items():
        key = f"{prefix}Selector"
        objects = LabelSelector.parse(spec.get(key), obj.loc("spec", key))
        namespaces = LabelSelector.parse(spec.get(f"{prefix}NamespaceSelector"), obj.loc("spec"))
        selections[kind] = Selection(objects, namespaces, f"spec.{key}")
    return PrometheusInstance(obj.name, obj.namespace, obj, "crd", obj.loc("spec"), selections)


@memoised
def prometheus_instances(index: Index) -> list[PrometheusInstance]:
    """Every Prometheus (prometheus-operator) the repository deploys: chart-rendered and plain objects."""
    out: list[PrometheusInstance] = []
    for rel in releases_of_chart(index, "kube-prometheus-stack"):
        inst = _from_kps(rel)
        if inst is not None:
            out.append(inst)
    for obj in index.of_kind("Prometheus", group=OPERATOR_GROUP):
        out.append(_from_crd(obj))
    return out


def effective_namespace(index: Index, obj: K8sObject) -> str | None:
    """The namespace an object lands in (Flux/kustomize placement when known)."""
    return flux_graph(index).namespace_of(obj)


def namespace_labels(index: Index, name: str | None, cluster: Cluster | None) -> dict | None:
    """Labels of a Namespace the repository creates in that cluster (with kubernetes.io/metadata.name),
    None if unknown."""
    if name is None:
        return None
    ns = _namespaces(index).get((name, cluster))
    return None if ns is None else {**ns.labels, "kubernetes.io/metadata.name": name}


@memoised
def _namespaces(index: Index) -> dict[tuple[str, Cluster | None], K8sObject]:
    """The first Namespace object of each name in each cluster (looked up, not scanned, per rule)."""
    out: dict[tuple[str, Cluster | None], K8sObject] = {}
    for ns in index.of_kind("Namespace"):
        out.setdefault((ns.name, ns.cluster), ns)
    return out


@memoised
def _instances_by_cluster(index: Index) -> dict[Cluster | None, list[PrometheusInstance]]:
    out: dict[Cluster | None, list[PrometheusInstance]] = {}
    for inst in prometheus_instances(index):
        out.setdefault(inst.cluster, []).append(inst)
    return out


def rule_selected_by(index: Index, rs: Any) -> list[PrometheusInstance] | None:
    """The Prometheus servers that load a RuleSet; None when that cannot be told.

    PrometheusRule objects: by the selectors. Chart-values rules: the release's own Prometheus.
    Files, ConfigMaps and Loki groups: None (not loaded through prometheus-operator selection)."""
    instances = _instances_by_cluster(index).get(rs.cluster, [])  # not a scan of every cluster's
    if rs.origin == "helm-additional":
        return [i for i in instances if i.origin is rs.source]
    if rs.origin != "prometheusrule":
        return None
    obj = rs.source
    ns = effective_namespace(index, obj)
    out: list[PrometheusInstance] = []
    for inst in instances:
        if inst.agent:
            continue
        got = inst.selects("PrometheusRule", obj.labels, ns, namespace_labels(index, ns, obj.cluster))
        if got is None:
            return None
        if got:
            out.append(inst)
    return out


__all__ = [
    "LabelSelector",
    "PrometheusInstance",
    "Selection",
    "effective_namespace",
    "namespace_labels",
    "prometheus_instances",
    "rule_selected_by",
]
