"""Alertmanager: the configurations each cluster deploys (sources.py), the alerts each cluster
can produce (universe.py), and reasoning about where partially known alerts go (reasoning.py)."""

from obslint.model.alertmanager.reasoning import (
    can_reach,
    group_alerts,
    matcher_verdict,
    matchers_verdict,
    possible_routes,
    tree_matchers,
)
from obslint.model.alertmanager.sources import (
    KPS_DEFAULT_CONFIG,
    AMConfigObject,
    AMSource,
    alertmanager_configs,
    from_chart_default,
    helm_merge,
    key_loc,
    node_loc,
    selector_matches,
)
from obslint.model.alertmanager.universe import KPS, KnownAlert, alert_universe, external_labels

__all__ = [
    "KPS",
    "KPS_DEFAULT_CONFIG",
    "AMConfigObject",
    "AMSource",
    "KnownAlert",
    "alert_universe",
    "alertmanager_configs",
    "can_reach",
    "external_labels",
    "from_chart_default",
    "group_alerts",
    "helm_merge",
    "key_loc",
    "matcher_verdict",
    "matchers_verdict",
    "node_loc",
    "possible_routes",
    "selector_matches",
    "tree_matchers",
]
