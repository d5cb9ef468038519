"""obslint's own models see the reference stack as it is wired: the rule groups, the Service URLs
between components, and where every alert the repository can produce is delivered.

These are integration checks of the shared providers against the golden input (the plain proofs
in test_deployable.py do not use obslint code)."""

from __future__ import annotations

import re

import pytest
import yaml

from obslint.model.alertmanager import alert_universe, alertmanager_configs
from obslint.model.rulegroups import rule_groups
from tests.conftest import REFERENCE_STACK, check
from tests.reference_stack.stack import helm_release, objects

ALERTMANAGER_URL = "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093"


@pytest.fixture(scope="module")
def index():
    result = check(REFERENCE_STACK)
    assert not result.errors, result.errors
    return result.index


def _stack_urls() -> dict[str, str]:
    loki = helm_release("loki")["spec"]["values"]
    alloy = helm_release("alloy")["spec"]["values"]["alloy"]["configMap"]["content"]
    (provider,) = objects("Provider", "notification.toolkit.fluxcd.io")
    (datasource_cm,) = [cm for cm in objects("ConfigMap") if "grafana_datasource" in cm["metadata"].get("labels", {})]
    (datasource,) = yaml.safe_load(next(iter(datasource_cm["data"].values())))["datasources"]
    (push,) = re.findall(r'url\s*=\s*"([^"]+)"', alloy)
    return {
        "loki ruler -> alertmanager": loki["loki"]["rulerConfig"]["alertmanager_url"],
        "flux provider -> alertmanager": provider["spec"]["address"],
        "grafana datasource -> loki": datasource["url"],
        "alloy -> loki push": push,
    }


def test_rule_groups_provider_sees_every_group(index):
    seen = {(g.engine, g.name) for g in rule_groups(index) if g.ruleset.origin != "helm-additional"}
    assert seen == {
        ("promql", "flux"),
        ("promql", "cert-manager"),
        ("promql", "loki-health"),
        ("logql", "mariadb-logs"),
    }


def test_component_urls_resolve_to_services_the_stack_creates(index):
    from obslint.model.services import check_url

    urls = _stack_urls()
    assert urls["flux provider -> alertmanager"] == ALERTMANAGER_URL + "/api/v2/alerts"
    assert urls["alloy -> loki push"].endswith("/loki/api/v1/push")
    (cluster,) = index.graph.clusters
    for what, url in urls.items():
        assert check_url(index, url, cluster=cluster) is None, f"{what}: {url}"
    # and the check is not vacuous: a wrong port or a wrong Service name is caught
    assert check_url(index, ALERTMANAGER_URL.replace("9093", "9094"), cluster=cluster) is not None
    wrong_name = ALERTMANAGER_URL.replace("stack-alertmanager", "stack-alertmanagr")
    assert check_url(index, wrong_name, cluster=cluster) is not None


def test_every_known_alert_reaches_a_notifying_receiver_except_the_heartbeats(index):
    (config,) = alertmanager_configs(index)
    receivers = config.config.receivers
    dropped, delivered = set(), {}
    for alert in alert_universe(index):
        names = config.route.receivers(alert.labels)
        assert names, alert
        if all(receivers[n].is_null for n in names):
            dropped.add(alert.name)
        else:
            delivered[alert.name] = names
    assert dropped == {"Watchdog", "InfoInhibitor"}
    assert delivered["MariaDBInnoDBIOError"] == ["pushover-critical"]
    assert delivered["FluxReconciliationFailure"] == ["pushover-warning"]
    assert delivered["LokiDown"] == ["pushover-critical"]
