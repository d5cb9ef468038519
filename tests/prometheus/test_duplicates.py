"""PROM009 duplicate-rule: identity = kind, name, static labels; grouped by evaluating Prometheus."""

from __future__ import annotations

import textwrap

from tests.conftest import check

HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kps, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values: {}
"""


def _pr(name: str, rules: str, labels: str = "{release: kps}") -> str:
    return textwrap.dedent(f"""\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {{name: {name}, namespace: monitoring, labels: {labels}}}
        spec:
          groups:
            - name: {name}
              rules:
        """) + textwrap.indent(textwrap.dedent(rules), " " * 8)


def _alert(expr: str, severity: str = "critical", name: str = "AppDown") -> str:
    return f"- alert: {name}\n  expr: '{expr}'\n  labels: {{severity: {severity}}}\n"


def _run(repo, files):
    result = check(repo(files), select=["PROM009"])
    assert not result.errors, result.errors
    return result.findings


def test_same_alert_in_two_prometheusrules(repo):
    files = {"hr.yaml": HR, "a.yaml": _pr("a", _alert("up == 0")), "b.yaml": _pr("b", _alert("avg(up) < 0.5"))}
    found = _run(repo, files)
    assert len(found) == 1
    assert (found[0].loc.path, found[0].loc.line) == ("b.yaml", 8)
    assert "different expression" in found[0].message and [str(r.loc) for r in found[0].related] == ["a.yaml:8:11"]


def test_severity_variants_are_fine(repo):
    rules = _alert("x > 90", "warning") + _alert("x > 95", "critical")
    assert _run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)}) == []


def test_partitioned_variants_are_fine(repo):
    rules = _alert('x{mount!="/data"} > 90') + _alert('x{mount="/data"} > 99')
    assert _run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)}) == []
    # partitioned on a label the aggregation drops: the alerts collide again
    rules = _alert('sum(x{mount!="/data"}) > 90') + _alert('sum(x{mount="/data"}) > 99')
    assert len(_run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)})) == 1


def test_recording_rule_twice_in_one_file(repo):
    rules = "- record: job:x:sum\n  expr: sum by (job) (x)\n- record: job:x:sum\n  expr: sum by (job) (x)\n"
    found = _run(repo, {"r.yaml": "groups:\n  - name: g\n    rules:\n" + textwrap.indent(rules, "      ")})
    assert len(found) == 1 and "same expression" in found[0].message


def test_unselected_copy_is_not_loaded(repo):
    files = {"hr.yaml": HR, "a.yaml": _pr("a", _alert("up == 0")), "b.yaml": _pr("b", _alert("up == 0"), "{}")}
    assert _run(repo, files) == []


def test_without_any_prometheus_rules_share_one_evaluator(repo):
    files = {"a.yaml": _pr("a", _alert("up == 0")), "b.yaml": _pr("b", _alert("up == 0"))}
    assert len(_run(repo, files)) == 1


def test_separate_rule_files_are_separate(repo):
    body = "groups:\n  - name: g\n    rules:\n" + textwrap.indent(_alert("up == 0"), "      ")
    assert _run(repo, {"a.yaml": body, "b.yaml": body}) == []


def test_copy_of_a_chart_default_alert(repo):
    rule = _alert(
        'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
        "warning",
        "KubePodCrashLooping",
    )
    files = {"hr.yaml": HR, "a.yaml": _pr("a", rule)}
    found = _run(repo, files)
    assert len(found) == 1 and "defaultRules.disabled.KubePodCrashLooping" in found[0].hint
    files["hr.yaml"] = HR.replace("values: {}", "values: {defaultRules: {disabled: {KubePodCrashLooping: true}}}")
    assert _run(repo, files) == []
    files["hr.yaml"] = HR
    files["a.yaml"] = _pr("a", rule.replace("severity: warning", "severity: critical"))
    assert _run(repo, files) == []


def test_variants_split_by_presence_of_a_series_are_fine(repo):
    """A memory alert with a ZFS variant: one adds the ARC size where it exists, the other keeps
    the instances without it. They never fire for the same instance."""
    with_zfs = (
        "(1 - (node_memory_MemAvailable_bytes + on(instance) group_left() node_zfs_arc_size)"
        " / node_memory_MemTotal_bytes) * 100 > 90"
    )
    without_zfs = (
        "(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90"
        " unless on(instance) node_zfs_arc_size"
    )
    rules = _alert(with_zfs, "warning", "NodeMemoryHigh") + _alert(without_zfs, "warning", "NodeMemoryHigh")
    assert _run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)}) == []
    # the same `unless` written on a label the other variant does not match on: both can fire
    rules = _alert(with_zfs, "warning", "NodeMemoryHigh") + _alert(
        without_zfs.replace("on(instance)", "on(instance, device)"), "warning", "NodeMemoryHigh"
    )
    assert len(_run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)})) == 1


def test_absent_and_present_variants_are_fine(repo):
    rules = _alert('absent(up{job="app"})') + _alert('up{job="app"} == 0')
    assert _run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)}) == []


def test_partition_on_a_static_label_is_no_partition(repo):
    # the alert's own `severity` label replaces the series' value: both alerts carry critical
    rules = _alert('x{severity="high"} > 1') + _alert('x{severity="low"} > 1')
    assert len(_run(repo, {"hr.yaml": HR, "a.yaml": _pr("a", rules)})) == 1
