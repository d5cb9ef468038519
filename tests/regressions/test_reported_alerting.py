"""Reported false positives of the PROM and AM families: templates, duplicates, chart values.

Each test rewrites one reduced reproducer of ../shared/reports/false-positives as a small
repository, checks that the false finding is gone, and that a nearby true mistake still fires.
"""

from __future__ import annotations

from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kps_release, kustomization, rules_of, swap

MON = BOOTSTRAP + "-- clusters/home/mon.yaml --\n" + kustomization("mon", "./mon")

RULES_HEAD = """\
-- mon/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: nodes, namespace: monitoring}
spec:
  groups:
    - name: nodes
      rules:
"""

RANGE_QUERY = (
    MON
    + RULES_HEAD
    + """\
        - alert: CephOSDDownHigh
          expr: count(ceph_osd_up == 0) / count(ceph_osd_up) * 100 >= 10
          for: 5m
          labels: {severity: critical}
          annotations:
            summary: OSDs down
            description: |
              {{- range query "ceph_osd_up * on(ceph_daemon) group_left(hostname) ceph_osd_metadata == 0" }}
                - {{ .Labels.ceph_daemon }} on {{ .Labels.hostname }}
              {{- end }}
"""
)


def test_labels_inside_a_range_query_belong_to_the_query(repo):
    """Prometheus templates (Go text/template, `query` function): inside `{{ range query "..." }}`
    dot is each sample of the query result, so `.Labels.x` there is the sample's label, not one
    the alert's aggregation drops. Reported: PROM006 label renders empty (08)."""
    finding = fixed(repo, RANGE_QUERY, "PROM006", "- {{ .Labels.ceph_daemon }} on", "- {{ $labels.ceph_daemon }} on")
    assert "ceph_daemon" in finding.message


DISJOINT_ALERTS = (
    MON
    + RULES_HEAD
    + """\
        - alert: NodeMemoryHigh
          expr: >-
            (1 - (node_memory_MemAvailable_bytes + on(instance) group_left() node_zfs_arc_size)
            / node_memory_MemTotal_bytes) * 100 > 90
          for: 5m
          labels: {severity: warning}
          annotations: {summary: s, description: d}
        - alert: NodeMemoryHigh
          expr: >-
            (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90
            unless on(instance) node_zfs_arc_size
          for: 5m
          labels: {severity: warning}
          annotations: {summary: s, description: d}
"""
)


def test_alerts_disjoint_by_design_are_no_duplicates(repo):
    """PromQL: `a unless on(instance) x` keeps only the series for which `x` has no sample, and
    `a + on(instance) group_left() x` only those for which it has one (Prometheus docs, logical
    and vector-matching operators): the two NodeMemoryHigh rules never fire for the same series.
    Reported: PROM009 duplicate alert (21)."""
    finding = fixed(repo, DISJOINT_ALERTS, "PROM009", "\n            unless on(instance) node_zfs_arc_size", "")
    assert "NodeMemoryHigh" in finding.message


GENERATED_VALUES = (
    MON
    + """\
-- mon/kustomization.yaml --
namespace: monitoring
resources: [ns.yaml, hr.yaml, rules.yaml]
configMapGenerator:
  - name: kps-values
    files: [values.yaml]
    options: {disableNameSuffixHash: true}
-- mon/ns.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
-- mon/hr.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: prometheus-community}
spec: {interval: 1h, url: "https://prometheus-community.github.io/helm-charts"}
---
"""
    + kps_release()
    + """  valuesFrom: [{kind: ConfigMap, name: kps-values, valuesKey: values.yaml}]
-- mon/values.yaml --
defaultRules:
  create: false
alertmanager:
  config:
    route: {receiver: team}
    receivers:
      - name: team
        webhook_configs: [{url: "https://hooks.example.org/am"}]
-- mon/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: etcd
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: etcd
      rules:
        - alert: etcdNoLeader
          expr: etcd_server_has_leader{job=~".*etcd.*"} == 0
          for: 1m
          labels: {severity: critical}
          annotations: {summary: no leader, description: no leader}
"""
)


def test_values_from_a_generated_configmap_are_merged(repo):
    """helm-controller merges `valuesFrom` (here a ConfigMap the kustomization.yaml generates next
    to the release) over the chart's defaults (helm-controller docs, HelmRelease values
    references). Reported: AM003/STOR003/PROM009 judged on the chart defaults alone (17).

    What remains is true: Helm merges maps and replaces lists (Helm docs, values files), so the
    chart's default `route.routes` (Watchdog to "null") stay while the user's `receivers` list
    replaces the one defining "null" (AM001); the default route groups by namespace only
    (AM013); the values set no storage, so Prometheus and Alertmanager use an emptyDir (STOR003)."""
    found = findings(repo(GENERATED_VALUES))
    assert sorted(f.rule for f in found) == ["AM001", "AM013", "STOR003", "STOR003"], detail(found)
    (undefined,) = (f for f in found if f.rule == "AM001")
    assert '"null"' in undefined.message
    # the generated values decide: with the chart's default rules on, etcdNoLeader is defined twice
    assert "PROM009" in rules_of(repo(swap(GENERATED_VALUES, "  create: false", "  create: true")))
    # and a receiver without integrations drops the alerts
    dropped = swap(GENERATED_VALUES, '\n        webhook_configs: [{url: "https://hooks.example.org/am"}]', "")
    assert "AM003" in rules_of(repo(dropped))
