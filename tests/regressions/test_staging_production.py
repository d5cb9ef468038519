"""Two clusters, staging and production, sharing bases and differing by their overlays.

The layout of Flux's multi-environment example (fluxcd/flux2-kustomize-helm-example):
clusters/<env>/ is bootstrapped with its own flux-system Kustomization; both clusters apply the
shared `infrastructure/base` (namespace, HelmRepository) and then their own overlay
`apps/<env>`, which builds the shared `apps/base` (a HelmRelease) with a patch of its values.
A mistake in one overlay exists in that cluster only.
"""

from __future__ import annotations

import pytest

from tests.regressions.helpers import detail, findings, kustomization, swap

ENVS = ("staging", "production")


def cluster(env: str) -> str:
    source = "{kind: GitRepository, name: flux-system}"
    return (
        f"""\
-- clusters/{env}/kustomization.yaml --
resources: [flux-system.yaml, infrastructure.yaml, apps.yaml]
-- clusters/{env}/flux-system.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: flux-system, namespace: flux-system}}
spec: {{interval: 1m, url: "ssh://git@example.com/me/fleet", ref: {{branch: main}}}}
---
"""
        + kustomization("flux-system", f"./clusters/{env}", source=source)
        + f"-- clusters/{env}/infrastructure.yaml --\n"
        + kustomization("infrastructure", "./infrastructure/base", "wait: true")
        + f"-- clusters/{env}/apps.yaml --\n"
        + kustomization("apps", f"./apps/{env}", "dependsOn: [{name: infrastructure}]", "wait: true")
    )


def overlay(env: str, replicas: int) -> str:
    return f"""\
-- apps/{env}/kustomization.yaml --
resources: [../base]
patches:
  - path: podinfo-values.yaml
-- apps/{env}/podinfo-values.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: podinfo, namespace: podinfo}}
spec:
  values:
    replicaCount: {replicas}
"""


BASES = """\
-- infrastructure/base/kustomization.yaml --
resources: [podinfo.yaml]
-- infrastructure/base/podinfo.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: podinfo}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo, namespace: podinfo}
spec: {interval: 1h, url: "https://stefanprodan.github.io/podinfo"}
-- apps/base/kustomization.yaml --
resources: [podinfo.yaml]
-- apps/base/podinfo.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: podinfo}
spec:
  interval: 1h
  chart:
    spec:
      chart: podinfo
      version: 6.5.4
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    replicaCount: 1
"""

FLEET = "".join(cluster(env) for env in ENVS) + BASES + overlay("staging", 1) + overlay("production", 3)


def test_staging_and_production_are_clean(repo):
    found = findings(repo(FLEET))
    assert found == [], detail(found)


@pytest.mark.parametrize(
    ("rule", "old", "new"),
    [
        # production's patch points the release at a repository that does not exist
        (
            "FLUX001",
            "    replicaCount: 3\n",
            "    replicaCount: 3\n  chart:\n    spec:\n      sourceRef: {kind: HelmRepository, name: podinfo-oci}\n",
        ),
        # production's patch names a release the base does not have: kustomize refuses the build
        (
            "FLUX009",
            "name: podinfo, namespace: podinfo}\nspec:\n  values:\n    replicaCount: 3",
            "name: podinfo-web, namespace: podinfo}\nspec:\n  values:\n    replicaCount: 3",
        ),
    ],
)
def test_mistake_in_one_overlay_is_that_clusters_only(rule, old, new, repo):
    found = findings(repo(swap(FLEET, old, new)))
    assert [f.rule for f in found] == [rule], detail(found)
    assert found[0].clusters == {"clusters/production"}


def test_mistake_in_the_shared_base_is_one_finding_naming_both(repo):
    found = findings(
        repo(
            swap(
                FLEET,
                "sourceRef: {kind: HelmRepository, name: podinfo}",
                "sourceRef: {kind: HelmRepository, name: podinfo-oci}",
            )
        )
    )
    assert [f.rule for f in found] == ["FLUX001"], detail(found)
    assert found[0].clusters == {f"clusters/{env}" for env in ENVS}
    assert found[0].loc.path == "apps/base/podinfo.yaml"
