"""FLUX007 (orphan manifest) false positives found on full repositories of the corpus.

Each test writes the shape of the repository as a small one, checks that the false finding is
gone, and that a nearby manifest that really is never applied still fires.
"""

from __future__ import annotations

from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kustomization, swap

APPS = "-- clusters/home/apps.yaml --\n" + kustomization("apps", "./apps")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: exporter}}
  template:
    metadata: {labels: {app: exporter}}
    spec:
      containers: [{name: exporter, image: "example.org/exporter:1.0.0"}]
"""

# A namespace directory takes its Namespace from a shared component (`metadata.name: _`, renamed
# by the kustomization's `namespace:`); a namespace.yaml left next to it declares the same object.
STRAY_NAMESPACE = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
resources: [monitoring]
-- apps/monitoring/kustomization.yaml --
namespace: monitoring
components: [../../components/common]
resources: [settings.yaml]
-- apps/monitoring/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
-- apps/monitoring/old-settings.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  retention: 30d
-- apps/monitoring/settings.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {retention: 30d}
-- components/common/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [namespace.yaml]
-- components/common/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: _}
"""
)


def test_unlisted_copy_of_an_applied_object_is_not_an_orphan(repo):
    """kustomize's namespace transformer renames Namespace objects to `namespace:`
    (kustomize api/filters/namespace/namespace.go), so the component's `_` is applied as
    `monitoring`: the unlisted namespace.yaml (and the old copy of the ConfigMap, which the build
    would put in the same namespace) declare nothing the cluster lacks.
    Reported: FLUX007 `Namespace monitoring is never applied` on every namespace directory."""
    # a Namespace nothing else applies is a real gap
    finding = fixed(repo, STRAY_NAMESPACE, "FLUX007", "metadata: {name: monitoring}", "metadata: {name: metrics}")
    assert "Namespace metrics" in finding.message
    # so is a copy whose content differs: that version never reaches the cluster
    variant = swap(STRAY_NAMESPACE, "data:\n  retention: 30d", "data:\n  retention: 7d")
    found = findings(repo(variant), "FLUX007")
    assert [f.loc.path for f in found] == ["apps/monitoring/old-settings.yaml"], detail(found)
    # and the Namespace the component would make, without `namespace:` to rename it
    variant = swap(STRAY_NAMESPACE, "namespace: monitoring\ncomponents:", "components:")
    found = findings(repo(variant), "FLUX007")
    assert "apps/monitoring/namespace.yaml" in [f.loc.path for f in found], detail(found)


def _app_dir(name: str) -> str:
    """apps/<name>/app: a kustomization.yaml listing its one ConfigMap."""
    return (
        f"-- apps/{name}/app/kustomization.yaml --\nresources: [cm.yaml]\n"
        f"-- apps/{name}/app/cm.yaml --\napiVersion: v1\nkind: ConfigMap\n"
        f"metadata: {{name: {name}, namespace: default}}\ndata: {{a: b}}\n"
    )


# An app switched off in its parent list (`# - ./nfd/ks.yaml`) whose ks.yaml defines two Flux
# Kustomizations; the `rules` path has no kustomization.yaml (Flux generates one).
SWITCHED_OFF_PATH = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
resources:
  - ./reloader/ks.yaml
  # - ./nfd/ks.yaml
-- apps/reloader/ks.yaml --
"""
    + kustomization("reloader", "./apps/reloader/app")
    + _app_dir("reloader")
    + """\
-- apps/nfd/ks.yaml --
"""
    + kustomization("nfd", "./apps/nfd/app")
    + "---\n"
    + kustomization("nfd-rules", "./apps/nfd/rules")
    + _app_dir("nfd")
    + """\
-- apps/nfd/rules/rule.yaml --
apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: coral}
spec:
  rules:
    - name: coral
      labels: {coral: "true"}
      matchFeatures:
        - feature: pci.device
          matchExpressions: {vendor: {op: In, value: ["1ac1"]}}
"""
)


def test_file_below_a_switched_off_flux_path_belongs_to_that_kustomization(repo):
    """kustomize-controller builds a Kustomization's spec.path on its own, generating a
    kustomization.yaml with every manifest below it when there is none (fluxcd/pkg
    kustomize/kustomize_generator.go): rules/rule.yaml is nfd-rules', switched off with it, not
    something apps/kustomization.yaml forgot to list.
    Reported: FLUX007 `apps/kustomization.yaml does not list nfd/rules/rule.yaml`."""
    # once rules/ is nobody's path, the enclosing kustomization.yaml does leave the file out
    finding = fixed(repo, SWITCHED_OFF_PATH, "FLUX007", "path: ./apps/nfd/rules", "path: ./apps/nfd/app")
    assert finding.loc.path == "apps/nfd/rules/rule.yaml"
    # a path with its own kustomization.yaml is still judged by it, switched off or not
    variant = SWITCHED_OFF_PATH + "-- apps/nfd/app/deploy.yaml --\n" + DEPLOYMENT
    found = findings(repo(variant), "FLUX007")
    assert [f.loc.path for f in found] == ["apps/nfd/app/deploy.yaml"], detail(found)
    assert "apps/nfd/app/kustomization.yaml does not list deploy.yaml" in found[0].message


# flux-operator: the FluxInstance syncing the cluster sits in the tree it syncs, unlisted (its
# ks.yaml switched off); it was applied at bootstrap.
ROOT_INSTANCE = (
    """\
-- flux/cluster/ks.yaml --
"""
    + kustomization("cluster-apps", "./apps")
    + """\
-- apps/kustomization.yaml --
resources: [flux-system]
-- apps/flux-system/kustomization.yaml --
resources:
  - ./operator/cm.yaml
  # - ./flux-instance/ks.yaml
-- apps/flux-system/operator/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: operator-values, namespace: flux-system}
data: {a: b}
-- apps/flux-system/flux-instance/instance.yaml --
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: flux, namespace: flux-system}
spec:
  distribution: {version: "2.x", registry: ghcr.io/fluxcd}
  sync:
    kind: GitRepository
    url: "https://github.com/example/home-ops.git"
    ref: refs/heads/main
    path: flux/cluster
"""
)


def test_cluster_root_instance_is_applied_at_bootstrap(repo):
    """flux-operator: the FluxInstance is applied at bootstrap (kubectl, the flux-instance chart or
    `flux-operator install`: https://fluxcd.control-plane.io/operator/install), and its sync makes
    the Kustomization of flux/cluster (flux-operator api/v1/fluxinstance_types.go, Sync): the file
    defining the cluster root is not an orphan of the tree it syncs.
    Reported: FLUX007 `FluxInstance flux-system/flux is never applied`."""
    marker = "-- apps/flux-system/flux-instance/instance.yaml --\n"
    finding = fixed(
        repo, ROOT_INSTANCE, "FLUX007", marker, "-- apps/flux-system/operator/deploy.yaml --\n" + DEPLOYMENT + marker
    )
    assert finding.loc.path == "apps/flux-system/operator/deploy.yaml"
    assert "does not list operator/deploy.yaml" in finding.message
