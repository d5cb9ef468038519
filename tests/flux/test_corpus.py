"""Real repositories (../shared/corpus): the dependency rules stay quiet where the order is right.

These repositories deploy today. What FLUX002/FLUX003 still report on the others was checked by
hand: a consumer in another Kustomization than the chart that installs its CRDs with no dependsOn
(racy first deploy), a shipper pushing to a Loki or Prometheus another release installs without a
dependency, and dependencies on Kustomizations that do not wait.
"""

from __future__ import annotations

import pytest

from tests.conftest import check

QUIET = (
    "auricom__home-ops",
    "billimek__k8s-gitops",
    "bjw-s-labs__home-ops",
    "buroa__k8s-gitops",
    "khuedoan__homelab",
    "onedr0p__home-ops",
    "toboshii__home-ops",
)


@pytest.mark.parametrize("name", QUIET)
def test_no_missing_depends_on_on_repos_that_deploy(shared, name):
    root = shared / "corpus" / name
    if not root.is_dir():
        pytest.skip(f"{name} not in the corpus")
    result = check(root, select=["FLUX002", "FLUX003", "FLUX004"])
    assert not result.errors, result.errors
    assert [f"{f.loc}: {f.message}" for f in result.findings] == []


def test_xunholy_races_only_on_grafana_operator_crds_and_a_helm_repository(shared):
    """Its Kustomizations read ExternalArtifacts cut from an OCI artifact of ./kubernetes; once they
    are placed, three first-deploy races show: GrafanaDashboards applied by Kustomizations that do
    not depend on the one whose chart installs the grafana-operator CRDs, and a HelmRelease whose
    HelmRepository another Kustomization creates."""
    root = shared / "corpus" / "xunholy__k8s-gitops"
    if not root.is_dir():
        pytest.skip("not in the corpus")
    result = check(root, select=["FLUX002", "FLUX003", "FLUX004"])
    got = sorted(
        (f.rule, f.loc.path.rsplit("/", 3)[-3], f.message.split(" needs ")[1].split(",")[0]) for f in result.findings
    )
    assert got == [
        ("FLUX002", "flux-instance", "kind GrafanaDashboard (grafana.integreatly.org) (and 3 more object(s) of it)"),
        (
            "FLUX002",
            "kube-prometheus-stack",
            "kind GrafanaDashboard (grafana.integreatly.org) (and 8 more object(s) of it)",
        ),
        ("FLUX002", "kustomize-mutating-webhook", "HelmRepository flux-system/fluxcd-kustomize-mutating-webhook"),
    ]


def test_flux_monitoring_example_promtail_races_loki(shared):
    """fluxcd/flux2-monitoring-example installs Loki and Promtail from one Kustomization, with no
    dependsOn between the releases: Promtail pushes before Loki's gateway exists."""
    root = shared / "corpus" / "fluxcd__flux2-monitoring-example"
    if not root.is_dir():
        pytest.skip("not in the corpus")
    result = check(root, select=["FLUX002"])
    [finding] = result.findings
    assert "HelmRelease monitoring/promtail" in finding.message and "loki-gateway" in finding.message
    assert "add `dependsOn: [{name: loki}]` to HelmRelease monitoring/promtail" in finding.hint
