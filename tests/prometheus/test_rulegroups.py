"""The "rules.groups" provider: every source of rule groups, engines and positions."""

from __future__ import annotations

from obslint.config import Config
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.rulegroups import has_logql_syntax, rule_groups
from obslint.rules import load_rules


def _index(root) -> Index:
    load_rules()
    return Index.build(load_tree(str(root)), Config())


SOURCES = {
    "pr.yaml": """\
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: pr, namespace: monitoring, labels: {release: kps}}
    spec:
      groups:
        - name: from-pr
          interval: 1m
          rules:
            - alert: A
              expr: |
                up == 0
              for: 5m
              labels: {severity: critical}
              annotations: {summary: s}
    """,
    "hr.yaml": """\
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata: {name: kps, namespace: monitoring}
    spec:
      chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
      values:
        additionalPrometheusRulesMap:
          extra:
            groups:
              - name: from-map
                rules:
                  - record: job:up:sum
                    expr: sum by (job) (up)
        additionalPrometheusRules:
          - name: legacy
            groups:
              - name: from-list
                rules:
                  - record: job:up:count
                    expr: count by (job) (up)
    ---
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata: {name: loki, namespace: monitoring}
    spec:
      chart: {spec: {chart: loki, version: 6.46.0}}
      values:
        ruler:
          directories:
            fake:
              rules.yaml: |
                groups:
                  - name: from-loki-values
                    rules:
                      - alert: LogErrors
                        expr: sum(count_over_time({app="x"} |= "error" [5m])) > 0
    """,
    "cm.yaml": """\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: loki-rules, namespace: monitoring, labels: {loki_rule: "true"}}
    data:
      a.yaml: |
        groups:
          - name: from-loki-cm
            rules:
              - alert: B
                expr: count_over_time({app="y"}[5m]) > 0
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: grafana-dashboards, namespace: monitoring}
    data:
      dash.json: '{"groups": "not rules"}'
    """,
    "rules/plain.yaml": """\
    groups:
      - name: from-file
        rules:
          - record: instance:x:rate5m
            expr: rate(x[5m])
    """,
    "app/kustomization.yaml": """\
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    configMapGenerator:
      - name: app-loki-rules
        files: [alerts.yaml=./lokirule.yaml]
        options:
          labels: {loki_rule: "true"}
    """,
    "app/lokirule.yaml": """\
    groups:
      - name: from-generated-cm
        rules:
          - alert: C
            expr: count_over_time({app="z"}[5m]) > 0
    """,
    "grafana/alerting.yaml": """\
    apiVersion: 1
    groups:
      - orgId: 1
        name: grafana-managed
        rules:
          - uid: abc
            title: t
            condition: C
    """,
}


def test_every_source_is_found_with_its_engine(repo):
    index = _index(repo(SOURCES))
    got = {(g.name, g.engine, g.origin) for g in rule_groups(index)}
    assert got == {
        ("from-pr", "promql", "prometheusrule"),
        ("from-map", "promql", "helm-additional"),
        ("from-list", "promql", "helm-additional"),
        ("from-loki-values", "logql", "loki-directories"),
        ("from-loki-cm", "logql", "configmap"),
        ("from-file", "promql", "file"),
        ("from-generated-cm", "logql", "file"),
    }


def test_entries_carry_positions_and_fields(repo):
    index = _index(repo(SOURCES))
    groups = {g.name: g for g in rule_groups(index)}
    pr = groups["from-pr"]
    assert pr.interval == "1m" and pr.loc.line == 6
    (a,) = pr.rules
    assert (a.kind, a.name, a.expr.strip(), a.for_) == ("alert", "A", "up == 0", "5m")
    assert (a.loc.line, a.loc.col) == (9, 11)
    assert (a.expr_loc.line, a.expr_loc.col) == (11, 13)  # first line of the block scalar
    assert a.labels == {"severity": "critical"} and a.annotations == {"summary": "s"}
    assert a.group is pr and a.ast is not None
    loki = groups["from-loki-values"].rules[0]
    assert loki.loc.path == "hr.yaml" and (loki.loc.line, loki.loc.col) == (35, 21) and loki.ast is None
    cm = groups["from-loki-cm"].rules[0]
    assert (cm.loc.path, cm.loc.line) == ("cm.yaml", 9)
    rs = groups["from-map"].ruleset
    assert rs.release is not None and rs.release.release_name == "kps"


def test_logql_syntax_detection():
    assert has_logql_syntax('sum(count_over_time({app="x"} |= "error" [5m]))')
    assert has_logql_syntax('{app="x"} | json | level="error"')
    assert not has_logql_syntax('sum(rate(x{path=~"a|b"}[5m]))')  # `|` inside a string
    assert not has_logql_syntax("up == 0 or vector(0)")
