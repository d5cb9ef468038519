"""FLUX051/FLUX052 over every released chart version: the shipped key sets, which version a release is
checked against (exact, range, OCI tag, nearest), the two loki lines, and keys removed or renamed between
versions."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from obslint.model.chart_keys import DATA, chart_keys, key_tree, known_charts
from obslint.model.chart_pin import resolve
from obslint.model.semver import constraint, parse
from tests.conftest import ROOT, check, in_ci
from tests.corpus.shared import SHARED

HISTORY = SHARED / "oracles" / "charts" / "history"

HR = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: monitoring
spec:
  interval: 12h
  url: {url}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: rel
  namespace: monitoring
spec:
  interval: 1h
  chart:
    spec:
      chart: {chart}
{version}      sourceRef:
        kind: HelmRepository
        name: charts
  values:
{values}
"""

KPS_URL = "https://prometheus-community.github.io/helm-charts"


def hr(values: str, version: str | None, chart: str = "kube-prometheus-stack", url: str = KPS_URL) -> str:
    line = f'      version: "{version}"\n' if version is not None else ""
    return HR.format(url=url, chart=chart, version=line, values=values)


def found(repo, text: str, rule: str) -> list:
    return [f for f in check(repo({"hr.yaml": text}), select=[rule]).findings if f.rule == rule]


TYPO = "    prometheus:\n      prometheusSpec:\n        retentionsize: 45GB\n"


# --- the shipped data ------------------------------------------------------------------------------------------
def test_every_chart_of_the_history_ships():
    assert known_charts() == sorted(
        [
            "alloy",
            "falco",
            "falcosidekick",
            "grafana",
            "k8s-monitoring",
            "kube-prometheus-stack",
            "loki",
            "loki-grafana-community",
            "loki-stack",
            "promtail",
            "robusta",
            "uptime-kuma",
            "vector",
            "victoria-metrics-k8s-stack",
        ]
    )
    kps = chart_keys("kube-prometheus-stack")
    assert kps is not None and kps.versions[0] == "40.0.0" and len(kps.versions) == 767
    assert sum(p.stat().st_size for p in DATA.glob("*.json.gz")) < 1_000_000  # compact: well under a MB
    assert chart_keys("../etc/passwd") is None and chart_keys("podinfo") is None


def test_versions_are_sorted_as_semver():
    versions = chart_keys("k8s-monitoring").versions
    parsed = [parse(v) for v in versions]
    assert parsed == sorted(parsed)
    assert versions.index("2.0.0-rc.13") < versions.index("2.0.0") < versions.index("2.0.1")


def test_shipped_key_sets_are_what_the_script_generates(tmp_path):
    """Drift: obslint/data/charts equals what scripts/gen_chart_keys.py makes of the chart history."""
    if not (HISTORY / "INDEX.tsv").is_file():
        if in_ci():
            pytest.fail(f"chart history {HISTORY} not present: the drift test requires it in CI")
        pytest.skip(f"chart history {HISTORY} not present")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_chart_keys.py"), str(HISTORY), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = sorted(p.name for p in DATA.glob("*.json.gz"))
    assert shipped == sorted(p.name for p in tmp_path.glob("*.json.gz"))
    for name in shipped:
        ours = json.loads(gzip.decompress((DATA / name).read_bytes()))
        assert ours == json.loads(gzip.decompress((tmp_path / name).read_bytes())), f"{name}: regenerate it"


# --- version resolution ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("requested", "version", "how"),
    [
        ("80.6.0", "80.6.0", "exact"),
        ("v80.6.0", "80.6.0", "exact"),
        ("80.4.0", "80.3.1", "nearest"),  # 80.4.0 was never released: the closest below
        ("80.99.0", "80.14.4", "nearest"),
        (">=80.0.0 <80.5", "80.4.2", "range"),
        (">=80.0.0, <80.5", "80.4.2", "range"),
        ("~80.8", "80.8.2", "range"),
        ("^54.1", "54.2.2", "range"),
        ("80.x", "80.14.4", "range"),
        ("80.13.*", "80.13.3", "range"),
        ("55.0.0 - 55.1.1", "55.1.1", "range"),
        ("<41 || 54.2.x", "54.2.2", "range"),
    ],
)
def test_resolution_against_known_versions(requested, version, how):
    kps = chart_keys("kube-prometheus-stack")
    index, kind = resolve(kps, requested)
    assert (kps.versions[index], kind) == (version, how)


def test_star_is_the_newest_known_version_and_pre_releases_need_a_pre_release_constraint():
    k8s = chart_keys("k8s-monitoring")
    assert k8s.versions[resolve(k8s, "*")[0]] == k8s.versions[-1]
    assert k8s.versions[resolve(k8s, "2.0.0-rc.1 - 2.0.0-rc.5")[0]] == "2.0.0-rc.5"
    assert "-" not in k8s.versions[resolve(k8s, "<2.0.0")[0]]
    assert constraint("2.0.0-rc.1 - 2.0.0-rc.5").allows(parse("2.0.0-rc.3"))
    assert not constraint(">=1.0.0").allows(parse("2.0.0-rc.3"))


@pytest.mark.parametrize("requested", ["39.1.0", "89.0.0", ">=999", "latest", "", ">= 1.0 < ", "1.2.3.4"])
def test_nothing_fits(requested):
    assert resolve(chart_keys("kube-prometheus-stack"), requested) is None


def test_a_range_names_the_version_checked_against(repo):
    (f,) = found(repo, hr(TYPO, ">=80.0.0 <80.5"), "FLUX051")
    assert f.message == (
        "HelmRelease rel: kube-prometheus-stack has no value 'prometheus.prometheusSpec.retentionsize'; "
        "Helm ignores it (checked against kube-prometheus-stack 80.4.2, the highest known version matching "
        "'>=80.0.0 <80.5')"
    )


def test_an_unknown_exact_version_names_the_nearest_known_one(repo):
    (f,) = found(repo, hr(TYPO, "80.99.0"), "FLUX051")
    assert f.message.endswith(
        "Helm ignores it (checked against kube-prometheus-stack 80.14.4, the nearest known version to 80.99.0)"
    )
    assert "kube-prometheus-stack 80.99.0 has no value" in f.message


def test_no_version_is_the_newest_known_one(repo):
    (f,) = found(repo, hr(TYPO, None), "FLUX051")
    assert "the highest known version matching '*'" in f.message


OCI = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: kps
  namespace: monitoring
spec:
  interval: 12h
  url: oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack
  ref:
    {ref}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: rel
  namespace: monitoring
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: kps
  values:
{values}
"""


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("tag: 80.6.0", "kube-prometheus-stack 80.6.0 has no value"),
        ("tag: 80.4.0", "the nearest known version to 80.4.0"),
        ("semver: '>=80.0.0 <80.5'", "kube-prometheus-stack 80.4.2, the highest known version matching"),
    ],
)
def test_oci_repository_tag_and_semver(repo, ref, expected):
    (f,) = found(repo, OCI.format(ref=ref, values=TYPO), "FLUX051")
    assert expected in f.message


def test_a_chart_from_a_git_path_is_not_checked(repo):
    git = "kind: GitRepository\n        name: x"
    text = hr(TYPO, "80.6.0").replace("kind: HelmRepository\n        name: charts", git)
    assert found(repo, text, "FLUX051") == []


# --- the two loki lines ----------------------------------------------------------------------------------------
LOKI = "    rbac:\n      pspEnabled: false\n"


def test_the_loki_line_is_told_by_the_repository_url(repo):
    """7.0.0 is in both lines: Grafana's still has rbac.pspEnabled, grafana-community's does not."""
    grafana = hr(LOKI, "7.0.0", "loki", "https://grafana.github.io/helm-charts")
    assert found(repo, grafana, "FLUX051") == [] and found(repo, grafana, "FLUX052") == []
    community = hr(LOKI, "7.0.0", "loki", "https://grafana-community.github.io/helm-charts")
    (f,) = found(repo, community, "FLUX052")  # the community line's 6.x still had it
    assert "'rbac.pspEnabled' was removed from loki in 7.0.0 (last in 6.57.0)" in f.message
    assert f.message.endswith("Helm ignores it now with loki (grafana-community) 7.0.0")
    # a version only the community line has is of that line even where no repository says so
    assert chart_keys("loki-grafana-community").versions[-1] not in chart_keys("loki").versions


# --- FLUX052 ---------------------------------------------------------------------------------------------------
RULES_K8S = "    defaultRules:\n      rules:\n        k8s: false\n"


def test_removed_key_is_flux052_not_flux051(repo):
    text = hr(RULES_K8S, "80.6.0")
    (f,) = found(repo, text, "FLUX052")
    assert f.message == (
        "HelmRelease rel: 'defaultRules.rules.k8s' was removed from kube-prometheus-stack in 54.2.0 "
        "(last in 54.1.0); Helm ignores it now with kube-prometheus-stack 80.6.0"
    )
    assert found(repo, text, "FLUX051") == []
    assert found(repo, hr(RULES_K8S, "54.1.0"), "FLUX052") == []  # still there: nothing to report
    assert found(repo, hr(RULES_K8S, "54.1.0"), "FLUX051") == []


def test_renamed_key_suggests_the_new_name(repo):
    """A key renamed between versions (kube-prometheus-stack 48.x scrapeConfigsNamespaceSelector is
    scrapeConfigNamespaceSelector later): FLUX052, with the new name in the hint."""
    kps = chart_keys("kube-prometheus-stack")
    old = kps.tree(kps.versions.index("48.3.2"))["prometheus"]["prometheusSpec"]
    new = kps.tree(kps.versions.index("80.6.0"))["prometheus"]["prometheusSpec"]
    assert "scrapeConfigsNamespaceSelector" in old and "scrapeConfigsNamespaceSelector" not in new
    assert "scrapeConfigNamespaceSelector" in new
    values = "    prometheus:\n      prometheusSpec:\n        scrapeConfigsNamespaceSelector: {}\n"
    (f,) = found(repo, hr(values, "80.6.0"), "FLUX052")
    assert "was removed from kube-prometheus-stack in" in f.message
    assert f.hint == "did you mean 'prometheus.prometheusSpec.scrapeConfigNamespaceSelector'?"
    assert found(repo, hr(values, "48.3.2"), "FLUX052") == []


def test_a_key_only_later_versions_have_is_flux051_with_the_version_that_adds_it(repo):
    kps = chart_keys("kube-prometheus-stack")
    assert "scrapeConfigNamespaceSelector" not in kps.tree(0)["prometheus"]["prometheusSpec"]
    values = "    prometheus:\n      prometheusSpec:\n        scrapeConfigNamespaceSelector: {}\n"
    (f,) = found(repo, hr(values, "40.0.0"), "FLUX051")
    assert "has it from" in f.hint
    assert found(repo, hr(values, "40.0.0"), "FLUX052") == []


def test_key_tree_of_one_version():
    assert key_tree("kube-prometheus-stack", "80.6.0")["prometheus"]["prometheusSpec"]["retentionSize"] == 1
    assert key_tree("kube-prometheus-stack", "80.4.0") is None
    assert key_tree("podinfo", "6.0.0") is None


def test_a_chart_of_the_same_name_from_another_publisher_is_not_checked(repo):
    values = "    ingressRoute:\n      create: true\n"
    kuma = hr(values, "2.21.0", "uptime-kuma", "https://dirsigler.github.io/uptime-kuma-helm")
    assert len(found(repo, kuma, "FLUX051")) == 1
    other = hr(values, "2.21.0", "uptime-kuma", "oci://ghcr.io/pascaliske/helm-charts")
    assert found(repo, other, "FLUX051") == []
    mirror = hr(TYPO, "80.6.0", url="oci://ghcr.io/home-operations/charts-mirror/kube-prometheus-stack")
    assert len(found(repo, mirror, "FLUX051")) == 1
