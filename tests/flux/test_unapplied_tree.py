"""FLUX010 unapplied-tree: a tree no cluster reaches is one finding, and what is inside it folds into it."""

from __future__ import annotations

from tests.conftest import check

ROOT = {
    "clusters/home/flux-system/gotk-sync.yaml": """\
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: flux-system
          namespace: flux-system
        spec:
          interval: 10m
          path: ./clusters/home
          prune: true
          sourceRef:
            kind: GitRepository
            name: flux-system
        """,
    "clusters/home/kustomization.yaml": "resources:\n  - flux-system/gotk-sync.yaml\n",
}
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata: {{}}\n"
ARCHIVE = {
    "archive/old/kustomization.yaml": "resources:\n  - a.yaml\n  - b.yaml\n",
    "archive/old/a.yaml": CM.format(name="a"),
    "archive/old/b.yaml": CM.format(name="b"),
}


def _ks(name: str, path: str) -> str:
    return (
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
        f"  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n"
        "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )


def _fired(root, rule_id):
    return [f for f in check(root).findings if f.rule == rule_id]


def test_a_tree_nothing_applies_is_one_finding_for_what_is_inside(repo):
    files = {**ROOT, **ARCHIVE, "archive/new/kustomization.yaml": "resources:\n  - gone.yaml\n"}
    files["archive/old/kustomization.yaml"] += "  - missing.yaml\n"
    findings = check(repo(files)).findings
    (f,) = findings
    assert f.rule == "FLUX010" and f.loc.path.startswith("archive/")
    assert f.message.startswith("no Flux Kustomization of any cluster reaches archive/ (4 manifest files)")
    assert "2 findings in it not reported" in f.message
    assert [r.message.split(":")[0] for r in f.related] == ["FLUX006 kustomize-resource-missing"] * 2


def test_a_tree_with_nothing_to_report_is_quiet(repo):
    """Bootstrap kustomizations, Talos manifests, unused components: outside Flux and harmless."""
    assert not check(repo({**ROOT, **ARCHIVE})).findings


def test_a_tree_a_cluster_applies_is_quiet(repo):
    files = {**ROOT, **ARCHIVE, "clusters/home/old.yaml": _ks("old", "./archive/old")}
    files["clusters/home/kustomization.yaml"] += "  - old.yaml\n"
    files["archive/old/kustomization.yaml"] += "  - missing.yaml\n"
    assert {f.rule for f in check(repo(files)).findings} == {"FLUX006"}


def test_without_clusters_nothing_is_unapplied(repo):
    """A repository defining no cluster root does not say what is applied: every tree is linted."""
    files = {**ARCHIVE, "archive/old/kustomization.yaml": ARCHIVE["archive/old/kustomization.yaml"] + "  - x.yaml\n"}
    assert {f.rule for f in check(repo(files)).findings} == {"FLUX006"}


def test_a_file_left_out_under_a_flux_path_is_an_orphan_not_a_tree(repo):
    files = {**ROOT, "apps/kustomization.yaml": "resources:\n  - a.yaml\n", "apps/a.yaml": CM.format(name="a")}
    files["apps/b.yaml"] = CM.format(name="b")
    files["clusters/home/apps.yaml"] = _ks("apps", "./apps")
    files["clusters/home/kustomization.yaml"] += "  - apps.yaml\n"
    findings = check(repo(files)).findings
    assert {f.rule for f in findings} == {"FLUX007"}


def test_findings_inside_fold_into_the_tree_but_leaks_stay(repo):
    files = {**ROOT, **ARCHIVE}
    files["archive/old/a.yaml"] = CM.format(name="a").replace("data: {}", "data: {}\ndata: {}")  # CORE002
    files["archive/old/kustomization.yaml"] += "  - secret.yaml\n"
    files["archive/old/secret.yaml"] = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: default\nstringData:\n  password: hunter22\n"
    )
    findings = check(repo(files)).findings
    (tree,) = [f for f in findings if f.rule == "FLUX010"]
    assert "1 finding in it not reported" in tree.message
    assert [r.message.split(":")[0] for r in tree.related] == ["CORE002 duplicate-key"]
    assert "CORE002" not in {f.rule for f in findings}
    assert "SEC001" in {f.rule for f in findings}  # a credential in clear leaks whether applied or not


def test_the_directory_a_misspelt_path_meant_is_that_path_finding(repo):
    files = {**ROOT, **ARCHIVE, "clusters/home/old.yaml": _ks("old", "./archive/olt")}
    files["clusters/home/kustomization.yaml"] += "  - old.yaml\n"
    files["archive/old/a.yaml"] = CM.format(name="a").replace("data: {}", "data: {}\ndata: {}")  # CORE002
    findings = check(repo(files)).findings
    assert "FLUX010" not in {f.rule for f in findings}
    (path,) = [f for f in findings if f.rule == "FLUX005"]
    assert path.hint.startswith("did you mean ./archive/old?")


def test_bootstrap_files_are_not_unapplied(repo):
    files = {**ROOT, "bootstrap/helmfile.yaml": "releases:\n  - name: cilium\n    chart: cilium/cilium\n"}
    files["bootstrap/helmfile.yaml"] += "releases:\n  - name: twice\n"  # CORE002, in a file bootstrap reads
    assert {f.rule for f in check(repo(files)).findings} == {"CORE002"}


def test_credentials_in_clear_are_reported_in_files_nothing_applies(repo):
    """SEC001/SEC005 speak about the repository: a file no cluster applies leaks all the same."""
    files = {**ROOT, **ARCHIVE}
    files["archive/old/kustomization.yaml"] += "  - hr.yaml\n"
    files["archive/old/hr.yaml"] = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: grafana\n"
        "  namespace: monitoring\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: grafana\n"
        "  values:\n    adminPassword: correct-horse-battery\n"
    )
    assert {f.rule for f in check(repo(files)).findings} == {"SEC005"}
