"""Helpers shared by the Alertmanager rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.model.alertmanager import (
    AMSource,
    KnownAlert,
    alert_universe,
    alertmanager_configs,
    group_alerts,
    node_loc,
    tree_matchers,
)
from obslint.routing import Route
from obslint.rules.examples import RULES_HEAD

DEPLOYED = ("helm-values", "alertmanager-secret", "vmalertmanager")


def sources(index: Index) -> list[AMSource]:
    return alertmanager_configs(index)


def routed_sources(index: Index) -> list[AMSource]:
    """The configs alerts of this repository are delivered to: in each cluster, the deployed ones
    when it deploys an Alertmanager (chart values, Alertmanager objects), else every config found."""
    all_sources = [s for s in sources(index) if s.route is not None]
    deployed_in = {s.cluster for s in all_sources if s.origin in DEPLOYED}
    return [s for s in all_sources if s.origin in DEPLOYED or s.cluster not in deployed_in]


def _delivered(alert: KnownAlert, src: AMSource) -> bool:
    """Alerts reach the configs of their own cluster; chart-default alerts only the config of
    their own release."""
    if alert.cluster != src.cluster:
        return False
    if alert.origin != "kps-default":
        return True
    if src.release is not None:
        return alert.release is src.release
    return src.origin not in DEPLOYED


def alerts_for(index: Index, src: AMSource) -> list[KnownAlert]:
    """Alerts that reach this config."""
    return [a for a in alert_universe(index) if _delivered(a, src)]


@memoised
def alert_groups(index: Index) -> list[list[KnownAlert]]:
    """The alert universe grouped once (group_alerts) over the matchers of every routed config's
    routes and inhibit rules, and by the configs an alert is delivered to. The per-config route
    checks then take one representative per group: the work grows with alerts + configs * groups,
    not with alerts * configs, which is quadratic in a repository of many clusters."""
    matchers: list[Any] = []
    for src in routed_sources(index):
        if src.route is not None:
            matchers.extend(tree_matchers(src.route))
        for inhibit in src.config.inhibit_rules:
            if not inhibit.unsupported:
                matchers.extend((*inhibit.source, *inhibit.target))
    return group_alerts(
        matchers, alert_universe(index), scope=lambda a: (a.cluster, a.origin == "kps-default", id(a.release))
    )


@memoised
def _groups_by_cluster(index: Index) -> dict[Any, list[list[KnownAlert]]]:
    """alert_groups by the cluster of their alerts (a group never spans clusters: see its scope)."""
    out: dict[Any, list[list[KnownAlert]]] = {}
    for g in alert_groups(index):
        out.setdefault(g[0].cluster, []).append(g)
    return out


def alert_groups_for(index: Index, src: AMSource) -> list[list[KnownAlert]]:
    """The groups of `alertmanager.alert_groups` whose alerts reach this config (non-empty lists).
    Only the groups of the config's own cluster can: one cluster's configs never scan the others'."""
    return [g for g in _groups_by_cluster(index).get(src.cluster, ()) if _delivered(g[0], src)]


def route_loc(src: AMSource, route: Route, key: Any = None) -> Loc:
    return node_loc(route.data, key, src.anchor)


def receiver_loc(src: AMSource, route: Route) -> Loc:
    """The `receiver:` of the route, or of the ancestor it inherits its receiver from."""
    node: Route | None = route
    while node is not None:
        if node.own_receiver not in (None, ""):
            return route_loc(src, node, "receiver")
        node = node.parent
    return route_loc(src, route)


def is_null(src: AMSource, name: str) -> bool:
    rec = src.config.receivers.get(name)
    return rec is not None and rec.is_null


def non_root_routes(src: AMSource) -> Iterator[Route]:
    if src.route is None:
        return
    for r in src.route.walk():
        if r.parent is not None:
            yield r


def describe(route: Route) -> str:
    return f"route {route.slug()}"


# --- explain examples ---------------------------------------------------------------------
HR_EXAMPLE = """\
-- monitoring/kube-prometheus-stack.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
  values:
    defaultRules:
      create: false
    alertmanager:
      config:
"""

RULE_EXAMPLE = (
    """\
-- monitoring/rules.yaml --
"""
    + RULES_HEAD
    + """\
        - alert: AppDown
          expr: up{job="app"} == 0
          labels:
            severity: critical
        - alert: AppSlow
          expr: rate(app_latency_seconds_sum[5m]) > 1
          labels:
            severity: warning
"""
)
