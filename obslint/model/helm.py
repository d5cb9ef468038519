"""HelmRelease views shared by every family that reads chart values.

Values are the inline `spec.values` mapping (positions intact). `valuesFrom` entries are
listed but not merged: their ConfigMaps/Secrets are resolved by the families that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.index import Index, K8sObject, dig, provider
from obslint.load import YMap

HELMRELEASE_GROUP = "helm.toolkit.fluxcd.io"


@dataclass(eq=False)
class HelmReleaseView:
    obj: K8sObject
    chart: str  # chart name ("" when unknown, e.g. a chartRef to an OCIRepository without a name hint)
    version: str | None
    release_name: str
    namespace: str | None  # where the chart's objects go (targetNamespace, else the HelmRelease's namespace)
    values: YMap | dict

    def value(self, *path: Any, default: Any = None) -> Any:
        return dig(self.values, *path, default=default)

    def loc(self, *path: Any):
        """Position of a values path (falls back to the deepest existing part, then spec.values)."""
        if isinstance(self.values, YMap):
            from obslint.index import loc_of

            return loc_of(self.values, *path)
        return self.obj.loc("spec", "values")


def _view(obj: K8sObject) -> HelmReleaseView:
    spec = obj.spec
    chart = dig(spec, "chart", "spec", "chart")
    version = dig(spec, "chart", "spec", "version")
    if not isinstance(chart, str):
        ref = spec.get("chartRef")
        chart = str(ref.get("name", "")) if isinstance(ref, dict) else ""
    target_ns = spec.get("targetNamespace")
    namespace = target_ns or obj.namespace
    # Flux: releaseName defaults to <targetNamespace>-<name> when targetNamespace is set, else <name>.
    release = spec.get("releaseName") or (f"{target_ns}-{obj.name}" if target_ns else obj.name)
    values = spec.get("values")
    return HelmReleaseView(
        obj=obj,
        chart=chart.rsplit("/", 1)[-1],
        version=str(version) if version is not None else None,
        release_name=str(release),
        namespace=str(namespace) if namespace else None,
        values=values if isinstance(values, dict) else {},
    )


@provider("helm.releases")
def helm_releases(index: Index) -> list[HelmReleaseView]:
    return [_view(o) for o in index.of_kind("HelmRelease", group=HELMRELEASE_GROUP)]


def releases_of_chart(index: Index, *charts: str) -> list[HelmReleaseView]:
    """HelmReleases of these charts (by chart name, e.g. "kube-prometheus-stack")."""
    return [r for r in index.get("helm.releases") if r.chart in charts]
