"""Helpers shared by the Alertmanager rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obslint.findings import Loc
from obslint.index import Index
from obslint.model.alertmanager import AMSource, KnownAlert, node_loc
from obslint.routing import Route

DEPLOYED = ("helm-values", "alertmanager-secret")


def sources(index: Index) -> list[AMSource]:
    return index.get("alertmanager.configs")


def routed_sources(index: Index) -> list[AMSource]:
    """The configs alerts of this repository are delivered to: the deployed ones when the repo
    deploys an Alertmanager (chart values, Alertmanager objects), else every config found."""
    all_sources = [s for s in sources(index) if s.route is not None]
    deployed = [s for s in all_sources if s.origin in DEPLOYED]
    return deployed or all_sources


def alerts_for(index: Index, src: AMSource) -> list[KnownAlert]:
    """Alerts that reach this config: chart-default alerts only from its own release."""
    out = []
    for alert in index.get("alerts.universe"):
        if alert.origin == "kps-default" and src.release is not None and alert.release is not src.release:
            continue
        if alert.origin == "kps-default" and src.release is None and src.origin in DEPLOYED:
            continue
        out.append(alert)
    return out


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

RULE_EXAMPLE = """\
-- monitoring/rules.yaml --
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
          labels:
            severity: critical
        - alert: AppSlow
          expr: rate(app_latency_seconds_sum[5m]) > 1
          labels:
            severity: warning
"""
