"""Cluster roots as the repository really deploys them (false positives seen on full repositories)."""

from __future__ import annotations

from tests.regressions.helpers import BOOTSTRAP, detail, findings, kustomization

# A live cluster (clusters/home) applying ./repos and ./apps; apps/ holds a flux-instance
# HelmRelease whose sync path is clusters/next, but the Kustomization deploying it is commented out.
DRAFT_INSTANCE = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("repos", "./repos")
    + "---\n"
    + kustomization("apps", "./apps", "dependsOn: [{name: repos}]")
    + """\
-- repos/charts.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: "https://example.org/charts"}
-- apps/kustomization.yaml --
resources:
  - ./podinfo.yaml
  # - ./instance/ks.yaml
-- apps/podinfo.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: flux-system}
spec:
  interval: 1h
  chart: {spec: {chart: podinfo, version: 6.0.0, sourceRef: {kind: HelmRepository, name: charts}}}
-- apps/instance/ks.yaml --
"""
    + kustomization("flux-instance", "./apps/instance/app")
    + """\
-- apps/instance/app/helmrelease.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: flux-instance, namespace: flux-system}
spec:
  interval: 1h
  chart: {spec: {chart: flux-instance, version: 0.30.0, sourceRef: {kind: HelmRepository, name: charts}}}
  values:
    instance:
      sync: {kind: GitRepository, url: "https://example.org/home.git", ref: refs/heads/main, path: clusters/next}
-- clusters/next/apps.yaml --
"""
    + kustomization("apps", "./apps")
)


def test_a_flux_instance_release_nothing_deploys_makes_no_cluster(repo):
    """flux-operator: the flux-instance chart makes a FluxInstance only once installed
    (https://fluxcd.control-plane.io/operator/install/). A release no tree applies (its ks.yaml
    commented out) and no bootstrap helmfile installs is a draft: its sync path is no cluster, so
    the sources that only the live cluster applies are not missing from it."""
    found = findings(repo(DRAFT_INSTANCE), "FLUX001")
    assert found == [], detail(found)
    # installed at bootstrap, the release's sync path is a cluster of its own, without the HelmRepository
    helmfile = (
        "-- bootstrap/helmfile.yaml --\n"
        "releases:\n"
        "  - {name: flux-instance, namespace: flux-system, chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance}\n"
    )
    missing = findings(repo(DRAFT_INSTANCE + helmfile), "FLUX001")
    assert len(missing) == 1 and "charts" in missing[0].message, detail(missing)
