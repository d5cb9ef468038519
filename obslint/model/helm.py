"""HelmRelease views shared by every family that reads chart values.

A view holds the values helm-controller would pass to the chart: the `spec.valuesFrom` ConfigMaps
and Secrets of the HelmRelease's namespace in its cluster, merged in order (a `targetPath` sets one
value, typed as `helm --set` types it, a quoted value kept as a string), then the inline
`spec.values` on top (fluxcd/pkg chartutil/values.go, ChartValuesFromReferences and
ReplacePathValue; maps merge recursively, anything else is replaced: chartutil/merge.go).
Positions are kept: a value from a values file points into that file.

A values source that the repository does not hold (created out of band, or SOPS-encrypted so its
content is unknown) may set anything: `values_open(path)` says whether a value could come from
there, so rules judge chart defaults only where nothing unknown could override them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import YMap, parse_yaml
from obslint.load.source import EmbeddedSource
from obslint.model.flux.kinds import HELMRELEASE_GROUP
from obslint.objects import K8sObject, Ref, dig, loc_of, refs_of

if TYPE_CHECKING:
    from obslint.model.flux.graph import FluxGraph

__all__ = ["HELMRELEASE_GROUP", "HelmReleaseView", "Ref", "helm_releases", "refs_of", "releases_of_chart"]


@dataclass(eq=False)
class HelmReleaseView:
    obj: K8sObject
    chart: str  # chart name ("" when unknown, e.g. a chartRef to an OCIRepository without a name hint)
    version: str | None
    release_name: str
    namespace: str | None  # where the chart's objects go (targetNamespace, else the HelmRelease's namespace)
    values: YMap | dict
    # values paths a source outside the repository may set (() = any value)
    open_paths: list[tuple[str, ...]] = field(default_factory=list)

    def value(self, *path: Any, default: Any = None) -> Any:
        return dig(self.values, *path, default=default)

    def values_open(self, *path: Any) -> bool:
        """Whether the value at `path` (any value, with no path) may come from a values source the
        repository does not hold."""
        for p in self.open_paths:
            n = min(len(p), len(path))
            if tuple(p[:n]) == tuple(path[:n]):
                return True
        return False

    def loc(self, *path: Any) -> Loc:
        """Position of a values path (falls back to the deepest existing part, then spec.values)."""
        if isinstance(self.values, YMap):
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
    def version_loc(self) -> Loc:
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


# --- merging -----------------------------------------------------------------------------------


def merge_values(base: Any, top: Any) -> Any:
    """Helm/Flux MergeMaps: maps merge key by key, recursively; anything else in `top` replaces.
    The result keeps the positions (and sources) of every value it takes."""
    if not isinstance(base, dict) or not isinstance(top, dict) or not base:
        return top
    out = base.clone() if isinstance(base, YMap) else dict(base)
    for key, value in top.items():
        merged = merge_values(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
        if isinstance(out, YMap) and isinstance(top, YMap):
            out.take(key, merged, top, key)
        else:
            out[key] = merged
    return out


_PATH_PART = re.compile(r"((?:[^.\\\[]|\\.)+)((?:\[\d+\])*)")


def _split_target_path(path: str) -> list[str | int] | None:
    """`a.b\\.c[0].d` -> ['a', 'b.c', 0, 'd'] (Helm strvals key syntax)."""
    out: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _PATH_PART.match(path, pos)
        if m is None:
            return None
        out.append(m.group(1).replace("\\.", "."))
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            out.append(int(idx))
        pos = m.end()
        if pos < len(path):
            if path[pos] != ".":
                return None
            pos += 1
    return out or None


def _set_typed(value: str) -> Any:
    """A `--set` value: quoted stays a string; true/false/null and integers are typed (strvals)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    if re.fullmatch(r"-?\d+", value) and not (len(value) > 1 and value.lstrip("-").startswith("0")):
        return int(value)
    return value


def _set_path(values: Any, path: list[str | int], value: Any) -> Any:
    out = values.clone() if isinstance(values, YMap) else dict(values) if isinstance(values, dict) else {}
    key = path[0]
    if len(path) == 1:
        out[key] = value
        return out
    child = out.get(key) if isinstance(out, dict) else None
    out[key] = _set_path(child if isinstance(child, dict) else {}, path[1:], value)
    return out


# --- the views -----------------------------------------------------------------------------------


def _values_text(index: Index, graph: FluxGraph | None, cm: K8sObject, key: str) -> tuple[Any, bool]:
    """(parsed values, known) held at `key` of a ConfigMap/Secret: a file a kustomize generator
    read keeps its own positions; SOPS-encrypted or undecodable content is not known."""
    gen = graph.generated.get(cm) if graph is not None else None
    if gen is not None:
        for data_key, entry in gen.files:
            if data_key == key and entry.target:
                sf = index.file(entry.target)
                if sf is not None and sf.documents:
                    return sf.documents[0].data, not sf.sops
    for field_name in ("stringData", "data"):
        node = cm.get(field_name)
        if not isinstance(node, YMap) or key not in node:
            continue
        value = node[key]
        if not isinstance(value, str):
            return None, False
        if value.startswith("ENC[") or cm.sops:
            return None, False
        if field_name == "data" and cm.kind == "Secret":
            from obslint.model.flux.build import decoded

            text = decoded(value)
            if text is None:
                return None, False
            line, col, _ = node.value_pos(key)
            source = EmbeddedSource(node.src_of(key), text, 0, 0, 0, anchor=(line, col), exact=False)
            docs, problems = parse_yaml(source)
            return (docs[0][0] if docs else None), not problems
        parsed = index.embedded_yaml(node, key, f"{cm.kind} {cm.name} {key}")
        if parsed is None:
            return None, False
        return parsed.data, not parsed.problems
    return None, False


@memoised
def _chart_sources(index: Index) -> dict[tuple[str, str], list[K8sObject]]:
    """OCIRepositories and HelmCharts by (kind, name): a fleet's releases look theirs up, not scan them all."""
    out: dict[tuple[str, str], list[K8sObject]] = {}
    for kind in ("OCIRepository", "HelmChart"):
        for source in index.of_kind(kind):
            out.setdefault((kind, source.name), []).append(source)
    return out


def chart_ref_source(index: Index, obj: K8sObject) -> K8sObject | None:
    """The OCIRepository or HelmChart a HelmRelease's `chartRef` names, in the release's own cluster first;
    None when the repository does not hold it."""
    ref = obj.spec.get("chartRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        return None
    namespace = ref.get("namespace") or obj.namespace
    sources = [
        s
        for s in _chart_sources(index).get((str(ref.get("kind")), ref["name"]), ())
        if not isinstance(namespace, str) or s.namespace in (namespace, None)
    ]
    return min(sources, key=lambda s: s.cluster != obj.cluster, default=None)


def _chart_of_ref(index: Index, obj: K8sObject) -> str:
    """The chart a `chartRef` names: the last path segment of an OCIRepository's URL, a HelmChart's `chart`
    ('' when the source is not in the repository: the source's own name says nothing of the chart, an
    OCIRepository `uptime-kuma` may well serve bjw-s' app-template)."""
    source = chart_ref_source(index, obj)
    if source is not None and source.kind == "OCIRepository" and isinstance(url := source.get("spec", "url"), str):
        return url.rstrip("/").rsplit("/", 1)[-1]
    if source is not None and source.kind == "HelmChart" and isinstance(chart := source.get("spec", "chart"), str):
        return chart
    return ""


def _view(index: Index, obj: K8sObject) -> HelmReleaseView:
    spec = obj.spec
    chart = dig(spec, "chart", "spec", "chart")
    version = dig(spec, "chart", "spec", "version")
    if not isinstance(chart, str):
        chart = _chart_of_ref(index, obj)
    target_ns = spec.get("targetNamespace")
    namespace = target_ns or obj.namespace
    # Flux: releaseName defaults to <targetNamespace>-<name> when targetNamespace is set, else <name>.
    release = spec.get("releaseName") or (f"{target_ns}-{obj.name}" if target_ns else obj.name)
    inline = spec.get("values")
    inline = inline if isinstance(inline, dict) else {}
    view = HelmReleaseView(
        obj=obj,
        chart=chart.rsplit("/", 1)[-1],
        version=str(version) if version is not None else None,
        release_name=str(release),
        namespace=str(namespace) if namespace else None,
        values=inline,
    )
    refs = spec.get("valuesFrom")
    if isinstance(refs, list) and refs:
        _merge_values_from(index, view, refs, inline)
    return view


def _merge_values_from(index: Index, view: HelmReleaseView, refs: list, inline: Any) -> None:
    graph = index.graph
    result: Any = {}
    for item in refs:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        kind = item.get("kind", "ConfigMap")
        if kind not in ("ConfigMap", "Secret"):
            continue
        optional = item.get("optional") is True
        key = item.get("valuesKey") if isinstance(item.get("valuesKey"), str) else "values.yaml"
        target = item.get("targetPath") if isinstance(item.get("targetPath"), str) else ""
        found = graph.config_objects(kind, view.obj.namespace, item["name"], view.obj) if graph is not None else []
        data, known = _values_text(index, graph, found[0], key) if found else (None, False)
        path = _split_target_path(target) if target else []
        if not known:
            if not (optional and not found):
                view.open_paths.append(tuple(p for p in (path or []) if isinstance(p, str)))
            continue
        if path:
            if isinstance(data, (str, int, float, bool)) or data is None:
                result = _set_path(
                    merge_values(result, inline), path, _set_typed(str(data)) if data is not None else None
                )
            continue
        if isinstance(data, dict):
            result = merge_values(result, data)
    view.values = merge_values(result, inline) if result else inline


@memoised
def helm_releases(index: Index) -> list[HelmReleaseView]:
    return [_view(index, o) for o in index.of_kind("HelmRelease", group=HELMRELEASE_GROUP)]


def releases_of_chart(index: Index, *charts: str) -> list[HelmReleaseView]:
    """HelmReleases of these charts (by chart name, e.g. "kube-prometheus-stack")."""
    return [r for r in helm_releases(index) if r.chart in charts]
