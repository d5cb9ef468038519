"""PROM004, PROM005, PROM007, PROM010: alert hygiene checks on the PromQL AST."""

from __future__ import annotations

import textwrap

import pytest

from obslint.config import Config
from obslint.rules.examples import RULES_HEAD
from tests.conftest import check


def _rule_file(rule: str) -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(rule).strip("\n"), " " * 6)
    return {"rules/app.yaml": "groups:\n  - name: app\n    rules:\n" + body + "\n"}


def _ids(repo, rule: str, select: list[str], **options) -> list:
    config = Config.model_validate({"options": options}) if options else Config()
    result = check(repo(_rule_file(rule)), select=select, config=config)
    assert not result.errors, result.errors
    return result.findings


GOOD = """\
- alert: AppDown
  expr: up{job="app"} == 0
  for: 5m
  labels: {severity: critical}
  annotations: {summary: app down, description: "{{ $labels.instance }} down"}
"""


def test_good_alert_is_clean(repo):
    assert _ids(repo, GOOD, ["PROM004", "PROM005", "PROM007", "PROM010"]) == []


def test_missing_severity(repo):
    found = _ids(repo, GOOD.replace("  labels: {severity: critical}\n", ""), ["PROM004"])
    assert len(found) == 1 and found[0].loc.line == 4  # the alert: key
    found = _ids(repo, GOOD.replace("severity: critical", "team: x"), ["PROM004"])
    assert len(found) == 1 and found[0].loc.line == 7  # the labels mapping


@pytest.mark.parametrize("key", ["serverity", "Severity", "severty"])
def test_misspelt_severity_key_is_named(repo, key):
    (found,) = _ids(repo, GOOD.replace("severity: critical", f"{key}: critical"), ["PROM004"])
    assert f"has a '{key}' label but no 'severity' (did you mean severity?)" in found.message
    assert f"rename labels.{key}" in found.hint
    assert found.loc.line == 7  # the misspelt key


def test_severity_allowed_values_option(repo):
    rule = GOOD.replace("severity: critical", "severity: page")
    assert _ids(repo, rule, ["PROM004"]) == []
    found = _ids(repo, rule, ["PROM004"], **{"alert-missing-severity": {"allowed": ["critical", "warning"]}})
    assert len(found) == 1 and "'page'" in found[0].message


def test_group_labels_supply_severity(repo):
    files = {
        "rules/app.yaml": "groups:\n  - name: app\n    labels: {severity: warning}\n    rules:\n"
        "      - alert: X\n        expr: up == 0\n        for: 5m\n        annotations: {summary: x}\n"
    }
    result = check(repo(files), select=["PROM004"])
    assert result.findings == []


def test_missing_annotations_default_and_strict(repo):
    rule = GOOD.replace('description: "{{ $labels.instance }} down"', "runbook: x")
    assert _ids(repo, rule, ["PROM005"]) == []  # summary alone is enough by default
    strict = {"alert-missing-annotations": {"required": ["summary", "description"], "require_runbook_url": True}}
    found = _ids(repo, rule, ["PROM005"], **strict)
    assert len(found) == 1 and "description" in found[0].message and "runbook_url" in found[0].message
    found = _ids(
        repo,
        GOOD.replace('  annotations: {summary: app down, description: "{{ $labels.instance }} down"}\n', ""),
        ["PROM005"],
    )
    assert len(found) == 1


def test_misspelt_annotation_keys(repo):
    rule = GOOD.replace("summary: app down", "sumamry: app down")
    found = _ids(repo, rule, ["PROM005"])
    assert [(f.loc.line, f.message) for f in found] == [
        (
            8,
            "annotation 'sumamry' of alert 'AppDown' is not 'summary': notification templates that read "
            "summary get nothing",
        )
    ]
    # the misspelt key is the cause of the missing annotation: reported once
    only = GOOD.replace('summary: app down, description: "{{ $labels.instance }} down"', "Description: x")
    found = _ids(repo, only, ["PROM005"])
    assert len(found) == 1 and "'Description'" in found[0].message and found[0].hint == "rename it to description"
    # other annotations, and a second spelling next to the real one, are left alone
    assert _ids(repo, GOOD.replace("summary: app down", "summary: x, dashboard_url: y, runbook: z"), ["PROM005"]) == []


def test_logql_alerts_need_annotations_too(repo):
    files = {
        "cm.yaml": """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: loki-rules, labels: {loki_rule: "1"}}
        data:
          r.yaml: |
            groups:
              - name: logs
                rules:
                  - alert: Errors
                    expr: sum(count_over_time({app="x"} |= "error" [5m])) > 0
                    labels: {severity: warning}
        """
    }
    result = check(repo(files), select=["PROM005", "PROM007", "PROM010"])
    assert [f.rule for f in result.findings] == ["PROM005"]
    assert result.findings[0].loc.line == 9


@pytest.mark.parametrize(
    "expr, fires",
    [
        ('sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))', True),
        ("rate(x[5m])", True),
        ("x > bool 1", True),
        ("vector(1)", True),
        ("up == 0", False),
        ("sum(rate(x[5m])) > 1", False),
        ("absent(up{job='x'})", False),
        ("absent_over_time(up{job='x'}[5m])", False),
        ("x unless y", False),
        ("x and on(job) y", False),
        ("count(x > 1)", False),
        ('gotk_resource_info{ready="False"}', False),
        ('kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}', False),
        ('max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m])', True),
        ("label_replace(x, 'a', '$1', 'b', '(.*)') > 0", False),
    ],
)
def test_always_firing(repo, expr, fires):
    rule = GOOD.replace('up{job="app"} == 0', expr.replace("'", '"')).replace('"{{ $labels.instance }} down"', "x")
    rule = rule.replace("expr: ", "expr: '").replace("\n  for:", "'\n  for:") if '"' in expr or "'" in expr else rule
    found = _ids(repo, rule, ["PROM007"])
    assert bool(found) == fires, (expr, found)


def test_watchdog_is_allowed(repo):
    rule = GOOD.replace("AppDown", "Watchdog").replace('up{job="app"} == 0', "vector(1)")
    assert _ids(repo, rule, ["PROM007"]) == []


@pytest.mark.parametrize(
    "expr, for_, fires",
    [
        ('up{job="app"} == 0', None, True),
        ('up{job="app"} == 0', "1m", True),
        ('up{job="app"} == 0', "5m", False),
        ("probe_success == 0", "30s", True),
        ("avg_over_time(up[10m]) < 0.5", None, False),
        ("avg_over_time(up[1m]) < 0.5", None, True),
        ("increase(kube_pod_container_status_restarts_total[1m]) > 0", None, True),
        ("increase(kube_pod_container_status_restarts_total[15m]) > 3", None, False),
        (
            "kube_pod_container_status_restarts_total - kube_pod_container_status_restarts_total offset 10m >= 1",
            None,
            False,
        ),
        ("changes(process_start_time_seconds[10m]) > 2", None, False),  # an event over 10m
        ("changes(process_start_time_seconds[1m]) > 0", None, True),
        ("probe_success == 0", "2m", False),
        # `up` only filters: a failed scrape can hold this alert back, never raise it
        ("(rate(errors_total[5m]) / rate(requests_total[5m]) > 0.1) and on(job) (up == 1)", None, False),
        ("(rate(errors_total[5m]) > 1) unless on(job) (up == 0)", None, False),
        ("up == 0 and on(job) (rate(x[5m]) > 0)", None, True),
        ("node_load1 > 10", None, False),
    ],
)
def test_for_too_short(repo, expr, for_, fires):
    """Which signals are flappy, against a fixed minimum (the option)."""
    rule = GOOD.replace('up{job="app"} == 0', expr)
    rule = rule.replace("  for: 5m\n", f"  for: {for_}\n" if for_ else "")
    found = _ids(repo, rule, ["PROM010"], **{"alert-for-too-short": {"min_for": "2m"}})
    assert bool(found) == fires, (expr, for_, found)


@pytest.mark.parametrize(("for_", "fires"), [(None, True), ("30s", False), ("1m", False)])
def test_for_in_a_rule_file_whose_prometheus_is_not_known(repo, for_, fires):
    """How often the Prometheus loading a rule file scrapes is not known: only a missing `for` is certain to
    let one failed scrape notify."""
    rule = GOOD.replace("  for: 5m\n", f"  for: {for_}\n" if for_ else "")
    assert bool(_ids(repo, rule, ["PROM010"])) == fires


KPS = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart:
    spec: {chart: kube-prometheus-stack, version: "80.6.0", sourceRef: {kind: HelmRepository, name: pc}}
  values:
    prometheus:
      prometheusSpec:
SCRAPE        ruleSelector: {matchLabels: {release: kube-prometheus-stack}}
---
"""
KPS_RULE = (
    KPS
    + RULES_HEAD
    + textwrap.indent(GOOD.replace('up{job="app"} == 0', "probe_success == 0").replace("for: 5m", "FOR"), " " * 8)
)


@pytest.mark.parametrize(
    ("scrape", "for_", "says"),
    [
        ("", "30s", "below two 30s scrape intervals"),  # the operator's default scrape interval
        ("", "1m", None),
        ("15s", "1m", None),  # four failed probes in a row before it fires
        ("15s", "20s", "below two 15s scrape intervals"),
        ("2m", "3m", "below two 2m scrape intervals"),
    ],
)
def test_for_against_the_scrape_interval_of_the_prometheus_that_loads_it(repo, scrape, for_, says):
    interval = f"        scrapeInterval: {scrape}\n" if scrape else ""
    text = KPS_RULE.replace("SCRAPE", interval).replace("FOR", f"for: {for_}")
    found = [f for f in check(repo({"monitoring/kps.yaml": text}), select=["PROM010"]).findings]
    assert [says in f.message for f in found] == ([True] if says else []), found


def test_for_minimum_option(repo):
    rule = GOOD.replace("for: 5m", "for: 10m")
    assert _ids(repo, rule, ["PROM010"]) == []
    assert len(_ids(repo, rule, ["PROM010"], **{"alert-for-too-short": {"min_for": "15m"}})) == 1
