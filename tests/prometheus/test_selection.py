"""PROM002 rule-not-selected: selectors as kube-prometheus-stack and prometheus-operator apply them."""

from __future__ import annotations

import textwrap

from tests.conftest import check


def _hr(values: str = "", extra_spec: str = "", name: str = "kube-prometheus-stack") -> str:
    return (
        textwrap.dedent(f"""\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: {name}
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: kube-prometheus-stack
              version: 80.6.0
              sourceRef: {{kind: HelmRepository, name: prometheus-community}}
        """)
        + textwrap.indent(textwrap.dedent(extra_spec), "  ")
        + "  values:\n"
        + textwrap.indent(textwrap.dedent(values) or "{}\n", "    ")
    )


def _obj(kind: str, labels: str = "{}", namespace: str = "monitoring", name: str = "x") -> str:
    spec = (
        "spec:\n  groups:\n    - name: g\n      rules:\n"
        "        - record: job:up:sum\n          expr: sum by (job) (up)\n"
        if kind == "PrometheusRule"
        else "spec:\n  selector: {matchLabels: {app: x}}\n  endpoints: [{port: http}]\n"
    )
    return (
        f"apiVersion: monitoring.coreos.com/v1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\n  labels: {labels}\n{spec}"
    )


def _run(repo, files):
    result = check(repo(files), select=["PROM002"])
    assert not result.errors, result.errors
    return result.findings


def _why(finding) -> str:
    return " ".join(r.message for r in finding.related)


def test_default_chart_needs_release_label(repo):
    found = _run(repo, {"hr.yaml": _hr(), "pr.yaml": _obj("PrometheusRule", "{app: x}")})
    assert len(found) == 1
    f = found[0]
    assert (f.loc.path, f.loc.line) == ("pr.yaml", 6)
    assert f.message == "PrometheusRule monitoring/x is not selected by any Prometheus, so it is never loaded"
    # why: the selector of each Prometheus, at that Prometheus
    assert [r.loc.path for r in f.related] == ["hr.yaml"] and "release=kube-prometheus-stack" in f.related[0].message
    assert "release: kube-prometheus-stack" in f.hint
    assert _run(repo, {"hr.yaml": _hr(), "pr.yaml": _obj("PrometheusRule", "{release: kube-prometheus-stack}")}) == []


def test_release_name_follows_flux_target_namespace(repo):
    files = {
        "hr.yaml": _hr(extra_spec="targetNamespace: observability\n", name="kps"),
        "pr.yaml": _obj("PrometheusRule", "{release: kps}"),
    }
    found = _run(repo, files)
    assert len(found) == 1 and "release=observability-kps" in _why(found[0])


def test_nil_uses_helm_values_false_selects_everything(repo):
    values = "prometheus:\n  prometheusSpec:\n    ruleSelectorNilUsesHelmValues: false\n"
    assert _run(repo, {"hr.yaml": _hr(values), "pr.yaml": _obj("PrometheusRule")}) == []
    # ServiceMonitors still need the label: only the rule selector was opened
    found = _run(repo, {"hr.yaml": _hr(values), "sm.yaml": _obj("ServiceMonitor")})
    assert len(found) == 1 and "ServiceMonitor" in found[0].message


def test_explicit_selector_with_match_expressions(repo):
    values = """\
    prometheus:
      prometheusSpec:
        ruleSelector:
          matchExpressions:
            - {key: prometheus, operator: In, values: [main, all]}
            - {key: disabled, operator: DoesNotExist}
    """
    hr = _hr(values)
    assert _run(repo, {"hr.yaml": hr, "pr.yaml": _obj("PrometheusRule", "{prometheus: main}")}) == []
    assert len(_run(repo, {"hr.yaml": hr, "pr.yaml": _obj("PrometheusRule", "{prometheus: other}")})) == 1
    assert len(_run(repo, {"hr.yaml": hr, "pr.yaml": _obj("PrometheusRule", "{prometheus: main, disabled: y}")})) == 1


def test_namespace_selector_uses_namespace_labels(repo):
    values = """\
    prometheus:
      prometheusSpec:
        ruleSelectorNilUsesHelmValues: false
        ruleNamespaceSelector:
          matchLabels: {monitoring: enabled}
    """
    ns = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels: {monitoring: enabled}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n"
    )
    files = {"hr.yaml": _hr(values), "ns.yaml": ns, "pr.yaml": _obj("PrometheusRule", namespace="apps")}
    assert _run(repo, files) == []
    files["pr.yaml"] = _obj("PrometheusRule", namespace="other")
    found = _run(repo, files)
    assert len(found) == 1 and "monitoring=enabled" in _why(found[0])
    # a namespace the repository does not define: labels unknown, nothing reported
    files["pr.yaml"] = _obj("PrometheusRule", namespace="elsewhere")
    assert _run(repo, files) == []


def test_standalone_prometheus_nil_selectors(repo):
    prom = textwrap.dedent("""\
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata: {name: main, namespace: monitoring}
        spec:
          ruleSelector:
            matchLabels: {role: alert-rules}
        """)
    files = {"prom.yaml": prom, "pr.yaml": _obj("PrometheusRule", "{role: alert-rules}")}
    assert _run(repo, files) == []
    # null ruleNamespaceSelector: own namespace only
    files["pr.yaml"] = _obj("PrometheusRule", "{role: alert-rules}", namespace="apps")
    found = _run(repo, files)
    assert len(found) == 1 and "own namespace" in _why(found[0])
    # null serviceMonitorSelector: no ServiceMonitor is selected
    files = {"prom.yaml": prom, "sm.yaml": _obj("ServiceMonitor", "{role: alert-rules}")}
    assert len(_run(repo, files)) == 1


def test_no_prometheus_no_findings(repo):
    assert _run(repo, {"pr.yaml": _obj("PrometheusRule")}) == []


def test_values_from_makes_selector_unknown(repo):
    hr = _hr(extra_spec="valuesFrom:\n  - kind: ConfigMap\n    name: kps-values\n")
    assert _run(repo, {"hr.yaml": hr, "pr.yaml": _obj("PrometheusRule")}) == []


def test_any_of_several_prometheus_servers_is_enough(repo):
    prom = (
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\n"
        "metadata: {name: p, namespace: monitoring}\nspec:\n  ruleSelector: {}\n"
    )
    assert _run(repo, {"hr.yaml": _hr(), "prom.yaml": prom, "pr.yaml": _obj("PrometheusRule")}) == []
