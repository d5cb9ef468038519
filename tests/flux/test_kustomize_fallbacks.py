"""The Flux model where Flux alone does not tell: sources no cluster root names, kustomize trees of a
repository that defines no cluster, `configurations:` nameReference files, and sources other than
GitRepository."""

from __future__ import annotations

import pytest

from obslint.model.catalogue import catalogue
from obslint.model.flux import flux_graph
from tests.conftest import check
from tests.flux.helpers import index_of

HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
{ns}spec:
  interval: 1h
  chart:
    spec:
      chart: app
      version: 1.0.0
      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}
  valuesFrom:
    - kind: {kind}
      name: {name}
"""

HELMREPO = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: https://charts.example.com}
"""

EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: app
  namespace: flux-system
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store}
  target: {name: app-secret}
"""

NAME_REFERENCE = """\
nameReference:
  - kind: ConfigMap
    version: v1
    fieldSpecs:
      - path: {path}
        kind: {kind}
"""


def hr(kind: str = "ConfigMap", name: str = "app-values", ns: str | None = None) -> str:
    return HR.format(kind=kind, name=name, ns=f"  namespace: {ns}\n" if ns else "")


def flux001(path) -> list:
    return [f for f in check(path, select=["FLUX001"]).findings if f.rule == "FLUX001"]


def by_name(index, kind, name):
    return next(o for o in index.objects if o.kind == kind and o.name == name)


# --- 1. kustomization.yaml namespace for objects no Flux Kustomization places ----------------


def foreign_source_repo() -> dict[str, str]:
    """A Flux Kustomization applies app/ from a GitRepository whose URL no cluster root names."""
    return {
        "source.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: home, namespace: flux-system}\n"
        "spec: {interval: 1h, url: https://github.com/example/home}\n",
        "repo.yaml": HELMREPO,
        "ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: app, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./app, prune: true, sourceRef: {kind: GitRepository, name: home}}\n",
        "app/kustomization.yaml": "namespace: monitoring\nresources: [externalsecret.yaml, helmrelease.yaml]\n",
        "app/externalsecret.yaml": EXTERNAL_SECRET,
        "app/helmrelease.yaml": hr("Secret", "app-secret", ns="monitoring"),
    }


def test_a_source_no_root_names_is_this_repository_when_the_path_is_here(repo):
    index = index_of(repo(foreign_source_repo()))
    g = flux_graph(index)
    [k] = g.kustomizations
    assert k.local and k.path == "app"  # no root names the repository's URL, and ./app is here
    es = by_name(index, "ExternalSecret", "app")
    assert g.namespace_of(es) == "monitoring"
    assert catalogue(index).config("Secret", "monitoring", "app-secret", es).present
    # a path that is not in this repository belongs to the other repository: nothing is judged
    files = foreign_source_repo()
    files["ks.yaml"] = files["ks.yaml"].replace("path: ./app", "path: ./kubernetes")
    index = index_of(repo(files))
    [k] = flux_graph(index).kustomizations
    assert not k.local
    assert not [f for f in check(repo(files)).findings if f.rule in ("FLUX005", "FLUX001")]


def test_unplaced_outer_kustomization_yaml_namespace_wins(repo):
    files = {
        "kustomization.yaml": "namespace: outer\nresources: [base, cm.yaml]\n",
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top, namespace: mine}\n",
        "base/kustomization.yaml": "namespace: inner\nresources: [cm.yaml]\n",
        "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n",
        "loose.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose, namespace: own}\n",
        "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: outer}\n",
    }
    files["kustomization.yaml"] = "namespace: outer\nresources: [base, cm.yaml, ns.yaml]\n"
    index = index_of(repo(files))
    g = flux_graph(index)
    assert g.namespace_of(by_name(index, "ConfigMap", "deep")) == "outer"
    assert g.namespace_of(by_name(index, "ConfigMap", "top")) == "outer"
    assert g.namespace_of(by_name(index, "ConfigMap", "loose")) == "own"  # in no kustomization.yaml
    assert g.namespace_of(by_name(index, "Namespace", "outer")) is None


def test_unplaced_secret_in_kustomization_namespace_is_found(repo):
    assert flux001(repo(foreign_source_repo())) == []
    # without the kustomization.yaml namespace the Secret lands in flux-system: the reference dangles
    files = foreign_source_repo()
    files["app/kustomization.yaml"] = "resources: [externalsecret.yaml, helmrelease.yaml]\n"
    [f] = flux001(repo(files))
    assert "Secret monitoring/app-secret" in f.message and "nothing in the repository creates" in f.message


def test_flux_placement_is_not_overridden_by_the_fallback(repo):
    files = {
        "ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: app, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./app, prune: true, targetNamespace: web,"
        " sourceRef: {kind: GitRepository, name: flux-system}}\n",
        "app/kustomization.yaml": "namespace: monitoring\nresources: [cm.yaml]\n",
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
    }
    index = index_of(repo(files))
    g = flux_graph(index)
    assert g.namespaces_of(by_name(index, "ConfigMap", "cm")) == ["web"]


# --- 2. `configurations:` nameReference files ------------------------------------------------


def generator_repo(conf: str | None, where: str = "app") -> dict[str, str]:
    """A HelmRelease taking values from a hashed configMapGenerator, in a repository that defines no
    cluster (its kustomize tree is built on its own)."""
    files = {
        "repo.yaml": HELMREPO,
        "app/kustomization.yaml": "resources: [helmrelease.yaml]\n"
        "configMapGenerator:\n  - name: app-values\n    namespace: flux-system\n    files: [values.yaml]\n",
        "app/values.yaml": "replicas: 1\n",
        "app/helmrelease.yaml": hr(ns="flux-system"),
    }
    if conf is not None:
        files[f"{where}/kustomizeconfig.yaml"] = conf
        kustomization = files.get(f"{where}/kustomization.yaml", "resources: [../app]\n")
        files[f"{where}/kustomization.yaml"] = kustomization + "configurations: [kustomizeconfig.yaml]\n"
    return files


def test_hashed_generator_name_is_rewritten_by_a_matching_name_reference(repo):
    assert len(flux001(repo(generator_repo(None)))) == 1
    conf = NAME_REFERENCE.format(path="spec/valuesFrom/name", kind="HelmRelease")
    assert flux001(repo(generator_repo(conf))) == []


def test_name_reference_in_a_parent_kustomization_applies(repo):
    conf = NAME_REFERENCE.format(path="/spec/valuesFrom/name", kind="HelmRelease")
    assert flux001(repo(generator_repo(conf, where="top"))) == []


def test_name_reference_for_another_field_or_kind_does_not_apply(repo):
    for path, kind in (("spec/chart/spec/valuesFiles", "HelmRelease"), ("spec/valuesFrom/name", "Kustomization")):
        conf = NAME_REFERENCE.format(path=path, kind=kind)
        [f] = flux001(repo(generator_repo(conf)))
        assert "appends a content hash" in f.message
    # a nameReference for Secrets does not rewrite a ConfigMap name
    conf = NAME_REFERENCE.format(path="spec/valuesFrom/name", kind="HelmRelease").replace("ConfigMap", "Secret")
    assert len(flux001(repo(generator_repo(conf)))) == 1


def test_name_reference_outside_the_build_does_not_apply(repo):
    files = generator_repo(None)
    files["other/kustomization.yaml"] = "resources: [cm.yaml]\nconfigurations: [kustomizeconfig.yaml]\n"
    files["other/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
    files["other/kustomizeconfig.yaml"] = NAME_REFERENCE.format(path="spec/valuesFrom/name", kind="HelmRelease")
    assert len(flux001(repo(files))) == 1


def test_name_reference_within_a_flux_build(repo):
    conf = NAME_REFERENCE.format(path="spec/valuesFrom/name", kind="HelmRelease")
    files = generator_repo(conf)
    files["ks.yaml"] = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: app, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./app, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
    )
    assert flux001(repo(files)) == []
    index = index_of(repo(files))
    g = flux_graph(index)
    [build] = g.builds.values()
    assert build.root == "app"
    hr_obj = by_name(index, "HelmRelease", "app")
    assert g.rewrites_name("app", "ConfigMap", hr_obj, "spec/valuesFrom/name")
    assert not g.rewrites_name("app", "Secret", hr_obj, "spec/valuesFrom/name")


# --- 3. sources other than GitRepository: OCIRepository, ExternalArtifact, Bucket, unknown kinds ---


def ks_from(name: str, path: str, kind: str, source: str, target: str | None = "observability") -> str:
    text = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        f"  sourceRef: {{kind: {kind}, name: {source}, namespace: flux-system}}\n"
    )
    return text + (f"  targetNamespace: {target}\n" if target else "")


GENERATOR = """\
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {{name: gen, namespace: flux-system}}
spec:
  sources:
    - {{alias: repo, kind: {kind}, name: {source}}}
  artifacts:
    - name: app
      copy:
        - from: "@repo/{frm}"
          to: "@artifact/{to}"
"""


def artifact_repo(ks_path: str = "./apps/app", frm: str = "apps/app/", to: str = "apps/app/", **gen) -> dict:
    """The repository's manifests live under kubernetes/; the bootstrap source is an OCI artifact of
    that directory (a FluxInstance syncs `flux` from it), and an ArtifactGenerator copies one app out
    of it into an ExternalArtifact."""
    files = {
        "kubernetes/flux/instance.yaml": "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: OCIRepository, url: 'oci://ghcr.io/example/home', ref: latest, path: flux}\n",
        "kubernetes/flux/apps.yaml": ks_from("apps", "./apps", "OCIRepository", "flux-system", target=None),
        "kubernetes/apps/kustomization.yaml": "resources: [app/ks.yaml]\n",
        "kubernetes/flux/repo.yaml": HELMREPO,
        "kubernetes/flux/generator.yaml": GENERATOR.format(
            kind=gen.get("kind", "OCIRepository"), source=gen.get("source", "flux-system"), frm=frm, to=to
        ),
        "kubernetes/apps/app/ks.yaml": ks_from("app", ks_path, "ExternalArtifact", "app"),
        "kubernetes/apps/app/app/kustomization.yaml": "resources: [helmrelease.yaml]\n"
        "configMapGenerator:\n  - name: app-values\n    namespace: observability\n    files: [values.yaml]\n"
        "configurations: [kustomizeconfig.yaml]\n",
        "kubernetes/apps/app/app/kustomizeconfig.yaml": NAME_REFERENCE.format(
            path="spec/valuesFrom/name", kind="HelmRelease"
        ),
        "kubernetes/apps/app/app/values.yaml": "replicas: 1\n",
        "kubernetes/apps/app/app/helmrelease.yaml": hr(),
    }
    return files


def test_external_artifact_from_the_bootstrap_oci_source_is_placed(repo):
    # `@repo/apps/app/app/` to `@artifact/apps/app/`: the directory lands as apps/app/app (cp -r)
    index = index_of(repo(artifact_repo(ks_path="./apps/app/app", frm="apps/app/app/", to="apps/app/")))
    g = flux_graph(index)
    k = g.kustomization(by_name(index, "Kustomization", "app"))
    assert k.local and k.path == "kubernetes/apps/app/app" and k.source_root == "kubernetes"
    hr_obj = by_name(index, "HelmRelease", "app")
    assert g.namespace_of(hr_obj) == "observability"
    assert not g.is_opaque(hr_obj.cluster, "observability")


@pytest.mark.parametrize(
    ("ks_path", "placed"),
    [
        # `@repo/apps/app/` to `@artifact/` copies the directory itself: the artifact holds app/ and app/app/
        ("./app/app", "kubernetes/apps/app/app"),
        ("./app", "kubernetes/apps/app"),
        # the artifact's root holds app/ alone and no kustomization.yaml: Flux generates one that takes app/ in
        ("./", "kubernetes/apps/app"),
    ],
)
def test_external_artifact_directory_copy_keeps_the_directory_name(repo, ks_path, placed):
    """source-watcher internal/builder/builder.go applySingleDirectoryCopy: `dir/` lands as dest/<dir name>/,
    only `dir/**` puts dir's contents in dest."""
    index = index_of(repo(artifact_repo(ks_path=ks_path, frm="apps/app/", to="")))
    k = flux_graph(index).kustomization(by_name(index, "Kustomization", "app"))
    assert (k.path if k.local else None) == placed


@pytest.mark.parametrize(
    ("frm", "ks_path", "missing"),
    [
        ("apps/app/", "./apps/app", True),  # `dir/` lands as app/: the artifact has no apps/
        ("apps/app/app/", "./apps", True),  # the artifact holds app/ only
        ("apps/app/", "./app", False),
        ("apps/*/", "./apps/app", False),  # a glob: what the artifact holds is not known
    ],
)
def test_external_artifact_path_the_copies_do_not_make(repo, frm, ks_path, missing):
    files = artifact_repo(ks_path=ks_path, frm=frm, to="")
    found = [f for f in check(repo(files), select=["FLUX005"]).findings]
    assert [f.message for f in found] == (
        [
            f"Kustomization flux-system/app: path {ks_path} is not in ExternalArtifact app: ArtifactGenerator "
            "flux-system/gen copies only ./app"
        ]
        if missing
        else []
    )


def test_external_artifact_directory_holding_two_copies_is_not_placed(repo):
    """Two copies land under the artifact's root: what Flux builds there is neither of their directories."""
    files = artifact_repo(ks_path="./", frm="apps/app/", to="")
    files["kubernetes/flux/generator.yaml"] += '        - from: "@repo/flux/"\n          to: "@artifact/"\n'
    index = index_of(repo(files))
    assert not flux_graph(index).kustomization(by_name(index, "Kustomization", "app")).local


def test_external_artifact_copy_to_another_directory_is_followed(repo):
    files = artifact_repo(ks_path="./deploy/", frm="apps/app/app/**", to="deploy/")
    index = index_of(repo(files))
    k = flux_graph(index).kustomization(by_name(index, "Kustomization", "app"))
    assert k.local and k.path == "kubernetes/apps/app/app"
    assert flux001(repo(files)) == []
    # an artifact whose content cannot be mapped back to this repository: what it applies is unknown
    files["kubernetes/flux/generator.yaml"] = files["kubernetes/flux/generator.yaml"].replace("app/app/**", "x/**")
    index = index_of(repo(files))
    k = flux_graph(index).kustomization(by_name(index, "Kustomization", "app"))
    assert not k.local
    assert flux001(repo(files)) == []


def test_external_artifact_of_a_foreign_source_is_not_placed(repo):
    files = artifact_repo(ks_path="./apps/app/app", frm="apps/app/app/", to="apps/app/app/", kind="GitRepository")
    files["kubernetes/flux/generator.yaml"] = files["kubernetes/flux/generator.yaml"].replace(
        "name: flux-system}", "name: upstream}"
    )
    files["kubernetes/flux/upstream.yaml"] = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: upstream, namespace: flux-system}\n"
        "spec: {interval: 1h, url: https://github.com/example/upstream}\n"
    )
    index = index_of(repo(files))
    g = flux_graph(index)
    k = g.kustomization(by_name(index, "Kustomization", "app"))
    assert not k.local and g.is_opaque(k.cluster, "observability")


def test_undefined_external_artifact_is_resolved_under_the_source_root(repo):
    files = artifact_repo(ks_path="./apps/app/app")
    del files["kubernetes/flux/generator.yaml"]
    index = index_of(repo(files))
    k = flux_graph(index).kustomization(by_name(index, "Kustomization", "app"))
    assert k.local and k.path == "kubernetes/apps/app/app"


def test_oci_sources(repo):
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata: {{name: {name}, namespace: flux-system}}\nspec: {{interval: 1h, url: {url}}}\n"
    )
    files = {
        "deploy/clusters/home/podinfo.yaml": oci.format(name="podinfo", url="oci://ghcr.io/example/podinfo"),
        "deploy/clusters/home/own.yaml": oci.format(name="flux-system", url="oci://ghcr.io/example/home"),
        "deploy/clusters/home/apps.yaml": ks_from("apps", "./apps", "OCIRepository", "flux-system")
        + "---\n"
        + ks_from("podinfo", "./apps", "OCIRepository", "podinfo", target="podinfo")
        + "---\n"
        + ks_from("root", "./", "OCIRepository", "flux-system", target="everything")
        + "---\n"
        + ks_from("bucket", "./apps", "Bucket", "configs", target="bucket")
        + "---\n"
        + ks_from("odd", "./apps", "SomethingElse", "x", target="odd"),
        "deploy/apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
    }
    index = index_of(repo(files))
    g = flux_graph(index)
    ks = {k.name: k for k in g.kustomizations}
    assert ks["apps"].local and ks["apps"].path == "deploy/apps"
    assert g.namespace_of(by_name(index, "ConfigMap", "cm")) == "observability"
    # another OCI artifact, the artifact root (cannot be located), a Bucket, an unknown kind
    for name in ("podinfo", "root", "bucket", "odd"):
        assert not ks[name].local, name
        assert g.is_opaque(ks[name].cluster, {"root": "everything"}.get(name, name))


def test_ambiguous_artifact_path_follows_the_root_of_the_same_source(repo):
    files = {
        "kubernetes/flux/ks.yaml": ks_from("a", "./apps/a", "OCIRepository", "flux-system")
        + "---\n"
        + ks_from("b", "./apps/b", "OCIRepository", "flux-system", target="web"),
        "kubernetes/apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "kubernetes/apps/b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
        "old/apps/b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n",
    }
    index = index_of(repo(files))
    g = flux_graph(index)
    ks = {k.name: k for k in g.kustomizations}
    assert ks["b"].path == "kubernetes/apps/b"
    assert g.namespace_of(by_name(index, "ConfigMap", "b")) == "web"
    assert [o.name for o in g.unapplied] == ["old"]
    # with nothing to break the tie, the path is left unplaced
    del files["kubernetes/apps/a/cm.yaml"]
    files["kubernetes/flux/ks.yaml"] = ks_from("b", "./apps/b", "OCIRepository", "flux-system", target="web")
    index = index_of(repo(files))
    [k] = flux_graph(index).kustomizations
    assert not k.local


def test_odd_values_do_not_crash(repo):
    files = {
        "gen.yaml": "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\n"
        "metadata: {name: g, namespace: flux-system}\n"
        "spec: {sources: [1, {alias: [x]}, {alias: r, name: n}], artifacts: [x, {name: a, copy: [1, {from: 2},"
        " {from: '@r/x/', to: '@artifact/'}, {from: '@zz/y/', to: '@artifact/y/'}]}, {name: b, copy: x}]}\n",
        "ks.yaml": ks_from("a", "./x", "ExternalArtifact", "a")
        + "---\n"
        + ks_from("b", "./y", "ExternalArtifact", "b")
        + "---\n"
        + ks_from("c", "./z", "OCIRepository", "nowhere"),
        "app/kustomization.yaml": "resources: [a.yaml]\nconfigurations: [c1.yaml, c2.yaml, c3.yaml]\n",
        "app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "app/c1.yaml": "nameReference: [1, {kind: [x]},"
        " {kind: ConfigMap, fieldSpecs: [1, {path: 2}, {path: a, kind: 3}]}]\n",
        "app/c2.yaml": "- just a list\n",
        "app/c3.yaml": "nameReference: {kind: ConfigMap}\n",
    }
    index = index_of(repo(files))
    g = flux_graph(index)
    assert len(g.kustomizations) == 3
    assert [r.path for r in g.kustomize_files["app"].name_refs] == ["a"]
    result = check(repo(files))
    assert not result.errors, result.errors
