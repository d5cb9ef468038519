"""VictoriaMetrics operator objects (operator.victoriametrics.com/v1beta1) as obslint's models see them.

* VMSingle and VMCluster (its vmstorage nodes) keep samples for `spec.retentionPeriod` on a volume:
  they become `TSDBStore`s, so the STOR rules that carry over judge them (STOR003 no persistence,
  STOR004 capacity). VictoriaMetrics has no size-based retention, so STOR001/STOR002 have nothing
  to judge. Facts from VictoriaMetrics/operator api/operator/v1beta1/vmsingle_types.go and
  vmcluster_types.go: VMSingle `spec.storage` is a PersistentVolumeClaimSpec ("by default it's
  empty dir", ignored when `storageDataPath` is set); vmstorage `storage` is a StorageSpec like
  prometheus-operator's; `retentionPeriod` matches `^[0-9]+(h|d|w|y)?$`, a bare number counting
  months, default 1. VictoriaMetrics counts a month as 31 days (lib/flagutil/duration.go).
  The VMSingle and VMCluster of a victoria-metrics-k8s-stack release come from `vmsingle.spec` and
  `vmcluster.spec` merged over the pinned chart version's default spec (obslint.model.vm_stack).
* VMRule is PrometheusRule-shaped (`spec.groups[].rules`), with MetricsQL expressions: those become
  rule sets of engine "metricsql" (obslint.model.rulegroups). Which VMAlert loads one
  (obslint.model.vm_selection) decides PROM002 (never loaded) and PROM009 (duplicates); what that
  VMAlert queries (obslint.model.vm_datasource) decides PROM003 (retention reach).

What is not modelled yet is said once per run (`gaps_notice`), never once per object.
"""

from __future__ import annotations

import re
from typing import Any

from obslint.findings import Loc
from obslint.index import Index
from obslint.model.chart_facts import MISSING
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.model.storage import TSDBStore, Volume, volume_from_storage_spec
from obslint.model.vm_stack import K8S_STACK, StackComponent, stack_component
from obslint.objects import K8sObject, dig, loc_of
from obslint.units import DAY, HOUR, WEEK, YEAR, try_quantity_bytes

VM_GROUP = "operator.victoriametrics.com"
DEFAULT_RETENTION = "1"  # one month (vmsingle_types.go RetentionPeriod; VictoriaMetrics -retentionPeriod)
MONTH = 31 * DAY  # VictoriaMetrics lib/flagutil/duration.go: msecsPerMonth = 31 days
_RETENTION_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([hdwy]?)$")
_UNITS = {"h": HOUR, "d": DAY, "w": WEEK, "y": YEAR, "": MONTH}

# Object kinds whose checks do not carry over yet: (kind, what the notice says).
NOT_CHECKED_YET = {
    "VMRule": "VictoriaMetrics VMRule groups: vmalert's own validation is not checked yet (PROM001); "
    "MetricsQL-only expressions are not judged",
}


def retention_seconds(raw: Any) -> float | None:
    """VictoriaMetrics `retentionPeriod` in seconds; None when it does not parse."""
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    m = _RETENTION_RE.match(text)
    if m is None:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def _retention(spec: Any, spec_loc: Loc) -> tuple[float | None, str, Loc, bool]:
    raw = dig(spec, "retentionPeriod")
    if raw is None or raw == "":
        return retention_seconds(DEFAULT_RETENTION), "1 month (the default)", spec_loc, False
    return retention_seconds(raw), _months(str(raw)), loc_of(spec, "retentionPeriod"), True


def _int(value: Any, default: int) -> int | None:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None  # templated or malformed: not known


def _claim(storage: dict, loc: Loc) -> Volume:
    """A VMSingle `storage` PersistentVolumeClaimSpec as a Volume."""
    vol = Volume("pvc", loc)
    name = storage.get("storageClassName")
    vol.storage_class = name if isinstance(name, str) else None
    raw = dig(storage, "resources", "requests", "storage")
    if raw is not None:
        vol.size_text, vol.size = str(raw), try_quantity_bytes(raw)
        vol.size_loc = loc_of(storage, "resources", "requests", "storage")
    return vol


def _vmsingle(obj: K8sObject) -> TSDBStore:
    spec = obj.spec
    spec_loc = obj.loc("spec") if "spec" in obj.data else obj.loc()
    retention, text, rloc, declared = _retention(spec, spec_loc)
    store = TSDBStore("vmsingle", obj.name, obj.namespace, obj, "crd", spec_loc, retention, text, rloc, declared)
    store.spec = obj.get("spec")
    storage = spec.get("storage")
    if spec.get("storageDataPath"):
        store.volume = Volume("unknown", spec_loc)  # the user mounts the data volume (spec.volumes)
    elif isinstance(storage, dict) and storage:
        store.volume = _claim(storage, loc_of(spec, "storage"))
    else:
        store.volume = Volume("emptyDir", spec_loc if storage is None else loc_of(spec, "storage"), declared=False)
    return store


def _vmcluster(obj: K8sObject) -> TSDBStore | None:
    spec = obj.spec
    vmstorage = spec.get("vmstorage")
    if not isinstance(vmstorage, dict):
        return None  # no storage nodes: nothing keeps samples
    spec_loc = obj.loc("spec")
    retention, text, rloc, declared = _retention(spec, spec_loc)
    store = TSDBStore("vmcluster", obj.name, obj.namespace, obj, "crd", spec_loc, retention, text, rloc, declared)
    store.spec = obj.get("spec")
    store.volume = volume_from_storage_spec(vmstorage.get("storage"), vmstorage, "storage", loc_of(spec, "vmstorage"))
    nodes = _int(vmstorage.get("replicaCount"), 1)
    copies = _int(spec.get("replicationFactor"), 1)
    # Samples are spread over the vmstorage nodes, each kept `replicationFactor` times: the room
    # for data is the volume of every node divided by the copies (None: not known statically).
    store.capacity_factor = nodes / copies if nodes and copies else None
    return store


def _stack_store(comp: StackComponent) -> TSDBStore:
    """The store a stack component renders, with its retention (`<key>.spec.retentionPeriod`, else the chart's
    default for the pinned version); the caller sets its volume."""
    rel, spec = comp.rel, comp.spec
    values_loc = rel.obj.loc("spec", "values") if "values" in rel.obj.spec else rel.obj.loc("spec")
    spec_loc = rel.loc(comp.key, "spec") if spec else values_loc
    if spec.get("retentionPeriod") not in (None, ""):
        retention, text, rloc, declared = _retention(spec, spec_loc)
    else:
        default = str(comp.default("spec.retentionPeriod", DEFAULT_RETENTION))
        retention, text, rloc = retention_seconds(default), f"{_months(default)} (the chart default)", spec_loc
        declared = False
    store = TSDBStore(comp.key, comp.name, comp.namespace, rel.obj, "helm", spec_loc, retention, text, rloc, declared)
    store.helm, store.spec = rel, spec
    return store


def _stack_vmsingle(index: Index, rel: HelmReleaseView) -> TSDBStore | None:
    """The VMSingle a victoria-metrics-k8s-stack release renders from `vmsingle.spec`, merged over the
    chart's default spec (a 20Gi claim and retentionPeriod "1" in current versions); None when it is
    off or not known."""
    comp = stack_component(index, rel, "vmsingle")
    if comp is None or not comp.known:
        return None
    store = _stack_store(comp)
    spec, spec_loc = store.spec, store.loc
    default_size = comp.default("spec.storage.resources.requests.storage")
    if spec.get("storageDataPath"):
        store.volume = Volume("unknown", spec_loc)
    elif "storage" in spec and not isinstance(spec.get("storage"), dict):
        store.volume = Volume("emptyDir", loc_of(spec, "storage"))  # `storage: null` deletes the default claim
    elif isinstance(spec.get("storage"), dict) and spec["storage"]:
        store.volume = _claim(spec["storage"], loc_of(spec, "storage"))
        if store.volume.size is None and default_size is not None:  # Helm merges the default request in
            store.volume.size_text, store.volume.size = str(default_size), try_quantity_bytes(default_size)
            store.volume.size_loc = store.volume.loc
    elif default_size is not None:
        store.volume = Volume("pvc", spec_loc, size=try_quantity_bytes(default_size), size_text=str(default_size))
        store.volume.size_loc, store.volume.declared = spec_loc, False
    else:
        store.volume = Volume("emptyDir", spec_loc, declared=False)
    return store


def _stack_vmcluster(index: Index, rel: HelmReleaseView) -> TSDBStore | None:
    """The VMCluster a victoria-metrics-k8s-stack release renders from `vmcluster.spec` when `vmcluster.enabled`
    (off by default), merged over the chart's default spec (two vmstorage nodes with a 10Gi claim each,
    replicationFactor 2, in current versions); None when it is off or not known."""
    comp = stack_component(index, rel, "vmcluster")
    if comp is None or not comp.known or comp.default("enabled", MISSING) is MISSING:
        return None  # off, not known, or a chart version that has no VMCluster to render
    store = _stack_store(comp)
    spec, spec_loc = store.spec, store.loc
    vmstorage = spec.get("vmstorage") if isinstance(spec.get("vmstorage"), dict) else {}
    vmstorage_loc = loc_of(spec, "vmstorage") if vmstorage else spec_loc
    store.volume = _stack_vmstorage_volume(comp, vmstorage, vmstorage_loc)
    nodes = _int(vmstorage.get("replicaCount"), _int(comp.default("spec.vmstorage.replicaCount"), 1) or 1)
    copies = _int(spec.get("replicationFactor"), _int(comp.default("spec.replicationFactor"), 1) or 1)
    store.capacity_factor = nodes / copies if nodes and copies else None
    return store


def _stack_vmstorage_volume(comp: StackComponent, vmstorage: dict, loc: Loc) -> Volume:
    """The vmstorage volume of the chart's VMCluster: Helm merges `vmstorage.storage` over the chart's default
    claim template, and `null` deletes it (the operator then mounts an emptyDir)."""
    default_size = comp.default("spec.vmstorage.storage.volumeClaimTemplate.spec.resources.requests.storage")
    storage = vmstorage.get("storage", MISSING)
    if storage is not MISSING and not isinstance(storage, dict):
        return Volume("emptyDir", loc_of(vmstorage, "storage"))
    written = storage if isinstance(storage, dict) else {}
    template = written.get("volumeClaimTemplate", MISSING)
    if template is MISSING and default_size is not None:
        vol = Volume("pvc", loc_of(vmstorage, "storage") if written else loc, size_text=str(default_size))
        vol.size, vol.size_loc, vol.declared = try_quantity_bytes(default_size), vol.loc, bool(written)
        return vol
    if isinstance(template, dict):
        vol = volume_from_storage_spec(written, vmstorage, "storage", loc)
        if vol.size is None and default_size is not None:
            vol.size_text, vol.size, vol.size_loc = str(default_size), try_quantity_bytes(default_size), vol.loc
        return vol
    if written:  # the default template deleted, or none in this version: what is left decides
        rest = {k: v for k, v in written.items() if k != "volumeClaimTemplate"}
        return volume_from_storage_spec(rest, vmstorage, "storage", loc)
    return Volume("emptyDir", loc, declared=False)


def _months(text: str) -> str:
    return f"{text} month{'s' if text != '1' else ''}" if text.isdigit() else text


def vm_stores(index: Index) -> list[TSDBStore]:
    """Every VMSingle and VMCluster of the repository (objects and victoria-metrics-k8s-stack
    releases), with retention and volume."""
    out: list[TSDBStore] = []
    for rel in releases_of_chart(index, K8S_STACK):
        if rel.obj.sops:
            continue
        out.extend(store for store in (_stack_vmsingle(index, rel), _stack_vmcluster(index, rel)) if store is not None)
    for obj in index.of_kind("VMSingle", group=VM_GROUP):
        if not obj.sops:
            out.append(_vmsingle(obj))
    for obj in index.of_kind("VMCluster", group=VM_GROUP):
        if not obj.sops:
            store = _vmcluster(obj)
            if store is not None:
                out.append(store)
    return out


def gaps_notice(index: Index, kind: str) -> None:
    """Say once per run that the checks of `kind` do not carry over yet, when the repository has one."""
    if index.of_kind(kind, group=VM_GROUP):
        index.notice(NOT_CHECKED_YET[kind])
