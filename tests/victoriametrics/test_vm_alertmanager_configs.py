"""VMAlertmanagerConfig objects: selected by the VMAlertmanager (PROM002 otherwise) and merged into its
config the way the VictoriaMetrics operator builds it, so the AM rules judge their routes, receivers
and inhibit rules."""

from __future__ import annotations

import pytest

from obslint.config import Config
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.alertmanager import alertmanager_configs
from tests.victoriametrics.test_victoriametrics import FIXTURE, copy, planted, run

AM = "monitoring/vmalertmanager.yaml"
AMC = "monitoring/vmalertmanagerconfig.yaml"
BASE_RAW = (
    "  configRawYaml: |\n    route:\n      receiver: team\n      group_by: [alertname, instance]\n      routes:\n"
    '        - receiver: "null"\n          matchers: [alertname="Watchdog"]\n    receivers:\n      - name: team\n'
    "        webhook_configs:\n          - url: http://alert-relay.monitoring.svc:8080/hook\n"
    '      - name: "null"\n'
)


def merged(root):
    (src,) = alertmanager_configs(Index.build(load_tree(str(root)), Config()))
    return src


def test_config_is_merged_after_the_base_routes():
    src = merged(FIXTURE)
    routes = [(r.receiver, r.continue_) for r in src.route.routes]
    # appended after the base config's own child route, with continue forced on the top route
    assert routes == [("null", False), ("monitoring-platform-platform", True)]
    assert [r.receiver for r in src.route.routes[1].routes] == ["monitoring-platform-platform-chat"]
    assert {"monitoring-platform-platform", "monitoring-platform-platform-chat"} <= set(src.config.receivers)
    assert len(src.config.inhibit_rules) == 1
    # disableNamespaceMatcher: no namespace matcher on the route nor on the inhibit rule
    assert [str(m) for m in src.route.routes[1].matchers] == []
    assert [str(m) for m in src.config.inhibit_rules[0].source] == ['alertname="NodeFilesystemAlmostFull"']


def test_namespace_matcher_and_enforced_matchers(tmp_path):
    root = planted(tmp_path, AM, "  disableNamespaceMatcher: true\n", '  enforcedTopRouteMatchers: [cluster="main"]\n')
    src = merged(root)
    assert sorted(str(m) for m in src.route.routes[1].matchers) == ['cluster="main"', 'namespace="monitoring"']
    assert 'namespace="monitoring"' in [str(m) for m in src.config.inhibit_rules[0].target]
    planted(tmp_path, AM, "  enforcedTopRouteMatchers:", "  enforcedNamespaceLabel: tenant\n  x:", root=root)
    assert [str(m) for m in merged(root).route.routes[1].matchers] == ['tenant="monitoring"']


def test_default_base_config_when_the_vmalertmanager_sets_none(tmp_path):
    root = planted(tmp_path, AM, BASE_RAW, "")
    src = merged(root)
    assert src.route.receiver == "blackhole"
    assert [r.receiver for r in src.route.routes] == ["monitoring-platform-platform"]
    # without a selected VMAlertmanagerConfig the operator's default alone is not judged
    planted(tmp_path, AMC, "    team: platform\n", "    team: apps\n", root=root)
    assert alertmanager_configs(Index.build(load_tree(str(root)), Config())) == []


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "says"),
    [
        # the VMAlertmanager does not select it: never loaded
        (
            AMC,
            "  labels:\n    team: platform\n",
            "",
            "PROM002",
            "VMAlertmanagerConfig monitoring/platform is not selected by any VMAlertmanager, so it is never loaded",
        ),
        # a child route names a receiver the object does not define
        (
            AMC,
            "      - receiver: platform-chat\n",
            "      - receiver: platform-chta\n",
            "AM001",
            'undefined receiver "monitoring-platform-platform-chta"',
        ),
        # a receiver its own route never uses
        (
            AMC,
            '      - receiver: platform-chat\n        matchers: [severity="warning"]\n',
            "",
            "AM002",
            'receiver "platform-chat" of VMAlertmanagerConfig monitoring/platform is not used by its route',
        ),
        # a base route without matchers nor continue takes every alert first: the appended config route is
        # shadowed
        (
            AM,
            '        - receiver: "null"\n          matchers: [alertname="Watchdog"]\n',
            "        - receiver: team\n",
            "AM004",
            "monitoring-platform-platform",
        ),
        # a webhook at a port the Service does not have
        (AMC, "alert-relay.monitoring.svc:8080/platform", "alert-relay.monitoring.svc:9090/platform", "AM008", "9090"),
    ],
)
def test_planted_mistake_in_a_vmalertmanagerconfig(tmp_path, rel, old, new, rule, says):
    found = run(planted(tmp_path, rel, old, new)).findings
    assert rule in {f.rule for f in found}, [(f.rule, f.message) for f in found]
    assert any(says in f.message for f in found if f.rule == rule), [f.message for f in found]


def test_selected_by_the_k8s_stack_vmalertmanager(tmp_path):
    """The chart's VMAlertmanager selects every VMAlertmanagerConfig (selectAllByDefault: true)."""
    root = copy(tmp_path)
    (root / AM).unlink()
    text = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: vm, namespace: monitoring}\n"
        "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: victoria-metrics-k8s-stack\n      version: 0.91.0\n"
        "      sourceRef: {kind: HelmRepository, name: victoria-metrics}\n  values:\n    grafana: {enabled: false}\n"
        "    alertmanager:\n      spec:\n        configSelector: {matchLabels: {team: apps}}\n"
    )
    (root / "monitoring/vm-stack.yaml").write_text(text, encoding="utf-8")
    found = run(root).findings
    assert [(f.rule, f.message) for f in found if f.rule == "PROM002"] == [
        (
            "PROM002",
            "VMAlertmanagerConfig monitoring/platform is not selected by any VMAlertmanager, so it is never loaded",
        )
    ]
