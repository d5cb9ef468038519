"""PROM002 rule-not-selected: PrometheusRules and monitors that no Prometheus of the repo loads, and
VictoriaMetrics VMRules and VMAlertmanagerConfigs that no VMAlert or VMAlertmanager loads."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from obslint.findings import Finding, Related
from obslint.fix.edits import MISSING, Fix, SetKey, fix_at
from obslint.model.prometheus import (
    OPERATOR_GROUP,
    SELECTED_KINDS,
    PrometheusInstance,
    effective_namespace,
    namespace_labels,
    prometheus_instances,
)
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, rule

FAILING = """\
-- monitoring/helmrelease.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
      sourceRef: {kind: HelmRepository, name: prometheus-community}
  values:
    prometheus:
      prometheusSpec:
        retention: 7d
-- monitoring/rules.yaml --
# no `release: kube-prometheus-stack` label: the chart's Prometheus never loads this rule
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
  namespace: monitoring
  labels:
    app: my-app
spec:
  groups:
    - name: app
      rules:
        - alert: AppDown
          expr: up{job="my-app"} == 0
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: my-app is down
            description: "{{ $labels.instance }} of my-app has not been scraped for 5 minutes."
"""

PASSING = FAILING.replace("    app: my-app\n", "    app: my-app\n    release: kube-prometheus-stack\n").replace(
    "# no `release: kube-prometheus-stack` label: the chart's Prometheus never loads this rule\n", ""
)


def _why_not(inst: PrometheusInstance, kind: str, labels: dict, ns: str | None, ns_labels: dict | None) -> str:
    """Why `inst` does not select the object, said at the Prometheus (the related place)."""
    sel = inst.selections[kind]
    if sel.objects.nil:
        return f"this {inst.noun} selects no {kind}s ({sel.how})"
    if sel.objects.matches(labels) is False:
        return f"this {inst.noun} selects {kind}s with labels {sel.objects.describe()} ({sel.how})"
    nsel = sel.namespaces
    if nsel.nil:
        return f"this {inst.noun} only selects {kind}s in its own namespace {inst.namespace}"
    return f"this {inst.noun} selects {kind}s only in namespaces with labels {nsel.describe()}; {ns} does not match"


def _hint(inst: PrometheusInstance, kind: str, labels: dict) -> str:
    sel = inst.selections[kind]
    if sel.objects.matches(labels) is False and sel.objects.match_labels:
        missing = {k: v for k, v in sel.objects.match_labels.items() if str(labels.get(k, "")) != v}
        if missing:
            wanted = ", ".join(f"{k}: {v}" for k, v in missing.items())
            return f"add the label(s) {wanted} to metadata.labels, or widen the {inst.noun} selector"
    if sel.objects.nil:
        return f"set selectAllByDefault: true or a selector on the {inst.noun}"
    return f"make the object's labels and namespace match a {inst.noun} selector, or widen the selector"


@rule(
    "PROM002",
    "rule-not-selected",
    "error",
    "A PrometheusRule, ServiceMonitor, PodMonitor, Probe, VMRule or VMAlertmanagerConfig that nothing in the repo "
    "selects",
    basis=Basis.CERTAIN,
    why="""
    prometheus-operator only loads the PrometheusRules (and ServiceMonitors, PodMonitors, Probes)
    whose labels match the Prometheus's `ruleSelector` (`serviceMonitorSelector`, ...) and whose
    namespace matches the matching namespace selector. kube-prometheus-stack renders those selectors
    as `release: <helm release name>` unless told otherwise (`ruleSelectorNilUsesHelmValues: true`,
    the default), so a PrometheusRule without that label is accepted by the API server, shows up in
    `kubectl get prometheusrules` and is never evaluated: its alerts can never fire. This is the most
    common silent failure reported against kube-prometheus-stack. obslint computes the selectors of
    every Prometheus in the repository (chart values and Prometheus objects, matchLabels and
    matchExpressions, namespace selectors) and reports objects none of them selects. It only runs when
    the repository deploys at least one Prometheus; selectors it cannot see (valuesFrom) count as
    matching. The VictoriaMetrics operator works the same way: a VMAlert loads the VMRules its
    `ruleSelector`/`ruleNamespaceSelector` match, a VMAlertmanager merges the VMAlertmanagerConfigs
    its `configSelector`/`configNamespaceSelector` match; with both selectors unset,
    `selectAllByDefault: true` selects everything and false (the operator's default) nothing
    (victoria-metrics-k8s-stack sets it true). Those are judged against the VMAlerts and
    VMAlertmanagers of the repository, objects or k8s-stack releases of a known chart version.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
    Add the label the selector wants (for kube-prometheus-stack: `release: <release name>`), or set
    `prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues: false` (and the ServiceMonitor, PodMonitor,
    Probe equivalents) so the chart's Prometheus selects every object. `obslint check --fix` adds
    the labels a Prometheus's selector wants to the object, when its namespace is selected and
    the labels are all that is missing.
    """,
    fixable=True,
)
def rule_not_selected(ctx: RuleContext) -> Iterator[Finding]:
    instances: list[PrometheusInstance] = prometheus_instances(ctx.index)
    if instances:
        for kind in SELECTED_KINDS:
            objs = ctx.index.of_kind(kind, group=OPERATOR_GROUP)
            yield from _unselected(ctx, kind, objs, lambda obj, k=kind: _prometheus_candidates(instances, obj, k))
    from obslint.model.victoriametrics import VM_GROUP
    from obslint.model.vm_selection import owners_of

    for kind in ("VMRule", "VMAlertmanagerConfig"):
        objs = ctx.index.of_kind(kind, group=VM_GROUP)
        yield from _unselected(ctx, kind, objs, lambda obj, k=kind: owners_of(ctx.index, k, obj.cluster))


def _prometheus_candidates(instances: list[PrometheusInstance], obj: K8sObject, kind: str) -> list:
    return [i for i in instances if i.cluster == obj.cluster and not (kind == "PrometheusRule" and i.agent)]


def _unselected(
    ctx: RuleContext, kind: str, objs: list[K8sObject], candidates_of: Callable[[K8sObject], list]
) -> Iterator[Finding]:
    """Objects of `kind` that none of their candidate selectors selects (none at all: not judged)."""
    for obj in objs:
        if obj.sops:
            continue
        candidates = candidates_of(obj)
        if not candidates:
            continue
        ns = effective_namespace(ctx.index, obj)
        ns_labels = namespace_labels(ctx.index, ns, obj.cluster)
        labels = obj.labels
        results = [i.selects(kind, labels, ns, ns_labels) for i in candidates]
        if any(r is not False for r in results):
            continue
        loc = obj.loc("metadata", "labels") if "labels" in (obj.get("metadata") or {}) else obj.loc("metadata")
        yield Finding(
            loc,
            f"{obj.ref()} is not selected by any {candidates[0].noun}, so it is never loaded",
            _hint(candidates[0], kind, labels),
            related=tuple(Related(i.loc, _why_not(i, kind, labels, ns, ns_labels)) for i in candidates),
            fix=_label_fix(obj, kind, candidates, ns, ns_labels),
        )


def _label_fix(
    obj: K8sObject, kind: str, candidates: list[PrometheusInstance], ns: str | None, ns_labels: dict | None
) -> Fix | None:
    """The labels of the first Prometheus's matchLabels that the object lacks, when adding them to
    the object as written makes that Prometheus select it (not when its namespace is the reason,
    nor when kustomize sets one of those labels on the way to the cluster)."""
    written = obj.written
    for inst in candidates:
        missing = {
            k: v for k, v in inst.selections[kind].objects.match_labels.items() if str(obj.labels.get(k, "")) != v
        }
        if not missing or inst.selects(kind, {**obj.labels, **missing}, ns, ns_labels) is not True:
            continue
        if any(obj.labels.get(k) != written.labels.get(k) for k in missing):
            return None  # a transformer owns the label: an edit of the file would not reach the cluster
        summary = f"label {written.ref()} " + ", ".join(f"{k}: {v}" for k, v in missing.items())
        labels = written.get("metadata", "labels")
        if isinstance(labels, dict):
            edits = [SetKey(k, v, expect=labels.get(k, MISSING)) for k, v in missing.items()]
            return fix_at(labels, *edits, summary=summary)
        return fix_at(written.get("metadata"), SetKey("labels", missing, expect=MISSING), summary=summary)
    return None
