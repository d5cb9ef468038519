"""chart-version-unpinned: HelmReleases whose chart version floats."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obslint.findings import Finding
from obslint.model.flux import SOURCE_GROUP, FluxGraph, flux_graph
from obslint.model.helm import helm_releases
from obslint.rules import Basis, RuleContext, rule

# An exact SemVer 2 version (optionally "v"-prefixed, with pre-release/build): anything else is a
# constraint (Flux/Masterminds semver: ranges, wildcards, ^ ~ > < =, "||", hyphen ranges).
EXACT_RE = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")

_HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: loki
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: loki
      version: "{version}"
      sourceRef:
        kind: HelmRepository
        name: grafana
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: grafana
  namespace: monitoring
spec:
  interval: 12h
  url: https://grafana.github.io/helm-charts
"""


@rule(
    "FLUX008",
    "chart-version-unpinned",
    "info",
    "A HelmRelease chart version is a range, a wildcard or missing",
    basis=Basis.STYLE,
    why="""
    With a range (`>=6.0.0`, `6.x`, `^6`), `*` or no version, helm-controller upgrades the
    release whenever the repository publishes a matching chart: an untested major change of
    the monitoring stack lands on the cluster without a commit, and the repository no longer
    says what is deployed. The same holds for a chartRef OCIRepository that follows a semver
    range or the `latest` tag. It is info: following a range is a choice some repositories make
    on purpose (a staging cluster that tracks upstream), not a mistake.
    """,
    failing=_HR.format(version=">=6.0.0"),
    passing=_HR.format(version="6.46.0"),
    fix="Pin the exact chart version (and let a bot such as Renovate propose upgrades as commits).",
)
def chart_version_unpinned(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    for rel in helm_releases(ctx.index):
        obj = rel.obj
        spec = obj.spec
        chart_spec = obj.get("spec", "chart", "spec")
        if isinstance(chart_spec, dict):
            src = rel.source_ref
            if src is not None and src.kind == "GitRepository":
                continue  # the chart comes from a Git path; the version field is ignored
            version = chart_spec.get("version")
            chart = f"chart {rel.chart}" if rel.chart else "the chart"  # empty: not a plain string
            if version is None:
                yield Finding(
                    obj.loc("spec", "chart", "spec", "chart"),
                    f"HelmRelease {obj.name}: {chart} has no version, so the latest chart is installed "
                    "and upgrades happen without a commit",
                    "set `chart.spec.version` to an exact version",
                )
            elif not EXACT_RE.match(str(version).strip()):
                yield Finding(
                    obj.loc("spec", "chart", "spec", "version"),
                    f"HelmRelease {obj.name}: {chart} version {str(version)!r} is a range, "
                    "so upgrades happen without a commit",
                    "pin an exact version such as 1.2.3",
                )
        elif isinstance(spec.get("chartRef"), dict):
            src = rel.source_ref
            if src is None or src.kind != "OCIRepository":
                continue
            ns = src.namespace or g.namespace_of(obj)
            for repo in g.resolve("OCIRepository", src.name, ns, obj):
                if repo.group != SOURCE_GROUP:
                    continue
                ref = repo.get("spec", "ref")
                ref = ref if isinstance(ref, dict) else {}
                if ref.get("digest"):
                    continue
                semver = ref.get("semver")
                tag = ref.get("tag")
                if semver is not None and not EXACT_RE.match(str(semver).strip()):
                    yield Finding(
                        repo.loc("spec", "ref", "semver"),
                        f"OCIRepository {repo.name} (chartRef of HelmRelease {obj.name}) follows the range "
                        f"{str(semver)!r}",
                        "pin `ref.tag` (or an exact `ref.semver`, or `ref.digest`)",
                    )
                elif semver is None and (tag is None or str(tag) == "latest"):
                    yield Finding(
                        repo.loc("spec", "ref") if ref else repo.loc("spec"),
                        f"OCIRepository {repo.name} (chartRef of HelmRelease {obj.name}) follows the `latest` tag",
                        "pin `ref.tag` to a chart version (or `ref.digest`)",
                    )
