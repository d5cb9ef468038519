"""grafana-operator v5 (grafana.integreatly.org/v1beta1): which Grafana instances a resource
reaches, and the GrafanaFolders it files itself under.

Every resource of the group but `Grafana` itself embeds GrafanaCommonSpec
(grafana/grafana-operator api/v1beta1/common.go): `spec.instanceSelector` (a label selector over
`Grafana` objects) and `spec.allowCrossNamespaceImport` (default false: only Grafanas in the
resource's own namespace are considered). A resource whose selector matches no Grafana is never
applied to any Grafana.

The world is open: Grafanas may be created outside the repository. `matching_grafanas` therefore
answers None (unknown) unless the repository evidently defines the Grafana instances of the
cluster: at least one `Grafana` object there, no templated labels, and no namespace the match could
reach that something obslint cannot read builds into.

Folders: GrafanaDashboard, GrafanaAlertRuleGroup and GrafanaLibraryPanel name a GrafanaFolder of
their own namespace in `spec.folderRef`; GrafanaFolder names its parent in `spec.parentFolderRef`
(api/v1beta1/grafanadashboard_types.go, grafanafolder_types.go). A `folderUID` is a Grafana UID,
which a folder made in Grafana's UI also has: it is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from obslint.index import Index, memoised
from obslint.model.prometheus import LabelSelector
from obslint.objects import Cluster, K8sObject

GRAFANA_OPERATOR_GROUP = "grafana.integreatly.org"
# Kinds that carry `spec.folderRef` (the folder they are filed under), and the key they use.
FOLDER_REFERENCES: dict[str, str] = {
    "GrafanaDashboard": "folderRef",
    "GrafanaAlertRuleGroup": "folderRef",
    "GrafanaLibraryPanel": "folderRef",
    "GrafanaFolder": "parentFolderRef",
}


@dataclass(frozen=True)
class InstanceMatch:
    """The Grafanas a resource's instanceSelector reaches, in the cluster it is applied to."""

    resource: K8sObject
    selector: LabelSelector
    cross_namespace: bool
    grafanas: tuple[K8sObject, ...]  # matched
    candidates: tuple[K8sObject, ...]  # every Grafana the resource could match (namespace allowing)


def operator_resources(index: Index) -> list[K8sObject]:
    """Every grafana-operator resource that selects Grafana instances (all kinds but Grafana)."""
    return [
        o
        for o in index.objects
        if o.group == GRAFANA_OPERATOR_GROUP and o.kind != "Grafana" and not o.sops and isinstance(o.spec, dict)
    ]


@memoised
def grafanas_by_cluster(index: Index) -> dict[Cluster | None, list[K8sObject]]:
    out: dict[Cluster | None, list[K8sObject]] = {}
    for g in index.of_kind("Grafana", group=GRAFANA_OPERATOR_GROUP):
        out.setdefault(g.cluster, []).append(g)
    return out


def _cross_namespace(obj: K8sObject) -> bool:
    value = obj.get("spec", "allowCrossNamespaceImport")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def matching_grafanas(index: Index, obj: K8sObject) -> InstanceMatch | None:
    """The Grafanas `obj` selects, or None when that cannot be known (no selector written, a
    templated one, no Grafana of the cluster in the repository, an opaque namespace)."""
    node = obj.get("spec", "instanceSelector")
    if not isinstance(node, dict):
        return None  # missing: the CRD requires it (schema checks report that), nothing to match
    selector = LabelSelector.parse(node, obj.loc("spec", "instanceSelector"))
    if selector.unknown:
        return None
    grafanas = grafanas_by_cluster(index).get(obj.cluster, [])
    if not grafanas:
        return None  # the repository does not define this cluster's Grafanas: they may come from outside
    cross = _cross_namespace(obj)
    graph = index.graph
    if graph is not None and graph.is_opaque(obj.cluster, None if cross else obj.namespace):
        return None
    candidates = [g for g in grafanas if cross or g.namespace == obj.namespace]
    matched: list[K8sObject] = []
    for g in candidates:
        verdict = selector.matches(g.labels)
        if verdict is None:
            return None  # a templated label: not known statically
        if verdict:
            matched.append(g)
    return InstanceMatch(obj, selector, cross, tuple(matched), tuple(candidates))


def resolving_namespace(index: Index, obj: K8sObject) -> str | None:
    """The namespace a URL of a grafana-operator resource resolves in: the Grafana pod's. With one
    matched Grafana (or all in one namespace) that one's; else the resource's own namespace, which
    is the Grafana's whenever cross-namespace import is off."""
    match = matching_grafanas(index, obj)
    if match is not None:
        spaces = {g.namespace for g in match.grafanas if not g.get("spec", "external")}
        if len(spaces) == 1:
            return next(iter(spaces))
    return obj.namespace


def folder_named(index: Index, name: str, namespace: str | None, cluster: Cluster | None) -> list[K8sObject]:
    """GrafanaFolders `namespace/name` applied in `cluster`."""
    return [
        f for f in index.find("GrafanaFolder", name, namespace, group=GRAFANA_OPERATOR_GROUP) if f.cluster == cluster
    ]
