"""The Flux model where Flux alone does not tell: kustomize trees no Flux Kustomization of the
repository reaches, `configurations:` nameReference files, and sources other than GitRepository."""

from __future__ import annotations

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
    """A Flux Kustomization applies app/ from a GitRepository that is not recognisably this one."""
    return {
        "flux/source.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: home, namespace: flux-system}\n"
        "spec: {interval: 1h, url: https://github.com/example/home}\n",
        "flux/repo.yaml": HELMREPO,
        "ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: app, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./app, prune: true, sourceRef: {kind: GitRepository, name: home}}\n",
        "app/kustomization.yaml": "namespace: monitoring\nresources: [externalsecret.yaml, helmrelease.yaml]\n",
        "app/externalsecret.yaml": EXTERNAL_SECRET,
        "app/helmrelease.yaml": hr("Secret", "app-secret", ns="monitoring"),
    }


def test_unplaced_objects_take_the_kustomization_yaml_namespace(repo):
    index = index_of(repo(foreign_source_repo()))
    g = index.get("flux.graph")
    assert not g.kustomizations[0].local  # so Flux placement does not apply app/
    assert g.namespace_of(by_name(index, "ExternalSecret", "app")) == "monitoring"
    assert index.get("flux.catalogue").config("Secret", "monitoring", "app-secret")


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
    g = index.get("flux.graph")
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
    g = index.get("flux.graph")
    assert g.namespaces_of(by_name(index, "ConfigMap", "cm")) == ["web"]


# --- 2. `configurations:` nameReference files ------------------------------------------------


def generator_repo(conf: str | None, where: str = "app") -> dict[str, str]:
    """A HelmRelease taking values from a hashed configMapGenerator, outside any Flux build."""
    files = {
        "flux/repo.yaml": HELMREPO,
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
    g = index.get("flux.graph")
    [build] = [b for b in g.builds if b.owner is not None]
    assert build.root == "app"
    hr_obj = by_name(index, "HelmRelease", "app")
    assert g.rewrites_name("app", "ConfigMap", hr_obj, "spec/valuesFrom/name")
    assert not g.rewrites_name("app", "Secret", hr_obj, "spec/valuesFrom/name")
