"""HelmRelease views shared by every family that reads chart values.

Values are the inline `spec.values` mapping (positions intact). `valuesFrom` entries are
listed but not merged: their ConfigMaps/Secrets are resolved by the families that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, K8sObject, dig, memoised
from obslint.load import YMap

HELMRELEASE_GROUP = "helm.toolkit.fluxcd.io"


@dataclass(frozen=True)
class Ref:
    """A reference from one object to another (dependsOn, sourceRef, valuesFrom...)."""

    kind: str
    name: str
    namespace: str | None  # None: the referring object's namespace
    loc: Loc
    optional: bool = False
    field: str = ""  # e.g. "spec.valuesFrom[0]"


def refs_of(obj: K8sObject, *path: str, kind: str) -> list[Ref]:
    """References listed at `path` (dependsOn, healthChecks, valuesFrom ...): each entry a mapping
    with `name` (and maybe `kind`, `namespace`); `kind` is the default kind."""
    seq = obj.get(*path)
    out: list[Ref] = []
    if not isinstance(seq, list):
        return out
    for i, item in enumerate(seq):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            continue
        k = item.get("kind") if isinstance(item.get("kind"), str) else kind
        ns = item.get("namespace") if isinstance(item.get("namespace"), str) and item.get("namespace") else None
        loc = item.loc("name") if isinstance(item, YMap) else obj.loc(*path)
        out.append(Ref(k, name, ns, loc, item.get("optional") is True, f"{'.'.join(path)}[{i}]"))
    return out


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

    # --- references (Flux helm-controller v2, v2beta1, v2beta2) ---
    @property
    def depends_on(self) -> list[Ref]:
        return refs_of(self.obj, "spec", "dependsOn", kind="HelmRelease")

    @property
    def values_from(self) -> list[Ref]:
        return refs_of(self.obj, "spec", "valuesFrom", kind="ConfigMap")

    @property
    def source_ref(self) -> Ref | None:
        """The chart's source: `chart.spec.sourceRef` (HelmRepository/GitRepository/Bucket) or
        `chartRef` (OCIRepository/HelmChart)."""
        for path, default in ((("spec", "chart", "spec"), "HelmRepository"), (("spec",), "OCIRepository")):
            key = "sourceRef" if default == "HelmRepository" else "chartRef"
            node = self.obj.get(*path, key)
            if isinstance(node, dict) and isinstance(node.get("name"), str) and node.get("name"):
                kind = node.get("kind") if isinstance(node.get("kind"), str) else default
                ns = node.get("namespace") if isinstance(node.get("namespace"), str) and node.get("namespace") else None
                loc = node.loc("name") if isinstance(node, YMap) else self.obj.loc(*path, key)
                return Ref(kind, node["name"], ns, loc, field=".".join((*path, key)))
        return None

    @property
    def version_loc(self):
        return (
            self.obj.loc("spec", "chart", "spec", "version")
            if self.version is not None
            else self.obj.loc("spec", "chart", "spec")
        )


def values_bool(value: Any, default: bool) -> bool:
    """A chart switch read from values: a boolean, or the strings "true"/"false" (any case) that
    hand-written values often hold; anything else (unset, null, other) means the chart default."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


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


@memoised
def helm_releases(index: Index) -> list[HelmReleaseView]:
    return [_view(o) for o in index.of_kind("HelmRelease", group=HELMRELEASE_GROUP)]


def releases_of_chart(index: Index, *charts: str) -> list[HelmReleaseView]:
    """HelmReleases of these charts (by chart name, e.g. "kube-prometheus-stack")."""
    return [r for r in helm_releases(index) if r.chart in charts]
