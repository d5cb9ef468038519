"""Whether an alert of the universe certainly lacks a label: every label it can carry is known.

A Prometheus alert carries the series labels its expression returns, its rule's labels,
`alertname`, and the external labels of the Prometheus that evaluates it
(https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/; external labels:
`global.external_labels`, which the prometheus-operator fills from `externalLabels` and the
`prometheus` replica label; `enforcedNamespaceLabel` and alert relabelling change them further).
Absent is certain only when all four are known: the expression's output labels are closed
(`sum by (job)`, `absent()`), and the cluster runs the one kube-prometheus-stack Prometheus of the
repository, with no alert relabelling, enforced namespace label or values obslint cannot read.
Flux notification alerts carry a fixed set (universe.py `_flux_alerts`). Anything else (chart
default alerts, Loki ruler alerts, Prometheus servers the repository does not configure) is open.
"""

from __future__ import annotations

from obslint.index import Index, memoised
from obslint.model.alertmanager.universe import KPS, KnownAlert
from obslint.model.helm import releases_of_chart
from obslint.model.promql import analysis, output_labels
from obslint.model.rulegroups import RuleEntry, all_rules
from obslint.objects import Cluster

# kube-prometheus-stack prometheusSpec settings that add or change alert labels after the rule.
_RELABELLING = ("alertRelabelConfigs", "additionalAlertRelabelConfigs", "enforcedNamespaceLabel")


@memoised
def _entries(index: Index) -> dict:
    return {entry.loc: entry for entry in all_rules(index, "promql") if entry.kind == "alert"}


@memoised
def _closed_clusters(index: Index) -> frozenset[Cluster | None]:
    """Clusters whose alert external labels obslint knows: one kube-prometheus-stack release with
    a Prometheus, its values all in the repository, and no other Prometheus object."""
    by_cluster: dict[Cluster | None, list] = {}
    for rel in releases_of_chart(index, KPS):
        by_cluster.setdefault(rel.obj.cluster, []).append(rel)
    others = {p.cluster for p in index.of_kind("Prometheus", group="monitoring.coreos.com")}
    closed: set[Cluster | None] = set()
    for cluster, rels in by_cluster.items():
        if len(rels) != 1 or cluster in others:
            continue
        rel = rels[0]
        if rel.values_open("prometheus") or rel.value("prometheus", "enabled") is False:
            continue
        if any(rel.value("prometheus", "prometheusSpec", key) not in (None, "", [], {}) for key in _RELABELLING):
            continue
        closed.add(cluster)
    return frozenset(closed)


def certainly_absent(index: Index, alert: KnownAlert, label: str) -> bool:
    """True only when no instance of the alert can carry the label."""
    if label in alert.labels or label in alert.dynamic:
        return False
    if alert.origin == "flux":
        return True
    if alert.origin != "rule" or alert.engine != "promql" or alert.loc is None:
        return False
    if alert.cluster not in _closed_clusters(index):
        return False
    entry: RuleEntry | None = _entries(index).get(alert.loc)
    if entry is None or entry.ast is None:
        return False
    return analysis(entry, output_labels).has(label) is False
