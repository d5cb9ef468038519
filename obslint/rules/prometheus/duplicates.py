"""PROM009 duplicate-rule: the same alert or recording rule defined twice for one Prometheus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obslint.findings import Finding, Related
from obslint.index import Index
from obslint.model.alertmanager import alert_universe
from obslint.model.prometheus import prometheus_instances, rule_selected_by
from obslint.model.promql_series import disjoint as disjoint_series
from obslint.model.rulegroups import RuleEntry, RuleSet, rule_sets
from obslint.model.vm_selection import DEDUPLICATE_RULES, VMOwner, selected_by
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.examples import RULES_HEAD

FAILING = (
    """\
-- monitoring/app-rules.yaml --
"""
    + RULES_HEAD
    + """\
        - alert: AppDown
          expr: up{job="app"} == 0
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: app is down
            description: "{{ $labels.instance }} is down."
-- monitoring/app-rules-old.yaml --
# an older copy, still applied: the same alert with another threshold
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app-old
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: app
      rules:
        - alert: AppDown
          expr: avg(up{job="app"}) < 0.5
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: app is down
            description: "More than half of the app instances are down."
"""
)

PASSING = FAILING.replace(
    "        - alert: AppDown\n          expr: avg(up", "        - alert: AppMostlyDown\n          expr: avg(up"
).replace("# an older copy, still applied: the same alert with another threshold\n", "")


def _clusters(index: Index, rs: RuleSet) -> frozenset:
    return frozenset({rs.cluster})


def _evaluators(index: Index, rs: RuleSet) -> list[Any]:
    """Keys of what evaluates the rule set: each selecting Prometheus, else the rule file itself.

    PrometheusRules whose Prometheus is unknown (none in the repository, or selectors that cannot be
    read) share one key per cluster; PrometheusRules no Prometheus selects are not loaded at all.
    VMRules the same with the VMAlerts that load them; a VMAlert annotated
    `operator.victoriametrics.com/vmalert-deduplicate-rules` has the operator drop repeated rules
    (api/operator/v1beta1/vmalert_types.go MetaVMAlertDeduplicateRulesKey), so it is not judged."""
    if rs.origin == "vmrule" and isinstance(rs.source, K8sObject):
        clusters = _clusters(index, rs)
        owners = selected_by(index, rs.source)
        if owners is None:
            return [("vmalert-unknown", clusters)]
        return [("vmalert", id(o.origin), clusters) for o in owners if not _deduplicating(o)]
    if rs.engine == "promql" and rs.origin in ("prometheusrule", "helm-additional"):
        clusters = _clusters(index, rs)
        instances = rule_selected_by(index, rs)
        if instances is None or not prometheus_instances(index):
            return [("prometheus-unknown", clusters)]
        return [("prometheus", id(inst.origin), clusters) for inst in instances]
    return [("set", rs.id)]


def _deduplicating(owner: VMOwner) -> bool:
    annotations = owner.origin.get("metadata", "annotations") if owner.via == "crd" else None
    value = annotations.get(DEDUPLICATE_RULES) if isinstance(annotations, dict) else None
    return value is not None and str(value).lower() not in ("false", "")


def disjoint(a: RuleEntry, b: RuleEntry) -> bool:
    """The two rules can never produce the same series at once (see obslint.model.promql_series):
    variants written to partition the series, not copies of one another."""
    if a.ast is None or b.ast is None:
        return False
    overridden = {str(k) for entry in (a, b) for k in (*entry.labels, *_group_labels(entry))}
    return disjoint_series(a.expr, b.expr, overridden) is not None


def _group_labels(entry: RuleEntry) -> dict:
    labels = entry.group.data.get("labels")  # Prometheus 3 group labels apply to every rule
    return labels if isinstance(labels, dict) else {}


def _identity(entry: RuleEntry) -> tuple:
    labels = tuple(sorted((str(k), str(v)) for k, v in entry.labels.items()))
    return (entry.kind, entry.name, labels)


def _normal(expr: str) -> str:
    return " ".join(expr.split())


def _object_key(rs: RuleSet) -> tuple | None:
    """The identity of the PrometheusRule (VMRule) object in its cluster (None: not a known object)."""
    src = rs.source
    if (
        rs.origin not in ("prometheusrule", "vmrule")
        or not isinstance(src, K8sObject)
        or rs.cluster is None
        or not rs.namespace
    ):
        return None
    return (rs.cluster, rs.namespace, src.name)


def _content(rs: RuleSet) -> set[tuple]:
    return {(_identity(e), _normal(e.expr)) for e in rs.rules}


def _distinct_objects(sets: list[RuleSet]) -> Iterator[tuple[RuleSet, set[tuple] | None]]:
    """Each rule set once per object: (rule set, the (identity, expression) pairs of its rules
    that are certain, None for all).

    Two Kustomizations applying a PrometheusRule of the same cluster, namespace and name make one
    object, not two (only one object of a kind has a given name in a namespace,
    https://kubernetes.io/docs/concepts/overview/working-with-objects/names/; kustomize-controller
    server-side applies it, the last apply wins), so its rules do not duplicate themselves.
    When the copies differ, which one is live depends on the order of reconciliation: only the
    rules every copy has are certain."""
    copies: dict[tuple, list[RuleSet]] = {}
    order: list[RuleSet] = []
    for rs in sets:
        key = _object_key(rs)
        if key is None:
            order.append(rs)
        elif key in copies:
            copies[key].append(rs)
        else:
            copies[key] = [rs]
            order.append(rs)
    for rs in order:
        key = _object_key(rs)
        same = copies.get(key, [rs]) if key is not None else [rs]
        if len(same) == 1:
            yield rs, None
            continue
        common = set.intersection(*(_content(c) for c in same))
        yield rs, None if common == _content(rs) else common


@rule(
    "PROM009",
    "duplicate-rule",
    "warning",
    "The same alert or recording rule (name and labels) defined twice for one Prometheus",
    basis=Basis.CERTAIN,
    why="""
    Two alerting rules with the same name and labels evaluated by one Prometheus produce alerts
    with the same identity: Alertmanager merges them, so whichever fires last decides the
    annotations, and one definition (usually a stale copy in another PrometheusRule) silently
    overrides the other. Two recording rules writing the same series make Prometheus record
    conflicting samples ("duplicate sample for timestamp"). obslint groups rules by the Prometheus
    that selects them (PrometheusRule selectors, chart values) or by rule file, and reports each
    alert/record name with identical static labels that is defined more than once. Copies of one
    PrometheusRule (the same cluster, namespace and name, applied by two Kustomizations) are one
    object in the cluster and count once; where the copies differ, only the rules they all hold are
    judged. The same alert
    name with different labels (a warning and a critical threshold) is the usual pattern and is fine,
    and so are variants that can never fire for the same series: selectors that partition the
    series on a label they keep (`mountpoint!="/data"` in one, `mountpoint="/data"` in the other),
    or one that needs a series the other requires to be absent (`... unless on(instance) x` and
    `... * on(instance) group_left() x`, `absent(x)` and `x == 0`). obslint derives this from the
    PromQL AST: which series each expression requires (instant selectors, `and`, vector matching
    on the matching labels), which it excludes (`unless`, `absent()`), and which label values its
    selectors allow, carried through aggregations and matching only as far as the labels survive.
    A custom alert with the name and severity of a kube-prometheus-stack default alert that the
    release still creates (a copy made to tune it, with the default left on) is reported too.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="Delete the stale copy, or give the variants different names or different `severity` labels.",
)
def duplicate_rule(ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[tuple, RuleEntry] = {}
    for rs, certain in _distinct_objects(rule_sets(ctx.index)):
        keys = _evaluators(ctx.index, rs)
        for entry in rs.rules:
            if not entry.name or "${" in entry.name:
                continue
            ident = _identity(entry)
            if certain is not None and (ident, _normal(entry.expr)) not in certain:
                continue  # in only some copies of the object: whether it is live is unknown
            first: RuleEntry | None = None
            for key in keys:
                prior = seen.get((key, ident))
                if prior is not None and prior is not entry:
                    first = first or prior
                else:
                    seen[(key, ident)] = entry
            if first is None or disjoint(first, entry):
                continue
            same = _normal(first.expr) == _normal(entry.expr)
            how = "with the same expression" if same else "with a different expression"
            evaluator = "VMAlert" if entry.group.ruleset.origin == "vmrule" else "Prometheus"
            yield Finding(
                entry.loc,
                f"{entry.kind} {entry.name!r} is defined twice for the same {evaluator} {how}",
                "remove one copy, or rename/relabel the variant",
                related=(Related(first.loc, f"the first definition, in {first.group.ruleset.description}"),),
            )
    yield from _chart_default_duplicates(ctx.index)


def _chart_default_duplicates(index: Index) -> Iterator[Finding]:
    """Alerts that repeat a kube-prometheus-stack default alert the release still creates."""
    try:
        universe = alert_universe(index)
    except (ImportError, KeyError):
        return
    defaults: dict[tuple[int, str, str], Any] = {}
    for known in universe:
        if known.origin == "kps-default" and known.release is not None:
            defaults[(id(known.release.obj), known.name, known.labels.get("severity", ""))] = known
    if not defaults:
        return
    for rs in rule_sets(index):
        if rs.engine != "promql":
            continue
        instances = rule_selected_by(index, rs) or []
        for entry in rs.rules:
            if entry.kind != "alert" or not entry.name:
                continue
            severity = str(entry.labels.get("severity", ""))
            for inst in instances:
                known = defaults.get((id(inst.origin), entry.name, severity))
                if known is None:
                    continue
                yield Finding(
                    entry.loc,
                    f"alert {entry.name!r} (severity {severity or 'none'}) duplicates the kube-prometheus-stack "
                    f"default alert that {inst.origin.ref()} still creates (defaultRules): both fire",
                    hint=f"disable the default with defaultRules.disabled.{entry.name}: true, or rename this alert",
                )
                break
