"""The Flux model: placement, namespaces, clusters, dependsOn closures."""

from __future__ import annotations

from obslint.model.catalogue import catalogue
from obslint.model.flux import flux_graph, flux_needs
from obslint.model.helm import helm_releases
from obslint.model.services import service_catalogue
from tests.flux.helpers import index_of

KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
{extra}"""


def ks(name: str, path: str, extra: str = "") -> str:
    return KS.format(name=name, path=path, extra=extra)


def by_name(index, kind, name):
    return next(o for o in index.objects if o.kind == kind and o.name == name)


def test_placement_through_kustomization_yaml_and_generated(repo):
    index = index_of(
        repo(
            {
                "clusters/home/apps.yaml": ks("apps", "./apps", "  targetNamespace: web\n")
                + "---\n"
                + ks("infra", "./infra"),
                "apps/kustomization.yaml": "resources:\n  - base\n  - cm.yaml\n  - https://example.com/x.yaml\n",
                "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\n",
                "apps/base/kustomization.yaml": "namespace: inner\nresources: [svc.yaml]\n",
                "apps/base/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                "spec: {ports: [{port: 80}]}\n",
                "apps/unlisted.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lost}\n",
                # no kustomization.yaml: everything below, sub-dirs with one taken whole
                "infra/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: infra}\n",
                "infra/deep/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: infra}\n",
                "infra/sub/kustomization.yaml": "namespace: sub\nresources: [a.yaml]\n",
                "infra/sub/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                "infra/sub/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
            }
        )
    )
    g = flux_graph(index)
    apps = g.kustomization(by_name(index, "Kustomization", "apps"))
    infra = g.kustomization(by_name(index, "Kustomization", "infra"))
    assert sorted(o.name for o in apps.applies) == ["s", "top"]
    assert sorted(o.name for o in infra.applies) == ["a", "deep", "infra"]
    # targetNamespace wins over the kustomize namespace; kustomize namespace over metadata
    assert g.namespace_of(by_name(index, "Service", "s")) == "web"
    assert g.namespace_of(by_name(index, "ConfigMap", "a")) == "sub"
    assert g.namespace_of(by_name(index, "ConfigMap", "deep")) == "infra"
    assert g.namespace_of(by_name(index, "Namespace", "infra")) is None
    # files no kustomization.yaml includes are not applied (and not linted object by object)
    assert {o.name for o in g.unapplied} == {"lost", "b"}
    assert not any(o.name in ("lost", "b") for o in index.objects)
    # a remote resource makes the namespace opaque for Service checks
    (cluster,) = g.clusters
    assert "web" in service_catalogue(index).clusters[cluster].opaque_namespaces


def test_outer_kustomize_namespace_wins(repo):
    index = index_of(
        repo(
            {
                "k.yaml": ks("x", "./app"),
                "app/kustomization.yaml": "namespace: outer\nresources: [inner]\n",
                "app/inner/kustomization.yaml": "namespace: inner\nresources: [cm.yaml]\n",
                "app/inner/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: meta}\n",
            }
        )
    )
    g = flux_graph(index)
    assert g.namespace_of(by_name(index, "ConfigMap", "c")) == "outer"


def test_clusters_are_not_merged(repo):
    """Two clusters each with a Kustomization 'infra': dependsOn resolves within its own cluster."""
    files = {}
    for cluster in ("prod", "staging"):
        files[f"clusters/{cluster}/flux-system/gotk-sync.yaml"] = ks("flux-system", f"./clusters/{cluster}")
        files[f"clusters/{cluster}/flux-system/kustomization.yaml"] = "resources: [gotk-sync.yaml]\n"
        files[f"clusters/{cluster}/kustomization.yaml"] = "resources: [flux-system, infra.yaml]\n"
    files["clusters/prod/infra.yaml"] = (
        ks("infra", "./infra/prod") + "---\n" + ks("apps", "./apps", "  dependsOn:\n    - name: infra\n")
    )
    files["clusters/staging/infra.yaml"] = ks("infra", "./infra/staging")
    files["infra/prod/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p, namespace: default}\n"
    files["infra/staging/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s, namespace: default}\n"
    files["apps/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"
    index = index_of(repo(files))
    g = flux_graph(index)
    apps = next(k for k in g.kustomizations if k.name == "apps")
    [(_ref, targets)] = g.depends_on_targets(apps)
    assert [t.obj.file.rel for t in targets] == ["clusters/prod/infra.yaml"]
    roots = [k for k in g.kustomizations if k.name == "flux-system"]
    assert all(k in g.ancestors(k.obj) for k in roots)
    assert g.clusters_of(apps.obj) != g.clusters_of(
        next(k for k in g.kustomizations if k.obj.file.rel == "clusters/staging/infra.yaml").obj
    )


def test_transitive_and_helm_closures(repo):
    index = index_of(
        repo(
            {
                "k.yaml": ks("a", "./a", "  dependsOn: [{name: b}]\n")
                + "---\n"
                + ks("b", "./b", "  dependsOn: [{name: c}]\n")
                + "---\n"
                + ks("c", "./c"),
                "a/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n",
                "b/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, namespace: default}\n",
                "c/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z, namespace: default}\n",
                "hr.yaml": """\
                    apiVersion: helm.toolkit.fluxcd.io/v2beta2
                    kind: HelmRelease
                    metadata: {name: one, namespace: m}
                    spec:
                      dependsOn: [{name: two}]
                      chart: {spec: {chart: x, version: 1.0.0, sourceRef: {kind: HelmRepository, name: r}}}
                    ---
                    apiVersion: helm.toolkit.fluxcd.io/v2beta1
                    kind: HelmRelease
                    metadata: {name: two, namespace: m}
                    spec:
                      dependsOn: [{name: three, namespace: other}]
                      chart: {spec: {chart: x, version: 1.0.0, sourceRef: {kind: HelmRepository, name: r}}}
                    ---
                    apiVersion: helm.toolkit.fluxcd.io/v2
                    kind: HelmRelease
                    metadata: {name: three, namespace: other}
                    spec:
                      chartRef: {kind: OCIRepository, name: r}
                    """,
            }
        )
    )
    g = flux_graph(index)
    a = next(k for k in g.kustomizations if k.name == "a")
    assert sorted(k.name for k in g.kdeps(a)) == ["b", "c"]
    one = by_name(index, "HelmRelease", "one")
    assert sorted(o.name for o in g.hdeps(one)) == ["three", "two"]
    three = next(r for r in helm_releases(index) if r.obj.name == "three")
    assert three.source_ref.kind == "OCIRepository" and three.source_ref.field == "spec.chartRef"


def test_remote_source_is_not_placed(repo):
    index = index_of(
        repo(
            {
                "src.yaml": """\
                    apiVersion: source.toolkit.fluxcd.io/v1
                    kind: GitRepository
                    metadata: {name: other, namespace: flux-system}
                    spec: {url: https://github.com/example/other, interval: 1h}
                    """,
                "k.yaml": ks("x", "./deploy").replace("name: flux-system\n", "name: other\n", 1)
                + "  targetNamespace: elsewhere\n",
            }
        )
    )
    g = flux_graph(index)
    [k] = [k for k in g.kustomizations]
    assert not k.local
    assert g.is_opaque(k.cluster, "elsewhere")


def test_bad_input_does_not_crash(repo):
    index = index_of(
        repo(
            {
                "k.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\n"
                "spec: {path: 3, dependsOn: [1, {name: 2}, {x: y}], sourceRef: [], healthChecks: x}\n",
                "hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h}\n"
                "spec: {chart: [], values: [1, 2], valuesFrom: {a: b}, dependsOn: x}\n",
                "kustomization.yaml": "resources: {a: b}\nsecretGenerator: [1, {name: [x]}]\npatches: [x]\n",
            }
        )
    )
    assert flux_graph(index) is not None
    assert isinstance(flux_needs(index), list)
    assert service_catalogue(index) is not None
    assert catalogue(index) is not None
