"""Which known chart version a HelmRelease's values are checked against.

The chart and the version as written come from `spec.chart.spec` (chart, version, sourceRef) or from
`spec.chartRef` to an OCIRepository (last path segment of its URL; `ref.tag` or `ref.semver`) or a
HelmChart (`chart`, `version`). The version is then matched against the versions in the package data
(obslint.model.chart_keys):

* an exact version that is known is used as it is;
* a semver range (`>=1.2 <2`, `~1.2`, `^1.2`, `1.x`, `*`) resolves, as source-controller resolves it, to
  the highest version satisfying it; here the highest *known* one;
* no version at all is `*`: HelmChart's `version` defaults to `*` (fluxcd/source-controller
  api/v1/helmchart_types.go, "Defaults to latest when omitted");
* an exact version that is not known uses the nearest known version of the same major (the closest
  one below it, else the closest above): a major bump is where charts rename and remove keys, so a
  version of another major is never stood in for it.

Grafana's `loki` chart and the grafana-community `loki` chart (published since 2026-03 from
https://grafana-community.github.io/helm-charts) share the name and even version 7.0.0, with different
content: the chart's repository URL tells them apart. A URL of another publisher (not a mirror) is another
chart of the same name, and is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.model.chart_keys import ChartKeys, Tree, chart_keys
from obslint.model.helm import HelmReleaseView, chart_ref_source
from obslint.model.semver import constraint, is_exact, parse

COMMUNITY_LOKI = "loki-grafana-community"

# Who publishes each chart of the package data (../shared/oracles/charts/history/README.md, "Sources"): a
# repository URL that names neither the publisher nor a mirror serves another chart of the same name
# (pascaliske's `uptime-kuma`, Bitnami's `grafana`), whose keys are not these.
PUBLISHERS = {
    "kube-prometheus-stack": "prometheus-community",
    "loki": "grafana",
    "loki-grafana-community": "grafana-community",
    "loki-stack": "grafana",
    "promtail": "grafana",
    "grafana": "grafana",
    "alloy": "grafana",
    "k8s-monitoring": "grafana",
    "vector": "vector",
    # dirsigler/uptime-kuma-helm, served at https://helm.irsigler.cloud (its README's `helm repo add`)
    "uptime-kuma": "irsigler",
    "victoria-metrics-k8s-stack": "victoriametrics",
    "robusta": "robusta",
    "falco": "falcosecurity",
    "falcosidekick": "falcosecurity",
}


@dataclass(frozen=True)
class ChartPin:
    chart: str  # the chart as named in messages (`loki`, also for the grafana-community line)
    keys: ChartKeys
    index: int  # of the known version checked against
    requested: str  # as written (`*` when absent)
    how: str  # "exact", "nearest" or "range"

    @property
    def version(self) -> str:
        return self.keys.versions[self.index]

    @property
    def tree(self) -> Tree:
        return self.keys.tree(self.index)

    @property
    def name(self) -> str:
        return f"{self.chart} (grafana-community)" if self.keys.chart == COMMUNITY_LOKI else self.chart

    def subject(self) -> str:
        """What the release pins: `kube-prometheus-stack 80.7.1`; a range names no version."""
        return self.name if self.how == "range" else f"{self.name} {self.requested}"

    def note(self) -> str:
        """Names the known version checked against when it is not the one pinned ('' when it is)."""
        if self.how == "nearest":
            return f" (checked against {self.name} {self.version}, the nearest known version to {self.requested})"
        if self.how == "range":
            matching = f"the highest known version matching {self.requested!r}"
            return f" (checked against {self.name} {self.version}, {matching})"
        return ""


@dataclass(frozen=True)
class _Written:
    chart: str
    version: str | None  # None: nothing the repository says (a digest, an unknown source)
    url: str | None  # the chart repository's URL, when the repository holds it


def _source_url(index: Index, kind: Any, name: Any, namespace: Any) -> str | None:
    if not isinstance(name, str) or not isinstance(kind, str):
        return None
    for source in index.find(kind, name, namespace if isinstance(namespace, str) else None):
        url = source.get("spec", "url")
        if isinstance(url, str):
            return url
    return None


def _written(index: Index, release: HelmReleaseView) -> _Written | None:
    obj = release.obj
    spec_ref = obj.get("spec", "chart", "spec", "sourceRef")
    if isinstance(obj.get("spec", "chart", "spec"), dict):
        kind = spec_ref.get("kind", "HelmRepository") if isinstance(spec_ref, dict) else "HelmRepository"
        if kind in ("GitRepository", "Bucket"):
            return None  # a chart from a path: its version is whatever Chart.yaml says there
        url = None
        if isinstance(spec_ref, dict):
            url = _source_url(index, kind, spec_ref.get("name"), spec_ref.get("namespace") or obj.namespace)
        version = release.version if release.version is not None else "*"
        return _Written(release.chart, version, url)
    source = chart_ref_source(index, obj)
    if source is None:
        return None
    if source.kind == "OCIRepository":
        url, tag = source.get("spec", "url"), source.get("spec", "ref", "tag")
        semver = source.get("spec", "ref", "semver")
        if not isinstance(url, str) or source.get("spec", "ref", "digest") is not None:
            return None
        version = tag.split("@", 1)[0] if isinstance(tag, str) else str(semver) if semver is not None else None
        # an OCI artifact's URL ends in the chart name: the repository (who publishes it) is what precedes
        repository, _, chart = url.rstrip("/").rpartition("/")
        return _Written(chart, version, repository)
    chart, version = source.get("spec", "chart"), source.get("spec", "version")  # a HelmChart
    if not isinstance(chart, str):
        return None
    src = source.get("spec", "sourceRef")
    url = None
    if isinstance(src, dict):
        url = _source_url(index, src.get("kind", "HelmRepository"), src.get("name"), source.namespace)
    return _Written(chart.rsplit("/", 1)[-1], str(version) if version is not None else "*", url)


def from_publisher(index: Index, release: HelmReleaseView) -> bool:
    """Whether a release's chart comes from the publisher PUBLISHERS names (or a mirror, or a
    source obslint cannot see: assumed so)."""
    written = _written(index, release)
    return written is None or _published_there(release.chart, written.url)


def _chart_key(name: str, version: str, url: str | None) -> str:
    """The package-data chart for a chart name: the grafana-community loki line by its URL."""
    if name != "loki":
        return name
    if url is not None:
        return COMMUNITY_LOKI if "grafana-community" in url.lower() else "loki"
    # no repository to tell: an exact version only the community line has is of that line
    exact = parse(version) if is_exact(version) else None
    community = chart_keys(COMMUNITY_LOKI)
    grafana = chart_keys("loki")
    if exact and community and exact in community.parsed and not (grafana and exact in grafana.parsed):
        return COMMUNITY_LOKI
    return "loki"


def _published_there(chart: str, url: str | None) -> bool:
    """Whether the chart at `url` is the published one (an unknown URL or a mirror: assumed so)."""
    if url is None:
        return True
    low = url.lower()
    return "mirror" in low or PUBLISHERS.get(chart, chart) in low


def resolve(keys: ChartKeys, requested: str) -> tuple[int, str] | None:
    """(index of the known version, how) for what a release asks for, or None when nothing fits."""
    versions = keys.parsed
    text = requested.strip()
    if is_exact(text):
        wanted = parse(text)
        if wanted is None:
            return None
        if wanted in versions:
            return versions.index(wanted), "exact"
        same = [i for i, v in enumerate(versions) if v.major == wanted.major]
        below = [i for i in same if versions[i] < wanted]
        if below:
            return max(below, key=lambda i: versions[i]), "nearest"
        above = [i for i in same if versions[i] > wanted]
        return (min(above, key=lambda i: versions[i]), "nearest") if above else None
    rule = constraint(text)
    if rule is None:
        return None
    allowed = [i for i, v in enumerate(versions) if rule.allows(v)]
    return (max(allowed, key=lambda i: versions[i]), "range") if allowed else None


def another_publisher(index: Index, release: HelmReleaseView) -> bool:
    """Whether the release's chart comes from a repository that serves another chart of the same name."""
    written = _written(index, release)
    if written is None or not written.chart:
        return False
    return not _published_there(_chart_key(written.chart, written.version or "*", written.url), written.url)


def chart_pin(index: Index, release: HelmReleaseView) -> ChartPin | None:
    """The known chart version a release's values are checked against, or None (unknown chart, version
    or source)."""
    written = _written(index, release)
    if written is None or not written.chart or written.version is None:
        return None
    key = _chart_key(written.chart, written.version, written.url)
    keys = chart_keys(key)
    if keys is None or not _published_there(key, written.url):
        return None
    found = resolve(keys, written.version)
    if found is None:
        return None
    if found[1] == "nearest" and written.url is None:
        # neither the repository nor the version is known to be the publisher's: another chart of the same
        # name (Bitnami's grafana 8.2.25 from a source the repository does not hold) is as likely
        return None
    return ChartPin(written.chart, keys, found[0], written.version.strip(), found[1])
