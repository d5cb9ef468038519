"""PROM006 label-aggregated-away: output label sets from the AST, template references, routes."""

from __future__ import annotations

import textwrap

import promql_parser as pp
import pytest

from obslint.model.promql import output_labels
from obslint.rules.prometheus.labels import template_label_refs
from tests.conftest import check


@pytest.mark.parametrize(
    "expr, label, expected",
    [
        ("sum by (job) (rate(x[5m])) > 1", "job", None),
        ("sum by (job) (rate(x[5m])) > 1", "namespace", False),
        ("sum(rate(x[5m])) > 1", "job", False),
        ("sum without (pod) (x) > 1", "pod", False),
        ("sum without (pod) (x) > 1", "namespace", None),
        ("x > 1", "anything", None),
        ('absent(up{job="a", instance=~"b"})', "job", True),
        ('absent(up{job="a", instance=~"b"})', "instance", False),
        ("a > on(job) b", "namespace", False),
        ("a > ignoring(pod) b", "pod", False),
        ("a * on(job) group_left(team) b > 1", "team", True),
        ("a * on(job) group_left(team) b > 1", "namespace", None),
        ("b * on(job) group_right(team) sum by (job, ns) (a) > 1", "ns", None),
        ('label_replace(sum by (job) (x), "ns", "$1", "job", "(.*)") > 0', "ns", True),
        ('count_values("version", build_info)', "version", True),
        ('count_values("version", build_info)', "job", False),
        ("sum by (job) (x) or sum by (ns) (y)", "job", None),
        ("sum by (job) (x) or sum by (job, ns) (y)", "job", None),
        ("sum by (job) (x) and on(job) y", "job", None),
        ("topk(3, sum by (job) (x))", "ns", False),
        ("max_over_time(sum by (job) (x)[1h:5m]) > 1", "ns", False),
    ],
)
def test_output_labels(expr, label, expected):
    assert output_labels(pp.parse(expr)).has(label) is expected


def test_template_refs_and_guards():
    text = (
        '{{ $labels.namespace }}/{{ .Labels.pod }} {{ index $labels "job" }}'
        "{{ if $labels.team }}team {{ $labels.team }}{{ end }}{{ $labels.team }}{{ $value }}"
    )
    refs = [(r.name, r.guarded) for r in template_label_refs(text)]
    assert refs == [("namespace", False), ("pod", False), ("job", False), ("team", True), ("team", False)]


def _pr(expr: str, summary: str, ns: str = "monitoring") -> str:
    return textwrap.dedent(f"""\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {{name: r, namespace: {ns}}}
        spec:
          groups:
            - name: g
              rules:
                - alert: A
                  expr: {expr}
                  labels: {{severity: critical}}
                  annotations:
                    summary: "{summary}"
        """)


def _run(repo, files):
    result = check(repo(files), select=["PROM006"])
    assert not result.errors, result.errors
    return result.findings


def test_annotation_uses_dropped_label(repo):
    found = _run(repo, {"pr.yaml": _pr("sum by (job) (x) > 1", "{{ $labels.job }} in {{ $labels.namespace }}")})
    assert len(found) == 1
    assert (found[0].loc.line, "namespace" in found[0].message) == (12, True)
    assert _run(repo, {"pr.yaml": _pr("sum by (job, namespace) (x) > 1", "{{ $labels.namespace }}")}) == []
    assert _run(repo, {"pr.yaml": _pr("x > 1", "{{ $labels.namespace }}")}) == []
    guarded = "{{ if $labels.namespace }}{{ $labels.namespace }}{{ end }}"
    assert _run(repo, {"pr.yaml": _pr("sum(x) > 1", guarded)}) == []


AMCONFIG = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: team, namespace: apps}
spec:
  route:
    receiver: team
    matchers:
      - {name: severity, value: critical, matchType: "="}
  receivers:
    - name: team
      webhookConfigs: [{url: "http://hook.apps.svc:8080/"}]
"""

HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values:
    alertmanager:
      config:
        route:
          receiver: default
          routes:
            - receiver: apps
              matchers: ['namespace = "apps"', 'severity = "critical"']
        receivers:
          - name: default
          - name: apps
            webhook_configs: [{url: "http://hook.apps.svc:8080/"}]
"""


def test_route_for_the_rule_namespace_is_missed(repo):
    files = {"hr.yaml": HR, "pr.yaml": _pr("sum(rate(x[5m])) > 1", "errors", ns="apps")}
    found = _run(repo, files)
    assert len(found) == 1 and "namespace" in found[0].message and found[0].loc.line == 9
    assert [(r.loc.path, r.loc.line) for r in found[0].related] == [("hr.yaml", 12)]  # the route it misses
    assert "it returns no labels" in found[0].hint
    # a rule in another namespace was never meant for that route
    files["pr.yaml"] = _pr("sum(rate(x[5m])) > 1", "errors", ns="other")
    assert _run(repo, files) == []
    # keeping the label fixes it
    files["pr.yaml"] = _pr("sum by (namespace) (rate(x[5m])) > 1", "errors", ns="apps")
    assert _run(repo, files) == []


def test_template_scoping_follows_go_templates():
    # inside range/with over a query, dot is a query result sample: .Labels is the sample's
    text = (
        '{{ range query "ceph_osd_up == 0" }}{{ .Labels.ceph_daemon }} {{ $labels.job }} {{ $.Labels.host }}{{ end }}'
        '{{ with query "up" }}{{ (first .).Labels.x }}{{ else }}{{ .Labels.pod }}{{ end }}'
        '{{ $l := .Labels }}{{ $l.team }}{{ or $labels.owner "nobody" }}'
    )
    assert [(r.name, r.guarded) for r in template_label_refs(text)] == [
        ("job", False),
        ("host", False),
        ("pod", False),
        ("team", False),
    ]


def test_range_query_labels_are_not_the_alerts(repo):
    """A description listing the OSDs that are down reads each sample's labels, not the alert's."""
    description = (
        '{{- range query \\"ceph_osd_up * on(ceph_daemon) group_left(hostname) ceph_osd_metadata == 0\\" }}'
        " {{ .Labels.ceph_daemon }} on {{ .Labels.hostname }}{{- end }}"
    )
    expr = "count(ceph_osd_up == 0) / count(ceph_osd_up) * 100 >= 10"
    assert _run(repo, {"pr.yaml": _pr(expr, description)}) == []
    # the alert's own labels are still judged inside the block
    found = _run(repo, {"pr.yaml": _pr(expr, description.replace("{{ .Labels.hostname }}", "{{ $labels.hostname }}"))})
    assert len(found) == 1 and "hostname" in found[0].message
