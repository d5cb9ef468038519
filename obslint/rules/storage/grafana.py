"""GRAF: Grafana datasources — where they are declared and whether Grafana ever loads them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Finding, Loc, Related
from obslint.fix.edits import MISSING, Fix, SetKey, fix_at
from obslint.index import Index
from obslint.load import YMap, YSeq
from obslint.model.chart_facts import datasource_sidecar_defaults
from obslint.model.grafana_operator import resolving_namespace
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.model.sidecar import (
    Holder,
    carries,
    generated_holders,
    object_holder,
    search_namespaces,
)
from obslint.objects import Cluster, K8sObject, dig, loc_of
from obslint.rules import Basis, RuleContext, rule


@dataclass
class Sidecar:
    release: HelmReleaseView
    label: str
    label_value: str  # "" = any value
    namespaces: set[str] | None  # None = all
    label_loc: Loc
    mounted: set[str] = field(default_factory=set)  # ConfigMaps mounted directly (extraConfigmapMounts)

    def describe(self) -> str:
        want = f"{self.label}={self.label_value}" if self.label_value else self.label
        return f"the Grafana datasource sidecar of HelmRelease {self.release.obj.name} (label {want})"


def _grafana_values(hr: HelmReleaseView) -> tuple[Any, tuple]:
    if hr.chart == "kube-prometheus-stack":
        g = hr.value("grafana")
        return (g if isinstance(g, dict) else {}), ("grafana",)
    return hr.values, ()


def grafana_sidecars(index: Index) -> list[Sidecar]:
    """The datasource sidecars of every Grafana the repo deploys (kube-prometheus-stack, grafana chart)."""
    out: list[Sidecar] = []
    for hr in releases_of_chart(index, "kube-prometheus-stack", "grafana"):
        values, prefix = _grafana_values(hr)
        # Defaults of the pinned version (obslint.model.chart_facts). kube-prometheus-stack sets no
        # searchNamespace, so the grafana subchart's applies: null = only the namespace Grafana runs in
        # (grafana chart README, `sidecar.datasources.searchNamespace`).
        defaults = datasource_sidecar_defaults(index, hr)
        if hr.chart == "kube-prometheus-stack" and not values_bool(values.get("enabled"), True):
            continue
        ds = values.get("sidecar", {}).get("datasources") if isinstance(values.get("sidecar"), dict) else None
        ds = ds if isinstance(ds, dict) else {}
        if not values_bool(ds.get("enabled"), defaults.enabled):
            continue
        label = ds.get("label", defaults.label)
        value = ds.get("labelValue", defaults.label_value)
        namespaces = search_namespaces(ds.get("searchNamespace", defaults.search_namespace), hr.namespace)
        mounts = values.get("extraConfigmapMounts")
        mounted = {
            m["configMap"]
            for m in (mounts if isinstance(mounts, list) else [])
            if isinstance(m, dict) and isinstance(m.get("configMap"), str)
        }
        label_loc = hr.loc(*prefix, "sidecar", "datasources", "label")
        out.append(Sidecar(hr, str(label), "" if value is None else str(value), namespaces, label_loc, mounted))
    return out


@dataclass
class DatasourceEntry:
    type: str
    url: str | None
    url_loc: Loc
    loc: Loc
    description: str
    namespace: str | None  # where Grafana resolves it from, when known
    holder: K8sObject | None = None  # the ConfigMap/Secret holding it (sidecar provisioning)
    cluster: Cluster | None = None


def _entries_from_list(
    items: Any, describe: str, ns: str | None, holder: K8sObject | None, fallback: Loc, cluster: Cluster | None
):
    if not isinstance(items, list):
        return
    for i, ds in enumerate(items):
        if not isinstance(ds, dict):
            continue
        name = ds.get("name", f"#{i + 1}")
        loc = items.loc(i) if isinstance(items, YSeq) else fallback
        url = ds.get("url")
        yield DatasourceEntry(
            str(ds.get("type", "")).lower(),
            url if isinstance(url, str) else None,
            loc_of(ds, "url") if isinstance(ds, YMap) and "url" in ds else loc,
            loc,
            f"datasource {name!r} in {describe}",
            ns,
            holder,
            cluster,
        )


def provisioning_holders(index: Index) -> Iterator[tuple[K8sObject, Any, YMap]]:
    """(ConfigMap/Secret, parsed provisioning YAML, data mapping) of each datasource file in an object."""
    for obj in index.of_kind("ConfigMap", "Secret"):
        if obj.sops or obj.group:
            continue
        sections = ("data",) if obj.kind == "ConfigMap" else ("stringData",)
        for section in sections:
            data = obj.get(section)
            if not isinstance(data, YMap):
                continue
            for key, text in data.items():
                if not isinstance(text, str) or "datasources" not in text:
                    continue
                if not str(key).endswith((".yaml", ".yml", ".json")):
                    continue
                emb = index.embedded_yaml(data, key)
                doc = emb.data if emb is not None else None
                if isinstance(doc, dict) and isinstance(doc.get("datasources"), list):
                    yield obj, doc, data


def datasource_entries(index: Index, sidecars: list[Sidecar] | None = None) -> list[DatasourceEntry]:
    """Every Grafana datasource with a URL: sidecar provisioning files, GrafanaDatasource objects,
    kube-prometheus-stack `grafana.additionalDataSources`, grafana chart `datasources`."""
    sidecars = grafana_sidecars(index) if sidecars is None else sidecars
    # Grafana resolves a datasource URL from its own namespace: for sidecar-loaded files that is
    # the namespace of the (single) Grafana with a sidecar in the cluster, else the ConfigMap's.
    grafana_ns: dict[Cluster | None, set[str]] = {}
    for sc in sidecars:
        if sc.release.namespace:
            grafana_ns.setdefault(sc.release.obj.cluster, set()).add(sc.release.namespace)
    out: list[DatasourceEntry] = []
    for obj, doc, _data in provisioning_holders(index):
        spaces = grafana_ns.get(obj.cluster, set())
        ns = next(iter(spaces)) if len(spaces) == 1 else obj.namespace
        out.extend(_entries_from_list(doc["datasources"], obj.ref(), ns, obj, obj.loc("metadata"), obj.cluster))
    for obj in index.of_kind("GrafanaDatasource"):
        ds = obj.get("spec", "datasource")
        if isinstance(ds, dict):
            url = ds.get("url")
            out.append(
                DatasourceEntry(
                    str(ds.get("type", "")).lower(), url if isinstance(url, str) else None,
                    obj.loc("spec", "datasource", "url"), obj.loc("spec", "datasource"),
                    f"{obj.ref()}", resolving_namespace(index, obj), cluster=obj.cluster,
                )
            )  # fmt: skip
    for hr in releases_of_chart(index, "kube-prometheus-stack", "grafana"):
        values, prefix = _grafana_values(hr)
        fallback = hr.loc(*prefix)
        hr_ns = hr.namespace
        cluster = hr.obj.cluster
        if hr.chart == "kube-prometheus-stack":
            desc = f"HelmRelease {hr.obj.name} values grafana.additionalDataSources"
            out.extend(_entries_from_list(values.get("additionalDataSources"), desc, hr_ns, None, fallback, cluster))
        files = values.get("datasources")
        if isinstance(files, dict):
            for key, doc in files.items():
                if isinstance(doc, dict):
                    desc = f"HelmRelease {hr.obj.name} values datasources.{key}"
                    out.extend(_entries_from_list(doc.get("datasources"), desc, hr_ns, None, fallback, cluster))
    return out


EXAMPLE_KPS = """
-- monitoring/kube-prometheus-stack.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
  values:
    grafana:
      sidecar:
        datasources:
          label: grafana_datasource
          labelValue: "1"
"""

EXAMPLE_CM = """
-- monitoring/loki-datasource.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: loki-datasource
  namespace: monitoring
  labels:
    {label}
data:
  loki.yaml: |
    apiVersion: 1
    datasources:
      - name: Loki
        type: loki
        url: http://loki.monitoring.svc.cluster.local:3100
"""


@rule(
    "GRAF001",
    "datasource-not-discovered",
    "warning",
    "A Grafana datasource ConfigMap lacks the label, or sits outside the namespaces, the sidecar watches",
    basis=Basis.ASSUMPTION,
    why="""
        kube-prometheus-stack's Grafana loads extra datasources through a sidecar that only reads
        ConfigMaps and Secrets carrying its label (`grafana.sidecar.datasources.label`, default
        `grafana_datasource`, with value `labelValue`, default "1") in the namespaces it searches
        (`searchNamespace`; unset = only Grafana's own namespace). A datasource ConfigMap with
        another label, value or namespace is applied without error and never shows up in Grafana.
    """,
    failing=EXAMPLE_KPS + EXAMPLE_CM.replace("{label}", 'grafana_dashboard: "1"'),
    passing=EXAMPLE_KPS + EXAMPLE_CM.replace("{label}", 'grafana_datasource: "1"'),
    fix="""
        Label the ConfigMap as the sidecar expects (e.g. `grafana_datasource: "1"`) and put it in
        Grafana's namespace, or set `grafana.sidecar.datasources.searchNamespace: ALL`.
        `obslint check --fix` adds the label to a ConfigMap or Secret written in the repository
        (not to one a configMapGenerator builds, and not when two sidecars want different labels).
    """,
    fixable=True,
)
def datasource_not_discovered(ctx: RuleContext) -> Iterator[Finding]:
    all_sidecars = grafana_sidecars(ctx.index)
    templates = _secret_templates(ctx.index)
    for holder, obj in _holders(ctx.index):
        sidecars = [s for s in all_sidecars if s.release.obj.cluster == holder.cluster]
        if not sidecars or any(holder.name in s.mounted for s in sidecars) or holder.name in templates:
            continue
        labels = holder.labels
        labelled = [s for s in sidecars if carries(labels, s.label, s.label_value)]
        if not labelled:
            wanted = " or ".join(sorted({f"{s.label}: {s.label_value!r}" if s.label_value else s.label
                                         for s in sidecars}))  # fmt: skip
            near = [s for s in sidecars if s.label in labels]
            detail = f" (it has {near[0].label}: {labels[near[0].label]!r})" if near else ""
            yield Finding(
                holder.labels_loc,
                f"{holder.ref} holds Grafana datasources but lacks the label {wanted}{detail}, so the Grafana "
                "datasource sidecar never loads it",
                f"add the label {wanted} to {holder.labels_where}",
                related=tuple(
                    Related(s.label_loc, f"{s.describe()} loads only what carries its label") for s in sidecars
                ),
                fix=_label_fix(obj, sidecars),
            )
            continue
        ns = holder.namespace
        if ns is None:
            continue
        if not any(s.namespaces is None or ns in s.namespaces for s in labelled):
            searched = sorted({n for s in labelled for n in (s.namespaces or ())})
            yield Finding(
                holder.namespace_loc,
                f"{holder.ref} is in namespace {ns}, but the Grafana datasource sidecar only searches "
                f"{', '.join(searched)}: the datasource never shows up",
                "move it to Grafana's namespace or set grafana.sidecar.datasources.searchNamespace: ALL",
                related=tuple(Related(s.label_loc, f"{s.describe()} searches {', '.join(sorted(s.namespaces or ()))}")
                              for s in labelled),
            )  # fmt: skip


def _label_fix(obj: K8sObject | None, sidecars: list[Sidecar]) -> Fix | None:
    """The sidecar's label on the object as written, when every sidecar wants the same one and
    nothing (a kustomize label transformer) sets that label on the way to the cluster."""
    wanted = {(s.label, s.label_value) for s in sidecars}
    if obj is None or len(wanted) != 1:
        return None
    label, value = next(iter(wanted))
    value = value or "1"  # the sidecar takes any value
    written = obj.written
    if obj.labels.get(label) != written.labels.get(label):
        return None
    summary = f'label {written.ref()} {label}: "{value}"'
    labels = written.get("metadata", "labels")
    if isinstance(labels, dict):
        return fix_at(labels, SetKey(label, value, expect=labels.get(label, MISSING)), summary=summary)
    return fix_at(written.get("metadata"), SetKey("labels", {label: value}, expect=MISSING), summary=summary)


def _holders(index: Index) -> Iterator[tuple[Holder, K8sObject | None]]:
    """Each holder, with the object written in the repository when it is one (not generated)."""
    seen: set[int] = set()
    for obj, _doc, _data in provisioning_holders(index):
        if id(obj) not in seen:
            seen.add(id(obj))
            yield object_holder(obj), obj
    for holder in generated_holders(index, lambda paths, _labels: any(_is_datasource_file(index, p) for p in paths)):
        yield holder, None


def _secret_templates(index: Index) -> set[str]:
    """ConfigMaps/Secrets an ExternalSecret renders its target from (`target.template.templateFrom`,
    https://external-secrets.io/latest/guides/templating/): templates, not what Grafana loads; the
    labels belong on the rendered Secret."""
    out: set[str] = set()
    for es in index.of_kind("ExternalSecret"):
        sources = es.get("spec", "target", "template", "templateFrom")
        for src in sources if isinstance(sources, list) else []:
            for kind in ("configMap", "secret"):
                name = dig(src, kind, "name")
                if isinstance(name, str):
                    out.add(name)
    return out


def _is_datasource_file(index: Index, rel: str) -> bool:
    sf = index.file(rel)
    if sf is None or sf.kind != "yaml" or "datasources" not in sf.text:
        return False
    return any(isinstance(d.data, dict) and isinstance(d.data.get("datasources"), list) for d in sf.documents)
