"""Corpus false positives of FLUX002/FLUX003 and PROM009: Flux's generated kustomization, kustomize
builtin transformers listed under `transformers:`, and what must have applied before a
Kustomization runs.

Each case is a small repository in the shape of the reported one: the false finding is gone, and a
variant with the nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.model.flux import flux_graph
from tests.flux.helpers import index_of
from tests.regressions.helpers import BOOTSTRAP, detail, findings, kustomization, swap

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: keep}\ndata: {a: b}\n"
NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: _}\n"


def test_generated_kustomization_skips_nested_kustomizations_after_a_dash_sibling(repo):
    """Flux's generated kustomization takes a sub-directory with a kustomization.yaml as a whole
    and does not descend into it (fluxcd/pkg kustomize generator). `system-upgrade` sorts between
    `system` and `system/volsync/app`: that app is still inside `system`. Reported: PROM009 on
    one PrometheusRule, rendered by both the root and its own Kustomization."""
    files = (
        BOOTSTRAP
        + "-- clusters/home/apps.yaml --\n"
        + kustomization("apps", "./apps")
        + "-- apps/system/kustomization.yaml --\nresources: [volsync.yaml]\n"
        + "-- apps/system/volsync.yaml --\n"
        + kustomization("volsync", "./apps/system/volsync/app")
        + "-- apps/system/volsync/app/kustomization.yaml --\nresources: [cm.yaml]\n"
        + "-- apps/system/volsync/app/cm.yaml --\n"
        + CM
        + "-- apps/system-upgrade/kustomization.yaml --\nresources: [cm.yaml]\n"
        + "-- apps/system-upgrade/cm.yaml --\n"
        + CM.replace("name: cm,", "name: upgrade,")
    )
    g = flux_graph(index_of(repo(files)))
    appliers = sorted(k.name for k in g.kustomizations for o in k.applies if o.file.rel.endswith("volsync/app/cm.yaml"))
    assert appliers == ["volsync"]


def _release(name: str, chart: str, version: str, url: str, namespace: str | None = "flux-system") -> str:
    """A HelmRepository at `url` and a HelmRelease `name` of its `chart` (append `  values:` if needed)."""
    ns = f", namespace: {namespace}" if namespace else ""
    return f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: {chart}-charts{ns}}}
spec: {{interval: 12h, url: "{url}"}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {name}{ns}}}
spec:
  interval: 1h
  chart: {{spec: {{chart: {chart}, version: {version}, sourceRef: {{kind: HelmRepository, name: {chart}-charts}}}}}}
"""


NAMESPACE_TRANSFORMER = """\
apiVersion: builtin
kind: NamespaceTransformer
metadata: {name: apply-ns, namespace: .invalid}
unsetOnly: false
fieldSpecs:
  - {path: metadata/name, kind: Namespace, create: true}
  - {path: spec/targetNamespace, group: kustomize.toolkit.fluxcd.io, kind: Kustomization, create: true}
"""

# each namespace directory lists its Flux Kustomizations and a `transformers:` directory that
# builds the shared NamespaceTransformer config with its own `namespace:`
TRANSFORMED = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("cluster-apps", "./apps")
    + """\
-- transformers/kustomization.yaml --
resources: [transformer.yaml]
-- transformers/transformer.yaml --
"""
    + NAMESPACE_TRANSFORMER
    + """\
-- apps/cert-manager/kustomization.yaml --
resources: [namespace.yaml, cert-manager/ks.yaml]
transformers:
  - ./transformers
-- apps/cert-manager/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: _}
-- apps/cert-manager/transformers/kustomization.yaml --
namespace: cert-manager
resources: [../../../transformers]
-- apps/cert-manager/cert-manager/ks.yaml --
"""
    + kustomization(
        "cert-manager",
        "./apps/cert-manager/cert-manager/app",
        "healthChecks: [{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: cert-manager, "
        "namespace: cert-manager}]",
        namespace=None,
        source="{kind: GitRepository, name: flux-system, namespace: flux-system}",
    )
    + "---\n"
    + kustomization(
        "cert-manager-issuers",
        "./apps/cert-manager/cert-manager/issuers",
        "dependsOn: [{name: cert-manager}]",
        namespace=None,
        source="{kind: GitRepository, name: flux-system, namespace: flux-system}",
    )
    + "-- apps/cert-manager/cert-manager/app/hr.yaml --\n"
    + _release("cert-manager", "cert-manager", "v1.16.0", "https://charts.jetstack.io", namespace=None)
    + """\
  values: {crds: {enabled: true}}
-- apps/cert-manager/cert-manager/issuers/issuer.yaml --
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: selfsigned}
spec: {selfSigned: {}}
"""
)


def test_namespace_transformer_under_transformers(repo):
    """kustomize runs the builtin NamespaceTransformer configs a `transformers:` entry builds
    (api/internal/target/kusttarget.go configureExternalTransformers; api/filters/namespace): the
    Flux Kustomizations land in cert-manager with spec.targetNamespace cert-manager, so the
    HelmRelease is cert-manager/cert-manager - the one the dependency health-checks. Reported:
    FLUX003 "cert-manager-issuers depends on cert-manager, which does not wait for HelmRelease"."""
    assert not findings(repo(TRANSFORMED), "FLUX003")
    index = index_of(repo(TRANSFORMED))
    g = flux_graph(index)
    placed = {k.name: (k.namespace, k.target_namespace) for k in g.kustomizations}
    assert placed["cert-manager-issuers"] == ("cert-manager", "cert-manager"), placed
    hr = next(o for k in g.kustomizations for o in k.applies if o.kind == "HelmRelease")
    assert hr.namespace == "cert-manager"
    ns = next(o for k in g.kustomizations for o in k.applies if o.kind == "Namespace")
    assert ns.name == "cert-manager"  # the metadata/name fieldSpec of a v1 Namespace
    # a health check on another namespace still does not wait for the release
    wrong = swap(TRANSFORMED, "name: cert-manager, namespace: cert-manager}]", "name: cert-manager, namespace: other}]")
    variant = findings(repo(wrong), "FLUX003")
    assert len(variant) == 1 and "cert-manager-issuers" in variant[0].message, detail(variant)


def _placed(repo, files: str) -> list[tuple[str, str | None, str]]:
    """(kind, namespace, name) of every object of apps/objects.yaml as the cluster applies it."""
    g = flux_graph(index_of(repo(files)))
    return sorted(
        (o.kind, o.namespace, o.name) for k in g.kustomizations for o in k.applies if o.file.rel == "apps/objects.yaml"
    )


def _transformed(transformer: str, objects: str) -> str:
    return (
        BOOTSTRAP
        + "-- clusters/home/apps.yaml --\n"
        + kustomization("apps", "./apps")
        + "-- apps/kustomization.yaml --\nresources: [objects.yaml]\ntransformers:\n  - |-\n"
        + "".join(f"    {line}\n" for line in transformer.splitlines())
        + "-- apps/objects.yaml --\n"
        + objects
    )


def test_inline_namespace_transformer_unset_only_and_fieldspecs(repo):
    """unsetOnly sets only empty namespaces (api/filters/namespace SetEntryIfEmpty); without a
    `metadata/name` fieldSpec a Namespace keeps its name."""
    plain = "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata: {name: ns, namespace: web}\n"
    objects = CM + "---\n" + CM.replace("name: cm, namespace: keep", "name: other") + "---\n" + NS
    assert _placed(repo, _transformed(plain, objects)) == [
        ("ConfigMap", "web", "cm"),
        ("ConfigMap", "web", "other"),
        ("Namespace", None, "_"),
    ]
    unset = _placed(repo, _transformed(plain + "unsetOnly: true\n", objects))
    assert unset[:2] == [("ConfigMap", "keep", "cm"), ("ConfigMap", "web", "other")]


def test_role_binding_subjects_follow_set_role_binding_subjects(repo):
    """defaultOnly (the default) sets subjects named `default`; allServiceAccounts every
    ServiceAccount subject; none leaves them (api/filters/namespace roleBindingHack)."""
    binding = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
  - {kind: ServiceAccount, name: default, namespace: old}
  - {kind: ServiceAccount, name: app, namespace: old}
"""
    base = "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata: {name: ns, namespace: web}\n"
    for mode, want in (("", ["web", "old"]), ("allServiceAccounts", ["web", "web"]), ("none", ["old", "old"])):
        config = base + (f"setRoleBindingSubjects: {mode}\n" if mode else "")
        g = flux_graph(index_of(repo(_transformed(config, binding))))
        rb = next(o for k in g.kustomizations for o in k.applies if o.kind == "RoleBinding")
        assert [s["namespace"] for s in rb.data["subjects"]] == want, mode


def test_prefix_suffix_label_and_annotation_transformers(repo):
    """PrefixSuffixTransformer renames what its fieldSpecs select but never a Namespace;
    Label/AnnotationsTransformer set their pairs at their fieldSpecs only."""
    prefix = (
        "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata: {name: p}\nprefix: pre-\nsuffix: -suf\n"
        "fieldSpecs: [{path: metadata/name}]\n"
    )
    assert _placed(repo, _transformed(prefix, CM + "---\n" + NS)) == [
        ("ConfigMap", "keep", "pre-cm-suf"),
        ("Namespace", None, "_"),
    ]
    labels = (
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {team: a}\n"
        "fieldSpecs: [{path: metadata/labels, kind: ConfigMap, create: true}]\n"
    )
    g = flux_graph(index_of(repo(_transformed(labels, CM + "---\n" + NS))))
    got = {o.kind: o.labels for k in g.kustomizations for o in k.applies}
    assert got["ConfigMap"] == {"team": "a"} and got["Namespace"] == {}


def test_an_unsupported_transformer_changes_nothing(repo):
    """A config this model does not run (here an ImageTagTransformer) leaves the build as it was."""
    image = "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata: {name: i}\nimageTag: {name: x, newTag: y}\n"
    assert _placed(repo, _transformed(image, CM)) == [("ConfigMap", "keep", "cm")]
