"""Which VictoriaMetrics operator object loads which: VMAlert -> VMRule, VMAlertmanager -> VMAlertmanagerConfig.

The operator picks the children of a VMAlert (`ruleSelector`, `ruleNamespaceSelector`) and of a
VMAlertmanager (`configSelector`, `configNamespaceSelector`) with one function, `VisitSelected`
(VictoriaMetrics/operator internal/controller/operator/factory/k8stools/selector.go; field docs in
api/operator/v1beta1/vmalert_types.go and vmalertmanager_types.go):

* both selectors nil: `selectAllByDefault: true` selects every object of every namespace, false
  (the default) selects nothing;
* object selector set, namespace selector nil: matching objects in the owner's own namespace;
* namespace selector set: objects in the namespaces it matches (`{}`: all), filtered by the object
  selector when that is set (nil: every object there).

Each owner becomes a `PrometheusInstance` whose `Selection` says the same thing in prometheus-operator
terms (nil object selector = nothing, nil namespace selector = own namespace), so PROM002 and the
rules that ask "who evaluates this" judge both operators with one matcher.

victoria-metrics-k8s-stack renders one VMAlert (`vmalert.spec`) and one VMAlertmanager
(`alertmanager.spec`) from its values, both with `selectAllByDefault: true` by default since 0.6.0
(chart values per version, obslint/data/chart_facts/defaults.json). A release whose chart version is
not known, or whose values may come from outside the repository, gives an owner whose selection is
unknown: it matches everything, so nothing is reported. So does an operator restricted to watched
namespaces (`watchNamespaces` of the victoria-metrics-operator chart): it then lists the watched
namespaces whatever the namespace selector says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.index import Index, memoised
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.model.prometheus import (
    LabelSelector,
    PrometheusInstance,
    Selection,
    effective_namespace,
    namespace_labels,
)
from obslint.model.victoriametrics import VM_GROUP
from obslint.model.vm_stack import K8S_STACK, stack_component
from obslint.objects import Cluster, K8sObject, loc_of

# a VMAlert annotation: the operator drops repeated rules of its VMRules (vmalert_types.go)
DEDUPLICATE_RULES = "operator.victoriametrics.com/vmalert-deduplicate-rules"
OPERATOR_CHART = "victoria-metrics-operator"

# owner kind -> (selected kind, object selector field, namespace selector field, values key in the k8s stack)
OWNERS = {
    "VMAlert": ("VMRule", "ruleSelector", "ruleNamespaceSelector", "vmalert"),
    "VMAlertmanager": ("VMAlertmanagerConfig", "configSelector", "configNamespaceSelector", "alertmanager"),
}


def _unknown_selection(how: str = "not known statically") -> Selection:
    return Selection(LabelSelector(unknown=True), LabelSelector(unknown=True), how)


@dataclass(eq=False)
class VMOwner(PrometheusInstance):
    """A VMAlert or VMAlertmanager, with the selection of its children."""

    kind: str = "VMAlert"

    @property
    def noun(self) -> str:
        return self.kind

    def ref(self) -> str:
        if self.via == "helm":
            return f"the {self.kind} of HelmRelease {self.origin.ref().split(' ', 1)[1]}"
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


def _select_all(value: Any) -> bool | None:
    """`selectAllByDefault` as the operator reads it; None when templated or not a boolean."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def vm_selection(spec: Any, owner_kind: str, spec_path: str, select_all_default: bool = False) -> Selection:
    """The operator's VisitSelected semantics for an owner's spec, in PROM002's terms."""
    _, obj_key, ns_key, _ = OWNERS[owner_kind]
    spec = spec if isinstance(spec, dict) else {}
    obj_node, ns_node = spec.get(obj_key), spec.get(ns_key)
    obj_loc = loc_of(spec, obj_key) if obj_key in spec else None
    ns_loc = loc_of(spec, ns_key) if ns_key in spec else None
    if obj_node is None and ns_node is None:
        raw = spec.get("selectAllByDefault")
        select_all = select_all_default if raw is None else _select_all(raw)
        if select_all is None:
            return _unknown_selection("selectAllByDefault templated")
        if select_all:
            how = f"{spec_path}selectAllByDefault: true with no {obj_key} nor {ns_key} selects everything"
            return Selection(LabelSelector(), LabelSelector(), how)
        how = f"no {obj_key} nor {ns_key}, and selectAllByDefault is false: nothing is selected"
        return Selection(LabelSelector(nil=True), LabelSelector(nil=True), how)
    objects = LabelSelector.parse(obj_node, obj_loc) if obj_node is not None else LabelSelector(loc=ns_loc)
    namespaces = LabelSelector.parse(ns_node, ns_loc)  # nil: the owner's own namespace
    return Selection(objects, namespaces, f"{spec_path}{obj_key if obj_node is not None else ns_key}")


def _watched_namespaces(index: Index, cluster: Cluster | None) -> bool:
    """Whether an operator release of this cluster is restricted to watched namespaces (or may be)."""
    for rel in releases_of_chart(index, OPERATOR_CHART):
        if rel.obj.cluster == cluster and (rel.value("watchNamespaces") or rel.values_open("watchNamespaces")):
            return True
    for rel in releases_of_chart(index, K8S_STACK):
        if rel.obj.cluster == cluster and rel.value(OPERATOR_CHART, "watchNamespaces"):
            return True
    return False


def _from_crd(obj: K8sObject) -> VMOwner:
    selected = OWNERS[obj.kind][0]
    selection = vm_selection(obj.get("spec"), obj.kind, "spec.")
    return VMOwner(obj.name, obj.namespace, obj, "crd", obj.loc("spec"), {selected: selection}, kind=obj.kind)


def _unknown(rel: HelmReleaseView, kind: str, namespace: str | None) -> VMOwner:
    selected = OWNERS[kind][0]
    return VMOwner(
        rel.release_name,
        namespace,
        rel.obj,
        "helm",
        rel.obj.loc(),
        {selected: _unknown_selection()},
        helm=rel,
        kind=kind,
    )


def _from_stack(index: Index, rel: HelmReleaseView, kind: str) -> VMOwner | None:
    """The VMAlert or VMAlertmanager a victoria-metrics-k8s-stack release renders (None: switched off)."""
    selected, _, _, key = OWNERS[kind]
    comp = stack_component(index, rel, key)
    if comp is None:
        return None
    if not comp.known:
        return _unknown(rel, kind, comp.namespace)
    default_all = comp.default("spec.selectAllByDefault", False) is True
    selection = vm_selection(comp.spec, kind, f"{key}.spec.", default_all)
    loc = rel.loc(key, "spec") if comp.spec else rel.obj.loc()
    return VMOwner(comp.name, comp.namespace, rel.obj, "helm", loc, {selected: selection}, helm=rel, kind=kind)


@memoised
def vm_owners(index: Index) -> list[VMOwner]:
    """Every VMAlert and VMAlertmanager the repository deploys (objects and k8s-stack releases)."""
    out: list[VMOwner] = []
    for rel in releases_of_chart(index, K8S_STACK):
        if rel.obj.sops:
            continue
        for kind in OWNERS:
            owner = _from_stack(index, rel, kind)
            if owner is not None:
                out.append(owner)
    for kind in OWNERS:
        for obj in index.of_kind(kind, group=VM_GROUP):
            owner = _from_crd(obj)
            if obj.sops:  # an encrypted spec: its selectors are not known
                owner.selections = {k: _unknown_selection() for k in owner.selections}
            out.append(owner)
    for owner in out:
        if _watched_namespaces(index, owner.cluster):
            for sel in owner.selections.values():
                sel.namespaces = LabelSelector(unknown=True)
    return out


def owners_of(index: Index, kind: str, cluster: Cluster | None) -> list[VMOwner]:
    """The owners in this cluster that select objects of `kind` (VMRule or VMAlertmanagerConfig)."""
    return [o for o in vm_owners(index) if o.cluster == cluster and kind in o.selections]


def selected_by(index: Index, obj: K8sObject) -> list[VMOwner] | None:
    """The owners that load a VMRule or VMAlertmanagerConfig; None when that cannot be told
    (no owner in the repository for its cluster, or one whose selection is not known)."""
    owners = owners_of(index, obj.kind, obj.cluster)
    if not owners:
        return None
    ns = effective_namespace(index, obj)
    ns_labels = namespace_labels(index, ns, obj.cluster)
    out: list[VMOwner] = []
    for owner in owners:
        got = owner.selects(obj.kind, obj.labels, ns, ns_labels)
        if got is None:
            return None
        if got:
            out.append(owner)
    return out
