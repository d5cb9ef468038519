"""PROM003 range-exceeds-retention: a rule reads further back than its Prometheus keeps data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from obslint.findings import Finding, Loc
from obslint.index import Index
from obslint.model.chart_facts import PROMETHEUS_CHART_DEFAULT_RETENTION
from obslint.model.prometheus import rule_selected_by
from obslint.model.promql import selectors
from obslint.model.rulegroups import ENGINE_FAMILY, RuleSet, rule_sets
from obslint.model.storage import tsdb_stores
from obslint.model.vm_datasource import datasource_stores
from obslint.model.vm_selection import selected_by
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, rule
from obslint.units import format_duration, try_duration

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
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: capacity
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: capacity
      rules:
        # a 30-day trend over 7 days of data: the prediction is computed from what is left
        - alert: DiskFullIn30Days
          expr: predict_linear(node_filesystem_avail_bytes{fstype!="tmpfs"}[30d], 30 * 86400) < 0
          for: 1h
          labels:
            severity: warning
          annotations:
            summary: Disk on {{ $labels.instance }} fills within 30 days
            description: "{{ $labels.mountpoint }} on {{ $labels.instance }} is predicted to be full."
"""

PASSING = FAILING.replace("[30d], 30 * 86400)", "[6h], 30 * 86400)").replace(
    "        # a 30-day trend over 7 days of data: the prediction is computed from what is left\n", ""
)


def _vm_retentions(index: Index, rs: RuleSet) -> list[tuple[str, float, Loc]]:
    """(store, retention seconds, where it is set) of what the VMAlerts loading a VMRule query."""
    owners = selected_by(index, rs.source) if isinstance(rs.source, K8sObject) else None
    out: list[tuple[str, float, Loc]] = []
    for owner in owners or ():
        for store in datasource_stores(index, owner):
            if store.retention:
                who = store.ref() + ("" if store.retention_declared else " (default retention)")
                out.append((who, store.retention, store.retention_loc))
    return out


def _retentions(index: Index, rs: RuleSet) -> list[tuple[str, float, Loc]]:
    """(who, retention seconds, where it is set) of every Prometheus that evaluates the rule set."""
    if rs.origin == "vmrule":
        return _vm_retentions(index, rs)
    if rs.origin == "helm-serverfiles" and rs.release is not None:
        raw = rs.release.value("server", "retention")
        seconds = try_duration(raw if raw not in (None, "") else PROMETHEUS_CHART_DEFAULT_RETENTION)
        if seconds:
            return [(f"the Prometheus of {rs.release.obj.ref()}", seconds, rs.release.loc("server", "retention"))]
        return []
    instances = rule_selected_by(index, rs)
    if not instances:
        return []
    stores = [s for s in tsdb_stores(index) if s.component == "prometheus"]
    out: list[tuple[str, float, Loc]] = []
    for inst in instances:
        for store in stores:
            if store.origin is inst.origin and store.retention:
                who = inst.ref() + ("" if store.retention_declared else " (default retention)")
                out.append((who, store.retention, store.retention_loc))
    return out


@rule(
    "PROM003",
    "range-exceeds-retention",
    "warning",
    "A rule's range selector, subquery or offset reaches further back than its Prometheus's retention",
    basis=Basis.CERTAIN,
    why="""
    Prometheus deletes blocks older than its retention. A rule that reads `[30d]`, a subquery
    `[7d:1h]` or `offset 2w` beyond that silently computes over the data that is left: trends and
    `predict_linear` use a shorter window than written, `offset` comparisons return nothing and the
    alert never fires. obslint walks the PromQL AST of every rule, adds up range, subquery range and
    offset for each selector, and compares the furthest look-back with the retention of the Prometheus
    that evaluates the rule (the one whose ruleSelector selects it; kube-prometheus-stack default
    10d, operator default 24h). A VMRule is compared with the VMSingle or VMCluster that the VMAlerts
    loading it query (`spec.datasource.url` naming `vmsingle-<name>`/`vmselect-<name>`, or the
    VMSingle of the victoria-metrics-k8s-stack release), whose `retentionPeriod` keeps the data.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
    Shorten the range or offset, or raise `retention` of that Prometheus (and size its volume for it);
    for long windows use recording rules that downsample into a longer-lived store.
    """,
)
def range_exceeds_retention(ctx: RuleContext) -> Iterator[Finding]:
    for rs in rule_sets(ctx.index):
        if ENGINE_FAMILY.get(rs.engine, rs.engine) != "promql":
            continue
        entries = [e for e in rs.rules if e.ast is not None]
        if not entries:
            continue
        retentions = _retentions(ctx.index, rs)
        if not retentions:
            continue
        for entry in entries:
            longest = max((r.lookback for r in selectors(entry.ast)), default=timedelta(0))
            over = [(who, sec, loc) for who, sec, loc in retentions if longest.total_seconds() > sec]
            if not over:
                continue
            who, sec, loc = min(over, key=lambda t: t[1])
            what = f"{entry.kind} {entry.name!r}" if entry.name else "rule"
            yield Finding(
                entry.expr_loc,
                f"{what} reads {format_duration(longest.total_seconds())} of history, but {who} keeps only "
                f"{format_duration(sec)} (retention set at {loc})",
                hint="shorten the range/offset or raise the retention of that "
                + ("store" if rs.origin == "vmrule" else "Prometheus"),
            )
