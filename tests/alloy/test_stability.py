"""ALLOY009 alloy-component-not-enabled: a gated component where the flags Alloy runs with are known."""

from __future__ import annotations

import textwrap

import pytest

from obslint.alloy.components import knowledge_base
from obslint.findings import Severity
from obslint.rules.alloy.stability import gate
from tests.conftest import check

RULE = "ALLOY009"
EXPERIMENTAL = 'prometheus.exporter.static "x" {\n  text = ""\n}\n'
PREVIEW = 'otelcol.storage.file "x" { }\n'
GA = 'discovery.kubernetes "pods" {\n  role = "pod"\n}\n'
COMMUNITY = 'otelcol.exporter.datadog "x" { }\n'


def _hr(config: str, values: str = "", spec: str = "") -> str:
    body = textwrap.indent(config, " " * 10)
    return f"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: alloy, namespace: monitoring}}
spec:
  interval: 30m
  chart:
    spec:
      chart: alloy
      version: 1.5.1
      sourceRef: {{kind: HelmRepository, name: grafana}}
{spec}  values:
    alloy:
{textwrap.indent(values, " " * 6)}      configMap:
        content: |
{body}"""


def _messages(repo, files: dict[str, str]) -> list[str]:
    return [f.message for f in check(repo(files), select=[RULE]).findings]


def test_gate_says_what_alloy_needs() -> None:
    kb = knowledge_base()
    assert gate(kb.components["prometheus.enrich"]) == (
        "prometheus.enrich is experimental: Alloy runs it only with --stability.level=experimental"
    )
    assert gate(kb.components["otelcol.exporter.datadog"]) == (
        "otelcol.exporter.datadog is a community component: "
        "Alloy runs it only with --feature.community-components.enabled=true"
    )


def test_experimental_component_at_the_chart_default_level(repo) -> None:
    findings = check(repo({"alloy/hr.yaml": _hr(EXPERIMENTAL)}), select=[RULE]).findings
    assert [f.message for f in findings] == [
        "prometheus.exporter.static is experimental: Alloy runs it only with --stability.level=experimental, "
        "and HelmRelease monitoring/alloy runs Alloy at generally-available"
    ]
    assert findings[0].severity is Severity.WARNING
    assert findings[0].loc.line == 15  # the component's line in the HelmRelease
    assert "alloy.stabilityLevel: experimental" in findings[0].hint


@pytest.mark.parametrize(
    ("config", "values"),
    [
        (GA, ""),
        (EXPERIMENTAL, "stabilityLevel: experimental\n"),
        (PREVIEW, "stabilityLevel: public-preview\n"),
        (PREVIEW, "stabilityLevel: experimental\n"),
        (EXPERIMENTAL, 'extraArgs: ["--stability.level=experimental"]\n'),
        (EXPERIMENTAL, 'extraArgs: ["--stability.level", "experimental"]\n'),
        (EXPERIMENTAL, 'stabilityLevel: "${ALLOY_STABILITY}"\n'),  # a postBuild variable: unknown
        (COMMUNITY, 'extraArgs: ["--feature.community-components.enabled=true"]\n'),
        (COMMUNITY, 'extraArgs: ["--feature.community-components.enabled"]\n'),
    ],
)
def test_no_finding_when_the_flag_allows_it_or_is_unknown(repo, config: str, values: str) -> None:
    assert _messages(repo, {"alloy/hr.yaml": _hr(config, values)}) == []


@pytest.mark.parametrize(
    ("config", "values", "needle"),
    [
        (EXPERIMENTAL, "stabilityLevel: public-preview\n", "runs Alloy at public-preview"),
        (PREVIEW, "", "otelcol.storage.file is public-preview"),
        # extraArgs come after the chart's own flag: the last one wins
        (
            EXPERIMENTAL,
            'stabilityLevel: experimental\nextraArgs: ["--stability.level=generally-available"]\n',
            "runs Alloy at generally-available",
        ),
        (COMMUNITY, "stabilityLevel: experimental\n", "is a community component"),
        (COMMUNITY, 'extraArgs: ["--feature.community-components.enabled=false"]\n', "does not set it"),
    ],
)
def test_finding_when_the_flag_certainly_does_not_allow_it(repo, config: str, values: str, needle: str) -> None:
    messages = _messages(repo, {"alloy/hr.yaml": _hr(config, values)})
    assert len(messages) == 1 and needle in messages[0], messages


def test_agent_values_override_alloy_values(repo) -> None:
    values = "stabilityLevel: generally-available\n"
    hr = _hr(EXPERIMENTAL, values).replace("  values:\n", "  values:\n    agent: {stabilityLevel: experimental}\n")
    assert _messages(repo, {"alloy/hr.yaml": hr}) == []


def test_values_from_a_secret_the_repository_does_not_hold_are_unknown(repo) -> None:
    spec = "  valuesFrom:\n    - {kind: Secret, name: alloy-values}\n"
    assert _messages(repo, {"alloy/hr.yaml": _hr(EXPERIMENTAL, spec=spec)}) == []


def test_a_plain_file_has_no_known_runner(repo) -> None:
    assert _messages(repo, {"alloy/config.alloy": EXPERIMENTAL}) == []


def _configmap(name: str = "alloy-config") -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: monitoring}}\n"
        f"data:\n  config.alloy: |\n{textwrap.indent(EXPERIMENTAL, '    ')}"
    )


def test_configmap_mounted_by_an_alloy_release(repo) -> None:
    hr = _hr(GA).split("      configMap:")[0] + "      configMap: {create: false, name: alloy-config}\n"
    messages = _messages(repo, {"alloy/hr.yaml": hr, "alloy/cm.yaml": _configmap()})
    assert messages and "HelmRelease monitoring/alloy runs Alloy at generally-available" in messages[0]
    other = _messages(repo, {"alloy/hr.yaml": hr, "alloy/cm.yaml": _configmap("something-else")})
    assert other == []


def _daemonset(args: str) -> str:
    return f"""apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: alloy, namespace: monitoring}}
spec:
  template:
    spec:
      containers:
        - name: alloy
          image: grafana/alloy:v1.10.0
          args: {args}
      volumes:
        - name: config
          configMap: {{name: alloy-config}}
"""


@pytest.mark.parametrize(
    ("args", "fires"),
    [
        ('["run", "/etc/alloy/config.alloy"]', True),
        ('["run", "/etc/alloy/config.alloy", "--stability.level=experimental"]', False),
        ('["--version"]', False),  # not `alloy run`: not the process that loads the config
    ],
)
def test_configmap_mounted_by_a_workload(repo, args: str, fires: bool) -> None:
    messages = _messages(repo, {"alloy/ds.yaml": _daemonset(args), "alloy/cm.yaml": _configmap()})
    assert bool(messages) is fires, messages
    if fires:
        assert "DaemonSet monitoring/alloy runs Alloy at generally-available" in messages[0]
