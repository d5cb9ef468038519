"""Cluster roots: where each cluster that the repository deploys starts (obslint.model.flux.clusters)."""

from __future__ import annotations

from obslint.model.flux import flux_graph
from tests.conftest import check
from tests.flux.helpers import index_of

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: default}}\n"

INSTANCE_VALUES = """\
instance:
  distribution: {version: 2.x}
  sync:
    kind: OCIRepository
    url: oci://ghcr.io/example/manifests
    ref: main
    path: ./clusters/home
"""

FLUX_INSTANCE_HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: flux-instance, namespace: flux-system}
spec:
  interval: 1h
  chartRef: {kind: OCIRepository, name: flux-instance}
  valuesFrom:
    - kind: ConfigMap
      name: flux-instance-values
"""


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def _artifact_repo(instance_dir: str, instance_files: dict[str, str]) -> dict[str, str]:
    """Manifests under kubernetes/, pushed as an OCI artifact of that directory; the cluster path
    clusters/home applies an app directory."""
    files = {
        "kubernetes/clusters/home/kustomization.yaml": "resources: [apps.yaml]\n",
        "kubernetes/clusters/home/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: OCIRepository, name: flux-system}}\n"
        ),
        "kubernetes/apps/cm.yaml": CM.format(name="app"),
        "kubernetes/archive/old/ks.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: old, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./old, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
    }
    files.update({f"{instance_dir}/{k}": v for k, v in instance_files.items()})
    return files


def _generated_values(release: str) -> dict[str, str]:
    return {
        "kustomization.yaml": "namespace: flux-system\nresources: [helmrelease.yaml]\n"
        "configMapGenerator:\n  - name: flux-instance-values\n    files: [values.yaml=./values.yaml]\n",
        "values.yaml": INSTANCE_VALUES,
        "helmrelease.yaml": release,
    }


def _cluster_names(files: dict[str, str], repo) -> list[str]:
    return [c.name for c in flux_graph(index_of(repo(files))).clusters]


def test_flux_instance_helmrelease_with_generated_values_is_the_root(repo):
    """The flux-instance chart turns `instance.sync` into the FluxInstance's spec.sync; the values
    come from a ConfigMap generated next to the release. The sync path is relative to the OCI
    artifact's root (kubernetes/). A Kustomization nothing applies (an archive) is no cluster."""
    files = _artifact_repo("kubernetes/flux/instance", _generated_values(FLUX_INSTANCE_HR))
    index = index_of(repo(files))
    g = flux_graph(index)
    assert [c.name for c in g.clusters] == ["clusters/home"]
    apps = next(k for k in g.kustomizations if k.name == "apps")
    assert apps.path == "kubernetes/apps" and [o.name for o in apps.applies] == ["app"]
    assert [o.name for o in g.unapplied if o.kind == "Kustomization"] == ["old"]


def test_flux_instance_helmrelease_made_by_a_resourceset_is_the_root(repo):
    """flux-operator's ResourceSet applies its `spec.resources`; a flux-instance HelmRelease among
    them is the cluster's root as much as a written one."""
    rset = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\n"
        "metadata: {name: flux-instance, namespace: flux-system}\nspec:\n  resources:\n"
        + _indent("- " + FLUX_INSTANCE_HR.replace("\n", "\n  ").rstrip(), 4)
    )
    files = _artifact_repo("kubernetes/flux/instance", _generated_values(rset))
    assert _cluster_names(files, repo) == ["clusters/home"]
    # another chart in the same place is no root: the Kustomizations nothing applies become clusters
    other = rset.replace("name: flux-instance}", "name: other}")
    files["kubernetes/flux/instance/helmrelease.yaml"] = other
    assert "clusters/home" not in _cluster_names(files, repo)


def test_flux_instance_helmrelease_with_inline_values_is_the_root(repo):
    release = FLUX_INSTANCE_HR.split("  valuesFrom:")[0] + "  values:\n" + _indent(INSTANCE_VALUES, 4)
    files = _artifact_repo("kubernetes/flux/instance", {"helmrelease.yaml": release})
    assert _cluster_names(files, repo) == ["clusters/home"]


def test_flux_instance_sync_is_the_root(repo):
    fi = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: 2.x}\n"
        "  sync: {kind: OCIRepository, url: 'oci://ghcr.io/example/manifests', ref: main, path: ./clusters/home}\n"
    )
    files = _artifact_repo("kubernetes/flux", {"instance.yaml": fi})
    assert _cluster_names(files, repo) == ["clusters/home"]


def _ks(name: str, path: str, depends: str = "") -> str:
    return (
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, "
        f"namespace: flux-system}}\nspec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: flux-system}}\n{depends}"
    )


def test_kustomizations_in_subdirectories_of_a_bootstrap_directory_are_one_cluster(repo):
    """With no kustomization.yaml, what kustomize-controller generates for a directory takes in its
    subdirectories (fluxcd/pkg kustomize_generator.go scanManifests): clusters/prod/apps and
    clusters/prod/security are applied with clusters/prod, and `apps` may depend on `security`."""
    files = {
        "clusters/prod/crds.yaml": _ks("crds", "./crds"),
        "clusters/prod/security/security.yaml": _ks("security", "./security"),
        "clusters/prod/apps/apps.yaml": _ks("apps", "./apps", "  dependsOn: [{name: security}, {name: crds}]\n"),
        "crds/cm.yaml": CM.format(name="crds"),
        "security/cm.yaml": CM.format(name="security"),
        "apps/cm.yaml": CM.format(name="apps"),
    }
    assert _cluster_names(files, repo) == ["clusters/prod"]
    assert check(repo(files), select=["FLUX001"]).findings == []
    # a kustomization.yaml that leaves security/ out: that directory is then bootstrapped on its own
    files["clusters/prod/kustomization.yaml"] = "resources: [crds.yaml, apps/apps.yaml]\n"
    assert sorted(_cluster_names(files, repo)) == ["clusters/prod", "clusters/prod/security"]


def test_sibling_cluster_directories_with_the_same_kustomizations_stay_apart(repo):
    """clusters/a and clusters/b both hold a Kustomization `apps`: one build cannot hold both (kustomize refuses
    the duplicate id), so a stray Kustomization in clusters/ does not make them one cluster."""
    files = {
        "clusters/stray.yaml": _ks("stray", "./crds"),
        "clusters/a/apps.yaml": _ks("apps", "./apps"),
        "clusters/b/apps.yaml": _ks("apps", "./apps"),
        "crds/cm.yaml": CM.format(name="crds"),
        "apps/cm.yaml": CM.format(name="apps"),
    }
    assert sorted(_cluster_names(files, repo)) == ["clusters", "clusters/a", "clusters/b"]
