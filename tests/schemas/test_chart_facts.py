"""obslint.model.chart_facts: per-version chart defaults (generated, drift-tested), the defaults rules
read through it, Service naming of the known charts, and the names any other chart's release can create."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from obslint.model.chart_facts import (
    OPERATOR_DEFAULT_RETENTION,
    ChartVersion,
    chart_services,
    chart_version,
    could_be_named,
    datasource_sidecar_defaults,
    kps_retention_default,
    loki_rules_sidecar_defaults,
    release_name_patterns,
)
from obslint.model.chart_keys import chart_keys
from obslint.model.helm import helm_releases
from tests.conftest import ROOT, in_ci
from tests.corpus.shared import SHARED
from tests.flux.helpers import index_of

HISTORY = SHARED / "oracles" / "charts" / "history"
DEFAULTS = ROOT / "obslint" / "data" / "chart_facts" / "defaults.json"
KPS_ALERTS = ROOT / "obslint" / "data" / "alertmanager" / "kps_default_alerts.json"


def _needs(path, what):
    if not path.exists():
        if in_ci():
            pytest.fail(f"{what} {path} not present: the drift test requires it in CI")
        pytest.skip(f"{what} {path} not present")


def test_shipped_defaults_are_what_the_script_generates(tmp_path):
    _needs(HISTORY / "INDEX.tsv", "chart history")
    out = tmp_path / "defaults.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_chart_defaults.py"), str(HISTORY), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(DEFAULTS.read_text()) == json.loads(out.read_text()), "regenerate obslint/data/chart_facts"


def test_shipped_default_alerts_are_what_the_script_generates(tmp_path):
    _needs(SHARED / "oracles" / "prometheus" / "default_alerts.yaml", "kube-prometheus-stack default alerts")
    out = tmp_path / "alerts.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_kps_default_alerts.py"), str(SHARED), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(KPS_ALERTS.read_text()) == json.loads(out.read_text()), "regenerate kps_default_alerts.json"


def test_defaults_index_the_same_versions_as_the_key_sets():
    for chart, entry in json.loads(DEFAULTS.read_text())["charts"].items():
        keys = chart_keys(chart)
        assert keys is not None, chart
        ordered = sorted(keys.versions, key=lambda v: keys.parsed[keys.versions.index(v)])
        assert (entry["versions"], entry["first"], entry["last"]) == (len(ordered), ordered[0], ordered[-1]), chart


def _version(chart: str, version: str) -> ChartVersion:
    keys = chart_keys(chart)
    assert keys is not None
    return ChartVersion(chart, keys.versions.index(version), version)


def test_a_default_belongs_to_the_versions_that_have_it():
    assert _version("loki", "5.18.1").default("sidecar.rules.label", None) is None
    assert _version("loki", "5.19.0").default("sidecar.rules.label") == "loki_rule"
    assert _version("grafana", "6.20.0").default("sidecar.datasources.labelValue", "absent") is None
    assert _version("grafana", "8.0.0").default("sidecar.datasources.labelValue") == ""
    assert _version("loki-grafana-community", "18.11.0").default("deploymentMode") == "Monolithic"
    assert _version("kube-prometheus-stack", "40.0.0").default("prometheus.prometheusSpec.retention") == "10d"


def release(chart: str, version: str, values: str = "{}", name: str = "rel", url: str = "") -> str:
    repo = (
        f"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {{name: src, namespace: mon}}\n"
        f"spec: {{url: {url}}}\n"
        if url
        else ""
    )
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        f"metadata: {{name: {name}, namespace: mon}}\n"
        f"spec:\n  chart: {{spec: {{chart: {chart}, version: '{version}', sourceRef: {{kind: HelmRepository, "
        f"name: src}}}}}}\n  values: {values}\n" + repo
    )


def one(repo, text):
    index = index_of(repo(text))
    (rel,) = helm_releases(index)
    return index, rel


def test_retention_default_follows_the_pinned_version(repo):
    index, rel = one(repo, release("kube-prometheus-stack", "80.6.0"))
    assert chart_version(index, rel) == _version("kube-prometheus-stack", "80.6.0")
    assert kps_retention_default(index, rel, "prometheus") == "10d"
    assert kps_retention_default(index, rel, "alertmanager") == "120h"
    index, rel = one(repo, release("some-chart", "1.0.0"))
    assert kps_retention_default(index, rel, "prometheus") == OPERATOR_DEFAULT_RETENTION["prometheus"]


def test_datasource_sidecar_defaults_per_chart_and_version(repo):
    index, rel = one(repo, release("kube-prometheus-stack", "80.6.0"))
    kps = datasource_sidecar_defaults(index, rel)
    assert (kps.enabled, kps.label, kps.label_value) == (True, "grafana_datasource", "1")
    index, rel = one(repo, release("grafana", "6.20.0"))
    old = datasource_sidecar_defaults(index, rel)
    assert (old.enabled, old.label, old.label_value, old.search_namespace) == (False, "grafana_datasource", "", None)


def test_loki_rules_sidecar_exists_from_5_19_0(repo):
    index, rel = one(repo, release("loki", "5.18.1"))
    assert loki_rules_sidecar_defaults(index, rel) is None
    index, rel = one(repo, release("loki", "5.19.0"))
    sidecar = loki_rules_sidecar_defaults(index, rel)
    assert sidecar is not None and (sidecar.label, sidecar.resource) == ("loki_rule", "both")


def test_services_follow_the_values_and_the_version(repo):
    index, rel = one(repo, release("loki", "6.46.0", "{deploymentMode: Distributed, gateway: {enabled: false}}"))
    found = chart_services(index, rel)
    assert found is not None and found.complete
    names = {n for n, _ in found.services}
    assert "rel-loki-distributor" in names and "rel-loki-gateway" not in names
    # grafana-community loki 12.0.0 and later default to Monolithic, whose names are not modelled
    index, rel = one(repo, release("loki", "18.11.0", url="https://grafana-community.github.io/helm-charts"))
    found = chart_services(index, rel)
    assert found is not None and not found.complete
    # grafana before 6.8.0 has no service.enabled: its Service is always there
    index, rel = one(repo, release("grafana", "6.0.0", name="grafana"))
    assert chart_services(index, rel).services == [("grafana", (80,))]


def test_a_chart_of_the_same_name_from_another_publisher_has_no_known_services(repo):
    index, rel = one(repo, release("grafana", "8.0.0", url="https://charts.bitnami.com/bitnami"))
    assert chart_services(index, rel) is None


def test_release_name_patterns(repo):
    _index, rel = one(repo, release("x", "1.0.0", "{fullnameOverride: web, sub: {fullnameOverride: cache}}", "app"))
    patterns = release_name_patterns(rel)
    assert patterns == ("app", "web", "cache")
    assert could_be_named(patterns, "app") and could_be_named(patterns, "app-redis")
    assert could_be_named(patterns, "cache-master") and not could_be_named(patterns, "apps")
    assert could_be_named(patterns, "vmsingle-app") and not could_be_named(patterns, "vmsingle-apps")
