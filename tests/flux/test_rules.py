"""Flux rules: each fires on what it is about and stays quiet otherwise."""

from __future__ import annotations

import pytest

from obslint.rules.flux.build import build_error_cause
from tests.conftest import check, require_tool, rule_ids

KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./{path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


def ks(name: str, path: str | None = None, **spec: str) -> str:
    text = KS.format(name=name, path=path or name)
    for key, value in spec.items():
        text += f"  {key}: {value}\n"
    return text


def hr(name: str, ns: str, chart: str, repo: str = "charts", extra: str = "") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        f"metadata:\n  name: {name}\n  namespace: {ns}\n"
        f"spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: {chart}\n      version: 1.0.0\n"
        f"      sourceRef:\n        kind: HelmRepository\n        name: {repo}\n{extra}"
    )


HELMREPO = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
    "metadata:\n  name: charts\n  namespace: {ns}\nspec:\n  interval: 1h\n  url: https://charts.example.com\n"
)
NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n"


def findings(path, rule):
    return [f for f in check(path, select=[rule]).findings if f.rule == rule]


# --- FLUX002 missing-depends-on -------------------------------------------------------------


def base_repo(apps_spec: dict | None = None) -> dict[str, str]:
    return {
        "clusters/home/ks.yaml": ks("infra", wait="true") + "---\n" + ks("apps", **(apps_spec or {})),
        "infra/ns.yaml": NS.format(ns="web"),
        "infra/repo.yaml": HELMREPO.format(ns="web"),
        "infra/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: app-values, namespace: web}\n"
        "stringData: {values.yaml: 'a: b'}\n",
        "apps/hr.yaml": hr("app", "web", "app", extra="  valuesFrom:\n    - kind: Secret\n      name: app-values\n"),
    }


def test_missing_depends_on_for_namespace_repository_and_values(repo):
    # one finding for the pair (apps uses what infra creates), every need attached as a related place
    (f,) = findings(repo(base_repo()), "FLUX002")
    assert f.message.startswith("Kustomization flux-system/apps uses namespace web and 2 more")
    assert "from Kustomization flux-system/infra without depending on it" in f.message
    related = " | ".join(r.message for r in f.related)
    assert "HelmRelease web/app needs namespace web, HelmRepository web/charts, Secret web/app-values" in related
    assert "add `dependsOn: [{name: infra}]` to Kustomization flux-system/apps" in f.hint
    assert f.loc.path == "apps/hr.yaml" and f.clusters == {"clusters/home"}


def test_depends_on_satisfies(repo):
    assert findings(repo(base_repo({"dependsOn": "[{name: infra}]"})), "FLUX002") == []


def test_parent_dependency_orders_children(repo):
    files = base_repo()
    files["clusters/home/ks.yaml"] = (
        ks("infra", wait="true") + "---\n" + ks("apps-parent", "apps-ks", dependsOn="[{name: infra}]")
    )
    files["apps-ks/apps.yaml"] = ks("apps")
    assert findings(repo(files), "FLUX002") == []


def test_same_kustomization_is_fine(repo):
    files = base_repo()
    files["apps/ns.yaml"] = files.pop("infra/ns.yaml")
    files["apps/repo.yaml"] = files.pop("infra/repo.yaml")
    files["apps/secret.yaml"] = files.pop("infra/secret.yaml")
    assert findings(repo(files), "FLUX002") == []


def test_crd_kind_from_chart_in_other_kustomization(repo):
    files = {
        "clusters/home/ks.yaml": ks("stack", wait="true") + "---\n" + ks("rules"),
        "stack/hr.yaml": hr("kps", "mon", "kube-prometheus-stack") + "---\n" + HELMREPO.format(ns="mon"),
        "stack/ns.yaml": NS.format(ns="mon"),
        "rules/sm.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: sm, namespace: mon}\nspec: {endpoints: []}\n---\n"
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: sm2, namespace: mon}\nspec: {endpoints: []}\n",
    }
    got = findings(repo(files), "FLUX002")
    kinds = [f for f in got if "kind ServiceMonitor" in f.message]
    assert len(kinds) == 1 and "from Kustomization flux-system/stack" in kinds[0].message
    assert "the chart of HelmRelease mon/kps creates it" in kinds[0].hint
    # both ServiceMonitors are named, once each
    assert sum("ServiceMonitor mon/sm" in r.message for r in kinds[0].related) == 2


def test_crs_next_to_their_chart_mean_crds_preinstalled(repo):
    """A Kustomization applying the chart and its CRs only works with CRDs installed beforehand."""
    files = {
        "clusters/home/ks.yaml": ks("stack") + "---\n" + ks("rules"),
        "stack/hr.yaml": hr("kps", "mon", "kube-prometheus-stack") + "---\n" + HELMREPO.format(ns="mon"),
        "stack/rule.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
        "metadata: {name: r, namespace: mon}\nspec: {groups: []}\n",
        "rules/sm.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: sm, namespace: mon}\nspec: {endpoints: []}\n",
    }
    result = check(repo(files), select=["FLUX002"])
    assert not [f for f in result.findings if "kind" in f.message]
    assert any("taken as installed before Flux" in n for n in result.notices)


def test_crd_manifest_in_same_kustomization_is_fine(repo):
    files = {
        "clusters/home/ks.yaml": ks("app"),
        "app/crd.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\nspec:\n  group: example.com\n"
        "  names: {kind: Widget, plural: widgets}\n",
        "app/w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n",
    }
    assert findings(repo(files), "FLUX002") == []
    files["clusters/home/ks.yaml"] = ks("crds", wait="true") + "---\n" + ks("app")
    files["crds/crd.yaml"] = files.pop("app/crd.yaml")
    got = findings(repo(files), "FLUX002")
    assert len(got) == 1 and "uses kind Widget (example.com) from Kustomization flux-system/crds" in got[0].message


def test_push_endpoints_are_not_install_order_dependencies(repo):
    """A log shipper retries its push URL until the Service answers: a missing dependsOn on the
    release that creates it is not an apply-time failure (reachability is LOKI006/ALLOY007's)."""
    files = {
        "clusters/home/ks.yaml": ks("logs"),
        "logs/repo.yaml": HELMREPO.format(ns="mon"),
        "logs/loki.yaml": hr("loki", "mon", "loki", extra="  values:\n    deploymentMode: SingleBinary\n"),
        "logs/alloy.yaml": hr(
            "alloy",
            "mon",
            "alloy",
            extra="  values:\n    alloy:\n      configMap:\n        content: |\n"
            '          loki.write "d" {\n            endpoint {\n'
            '              url = "http://loki-gateway.mon.svc.cluster.local/loki/api/v1/push"\n'
            "            }\n          }\n",
        ),
    }
    assert findings(repo(files), "FLUX002") == []


def test_query_endpoints_are_not_dependencies(repo):
    files = {
        "clusters/home/ks.yaml": ks("logs"),
        "logs/repo.yaml": HELMREPO.format(ns="mon"),
        "logs/loki.yaml": hr("loki", "mon", "loki", extra="  values:\n    deploymentMode: SingleBinary\n"),
        "logs/grafana.yaml": hr("grafana", "mon", "grafana", extra="  values:\n    url: http://loki-gateway.mon.svc\n"),
    }
    assert findings(repo(files), "FLUX002") == []


def test_uncommented_kustomization_is_not_checked(repo):
    files = base_repo()
    files["clusters/home/ks.yaml"] = ks("infra", wait="true") + "---\n" + ks("all", "clusters/home/apps")
    files["clusters/home/apps/kustomization.yaml"] = "resources: []\n"
    files["clusters/home/apps/app.yaml"] = ks("apps")  # not listed: never applied
    assert findings(repo(files), "FLUX002") == []


# --- FLUX003 depends-on-no-wait ---------------------------------------------------------------


def stack_files(wait_spec: dict) -> dict[str, str]:
    return {
        "clusters/home/ks.yaml": ks("stack", **wait_spec) + "---\n" + ks("rules", dependsOn="[{name: stack}]"),
        "stack/hr.yaml": hr("kps", "mon", "kube-prometheus-stack") + "---\n" + HELMREPO.format(ns="mon"),
        "stack/ns.yaml": NS.format(ns="mon"),
        "rules/sm.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: sm, namespace: mon}\nspec: {endpoints: []}\n",
    }


def test_no_wait_fires_without_wait_or_health_check(repo):
    got = findings(repo(stack_files({})), "FLUX003")
    assert len(got) == 1
    assert got[0].loc.path == "clusters/home/ks.yaml" and got[0].loc.line == 26
    assert "set `wait: true` on Kustomization flux-system/stack" in got[0].hint


def test_no_wait_quiet_with_wait_or_health_check(repo):
    assert findings(repo(stack_files({"wait": "true"})), "FLUX003") == []
    health = "[{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: kps, namespace: mon}]"
    assert findings(repo(stack_files({"healthChecks": health})), "FLUX003") == []


# --- FLUX004 depends-on-cycle -----------------------------------------------------------------


def test_cycle_printed(repo):
    files = {
        "k.yaml": ks("a", dependsOn="[{name: b}]")
        + "---\n"
        + ks("b", dependsOn="[{name: c}]")
        + "---\n"
        + ks("c", dependsOn="[{name: a}]")
        + "---\n"
        + ks("d", dependsOn="[{name: a}]"),
        "hr.yaml": hr("x", "m", "c", extra="  dependsOn: [{name: x}]\n"),
    }
    got = findings(repo(files), "FLUX004")
    messages = sorted(f.message for f in got)
    assert messages == [
        "dependsOn cycle between HelmReleases: m/x -> m/x",
        "dependsOn cycle between Kustomizations: flux-system/a -> flux-system/b -> flux-system/c -> flux-system/a",
    ]


def test_no_cycle(repo):
    files = {
        "k.yaml": ks("a", dependsOn="[{name: b}]") + "---\n" + ks("b") + "---\n" + ks("c", dependsOn="[{name: b}]")
    }
    assert findings(repo(files), "FLUX004") == []


# --- FLUX001 dangling-reference -----------------------------------------------------------


def test_dangling_references(repo):
    files = {
        "clusters/home/flux.yaml": ks(
            "a", dependsOn="[{name: nope}]", decryption="{provider: sops, secretRef: {name: sops-age}}"
        )
        + "---\n"
        + ks("b", decryption="{provider: sops, secretRef: {name: my-key}}")
        + "---\n"
        + ks("web"),
        "a/cm.yaml": CM.format(name="a"),
        "b/cm.yaml": CM.format(name="b"),
        "web/hr.yaml": hr(
            "app",
            "web",
            "app",
            repo="charts",
            extra="  valuesFrom:\n    - kind: ConfigMap\n      name: missing\n"
            "    - kind: Secret\n      name: opt\n      optional: true\n"
            "    - kind: Secret\n      name: generated\n",
        ),
        "clusters/home/repo.yaml": HELMREPO.format(ns="other"),
        "web/kustomization.yaml": "namespace: web\nresources: [hr.yaml]\nsecretGenerator:\n  - name: generated\n"
        "    literals: [a=b]\n    options: {disableNameSuffixHash: true}\n",
        "clusters/home/alert.yaml": "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
        "metadata: {name: al, namespace: flux-system}\n"
        "spec:\n  providerRef: {name: slack}\n  eventSources:\n    - {kind: Kustomization, name: a}\n"
        "    - {kind: Kustomization, name: zzz}\n    - {kind: HelmRelease, name: '*', namespace: web}\n",
    }
    got = findings(repo(files), "FLUX001")
    messages = sorted(f.message for f in got)
    assert messages == [
        "Alert flux-system/al: eventSources names Kustomization flux-system/zzz, which does not exist",
        "Alert flux-system/al: providerRef names Provider flux-system/slack, which does not exist",
        "HelmRelease web/app: chart sourceRef names HelmRepository web/charts, which does not exist",
        "HelmRelease web/app: valuesFrom names ConfigMap web/missing, which nothing in the repository creates",
        "Kustomization flux-system/a: dependsOn names Kustomization flux-system/nope, which does not exist",
        "Kustomization flux-system/b: decryption.secretRef names Secret flux-system/my-key, "
        "which nothing in the repository creates",
    ]
    wrong_ns = next(f for f in got if "HelmRepository" in f.message)
    assert "exists in namespace other" in wrong_ns.hint
    assert all(f.clusters == {"clusters/home"} for f in got)


def test_a_misspelt_depends_on_suggests_the_name_meant(repo):
    files = {
        "clusters/home/flux.yaml": ks("apps", dependsOn="[{name: infra-controller}]")
        + "---\n"
        + ks("infra-controllers")
    }
    (f,) = findings(repo(files), "FLUX001")
    assert "(did you mean infra-controllers?)" in f.hint


def test_references_to_one_missing_object_are_one_finding(repo):
    """Three Kustomizations naming the same missing source share one cause: one finding, the other
    references attached."""
    spec = {"dependsOn": "[{name: infra}]"}
    files = {"clusters/home/flux.yaml": "---\n".join(ks(n, "apps", **spec) for n in ("c", "a", "b"))}
    files["apps/cm.yaml"] = CM.format(name="x")
    (f,) = findings(repo(files), "FLUX001")
    assert f.message == (
        "Kustomization flux-system/c and 2 more: dependsOn names Kustomization flux-system/infra, which does not exist"
    )
    assert [r.message.split(":")[0] for r in f.related] == [
        "Kustomization flux-system/a",
        "Kustomization flux-system/b",
    ]


def test_dangling_references_are_unknown_without_a_cluster_or_with_unresolved_names(repo):
    """A repository that defines no cluster (a lone HelmRelease) may get its sources from elsewhere,
    and a name holding an unresolved postBuild variable is not known yet."""
    assert findings(repo({"hr.yaml": hr("app", "web", "app")}), "FLUX001") == []
    files = {
        "clusters/home/flux.yaml": ks("a", dependsOn="[{name: 'cfg-${CLUSTER}'}]"),
        "a/cm.yaml": CM.format(name="a"),  # (no postBuild defines CLUSTER: it is unknown)
    }
    assert findings(repo(files), "FLUX001") == []


def test_external_option(repo):
    root = repo(
        {
            "k.yaml": ks("a", dependsOn="[{name: managed-elsewhere}]"),
            ".obslint.yaml": "options:\n  dangling-reference:\n    external: [Kustomization/flux-system/managed-*]\n",
        }
    )
    assert findings(root, "FLUX001") == []


# --- FLUX005-FLUX007 paths ---------------------------------------------------------------------


def test_path_missing_and_present(repo):
    got = findings(repo({"k.yaml": ks("a", "nowhere"), "somewhere/x.yaml": "a: 1\n"}), "FLUX005")
    assert len(got) == 1 and "path ./nowhere does not exist" in got[0].message
    assert findings(repo({"k.yaml": ks("a", "somewhere"), "somewhere/x.yaml": "a: 1\n"}), "FLUX005") == []


def test_resource_missing_kinds(repo):
    files = {
        "app/kustomization.yaml": "resources:\n  - sub\n  - ../shared\n"
        "patches:\n  - path: patch.yaml\n"
        "configMapGenerator:\n  - name: c\n    files: [conf=settings.conf]\n",
        "app/sub/x.yaml": "a: 1\n",
    }
    got = findings(repo(files), "FLUX006")
    messages = sorted(f.message for f in got)
    assert messages == [
        "configMapGenerator entry settings.conf does not exist",
        "patches entry patch.yaml does not exist",
        "resources entry ../shared does not exist",
        "resources entry sub is a directory without a kustomization.yaml",
    ]
    assert {f.loc.path for f in got} == {"app/kustomization.yaml"}
    assert any("resolves to app/settings.conf" in f.hint for f in got)


def test_orphans_only_where_kustomization_yaml_governs(repo):
    files = {
        "k.yaml": ks("a", "app") + "---\n" + ks("b", "gen"),
        "app/kustomization.yaml": "resources: [a.yaml]\npatches: [{path: patch.yaml}]\n",
        "app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
        "app/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
        "app/notes.yaml": "just: data\n",
        "app/forgotten.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: f, namespace: default}\n",
        "gen/any.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: g, namespace: default}\n",
    }
    got = findings(repo(files), "FLUX007")
    assert [f.loc.path for f in got] == ["app/forgotten.yaml"]
    # the files one kustomization.yaml leaves out are one finding; a file named in a comment is off on purpose
    # (named h, not g: a file repeating what gen/any.yaml applies is a dead copy, not an orphan)
    files["app/also.yaml"] = files["app/forgotten.yaml"].replace("name: f", "name: h")
    files["app/off.yaml"] = files["app/forgotten.yaml"].replace("name: f", "name: o")
    files["app/kustomization.yaml"] += "# - off.yaml\n"
    (f,) = findings(repo(files), "FLUX007")
    assert f.message == "2 manifests are never applied: app/kustomization.yaml does not list also.yaml and 1 more"
    assert [r.loc.path for r in f.related] == ["app/forgotten.yaml", "app/kustomization.yaml"]


# --- FLUX008 chart-version-unpinned ----------------------------------------------------------


def test_chart_versions(repo):
    def release(version: str) -> str:
        return hr("x", "m", "c").replace("version: 1.0.0", version)

    for bad in ("version: '*'", "version: 1.x", "version: ^1.2.0", "version: '>=1.0.0 <2.0.0'", "version: 1.2"):
        assert len(findings(repo({"hr.yaml": release(bad)}), "FLUX008")) == 1, bad
    assert len(findings(repo({"hr.yaml": release("interval: 1h")}), "FLUX008")) == 1  # no version
    for good in ("version: 1.2.3", "version: v1.2.3", "version: 1.2.3-rc.1"):
        assert findings(repo({"hr.yaml": release(good)}), "FLUX008") == [], good


def test_oci_chart_ref(repo):
    def files(ref: str) -> dict[str, str]:
        return {
            "hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x, namespace: m}\n"
            "spec:\n  chartRef: {kind: OCIRepository, name: x}\n",
            "oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
            "metadata: {name: x, namespace: m}\n"
            f"spec:\n  url: oci://ghcr.io/x/charts/x\n  interval: 1h\n{ref}",
        }

    assert len(findings(repo(files("  ref: {semver: '>=1.0.0'}\n")), "FLUX008")) == 1
    assert len(findings(repo(files("")), "FLUX008")) == 1
    assert findings(repo(files("  ref: {tag: 1.2.3}\n")), "FLUX008") == []


# --- FLUX009 kustomize-build-fails -------------------------------------------------------------


def test_kustomize_build(repo):
    require_tool("kubectl")
    files = {
        "k.yaml": ks("a", "app"),
        "app/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: x-\npatches:\n  - path: p.yaml\n",
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
        "app/p.yaml": "apiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: not-there, namespace: default}\ndata: {a: b}\n",
    }
    got = findings(repo(files), "FLUX009")
    assert len(got) == 1 and got[0].message.startswith("kustomize build of app fails: ")
    assert len(got[0].message) <= 200
    assert [(r.loc.path, r.message) for r in got[0].related] == [
        ("k.yaml", "Kustomization flux-system/a applies this path")
    ]
    assert "/tmp" not in got[0].message + got[0].hint
    files["app/p.yaml"] = files["app/p.yaml"].replace("not-there", "a")
    assert findings(repo(files), "FLUX009") == []


def test_kustomize_build_with_a_generator_file_from_a_url_is_skipped_with_a_notice(repo):
    """kustomize fetches a generator file given as a URL over HTTP; offline the build is unknown."""
    require_tool("kubectl")
    files = {
        "k.yaml": ks("a", "app"),
        "app/kustomization.yaml": "configMapGenerator:\n  - name: dash\n"
        "    files: [d.json=https://raw.githubusercontent.com/example/repo/main/d.json]\n",
    }
    result = check(repo(files), select=["FLUX009"])
    assert not result.findings
    assert any("Kustomization flux-system/a" in n and "remote" in n for n in result.notices)


def _spy_kubectl(monkeypatch) -> list[str]:
    """The target of every `kubectl kustomize` run from now on."""
    from obslint.tools import kustomize_builder

    runs: list[str] = []
    real = kustomize_builder.run_tool

    def spy(argv, **kw):
        runs.append(argv[-1])
        return real(argv, **kw)

    monkeypatch.setattr(kustomize_builder, "run_tool", spy)
    return runs


def _cm(n: int, kind: str = "ConfigMap", name: str = "a") -> str:
    return f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: default}}\ndata: {{n: '{n}'}}\n"


def test_kustomize_builds_paths_together_and_halves_a_failing_group(repo, monkeypatch):
    """Paths are built in aggregates (two, one per worker), even when two paths hold the same object
    (Flux builds them separately); a failing group is halved until the broken path is built alone."""
    require_tool("kubectl")
    from obslint.cache import store

    monkeypatch.setattr(store, "_disabled", True)
    runs = _spy_kubectl(monkeypatch)
    files = {"k.yaml": "---\n".join(ks(f"k{n}", f"p{n}") for n in range(16))}
    for n in range(16):
        files[f"p{n}/kustomization.yaml"] = "resources: [cm.yaml]\n"
        files[f"p{n}/cm.yaml"] = _cm(n)  # the same object in every path, each path its own content
    assert findings(repo(files), "FLUX009") == []
    assert len(runs) == 2 and all("/paths-" in r for r in runs)
    runs.clear()
    files["p5/kustomization.yaml"] = "resources: [cm.yaml, cm.yaml]\n"
    got = findings(repo(files), "FLUX009")
    assert [f.message.split(" fails")[0] for f in got] == ["kustomize build of p5"]
    assert len(runs) == 2 + 2 + 2 + 2  # two groups of 8 paths, then halves of 8, 4 and 2


@pytest.mark.isolated_cache
def test_kustomize_copies_of_a_path_are_built_once(repo, monkeypatch):
    """Paths that read the same bytes at the same places (one app copied into many clusters) are
    built once; when that build fails, each copy is built as itself so its error names it."""
    require_tool("kubectl")
    runs = _spy_kubectl(monkeypatch)
    files = {"k.yaml": "---\n".join(ks(f"k{n}", f"c{n}/app") for n in range(6))}
    for n in range(6):
        files[f"c{n}/app/kustomization.yaml"] = "resources: [cm.yaml, ../shared/x.yaml]\n"
        files[f"c{n}/app/cm.yaml"] = _cm(0)
        files[f"c{n}/shared/x.yaml"] = _cm(0, name="x")
    assert findings(repo(files), "FLUX009") == []
    assert len(runs) == 1 and "/paths-" not in runs[0]
    runs.clear()
    files["c4/shared/x.yaml"] = _cm(1, name="a")  # only c4 reads a duplicate
    got = findings(repo(files), "FLUX009")
    assert [f.message.split(" fails")[0] for f in got] == ["kustomize build of c4/app"]
    runs.clear()
    for n in range(6):
        files[f"c{n}/app/kustomization.yaml"] = "resources: [cm.yaml, cm.yaml]\n"
    got = findings(repo(files), "FLUX009")
    assert sorted(f.message.split(" fails")[0] for f in got) == [f"kustomize build of c{n}/app" for n in range(6)]
    assert all(f"c{n}/app" in f.hint for n, f in enumerate(sorted(got, key=lambda f: f.message)))
    assert len(runs) == 6  # one for the content, then the other five copies for their own error text


@pytest.mark.isolated_cache
def test_kustomize_build_results_are_cached_by_content(repo, monkeypatch, private_cache):
    require_tool("kubectl")
    runs = _spy_kubectl(monkeypatch)
    files = {"k.yaml": "---\n".join(ks(f"k{n}", f"p{n}") for n in range(3))}
    for n in range(3):
        files[f"p{n}/kustomization.yaml"] = "resources: [cm.yaml]\n"
        files[f"p{n}/cm.yaml"] = _cm(n)
    files["p2/kustomization.yaml"] = "resources: [cm.yaml, cm.yaml]\n"
    from obslint.tools import wait_for_finishing

    first = findings(repo(files), "FLUX009")
    assert len(first) == 1 and runs
    wait_for_finishing()  # the results are stored after they are handed out
    runs.clear()
    again = findings(repo(files), "FLUX009")  # another directory, the same content: nothing is built
    assert runs == [] and [(f.loc, f.message, f.hint) for f in again] == [(f.loc, f.message, f.hint) for f in first]
    files["p1/cm.yaml"] = _cm(7)
    assert len(findings(repo(files), "FLUX009")) == 1 and len(runs) == 1  # only the changed path
    wait_for_finishing()
    runs.clear()
    for entry in (private_cache / "v1" / "kustomize").rglob("*.json"):
        entry.write_text(entry.read_text()[:-5])  # cut short: not intact, so not used
    assert len(findings(repo(files), "FLUX009")) == 1 and len(runs) >= 1
    assert all(e.stat().st_size for e in (private_cache / "v1" / "kustomize").rglob("*.json"))


def test_kustomize_paths_declaring_one_namespace_are_not_built_together(repo, monkeypatch):
    """kustomize leaves Namespace names unprefixed, so two paths that declare the same Namespace
    would fail as one aggregate: they go into different groups from the start."""
    require_tool("kubectl")
    runs = _spy_kubectl(monkeypatch)
    files = {"k.yaml": "---\n".join(ks(f"k{n}", f"p{n}") for n in range(4))}
    for n in range(4):
        files[f"p{n}/kustomization.yaml"] = "resources: [ns.yaml, cm.yaml]\n"
        files[f"p{n}/ns.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n"
        files[f"p{n}/cm.yaml"] = _cm(n)
    assert findings(repo(files), "FLUX009") == []
    assert len(runs) == 4  # one per Namespace holder, none failing and halved


def test_pack_keeps_claims_apart_and_fills_both_workers():
    from obslint.tools.kustomize_builder import CHUNK, pack

    ns = frozenset({("", "Namespace", "monitoring")})
    assert pack(["a", "b", "c", "d"], {"a": ns, "c": ns}) == [["a", "b"], ["c", "d"]]
    assert pack(["a", "b"], {}) == [["a"], ["b"]]
    many = [f"p{n:03d}" for n in range(3 * CHUNK)]
    assert [len(g) for g in pack(many, {})] == [CHUNK] * 3


@pytest.mark.parametrize(
    "error, cause",
    [
        ("no matches for Id X\nmore", "no matches for Id X"),
        (
            "accumulating resources: accumulation err='merging resources from 'cm.yaml': may not add resource "
            "with an already registered id: ConfigMap.v1.[noGrp]/a.default': must build at directory: "
            "'app/cm.yaml': file is not directory",
            "accumulating resources: merging resources from 'cm.yaml': may not add resource with an already "
            "registered id: ConfigMap.v1.[noGrp]/a.default",
        ),
        (
            "accumulating resources: accumulating resources from 'a.yaml': " + "y" * 200,
            "accumulating resources: accumulating resources from 'a.yaml'…",
        ),
        ("x" * 300, "x" * 149 + "…"),
        ("", "kubectl printed no error"),
    ],
)
def test_kustomize_build_error_cause(error, cause):
    assert build_error_cause(error, 150) == cause


def test_kustomize_build_not_repeated_for_missing_resources(repo):
    require_tool("kubectl")
    files = {"k.yaml": ks("a", "app"), "app/kustomization.yaml": "resources: [gone.yaml]\n"}
    assert rule_ids(check(repo(files), select=["FLUX006", "FLUX009"]).findings) == ["FLUX006"]


def test_kustomize_build_without_kubectl(repo, monkeypatch):
    monkeypatch.setenv("OBSLINT_KUBECTL", "/nonexistent/kubectl")
    files = {
        "k.yaml": ks("a", "app"),
        "app/kustomization.yaml": "resources: [cm.yaml, cm.yaml]\n",
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
    }
    result = check(repo(files), select=["FLUX009"])
    assert result.findings == []
    assert any("kubectl not found" in n for n in result.notices)


def test_commented_out_entry_is_not_an_orphan(repo):
    files = {
        "k.yaml": ks("a", "app"),
        "app/kustomization.yaml": "resources:\n  - a.yaml\n  # - ./route.yaml\n",
        "app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
        "app/route.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r, namespace: default}\n",
    }
    assert findings(repo(files), "FLUX007") == []


def test_flux_components_are_applied_and_checked(repo):
    files = {
        "k.yaml": ks(
            "a", "apps/a", targetNamespace="web", components="[../../components/repos, ../../components/nope]"
        ),
        "apps/a/kustomization.yaml": "resources: [hr.yaml]\n",
        "apps/a/hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\n"
        "spec:\n  chartRef: {kind: OCIRepository, name: app-template}\n",
        "components/repos/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "resources: [oci.yaml]\n",
        "components/repos/oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata: {name: app-template}\nspec: {url: oci://ghcr.io/x/app-template, interval: 1h, ref: {tag: 4.0.0}}\n",
    }
    root = repo(files)
    assert findings(root, "FLUX001") == []
    got = findings(root, "FLUX005")
    assert len(got) == 1 and "component ../../components/nope" in got[0].message


def test_odd_values_never_crash(repo):
    files = {
        "k.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\n"
        "spec: {path: [x], dependsOn: [1, {name: 2}, {x: y}], sourceRef: [], healthChecks: x, wait: yes,\n"
        "  decryption: {secretRef: 3}, components: 4, postBuild: {substituteFrom: [{kind: 1}]}}\n"
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k2}\n"
        "spec: {path: ./a, components: [1, null], dependsOn: {name: k}}\n",
        "hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h}\n"
        "spec: {chart: {spec: {chart: [1], version: {a: 1}, sourceRef: {name: 5}}}, values: [1, 2],\n"
        "  valuesFrom: {a: b}, dependsOn: x, install: {crds: 1, createNamespace: 'yes'}}\n"
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h2}\n"
        "spec: {chartRef: {kind: OCIRepository, name: o}, values: {fullnameOverride: 1, service: {port: x}}}\n",
        "o.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: o}\nspec: {ref: 1}\n",
        "a/kustomization.yaml": "resources: {a: b}\nsecretGenerator: [1, {name: [x], files: 3}]\n"
        "patches: [x, {path: 1}]\nnamespace: [x]\ngeneratorOptions: 1\n",
        "alert.yaml": "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: a}\n"
        "spec: {providerRef: x, eventSources: [1, {kind: 2, name: 3}]}\n---\n"
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata: {name: p}\n"
        "spec: {secretRef: {name: [1]}, address: 5}\n",
        "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [1, {port: x}, {port: '80'}]}\n",
    }
    result = check(
        repo(files), select=["FLUX001", "FLUX002", "FLUX003", "FLUX004", "FLUX005", "FLUX006", "FLUX007", "FLUX008"]
    )
    assert not result.errors, result.errors


def test_values_from_hashed_generator(repo):
    files = {
        "k.yaml": ks("app"),
        "app/kustomization.yaml": "namespace: web\nresources: [hr.yaml]\n"
        "configMapGenerator:\n  - name: app-values\n    files: [values.yaml]\n",
        "app/values.yaml": "replicas: 2\n",
        "app/hr.yaml": hr("app", "web", "app", extra="  valuesFrom:\n    - kind: ConfigMap\n      name: app-values\n"),
        "app/repo.yaml": HELMREPO.format(ns="web"),
    }
    files["app/kustomization.yaml"] = files["app/kustomization.yaml"].replace("[hr.yaml]", "[hr.yaml, repo.yaml]")
    got = findings(repo(files), "FLUX001")
    assert len(got) == 1 and "appends a content hash" in got[0].message
    assert "disableNameSuffixHash" in got[0].hint
    configured = dict(files)
    configured["app/kustomization.yaml"] += "configurations: [kustomizeconfig.yaml]\n"
    configured["app/kustomizeconfig.yaml"] = (
        "nameReference:\n  - kind: ConfigMap\n    version: v1\n    fieldSpecs:\n"
        "      - path: spec/valuesFrom/name\n        kind: HelmRelease\n"
    )
    assert findings(repo(configured), "FLUX001") == []


# --- FLUX002 hints are checked against the graph ----------------------------------------------


def test_hint_for_a_namespace_made_by_create_namespace_in_the_same_kustomization(repo):
    """A HelmRelease's install.createNamespace makes the namespace when the chart installs, after
    the apply of its own Kustomization: no dependsOn helps, a Namespace manifest does."""
    files = {
        "clusters/home/ks.yaml": ks("apps"),
        "apps/hr.yaml": hr(
            "app", "flux-system", "app", extra="  targetNamespace: web\n  install: {createNamespace: true}\n"
        )
        + "---\n"
        + HELMREPO.format(ns="flux-system"),
        "apps/cm.yaml": CM.replace("default", "web").format(name="settings"),
    }
    (f,) = findings(repo(files), "FLUX002")
    assert f.message == (
        "Kustomization flux-system/apps applies what needs namespace web before HelmRelease flux-system/app "
        "(createNamespace) makes it: the first apply fails"
    )
    assert "add a Namespace manifest to Kustomization flux-system/apps" in f.hint
    assert "dependsOn" not in f.hint


def test_hint_never_closes_a_cycle(repo):
    """infra depends on apps, and apps uses what infra makes: a dependsOn back would be a cycle."""
    files = base_repo()
    files["clusters/home/ks.yaml"] = ks("infra", wait="true", dependsOn="[{name: apps}]") + "---\n" + ks("apps")
    got = findings(repo(files), "FLUX002")
    assert len(got) == 1
    assert "Kustomization flux-system/infra depends on Kustomization flux-system/apps" in got[0].hint
    assert "dependsOn: [{name: infra}]" not in got[0].hint


def test_hint_never_asks_a_child_to_depend_on_its_parent(repo):
    """The parent applies a chart and the child Kustomization that uses its CRDs: the child depending
    on its parent deadlocks a parent that waits; the chart belongs in its own Kustomization."""
    files = {
        "clusters/home/ks.yaml": ks("stack", wait="true"),
        "stack/hr.yaml": hr("kps", "mon", "kube-prometheus-stack") + "---\n" + HELMREPO.format(ns="mon"),
        "stack/ns.yaml": NS.format(ns="mon"),
        "stack/rules.yaml": ks("rules"),
        "rules/sm.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: sm, namespace: mon}\nspec: {endpoints: []}\n",
    }
    got = [f for f in findings(repo(files), "FLUX002") if "kind ServiceMonitor" in f.message]
    assert len(got) == 1
    assert "Kustomization flux-system/stack applies Kustomization flux-system/rules" in got[0].hint
    assert "dependsOn: [{name: stack}]" not in got[0].hint


def test_decryption_key_kept_encrypted_with_itself_was_made_at_bootstrap(repo):
    """Flux cannot decrypt the key Secret with the key it holds before that Secret exists: a
    SOPS-encrypted sops-age applied by Kustomizations decrypting with sops-age came from bootstrap."""
    key = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: sops-age, namespace: flux-system}\n"
        "stringData: {age.agekey: 'ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]'}\n"
        "sops: {mac: 'ENC[AES256_GCM,data:m=,iv:x=,tag:y=,type:str]', lastmodified: '2024-01-01T00:00:00Z', "
        "version: 3.9.0, age: [{recipient: age1abc, enc: x}]}\n"
    )
    dec = "{provider: sops, secretRef: {name: sops-age}}"
    files = {
        "clusters/home/flux-system/gotk-sync.yaml": ks("flux-system", "clusters/home"),
        "clusters/home/ks.yaml": ks("meta", decryption=dec) + "---\n" + ks("apps", decryption=dec),
        "meta/cm.yaml": CM.format(name="meta"),
        "apps/sops-age.sops.yaml": key,
    }
    assert findings(repo(files), "FLUX002") == []
    # kept in clear text, it is what the other Kustomization needs first
    files["apps/sops-age.sops.yaml"] = key.split("sops:")[0].replace(
        "'ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]'", "x"
    )
    (f,) = findings(repo(files), "FLUX002")
    assert "Secret flux-system/sops-age (decryption)" in f.message


# --- FLUX009: what the kustomization Flux generates refuses ------------------------------------
_VALUES = "replicaCount: 2\nimage: {tag: '1.0'}\n"


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ({}, True),
        ({"apps/web/kustomization.yaml": "resources: [cm.yaml]\n"}, False),  # listed manifests only
        ({".sourceignore": "apps/web/values.yaml\n"}, False),  # what the artifact holds is not known here
        ({"apps/web/Kustomization": "resources: [cm.yaml]\n"}, False),  # kustomize's other file names count
        ({"apps/web/kustomization.yml": "resources: [cm.yaml]\n"}, False),
        (
            {
                "clusters/home/repo.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                "metadata: {name: flux-system, namespace: flux-system}\nspec:\n  url: https://example.org/r\n"
                "  ignore: |\n    values.yaml\n"
            },
            False,
        ),
    ],
)
def test_a_file_that_is_no_object_in_a_generated_kustomization(repo, extra, reported):
    """kustomize-controller generates a kustomization for a path without one and decodes every YAML file it
    walks (fluxcd/pkg kustomize/kustomize_generator.go): a Helm values file there fails the Kustomization."""
    files = {
        "clusters/home/web.yaml": ks("web", "apps/web"),
        "apps/web/cm.yaml": CM.format(name="web"),
        "apps/web/values.yaml": _VALUES,
        "apps/web/.sops.yaml": "creation_rules: [{path_regex: x}]\n",  # left out of the artifact by default
        **extra,
    }
    found = findings(repo(files), "FLUX009")
    assert [(f.loc.path, f.loc.line) for f in found] == ([("apps/web/values.yaml", 1)] if reported else [])
    if reported:  # what the generator does take: other extensions are not read, a List needs no metadata
        files["apps/web/values.yaml"] = "apiVersion: v1\nkind: List\nitems: []\n"
        files["apps/web/other.YAML"] = _VALUES
        assert findings(repo(files), "FLUX009") == []
    if reported:
        assert found[0].message == (
            "Kustomization flux-system/web fails to build: apps/web/values.yaml is not a Kubernetes object, and the "
            "kustomization Flux generates for ./apps/web takes in every YAML file"
        )


def test_a_generated_kustomization_of_another_repository_is_not_judged(repo):
    """A GitRepository other than the bootstrap one may be another repository with a directory of that name."""
    files = {
        "clusters/home/web.yaml": ks("web", "apps/web").replace("name: flux-system\n", "name: upstream\n"),
        "apps/web/cm.yaml": CM.format(name="web"),
        "apps/web/values.yaml": _VALUES,
    }
    assert findings(repo(files), "FLUX009") == []
