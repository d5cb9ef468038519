"""Reported false positives across clusters: several clusters in one repository are separate worlds.

Each test rewrites one reduced reproducer of ../shared/reports/false-positives as a small
repository, checks that the false finding is gone, and that a nearby true mistake still fires.
"""

from __future__ import annotations

from tests.regressions.helpers import detail, findings, kps_release, kustomization, swap

# kube-prometheus-stack with a notifying receiver and persistent storage, and one custom alert
MONITORING = """\
-- {root}/apps/kustomization.yaml --
resources: [kps.yaml, rules.yaml]
-- {root}/apps/kps.yaml --
apiVersion: v1
kind: Namespace
metadata: {{name: monitoring}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: prometheus-community, namespace: monitoring}}
spec: {{interval: 1h, url: "https://prometheus-community.github.io/helm-charts"}}
---
{release}  values:
    defaultRules: {{create: false}}
    alertmanager:
      config:
        route: {{receiver: team, group_by: [alertname], routes: []}}
        receivers: [{{name: team, webhook_configs: [{{url: "https://hooks.example.org/am"}}]}}]
      alertmanagerSpec:
        storage: {{volumeClaimTemplate: {{spec: {{resources: {{requests: {{storage: 1Gi}}}}}}}}}}
    prometheus:
      prometheusSpec:
        retention: 7d
        retentionSize: 8GB
        storageSpec: {{volumeClaimTemplate: {{spec: {{resources: {{requests: {{storage: 10Gi}}}}}}}}}}
-- {root}/apps/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: ceph-{site}, namespace: monitoring, labels: {{release: kube-prometheus-stack}}}}
spec:
  groups:
    - name: ceph
      rules:
        - alert: CephHealthError
          expr: ceph_health_status == 2
          for: 5m
          labels: {{severity: critical}}
          annotations: {{summary: s, description: d}}
"""


def flux_instance_cluster(root: str) -> str:
    """A cluster bootstrapped by flux-operator: a FluxInstance syncing {root}/flux, which applies
    {root}/apps."""
    return (
        f"""\
-- {root}/flux/kustomization.yaml --
resources: [instance.yaml, apps.yaml]
-- {root}/flux/instance.yaml --
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {{name: flux, namespace: flux-system}}
spec:
  distribution: {{version: "2.x", registry: ghcr.io/fluxcd}}
  sync:
    kind: GitRepository
    url: "https://github.com/example/home.git"
    ref: refs/heads/main
    path: {root}/flux
-- {root}/flux/apps.yaml --
"""
        + kustomization("cluster-apps", f"./{root}/apps")
        + MONITORING.format(root=root, site=root.rsplit("/", 1)[-1], release=kps_release("monitoring"))
    )


def self_applying_cluster(root: str) -> str:
    """A cluster bootstrapped with a sync source not named flux-system: a Kustomization that
    applies its own directory {root}/flux, and one applying {root}/apps."""
    source = "{kind: GitRepository, name: home-kubernetes}"
    return (
        f"""\
-- {root}/flux/cluster.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: home-kubernetes, namespace: flux-system}}
spec: {{interval: 30m, url: "https://github.com/example/home-ops.git", ref: {{branch: main}}}}
---
"""
        + kustomization("cluster", f"./{root}/flux", source=source)
        + "---\n"
        + kustomization("cluster-apps", f"./{root}/apps", source=source)
        + MONITORING.format(root=root, site=root.rsplit("/", 1)[-1], release=kps_release("monitoring"))
    )


def _separate(repo, files: str, roots: list[str]) -> None:
    """Each cluster is clean on its own: the same alert in two clusters is no duplicate. Made one
    cluster (the first also applies the second's apps), the alert is defined twice."""
    found = findings(repo(files))
    assert found == [], detail(found)
    first, second = roots
    head = f"-- {first}/apps/kustomization.yaml --\nresources: [kps.yaml, rules.yaml"
    merged = swap(files, head + "]\n", head + f", ../../../{second}/apps/rules.yaml]\n")
    duplicates = findings(repo(merged), "PROM009")
    assert len(duplicates) == 1, detail(duplicates)
    assert "CephHealthError" in duplicates[0].message


def test_flux_instances_in_one_repository_are_separate_clusters(repo):
    """flux-operator: each FluxInstance makes its own sync source and Kustomization (flux-operator
    api/v1/fluxinstance_types.go, Sync), so two FluxInstances in one repository are two clusters
    with their own objects. Reported: cross-cluster findings (MC-F)."""
    roots = ["kubernetes/main", "kubernetes/staging"]
    _separate(repo, "".join(flux_instance_cluster(r) for r in roots), roots)


def test_clusters_whose_sync_source_has_another_name(repo):
    """Flux: `flux bootstrap` names the sync source flux-system, but any Kustomization that applies
    its own directory is a cluster root whatever its source is called (flux bootstrap writes
    gotk-sync.yaml into the path it syncs). Reported: PROM009 across clusters (h-fp7)."""
    roots = ["k8s/main", "k8s/utility"]
    _separate(repo, "".join(self_applying_cluster(r) for r in roots), roots)
