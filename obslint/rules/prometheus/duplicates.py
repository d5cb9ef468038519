"""PROM009 duplicate-rule: the same alert or recording rule defined twice for one Prometheus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser as pp

from obslint.findings import Finding, Related
from obslint.index import Index, K8sObject
from obslint.model.alertmanager import alert_universe
from obslint.model.flux import flux_graph
from obslint.model.prometheus import prometheus_instances, rule_selected_by
from obslint.model.promql import output_labels, walk
from obslint.model.rulegroups import RuleEntry, RuleSet, rule_sets
from obslint.rules import RuleContext, rule

FAILING = """\
-- monitoring/app-rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: app
      rules:
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

PASSING = FAILING.replace(
    "        - alert: AppDown\n          expr: avg(up", "        - alert: AppMostlyDown\n          expr: avg(up"
).replace("# an older copy, still applied: the same alert with another threshold\n", "")


def _clusters(index: Index, rs: RuleSet) -> frozenset:
    src = rs.source
    if not isinstance(src, K8sObject):
        return frozenset({""})
    try:
        return flux_graph(index).clusters_of(src)
    except Exception:  # the placement graph is another family's; never let it break this rule
        return frozenset({""})


def _evaluators(index: Index, rs: RuleSet) -> list[Any]:
    """Keys of what evaluates the rule set: each selecting Prometheus, else the rule file itself.

    PrometheusRules whose Prometheus is unknown (none in the repository, or selectors that cannot be
    read) share one key per cluster; PrometheusRules no Prometheus selects are not loaded at all."""
    if rs.engine == "promql" and rs.origin in ("prometheusrule", "helm-additional"):
        clusters = _clusters(index, rs)
        instances = rule_selected_by(index, rs)
        if instances is None or not prometheus_instances(index):
            return [("prometheus-unknown", clusters)]
        return [("prometheus", id(inst.origin), clusters) for inst in instances]
    return [("set", rs.id)]


def _constraints(ast: Any) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(label -> values required by `=`, label -> values excluded by `!=`) over the selectors."""
    eq: dict[str, set[str]] = {}
    ne: dict[str, set[str]] = {}
    for node in walk(ast):
        if isinstance(node, pp.VectorSelector):
            for m in node.matchers.matchers:
                op = str(m.op)
                if op == "MatchOp.Equal":
                    eq.setdefault(m.name, set()).add(m.value)
                elif op == "MatchOp.NotEqual":
                    ne.setdefault(m.name, set()).add(m.value)
    return eq, ne


def disjoint(a: RuleEntry, b: RuleEntry) -> bool:
    """The two expressions select series that differ in a label both keep (partitioned variants)."""
    if a.ast is None or b.ast is None:
        return False
    eq_a, ne_a = _constraints(a.ast)
    eq_b, ne_b = _constraints(b.ast)
    out_a, out_b = output_labels(a.ast), output_labels(b.ast)
    for label in set(eq_a) | set(eq_b):
        if out_a.has(label) is False or out_b.has(label) is False:
            continue
        va, vb = eq_a.get(label, set()), eq_b.get(label, set())
        if (va & ne_b.get(label, set())) or (vb & ne_a.get(label, set())) or (va and vb and va.isdisjoint(vb)):
            return True
    return False


def _identity(entry: RuleEntry) -> tuple:
    labels = tuple(sorted((str(k), str(v)) for k, v in entry.labels.items()))
    return (entry.kind, entry.name, labels)


def _normal(expr: str) -> str:
    return " ".join(expr.split())


@rule(
    "PROM009",
    "duplicate-rule",
    "warning",
    "The same alert or recording rule (name and labels) defined twice for one Prometheus",
    why="""
    Two alerting rules with the same name and labels evaluated by one Prometheus produce alerts
    with the same identity: Alertmanager merges them, so whichever fires last decides the
    annotations, and one definition (usually a stale copy in another PrometheusRule) silently
    overrides the other. Two recording rules writing the same series make Prometheus record
    conflicting samples ("duplicate sample for timestamp"). obslint groups rules by the Prometheus
    that selects them (PrometheusRule selectors, chart values) or by rule file, and reports each
    alert/record name with identical static labels that is defined more than once. The same alert
    name with different labels (a warning and a critical threshold) is the usual pattern and is fine,
    and so are variants whose selectors partition the series on a label they keep
    (`mountpoint!="/data"` in one, `mountpoint="/data"` in the other). A custom alert with the name
    and severity of a kube-prometheus-stack default alert that the release still creates (a copy
    made to tune it, with the default left on) is reported too.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="Delete the stale copy, or give the variants different names or different `severity` labels.",
)
def duplicate_rule(ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[tuple, RuleEntry] = {}
    for rs in rule_sets(ctx.index):
        keys = _evaluators(ctx.index, rs)
        for entry in rs.rules:
            if not entry.name or "${" in entry.name:
                continue
            ident = _identity(entry)
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
            yield Finding(
                entry.loc,
                f"{entry.kind} {entry.name!r} is defined twice for the same Prometheus {how}",
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
