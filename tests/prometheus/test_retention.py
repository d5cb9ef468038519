"""PROM003 range-exceeds-retention: look-back from the AST against the evaluating Prometheus."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import check

HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values:
    prometheus:
      prometheusSpec:
        {retention}
"""


def _pr(expr: str, labels: str = "{release: kube-prometheus-stack}") -> str:
    return textwrap.dedent(f"""\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {{name: r, namespace: monitoring, labels: {labels}}}
        spec:
          groups:
            - name: g
              rules:
                - record: job:x:trend
                  expr: {expr}
        """)


def _run(repo, files):
    result = check(repo(files), select=["PROM003"])
    assert not result.errors, result.errors
    return result.findings


@pytest.mark.parametrize(
    "expr, retention, fires",
    [
        ("rate(x[14d])", "retention: 10d", True),
        ("rate(x[14d])", "walCompression: true", True),  # chart default 10d
        ("rate(x[9d])", "walCompression: true", False),
        ("max_over_time(rate(x[5m])[5d:1h] offset 6d)", "retention: 10d", True),
        ("max_over_time(rate(x[5m])[5d:1h] offset 4d)", "retention: 10d", False),
        ("x offset 3w", "retention: 2w", True),
        ("x offset 1w", "retention: 2w", False),
        ("sum(rate(x[1h])) / sum(rate(x[1h] offset 20d))", "retention: 30d", False),
    ],
)
def test_lookback_against_kps_retention(repo, expr, retention, fires):
    files = {"hr.yaml": HR.replace("{retention}", retention), "pr.yaml": _pr(expr)}
    found = _run(repo, files)
    assert bool(found) == fires, found
    if fires:
        assert (found[0].loc.path, found[0].loc.line) == ("pr.yaml", 9)


def test_unselected_rule_is_not_judged(repo):
    files = {"hr.yaml": HR.replace("{retention}", "retention: 1d"), "pr.yaml": _pr("rate(x[14d])", "{}")}
    assert _run(repo, files) == []


def test_prometheus_object_operator_default(repo):
    prom = (
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: p, namespace: monitoring}\n"
        "spec:\n  ruleSelector: {}\n"
    )
    found = _run(repo, {"prom.yaml": prom, "pr.yaml": _pr("rate(x[2d])", "{}")})
    assert len(found) == 1 and "1d" in found[0].message  # operator default retention 24h
    prom += "  retention: 30d\n"
    assert _run(repo, {"prom.yaml": prom, "pr.yaml": _pr("rate(x[2d])", "{}")}) == []


def test_values_rules_use_their_release(repo):
    hr = HR.replace("{retention}", "retention: 3d") + textwrap.indent(
        textwrap.dedent("""\
        additionalPrometheusRulesMap:
          trends:
            groups:
              - name: t
                rules:
                  - record: job:x:week
                    expr: avg_over_time(x[1w])
        """),
        "    ",
    )
    found = _run(repo, {"hr.yaml": hr})
    assert len(found) == 1 and found[0].loc.path == "hr.yaml"
