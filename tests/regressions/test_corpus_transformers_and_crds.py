"""Corpus false positives of FLUX002/FLUX003 and PROM009: Flux's generated kustomization, kustomize
builtin transformers listed under `transformers:`, and what must have applied before a
Kustomization runs.

Each case is a small repository in the shape of the reported one: the false finding is gone, and a
variant with the nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.model.flux import flux_graph
from tests.flux.helpers import index_of
from tests.regressions.helpers import BOOTSTRAP, detail, findings, kps_release, kustomization, swap

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


KPS_REPO = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: prometheus-community, namespace: flux-system}
spec: {interval: 12h, url: "https://prometheus-community.github.io/helm-charts"}
"""


def _rule(name: str) -> str:
    return f"""\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: {name}, namespace: monitoring}}
spec: {{groups: []}}
"""


# core installs kube-prometheus-stack without waiting for it; apps depends on core, applies
# PrometheusRules itself and creates the loki Kustomization, which applies more of them
PARENT_APPLIES_KIND = (
    BOOTSTRAP
    + "-- clusters/home/infra.yaml --\n"
    + kustomization("core", "./core")
    + "---\n"
    + kustomization("apps", "./apps", "dependsOn: [{name: core}]")
    + "-- core/kps.yaml --\n"
    + kps_release("flux-system")
    + "  values: {crds: {enabled: true}}\n---\n"
    + KPS_REPO
    + "-- apps/kustomization.yaml --\nresources: [rules.yaml, loki.yaml]\n"
    + "-- apps/rules.yaml --\n"
    + _rule("apps")
    + "-- apps/loki.yaml --\n"
    + kustomization("loki", "./loki")
    + "-- loki/rules.yaml --\n"
    + _rule("loki")
)


def test_a_parent_applying_the_kind_proves_its_crd_for_its_children(repo):
    """kustomize-controller dry-runs a Kustomization's whole build before applying any of it
    (fluxcd/pkg ssa ApplyAllStaged/ApplyAll): apps's apply fails on "no matches for kind
    PrometheusRule" until the CRDs exist, and the loki Kustomization object is created by that
    same apply. Reported: FLUX003 on loki (through apps's dependsOn on core). apps itself still
    races the chart: that one stays."""
    found = findings(repo(PARENT_APPLIES_KIND), "FLUX003")
    assert len(found) == 1 and "apps depends on" in found[0].message, detail(found)
    # without the parent's own PrometheusRule nothing proves the CRDs before loki runs
    variant = findings(repo(swap(PARENT_APPLIES_KIND, "resources: [rules.yaml, loki.yaml]", "resources: [loki.yaml]")))
    flagged = [f for f in variant if f.rule in ("FLUX002", "FLUX003")]
    assert len(flagged) == 1 and "loki" in flagged[0].message, detail(variant)


def test_a_reconcile_disabled_object_proves_nothing(repo):
    """Objects labelled `kustomize.toolkit.fluxcd.io/reconcile: disabled` are left out of the apply
    (kustomize-controller applyOpts.ExclusionSelector): they are never dry-run."""
    case = swap(
        PARENT_APPLIES_KIND,
        "metadata: {name: apps, namespace: monitoring}",
        "metadata: {name: apps, namespace: monitoring, labels: {kustomize.toolkit.fluxcd.io/reconcile: disabled}}",
    )
    found = [f for f in findings(repo(case)) if f.rule in ("FLUX002", "FLUX003")]
    assert any("loki" in f.message for f in found), detail(found)


GRAFANA_OPERATOR = _release("grafana-operator", "grafana-operator", "5.0.0", "https://grafana.github.io/helm-charts")

# the operator's Kustomization does not wait; datasources depends on it; dashboards depends on both
DEPENDENCY_APPLIES_SIBLING_KIND = (
    BOOTSTRAP
    + "-- clusters/home/grafana.yaml --\n"
    + kustomization("grafana-operator", "./operator")
    + "---\n"
    + kustomization("grafana-datasources", "./datasources", "dependsOn: [{name: grafana-operator}]")
    + "---\n"
    + kustomization(
        "grafana-dashboards", "./dashboards", "dependsOn: [{name: grafana-operator}, {name: grafana-datasources}]"
    )
    + "-- operator/hr.yaml --\n"
    + GRAFANA_OPERATOR
    + """\
-- datasources/ds.yaml --
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDatasource
metadata: {name: prometheus, namespace: flux-system}
spec: {datasource: {name: prometheus, type: prometheus, access: proxy, url: "http://prometheus:9090"}}
-- dashboards/db.yaml --
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: nodes, namespace: flux-system}
spec: {json: "{}"}
"""
)


def test_a_dependency_applying_a_kind_of_the_same_chart_proves_its_crds(repo):
    """A dependency is Ready only after its whole apply succeeded, so grafana-datasources being
    Ready means the GrafanaDatasource CRD exists - and with it every CRD of the grafana-operator
    chart, which Helm installs together (crds/ before any template). Reported: FLUX003 on
    grafana-dashboards. grafana-datasources itself still races the chart."""
    found = findings(repo(DEPENDENCY_APPLIES_SIBLING_KIND), "FLUX003")
    assert len(found) == 1 and "grafana-datasources depends on" in found[0].message, detail(found)
    variant = findings(
        repo(
            swap(
                DEPENDENCY_APPLIES_SIBLING_KIND,
                "[{name: grafana-operator}, {name: grafana-datasources}]",
                "[{name: grafana-operator}]",
            )
        ),
        "FLUX003",
    )
    assert len(variant) == 2, detail(variant)


ESO = _release("external-secrets", "external-secrets", "0.10.0", "https://charts.external-secrets.io")


def _external_secret(name: str) -> str:
    return f"""\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {{name: {name}, namespace: flux-system}}
spec:
  secretStoreRef: {{kind: ClusterSecretStore, name: vault}}
  target: {{name: {name}}}
  dataFrom: [{{extract: {{key: {name}}}}}]
"""


# cluster-apps applies ExternalSecrets itself and creates both the ESO Kustomization and an app
ROOT_APPLIES_KIND = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("cluster-apps", "./apps")
    + "-- apps/kustomization.yaml --\nresources: [common.yaml, eso.yaml, app.yaml]\n"
    + "-- apps/common.yaml --\n"
    + _external_secret("common")
    + "-- apps/eso.yaml --\n"
    + kustomization("external-secrets", "./eso", "wait: true")
    + "-- apps/app.yaml --\n"
    + kustomization("app", "./app")
    + "-- eso/hr.yaml --\n"
    + ESO
    + "-- app/es.yaml --\n"
    + _external_secret("app")
)


def test_a_root_applying_the_kind_covers_its_children_but_is_itself_reported(repo):
    """cluster-apps's own ExternalSecrets fail its dry-run until the ESO CRDs exist, so the app
    Kustomization it creates finds them: no dependsOn needed there (reported: FLUX002 on it and
    60 siblings). cluster-apps itself cannot depend on a Kustomization it creates: the finding
    stays, without suggesting that dependsOn."""
    found = findings(repo(ROOT_APPLIES_KIND), "FLUX002")
    assert len(found) == 1, detail(found)
    assert found[0].message.startswith("Kustomization flux-system/cluster-apps uses"), detail(found)
    assert "itself applies Kustomization flux-system/external-secrets" in found[0].hint
    assert "dependsOn" not in found[0].hint
    # without the root's own ExternalSecret, the app's missing dependsOn is the finding
    variant = findings(
        repo(
            swap(ROOT_APPLIES_KIND, "resources: [common.yaml, eso.yaml, app.yaml]", "resources: [eso.yaml, app.yaml]")
        ),
        "FLUX002",
    )
    assert len(variant) == 1 and "flux-system/app uses" in variant[0].message, detail(variant)
