"""Reported false positives of the FLUX family: what kustomize and kustomize-controller build.

Each test rewrites one reduced reproducer of ../shared/reports/false-positives as a small
repository, checks that the false finding is gone, and that a nearby true mistake still fires.
"""

from __future__ import annotations

from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kustomization, rules_of, swap

APPS = "-- clusters/home/apps.yaml --\n" + kustomization("apps", "./apps")

NAMESPACE_UNDERSCORE = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
namespace: downloads
resources: [namespace.yaml, bazarr.yaml, radarr.yaml]
-- apps/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: _}
-- apps/bazarr.yaml --
"""
    + kustomization(
        "bazarr",
        "./apps/bazarr",
        "targetNamespace: downloads",
        source="{kind: GitRepository, name: flux-system, namespace: flux-system}",
    )
    + """\
-- apps/bazarr/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: bazarr}
data: {a: b}
-- apps/radarr.yaml --
"""
    + kustomization(
        "radarr",
        "./apps/radarr",
        "targetNamespace: downloads",
        source="{kind: GitRepository, name: flux-system, namespace: flux-system}",
    )
    + """\
-- apps/radarr/hr.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts}
spec: {interval: 1h, url: "https://example.org/charts"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: radarr}
spec:
  interval: 1h
  install: {createNamespace: true}
  chart: {spec: {chart: radarr, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts}}}
"""
)


def test_kustomize_namespace_renames_a_namespace_object(repo):
    """kustomize: `namespace:` in a kustomization.yaml sets the name of the Namespace objects it
    builds (kustomize api/filters/namespace/namespace.go), so `metadata.name: _` in a common
    template becomes `downloads`, which the apps Kustomization creates before bazarr uses it.
    Reported: FLUX002 on bazarr, taking the namespace as made only by radarr's createNamespace."""
    # without `namespace:` the Namespace stays `_`: radarr's createNamespace is the only producer
    finding = fixed(
        repo, NAMESPACE_UNDERSCORE, "FLUX002", "namespace: downloads\nresources:", "resources:", clean=False
    )
    assert "bazarr" in finding.message and "downloads" in finding.message


SHARED_COMPONENT = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
resources: [namespaces.yaml, a.yaml, b.yaml]
-- apps/namespaces.yaml --
"""
    + kustomization("ns-alpha", "./ns/alpha")
    + """\
---
"""
    + kustomization("ns-beta", "./ns/beta")
    + """\
-- apps/a.yaml --
"""
    + kustomization(
        "a", "./apps/a", "targetNamespace: alpha", "components: [../components/hpa]", "dependsOn: [{name: ns-alpha}]"
    )
    + """\
-- apps/b.yaml --
"""
    + kustomization(
        "b", "./apps/b", "targetNamespace: beta", "components: [../components/hpa]", "dependsOn: [{name: ns-beta}]"
    )
    + """\
-- apps/a/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {x: y}
-- apps/b/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
data: {x: y}
-- apps/components/hpa/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [hpa.yaml]
-- apps/components/hpa/hpa.yaml --
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: app}
spec:
  minReplicas: 1
  maxReplicas: 1
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
-- ns/alpha/ns.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: alpha}
-- ns/beta/ns.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: beta}
"""
)


def test_shared_component_takes_each_includers_namespace(repo):
    """Flux: a Kustomization's `spec.components` are built into its own overlay and its
    `targetNamespace` applies to them (kustomize-controller docs, Kustomization spec.components),
    so a component shared by two Kustomizations lands in alpha for one and in beta for the other.
    Reported: FLUX002 on the component, placed in one namespace for both includers."""
    finding = fixed(repo, SHARED_COMPONENT, "FLUX002", "  dependsOn: [{name: ns-beta}]\n", "", clean=False)
    assert "flux-system/b " in finding.message and "ns-beta" in finding.message


LOAD_RESTRICTOR = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
"""
    + kustomization("apps", "./apps/adguard")
    + """\
-- apps/adguard/kustomization.yaml --
configMapGenerator:
  - name: adguard-config
    namespace: default
    files: [AdGuardHome.yaml=../../shared/AdGuardHome.yaml]
replacements:
  - path: ../../shared/replacement.yaml
-- shared/AdGuardHome.yaml --
dns: {port: 53}
-- shared/replacement.yaml --
source: {kind: ConfigMap, name: adguard-config, fieldPath: metadata.name}
targets:
  - select: {kind: ConfigMap, name: adguard-config}
    fieldPaths: [metadata.annotations.config]
    options: {create: true}
"""
)


def test_files_outside_the_kustomization_directory_load(repo):
    """kustomize-controller builds with LoadRestrictionsNone (fluxcd/pkg kustomize, the generator's
    krusty options), so generator files and `replacements: - path:` entries may sit anywhere in
    the repository. Reported: FLUX009 `security; file ... is not in or below` (also h-fp8)."""
    assert rules_of(repo(LOAD_RESTRICTOR)) == []
    variant = swap(LOAD_RESTRICTOR, "AdGuardHome.yaml=../../shared/AdGuardHome.yaml", "x=../../shared/gone.yaml")
    assert "FLUX006" in rules_of(repo(variant))


SPEC_COMPONENTS = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
"""
    + kustomization("app", "./apps/app", "components: [../../components/cm]")
    + """\
-- apps/app/kustomization.yaml --
resources: [own.yaml]
patches:
  - path: patch.yaml
-- apps/app/own.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: own, namespace: default}
data: {a: b}
-- apps/app/patch.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: shared, namespace: default}
data: {extra: "1"}
-- components/cm/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [cm.yaml]
-- components/cm/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: shared, namespace: default}
data: {a: b}
"""
)


def test_flux_spec_components_are_part_of_the_build(repo):
    """kustomize-controller adds the Kustomization's `spec.components` to the kustomization.yaml it
    builds (kustomize-controller docs, spec.components), so a patch in the path may target an
    object only the component provides. Reported: FLUX009 (patch target not found)."""
    assert rules_of(repo(SPEC_COMPONENTS)) == []
    variant = swap(SPEC_COMPONENTS, "  components: [../../components/cm]\n", "")
    assert "FLUX009" in rules_of(repo(variant))


# a patch of every child Kustomization that sets their sourceRef
PATCH_CHILD_SOURCE = """\
patches:
  - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}
    patch: |
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata: {name: _}
      spec:
        sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}"""

PARENT_PATCH = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
"""
    + kustomization("apps", "./apps", PATCH_CHILD_SOURCE)
    + """\
-- apps/kustomization.yaml --
namespace: ai
resources: [ns.yaml, ollama.yaml]
-- apps/ns.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: ai}
-- apps/ollama.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ollama}
spec: {interval: 10m, targetNamespace: ai, path: ./apps/ollama, prune: true}
-- apps/ollama/kustomization.yaml --
components: [../../components/app-template]
resources: [hr.yaml]
-- apps/ollama/hr.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ollama}
spec:
  interval: 1h
  chartRef: {kind: OCIRepository, name: app-template}
-- components/app-template/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [oci.yaml]
-- components/app-template/oci.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app-template}
spec: {interval: 1h, url: "oci://ghcr.io/bjw-s-labs/helm/app-template", ref: {tag: 5.1.0}}
"""
)


def test_parent_patches_set_the_childrens_source(repo):
    """Flux: a Kustomization's `spec.patches` apply to every object it builds, the child
    Kustomizations included (kustomize-controller docs, spec.patches), so a child written without
    `sourceRef` gets the patched one. Reported: FLUX001 dangling sourceRef/chartRef."""
    # the patch names a source in the children's own namespace, where there is none
    finding = fixed(
        repo,
        PARENT_PATCH,
        "FLUX001",
        "  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}",
        "  sourceRef: {kind: GitRepository, name: flux-system}",
        clean=False,
    )
    assert "ollama" in finding.message and "GitRepository" in finding.message


FLUX_INSTANCE = (
    """\
-- apps/kustomization.yaml --
resources: [flux-instance.yaml, child.yaml]
-- apps/flux-instance.yaml --
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: flux, namespace: flux-system}
spec:
  distribution: {version: "2.x", registry: ghcr.io/fluxcd}
  sync:
    kind: GitRepository
    name: home-ops-kubernetes
    url: "https://github.com/example/home-ops.git"
    ref: refs/heads/main
    path: flux/cluster
-- apps/child.yaml --
"""
    + kustomization("child", "./child", source="{kind: GitRepository, name: home-ops-kubernetes}")
    + """\
-- child/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: default}
data: {a: b}
-- flux/cluster/ks.yaml --
"""
    + kustomization("cluster-apps", "./apps", source="{kind: GitRepository, name: home-ops-kubernetes}")
)


def test_flux_instance_creates_the_sync_source(repo):
    """flux-operator: a FluxInstance's `spec.sync` makes a source of `sync.kind` named `sync.name`
    and the Kustomization that syncs `sync.path` (flux-operator api/v1/fluxinstance_types.go,
    Sync): the FluxInstance is the cluster root and its source exists.
    Reported: FLUX001 GitRepository home-ops-kubernetes does not exist."""
    finding = fixed(
        repo,
        FLUX_INSTANCE,
        "FLUX001",
        "path: ./child\n  prune: true\n  sourceRef: {kind: GitRepository, name: home-ops-kubernetes}",
        "path: ./child\n  prune: true\n  sourceRef: {kind: GitRepository, name: home-ops}",
    )
    assert "home-ops" in finding.message


FOREIGN_SOURCE = (
    BOOTSTRAP
    + """\
-- clusters/home/infra.yaml --
"""
    + kustomization("sources", "./sources")
    + """\
---
"""
    + kustomization("infra", "./infra", "dependsOn: [{name: sources}]")
    + """\
-- sources/sources.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: infrastructure}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: barman-cloud-plugin, namespace: infrastructure}
spec: {interval: 5m, url: "https://github.com/cloudnative-pg/plugin-barman-cloud.git", ref: {tag: v0.14.0}}
-- infra/kustomization.yaml --
namespace: infrastructure
resources: [ks.yaml]
-- infra/ks.yaml --
"""
    + kustomization(
        "barman-plugin", "./kubernetes", namespace=None, source="{kind: GitRepository, name: barman-cloud-plugin}"
    )
)


def test_path_in_another_repository_is_not_checked(repo):
    """Flux: a Kustomization's `spec.path` is read in the artifact of its sourceRef; when that
    source is another repository (here a GitRepository of another URL, in the namespace the
    kustomization.yaml gives the child) the path is not ours to check.
    Reported: FLUX005 path ./kubernetes missing."""
    assert rules_of(repo(FOREIGN_SOURCE)) == []
    # the same path in this repository's own source does not exist
    variant = swap(
        FOREIGN_SOURCE,
        "sourceRef: {kind: GitRepository, name: barman-cloud-plugin}",
        "sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}",
    )
    assert rules_of(repo(variant)) == ["FLUX005"]


SUBSTITUTED_DEPENDS_ON = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
"""
    + kustomization("apps", "./apps", "postBuild:\n  substitute: {CLUSTER_NAME: home}")
    + """\
-- clusters/home/config.yaml --
"""
    + kustomization("0-home-config", "./config")
    + """\
-- apps/ks.yaml --
"""
    + kustomization("app", "./app", 'dependsOn: [{name: "0-${CLUSTER_NAME}-config"}]')
    + """\
-- app/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: default}
data: {a: b}
-- config/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: default}
data: {a: b}
"""
)


def test_depends_on_names_are_substituted_by_the_parent(repo):
    """Flux: the parent's postBuild substitution runs over every object it applies, the child
    Kustomization's dependsOn included (fluxcd/pkg kustomize/kustomize_varsub.go).
    Reported: FLUX001 on `0-${CLUSTER_NAME}-config`."""
    finding = fixed(repo, SUBSTITUTED_DEPENDS_ON, "FLUX001", "{CLUSTER_NAME: home}", "{CLUSTER_NAME: work}")
    assert "0-work-config" in finding.message


SUBSTITUTED_PATH = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-info, namespace: flux-system}
data: {CLUSTER: main}
---
"""
    + kustomization(
        "cluster-apps", "./apps/main", "postBuild:\n  substituteFrom: [{kind: ConfigMap, name: cluster-info}]"
    )
    + """\
-- apps/main/ks.yaml --
"""
    + kustomization("cilium-config", "./apps/${CLUSTER}/cilium")
    + """\
-- apps/main/cilium/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: kube-system}
data: {a: b}
"""
)


def test_child_path_is_substituted_by_the_parent(repo):
    """Flux: postBuild variables of the parent (here from `substituteFrom` a ConfigMap) replace
    `${CLUSTER}` in the child Kustomization's `spec.path` before it exists in the cluster
    (fluxcd/pkg kustomize/kustomize_varsub.go). Reported: FLUX005 on ./apps/${CLUSTER}/x (h-fp9)."""
    finding = fixed(repo, SUBSTITUTED_PATH, "FLUX005", "data: {CLUSTER: main}", "data: {CLUSTER: backup}")
    assert "apps/backup/cilium" in finding.message


RESOURCESET_TEMPLATE = (
    BOOTSTRAP
    + """\
-- clusters/home/app.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: "https://charts.example.com"}
---
apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata: {name: app-image, namespace: flux-system}
spec:
  inputs: [{tag: "1.0.0"}]
  resourcesTemplate: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: app-image-auto
      namespace: flux-system
    data:
      values.yaml: |
        image: {tag: << inputs.tag | quote >>}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app, namespace: flux-system}
spec:
  interval: 1h
  chart: {spec: {chart: app, version: 1.2.3, sourceRef: {kind: HelmRepository, name: charts}}}
  valuesFrom: [{kind: ConfigMap, name: app-image-auto, valuesKey: values.yaml}]
"""
)


def test_resourceset_template_creates_the_configmap(repo):
    """flux-operator: a ResourceSet applies the objects its `resourcesTemplate` renders for each
    input (flux-operator docs, ResourceSet). Reported: FLUX001 ConfigMap nothing creates (h-fp4)."""
    finding = fixed(
        repo, RESOURCESET_TEMPLATE, "FLUX001", "name: app-image-auto, valuesKey", "name: app-settings, valuesKey"
    )
    assert "app-settings" in finding.message


BOOTSTRAP_CRDS = (
    BOOTSTRAP
    + """\
-- clusters/home/apps.yaml --
"""
    + kustomization("eso", "./apps/eso", "wait: true")
    + """\
---
"""
    + kustomization("app", "./apps/app", "targetNamespace: default")
    + """\
-- apps/eso/helmrelease.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: external-secrets, namespace: flux-system}
spec: {interval: 1h, type: oci, url: "oci://ghcr.io/external-secrets/charts"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: external-secrets, namespace: flux-system}
spec:
  interval: 1h
  targetNamespace: external-secrets
  install: {createNamespace: true}
  chart:
    spec: {chart: external-secrets, version: 0.14.4, sourceRef: {kind: HelmRepository, name: external-secrets}}
-- apps/app/externalsecret.yaml --
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: app}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store}
  target: {name: app}
  dataFrom: [{extract: {key: app}}]
-- bootstrap/helmfile.yaml --
repositories:
  - {name: external-secrets, url: ghcr.io/external-secrets/charts, oci: true}
releases:
  - name: external-secrets
    namespace: external-secrets
    chart: external-secrets/external-secrets
    version: 0.14.4
"""
)


def test_crds_installed_by_a_bootstrap_helmfile(repo):
    """Bootstrap: a helmfile.yaml that installs a chart before Flux runs (the usual way to get
    CRDs and Cilium in before Flux; also Talos inline manifests, flux-operator) makes its CRDs
    present from the start, so their users need no dependsOn on the HelmRelease that later
    adopts the chart. Reported: FLUX002/FLUX003 on every CRD user (h-fp5)."""
    assert rules_of(repo(BOOTSTRAP_CRDS)) == []
    variant = swap(
        BOOTSTRAP_CRDS, "    chart: external-secrets/external-secrets\n", "    chart: external-secrets/other\n"
    )
    assert "FLUX002" in rules_of(repo(variant))


PUSH_URL = (
    BOOTSTRAP
    + """\
-- clusters/home/logs.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: grafana, namespace: monitoring}
spec: {interval: 1h, url: "https://grafana.github.io/helm-charts"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: loki, namespace: monitoring}
spec:
  interval: 1h
  chart: {spec: {chart: loki, version: 6.46.0, sourceRef: {kind: HelmRepository, name: grafana}}}
  values:
    deploymentMode: SingleBinary
    loki:
      auth_enabled: false
      commonConfig: {replication_factor: 1}
      storage: {type: filesystem}
      schemaConfig:
        configs:
          - {from: "2024-04-01", store: tsdb, object_store: filesystem, schema: v13,
             index: {prefix: index_, period: 24h}}
    singleBinary: {replicas: 1}
    backend: {replicas: 0}
    read: {replicas: 0}
    write: {replicas: 0}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: promtail, namespace: monitoring}
spec:
  interval: 1h
  chart: {spec: {chart: promtail, version: 6.16.6, sourceRef: {kind: HelmRepository, name: grafana}}}
  values:
    config:
      clients:
        - url: http://loki-gateway/loki/api/v1/push
"""
)


def test_log_shipper_push_url_is_no_install_order(repo):
    """Promtail (like Alloy and Vector) retries its push URL at run time (Promtail client
    backoff), so the Service it writes to is no install-order dependency between the two
    HelmReleases. Reported: FLUX002 on the log shipper's push URL (h-fp6)."""
    assert "FLUX002" not in rules_of(repo(PUSH_URL))
    # the URL itself is still checked: the gateway Service listens on 80
    variant = swap(PUSH_URL, "http://loki-gateway/", "http://loki-gateway:3100/")
    assert rules_of(repo(variant)) == ["LOKI006"]


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
    return deepest


def test_wrong_port_message_has_no_nested_parentheses(repo):
    (finding,) = findings(repo(swap(PUSH_URL, "http://loki-gateway/", "http://loki-gateway:3100/")), "LOKI006")
    assert _depth(finding.message) <= 1, finding.message


TEMPLATE_FILE = """\
-- boilerplate/app/ns.yaml --
apiVersion: v1
kind: Namespace
metadata:
  name: {{ .app_namespace }}
"""


def test_a_template_that_parses_as_yaml_is_no_manifest(repo):
    """A Go-template file can parse as YAML (`{{ .x }}` is a flow mapping) without being a
    manifest anyone applies: it is never validated against a schema, and since no Flux path
    reaches it, it is only counted in a notice. Reported: FLUX050 with a Python dict in its message."""
    found = findings(repo(TEMPLATE_FILE))
    assert found == [], detail(found)
    # a real manifest with a list where a mapping belongs: FLUX050, and no Python repr in it
    variant = swap(TEMPLATE_FILE, "{{ .app_namespace }}", "apps\n  labels: [a]")
    (finding,) = findings(repo(variant), "FLUX050")
    assert "['" not in finding.message and "None" not in finding.message


def test_a_mapping_as_name_reaches_no_message_as_a_repr(repo):
    found = findings(repo(swap(TEMPLATE_FILE, "{{ .app_namespace }}", "{app: namespace}")), "FLUX050")
    assert found and all("{'" not in f.message for f in found), detail(found)
