"""Storage views of Prometheus, Alertmanager and VictoriaMetrics: retention, size limit and volume.

Three origins, one shape (`TSDBStore`) (VictoriaMetrics: obslint.model.victoriametrics):

* kube-prometheus-stack HelmRelease values: `prometheus.prometheusSpec.{retention,retentionSize,
  storageSpec}` and `alertmanager.alertmanagerSpec.{retention,storage}`. Chart defaults are applied
  when a key is absent, for the chart version the release pins (obslint.model.chart_facts; every version
  from 40.0.0 on has Prometheus retention `10d`, retentionSize `""` (none), storageSpec `{}` (emptyDir,
  data lost on restart); Alertmanager retention `120h`, storage `{}`). `prometheus.enabled` /
  `alertmanager.enabled` default true; `prometheus.agentMode` renders no retention.
* prometheus-operator objects (monitoring.coreos.com/v1 `Prometheus`, `Alertmanager`): `spec.retention`,
  `spec.retentionSize`, `spec.storage`. Operator defaults: Prometheus retention `24h` when both
  retention and retentionSize are empty, Alertmanager retention `120h`
  (https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec).

A storage spec (`StorageSpec`) is `volumeClaimTemplate` (a PVC per replica, size from
`spec.resources.requests.storage`), `emptyDir` (optional `sizeLimit`) or `ephemeral.volumeClaimTemplate`
(a PVC that lives and dies with the pod: sized, but not persistent). No storage spec = emptyDir.
A claim of a hostPath-style StorageClass (local-path, OpenEBS hostpath without quota, democratic-csi
local-hostpath; obslint.model.storageclass) is a directory on the node: its size is not enforced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.chart_facts import OPERATOR_DEFAULT_RETENTION, kps_retention_default
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.model.storageclass import hostpath_class
from obslint.objects import K8sObject, dig, loc_of
from obslint.units import try_duration, try_prom_bytes, try_quantity_bytes

KPS_CHART = "kube-prometheus-stack"


_REQUEST = ("spec", "resources", "requests", "storage")


@dataclass
class Volume:
    """The volume a component keeps its data on."""

    kind: str  # "pvc" | "emptyDir" | "ephemeral" | "unknown"
    loc: Loc  # where it is declared (or where the missing declaration belongs)
    size: int | None = None  # bytes, when known
    size_text: str | None = None
    size_loc: Loc | None = None
    declared: bool = True  # False when the chart/operator default applies (nothing written)
    storage_class: str | None = None  # the claim's storageClassName (None: the default class)
    # False when the StorageClass hands out node directories whose size nothing enforces
    # (obslint.model.storageclass): `size` is then what was asked for, not what the data can fill.
    size_enforced: bool = True

    @property
    def persistent(self) -> bool:
        return self.kind == "pvc"


@dataclass
class TSDBStore:
    """A Prometheus or an Alertmanager and how long/how much it keeps."""

    component: str  # "prometheus" | "alertmanager"
    name: str
    namespace: str | None
    origin: K8sObject  # the HelmRelease or the CR
    via: str  # "helm" | "crd"
    loc: Loc  # the spec mapping (prometheusSpec / alertmanagerSpec / CR spec)
    retention: float | None  # seconds (None: not parseable or disabled)
    retention_text: str | None
    retention_loc: Loc
    retention_declared: bool
    retention_size: int | None = None  # bytes
    retention_size_text: str | None = None
    retention_size_loc: Loc | None = None
    volume: Volume = field(default_factory=lambda: Volume("unknown", Loc("", 1, 1)))
    helm: HelmReleaseView | None = None
    spec: Any = None  # the spec mapping as loaded (where retentionSize is written), when there is one
    # How many times the volume the data has room in: 1 for one server; vmstorage nodes /
    # replicationFactor for a VMCluster (None: not known statically).
    capacity_factor: float | None = 1.0

    def ref(self) -> str:
        title = _TITLES.get(self.component, self.component)
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{title} {where}{self.name}"


_TITLES = {"prometheus": "Prometheus", "alertmanager": "Alertmanager", "vmsingle": "VMSingle", "vmcluster": "VMCluster"}
# Components that keep samples (the time series databases), as opposed to Alertmanager's state.
SAMPLE_STORES = frozenset({"prometheus", "vmsingle", "vmcluster"})


def values_hidden(hr: HelmReleaseView | None, *prefixes: str, index: Index | None = None) -> bool:
    """True when a values source the repository does not hold (see HelmReleaseView.values_open)
    may set something under one of these dotted prefixes, so that an absent key cannot be judged.
    Sources the repository holds are already merged into `hr.values`."""
    if hr is None:
        return False
    return any(hr.values_open(*p.split(".")) for p in prefixes)


def volume_from_storage_spec(storage: Any, container: Any, key: Any, fallback: Loc) -> Volume:
    """A prometheus-operator StorageSpec (`storageSpec` / `storage`) as a Volume."""
    if not isinstance(storage, dict) or not storage:
        loc = container.loc(key) if isinstance(container, dict) and key in container else fallback
        return Volume("emptyDir", loc, declared=isinstance(container, dict) and key in container)
    base = container.loc(key)
    vct = storage.get("volumeClaimTemplate")
    if isinstance(vct, dict):
        return _sized(
            Volume("pvc", loc_of(storage, "volumeClaimTemplate")), vct, ("spec", "resources", "requests", "storage")
        )
    eph = dig(storage, "ephemeral", "volumeClaimTemplate")
    if isinstance(eph, dict):
        return _sized(
            Volume("ephemeral", loc_of(storage, "ephemeral")), eph, ("spec", "resources", "requests", "storage")
        )
    ed = storage.get("emptyDir")
    if isinstance(ed, dict) or "emptyDir" in storage:
        vol = Volume("emptyDir", loc_of(storage, "emptyDir"))
        return _sized(vol, ed, ("sizeLimit",)) if isinstance(ed, dict) else vol
    # Neither a claim template nor an ephemeral volume: the operator mounts an emptyDir.
    return Volume("emptyDir", base)


def _sized(vol: Volume, node: Any, path: tuple) -> Volume:
    if vol.kind != "emptyDir":
        name = dig(node, "spec", "storageClassName")
        vol.storage_class = name if isinstance(name, str) else None
    raw = dig(node, *path)
    if raw is not None:
        vol.size_text = str(raw)
        vol.size = try_quantity_bytes(raw)
        vol.size_loc = loc_of(node, *path) if isinstance(node, dict) else vol.loc
    return vol


def _retention(spec: Any, spec_loc: Loc, default: str) -> tuple[float | None, str | None, Loc, bool]:
    raw = dig(spec, "retention")
    if raw is None or raw == "":
        return try_duration(default, strict_prometheus=True), default, spec_loc, False
    return try_duration(raw, strict_prometheus=True), str(raw), loc_of(spec, "retention"), True


def _size(store: TSDBStore, spec: Any) -> None:
    raw = dig(spec, "retentionSize")
    if raw is None or raw == "":
        return
    store.retention_size_text = str(raw)
    store.retention_size = try_prom_bytes(raw)
    store.retention_size_loc = loc_of(spec, "retentionSize")


def _key_loc(parent: Any, key: str, fallback: Loc) -> Loc:
    """Where `key:` itself is written (not its value)."""
    if isinstance(parent, YMap) and key in parent:
        return parent.key_loc(key)
    return fallback


def _from_kps(index: Index, hr: HelmReleaseView) -> list[TSDBStore]:
    out: list[TSDBStore] = []
    values = hr.values
    spec_fallback = hr.obj.loc("spec", "values") if "values" in hr.obj.spec else hr.obj.loc("spec")
    prom = values.get("prometheus") if isinstance(values, dict) else None
    if values_bool(dig(prom, "enabled"), True) and not values_bool(dig(prom, "agentMode"), False):
        spec = dig(prom, "prometheusSpec")
        spec = spec if isinstance(spec, dict) else {}
        spec_loc = _key_loc(prom, "prometheusSpec", spec_fallback) if spec else spec_fallback
        retention, text, rloc, declared = _retention(spec, spec_loc, kps_retention_default(index, hr, "prometheus"))
        store = TSDBStore(
            "prometheus", hr.release_name, hr.namespace, hr.obj, "helm", spec_loc,
            retention, text, rloc, declared, helm=hr,
        )  # fmt: skip
        _size(store, spec)
        store.spec = spec
        store.volume = volume_from_storage_spec(spec.get("storageSpec"), spec, "storageSpec", spec_loc)
        out.append(store)
    am = values.get("alertmanager") if isinstance(values, dict) else None
    if values_bool(dig(am, "enabled"), True):
        spec = dig(am, "alertmanagerSpec")
        spec = spec if isinstance(spec, dict) else {}
        spec_loc = _key_loc(am, "alertmanagerSpec", spec_fallback) if spec else spec_fallback
        retention, text, rloc, declared = _retention(spec, spec_loc, kps_retention_default(index, hr, "alertmanager"))
        store = TSDBStore(
            "alertmanager", hr.release_name, hr.namespace, hr.obj, "helm", spec_loc,
            retention, text, rloc, declared, helm=hr,
        )  # fmt: skip
        store.volume = volume_from_storage_spec(spec.get("storage"), spec, "storage", spec_loc)
        out.append(store)
    return out


def _from_crd(obj: K8sObject, component: str) -> TSDBStore:
    spec = obj.spec
    spec_loc = _key_loc(obj.data, "spec", obj.loc())
    retention, text, rloc, declared = _retention(spec, spec_loc, OPERATOR_DEFAULT_RETENTION[component])
    store = TSDBStore(component, obj.name, obj.namespace, obj, "crd", spec_loc, retention, text, rloc, declared)
    store.spec = obj.get("spec")
    if component == "prometheus":
        _size(store, spec)
        if not declared and store.retention_size is not None:
            store.retention, store.retention_text = None, None  # only size-based retention
    store.volume = volume_from_storage_spec(spec.get("storage"), spec, "storage", spec_loc)
    return store


@memoised
def tsdb_stores(index: Index) -> list[TSDBStore]:
    """Every Prometheus, Alertmanager, VMSingle and VMCluster the repo deploys, with retention and volume."""
    out: list[TSDBStore] = []
    for hr in releases_of_chart(index, KPS_CHART):
        out.extend(_from_kps(index, hr))
    for obj in index.of_kind("Prometheus", group="monitoring.coreos.com"):
        out.append(_from_crd(obj, "prometheus"))
    for obj in index.of_kind("Alertmanager", group="monitoring.coreos.com"):
        out.append(_from_crd(obj, "alertmanager"))
    from obslint.model.victoriametrics import vm_stores  # it builds on this module's volumes

    out.extend(vm_stores(index))
    for store in out:
        vol = store.volume
        if vol.kind in ("pvc", "ephemeral") and hostpath_class(index, vol.storage_class):
            vol.size_enforced = False
    return out
