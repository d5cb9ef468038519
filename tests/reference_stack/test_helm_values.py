"""Every key under a HelmRelease's `values` exists in that chart version's default values.yaml
(tests/data/charts/<chart>-<version>/values.yaml).

Where a default is an empty map (`{}`), a null, or a list, the chart takes the value as it is
(free-form), so nothing below it is checked. A few non-empty default maps are also passed to the
application verbatim (listed in PASSTHROUGH). Keys of subcharts that the parent chart's values do
not mention are allowed only when listed in SUBCHART_KEYS, each checked against that subchart's
own values.yaml at the version the parent pins (Chart.yaml dependencies).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import DATA
from tests.reference_stack.stack import objects

CHARTS = DATA / "charts"

# Non-empty default maps that the chart renders verbatim into the application's config.
PASSTHROUGH = {
    # rendered with toYaml into the alertmanager.yaml Secret (KEYS.md: alertmanager.config)
    "kube-prometheus-stack": {("alertmanager", "config")},
    # loki chart templates/_helpers.tpl renders these blocks as Loki config sections
    # (KEYS.md: loki.limits_config "rendered (through tpl) as the limits_config: block")
    "loki": {("loki", "limits_config"), ("loki", "rulerConfig")},
    "alloy": set(),
}

# Subchart keys the parent values.yaml does not list, verified in the subchart's values.yaml:
# kube-state-metrics 7.0.0 (prometheus-community/helm-charts charts/kube-state-metrics/values.yaml):
#   `customResourceState: {enabled: false, config: {}}` and `rbac: {..., extraRules: []}`.
SUBCHART_KEYS = {
    "kube-prometheus-stack": {
        ("kube-state-metrics", "rbac"): "free",
        ("kube-state-metrics", "customResourceState"): "free",
    },
}


def _releases() -> list[tuple[str, str, str, dict]]:
    out = []
    for hr in objects("HelmRelease", "helm.toolkit.fluxcd.io"):
        chart = hr["spec"]["chart"]["spec"]
        out.append((hr["metadata"]["name"], chart["chart"], str(chart["version"]), hr["spec"].get("values") or {}))
    return out


def unknown_keys(values: Any, defaults: Any, chart: str, path: tuple = ()) -> list[str]:
    if path in PASSTHROUGH.get(chart, set()) or path in SUBCHART_KEYS.get(chart, {}):
        return []
    if not isinstance(values, dict):
        return []
    if defaults is None or defaults == {} or isinstance(defaults, list):
        return []  # free-form (or a type mismatch that the chart will reject at render time)
    if not isinstance(defaults, dict):
        return [".".join(map(str, path)) + f" (default is a {type(defaults).__name__}, not a map)"]
    missing = []
    for key, value in values.items():
        if key not in defaults and (*path, key) not in SUBCHART_KEYS.get(chart, {}):
            missing.append(".".join(map(str, (*path, key))))
            continue
        missing.extend(unknown_keys(value, defaults.get(key), chart, (*path, key)))
    return missing


@pytest.mark.parametrize("name,chart,version,values", _releases(), ids=lambda v: v if isinstance(v, str) else "")
def test_values_keys_exist_in_chart_defaults(name, chart, version, values):
    defaults_file = CHARTS / f"{chart}-{version}" / "values.yaml"
    assert defaults_file.is_file(), f"no chart defaults for {chart} {version}"
    defaults = yaml.safe_load(defaults_file.read_text(encoding="utf-8"))
    assert unknown_keys(values, defaults, chart) == []


def test_unknown_key_is_reported():
    defaults = {"a": {"b": 1, "free": {}}, "lst": []}
    assert unknown_keys({"a": {"b": 2, "c": 3, "free": {"x": 1}}, "lst": [{"y": 1}], "z": 1}, defaults, "x") == [
        "a.c",
        "z",
    ]


def test_releases_pin_the_design_versions():
    assert {(chart, version) for _, chart, version, _ in _releases()} == {
        ("kube-prometheus-stack", "80.6.0"),
        ("loki", "6.46.0"),
        ("alloy", "1.5.1"),
    }
