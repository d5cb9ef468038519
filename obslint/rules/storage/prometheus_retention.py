"""STOR: Prometheus, Alertmanager and VictoriaMetrics retention against the volume that holds the data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field, field_validator

from obslint.findings import Finding
from obslint.fix.edits import MISSING, Fix, SetKey, fix_at
from obslint.model.loki import loki_configs
from obslint.model.storage import SAMPLE_STORES, TSDBStore, tsdb_stores, values_hidden
from obslint.objects import dig
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.units import DAY, UnitError, format_bytes, format_duration, parse_bytes_any


def _stores(ctx: RuleContext) -> list[TSDBStore]:
    return tsdb_stores(ctx.index)


def _where_values(store: TSDBStore) -> str:
    if store.via == "helm":
        key = _VALUES_SPEC.get(store.component, "alertmanager.alertmanagerSpec")
        return f"`{key}` of HelmRelease {store.origin.name}"
    return store.ref()


# where a chart-rendered store's spec sits in the values (kube-prometheus-stack, victoria-metrics-k8s-stack)
_VALUES_SPEC = {"prometheus": "prometheus.prometheusSpec", "vmsingle": "vmsingle.spec"}

KPS_HEAD = """
-- monitoring/kube-prometheus-stack.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
      sourceRef: {kind: HelmRepository, name: prometheus-community}
  values:
    alertmanager:
      alertmanagerSpec:
        storage:
          volumeClaimTemplate:
            spec:
              resources: {requests: {storage: 1Gi}}
    prometheus:
      prometheusSpec:
"""


def _kps(spec: str) -> str:
    body = "\n".join("        " + line if line.strip() else line for line in spec.strip("\n").splitlines())
    return KPS_HEAD.strip("\n") + "\n" + body + "\n"


PVC_20 = """
retention: 15d
storageSpec:
  volumeClaimTemplate:
    spec:
      resources:
        requests:
          storage: 20Gi
"""


@rule(
    "STOR001",
    "retention-without-size",
    "warning",
    "Prometheus keeps data for a time on a volume, with no retentionSize to stop it filling the disk",
    basis=Basis.ASSUMPTION,
    why="""
        Time-based retention (`retention`, 10d by default in kube-prometheus-stack) deletes blocks
        by age only. When series or scrape targets grow, the volume fills before the oldest block
        expires; Prometheus then fails to write its WAL, crash-loops, and every alert goes silent.
        `retentionSize` (`--storage.tsdb.retention.size`) deletes the oldest blocks once the size
        is reached, whatever their age.
    """,
    failing=_kps(PVC_20),
    passing=_kps(PVC_20 + "retentionSize: 16GiB\n"),
    fix="""
        Set `retentionSize` a little below the volume (about 80-85%, leaving room for the WAL and
        compaction), e.g. `retentionSize: 16GiB` on a 20Gi volume. `obslint check --fix` sets it to
        the `max-share` of retention-size-exceeds-volume (85% by default) of the volume, when the
        volume's size is known and enforced.
    """,
    fixable=True,
)
def retention_without_size(ctx: RuleContext) -> Iterator[Finding]:
    for store in _stores(ctx):
        if store.component != "prometheus" or not store.volume.persistent or store.retention_size is not None:
            continue
        if store.retention_size_text:  # set but unparseable: a schema problem, not this one
            continue
        if values_hidden(store.helm, "prometheus.prometheusSpec.retentionSize", index=ctx.index):
            continue
        size = f" ({store.volume.size_text})" if store.volume.size_text else ""
        retention = store.retention_text or "the default"
        yield ctx.finding(
            store.retention_loc,
            f"{store.ref()} keeps {retention} of data on its volume{size} but sets no retentionSize: "
            "if the data outgrows the volume, Prometheus fails with a full disk",
            hint=f"add retentionSize (about 85% of the volume) in {_where_values(store)}",
            fix=_retention_size_fix(store, _max_share(ctx), MISSING),
        )


def _max_share(ctx: RuleContext) -> float:
    """max-share of retention-size-exceeds-volume as configured (STOR001 fixes to what STOR002 wants)."""
    raw: dict = {}
    for key in ("STOR002", "retention-size-exceeds-volume"):
        raw.update(ctx.config.options.get(key, {}) or {})
    return ShareOptions.model_validate(raw).max_share if raw else ShareOptions.model_construct().max_share


def _share_of(size: int, share: float) -> str | None:
    """`share` of `size` bytes, rounded down to whole GiB (MiB below 10 GiB), in Prometheus units."""
    limit = int(size * share)
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if limit >= 10 * factor or (unit == "MiB" and limit >= factor):
            return f"{limit // factor}{unit}"
    return None


def _retention_size_fix(store: TSDBStore, share: float, current: Any) -> Fix | None:
    """retentionSize at `share` of the volume, replacing `current` (MISSING: none is set)."""
    vol = store.volume
    value = _share_of(vol.size, share) if vol.size and vol.size_enforced else None
    if value is None:
        return None
    summary = f"set retentionSize of {store.ref()} to {value} ({share:.0%} of {vol.size_text})"
    return fix_at(store.spec, SetKey("retentionSize", value, expect=current, after="retention"), summary=summary)


class ShareOptions(RuleOptions):
    max_share: float = Field(
        default=0.85,
        alias="max-share",
        gt=0,
        le=1,
        description="largest share of the volume retentionSize may take (the rest is for the WAL and compaction)",
    )


@rule(
    "STOR002",
    "retention-size-exceeds-volume",
    "error",
    "retentionSize is larger than the volume, or leaves too little room for the WAL and compaction",
    basis=Basis.CERTAIN,
    why="""
        retentionSize only counts persisted blocks (and, since 2.x, the WAL), and compaction writes
        a new block before deleting the ones it replaces. A retentionSize equal to or above the
        volume size never triggers before the disk is full: Prometheus stops ingesting and
        crash-loops. The Prometheus storage docs advise leaving headroom for the WAL and one
        block being compacted; by default obslint wants retentionSize at most 85% of the volume
        (option `max-share`). At or above the volume size it is an error; between `max-share` and
        the volume size a warning, as whether the WAL and a compaction still fit depends on the data.
        A claim of a hostPath-style StorageClass (rancher local-path, OpenEBS hostpath without an
        XFS/ext4 quota, democratic-csi local-hostpath) is a directory on the node's disk whose
        requested size nothing enforces: its size is not the limit, and it is not checked.
    """,
    failing=_kps(PVC_20 + "retentionSize: 20GiB\n"),
    passing=_kps(PVC_20 + "retentionSize: 16GiB\n"),
    fix="""
        Lower retentionSize to at most the configured share of the volume, or grow the volume.
        `obslint check --fix` sets retentionSize to that share (`max-share`) of the volume.
    """,
    options=ShareOptions,
    fixable=True,
)
def retention_size_exceeds_volume(ctx: RuleContext) -> Iterator[Finding]:
    share = ctx.options.max_share
    for store in _stores(ctx):
        vol = store.volume
        if store.retention_size is None or not vol.size or store.retention_size_loc is None:
            continue
        if not vol.size_enforced:
            continue  # a node directory: the claimed size is no limit, the node's free space is unknown
        limit = vol.size * share
        if store.retention_size <= limit:
            continue
        basis = None
        if store.retention_size > vol.size:
            what = "larger than"
        elif store.retention_size == vol.size:
            what = "as large as"
        else:
            # Below the volume, whether the WAL and a compaction still fit depends on the data.
            what, basis = f"above {share:.0%} of", Basis.ASSUMPTION
        yield ctx.finding(
            store.retention_size_loc,
            f"{store.ref()}: retentionSize {store.retention_size_text} is {what} its volume ({vol.size_text}); "
            f"the disk {'may fill' if basis else 'fills'} before size-based retention deletes anything",
            hint=f"set retentionSize to at most {format_bytes(limit)} or grow the volume",
            basis=basis,
            fix=_retention_size_fix(store, share, dig(store.spec, "retentionSize")),
        )


@rule(
    "STOR003",
    "retention-without-persistence",
    "warning",
    "Prometheus, Alertmanager, VictoriaMetrics or Loki keeps data on an emptyDir: a restart loses the retention window",
    basis=Basis.CERTAIN,
    why="""
        Without a volumeClaimTemplate, prometheus-operator mounts an emptyDir (the
        kube-prometheus-stack default): a pod restart, node drain or upgrade deletes every sample,
        so the retention you configured is never reached and dashboards go blank after each
        rollout. Alertmanager keeps silences and the notification log there (a restart re-sends
        notifications and forgets silences). Loki on filesystem storage keeps chunks and index on
        its volume: without persistence, logs vanish with the pod. A VMSingle without
        `spec.storage`, or the vmstorage nodes of a VMCluster without `vmstorage.storage`, run on
        an emptyDir too (VictoriaMetrics/operator api/operator/v1beta1/vmsingle_types.go: "by
        default it's empty dir").
    """,
    failing=_kps("retention: 15d\nretentionSize: 8GiB\n"),
    passing=_kps(PVC_20 + "retentionSize: 16GiB\n"),
    fix="""
        Give the component a PersistentVolumeClaim: `prometheusSpec.storageSpec.volumeClaimTemplate`,
        `alertmanagerSpec.storage.volumeClaimTemplate`, or `singleBinary.persistence.enabled: true`
        for Loki. If losing the data on restart is intended, suppress the finding with a reason.
    """,
)
def retention_without_persistence(ctx: RuleContext) -> Iterator[Finding]:
    for store in _stores(ctx):
        vol = store.volume
        if vol.kind not in ("emptyDir", "ephemeral"):
            continue
        spec_key = {
            "prometheus": "prometheus.prometheusSpec.storageSpec",
            "vmsingle": "vmsingle.spec.storage",
            "vmcluster": "vmcluster.spec.vmstorage.storage",
        }.get(store.component, "alertmanager.alertmanagerSpec.storage")
        if not vol.declared and values_hidden(store.helm, spec_key, index=ctx.index):
            continue
        what = "an emptyDir" if vol.kind == "emptyDir" else "an ephemeral volume"
        keeps = "alerts state (silences, notification log)" if store.component == "alertmanager" else "samples"
        key, hint = _storage_key(store)
        yield ctx.finding(
            vol.loc,
            f"{store.ref()} keeps {keeps} for {store.retention_text or 'its retention'} on {what}"
            f"{'' if vol.declared else ' (no ' + key + ' set)'}: a restart loses them",
            hint=hint,
        )
    for cfg in loki_configs(ctx.index):
        vol = cfg.volume
        if vol is None or cfg.storage_type != "filesystem" or vol.kind != "emptyDir":
            continue
        period = cfg.max_retention()
        keeps = f"{format_duration(period)} of logs" if period else "its logs"
        yield ctx.finding(
            vol.loc,
            f"{cfg.ref()} keeps {keeps} on filesystem storage without a persistent volume: a restart loses them",
            hint="enable persistence (singleBinary.persistence.enabled: true with a size) or use object storage",
        )


def _storage_key(store: TSDBStore) -> tuple[str, str]:
    """(the key that gives `store` a volume, how to set it)."""
    if store.component == "vmsingle":  # a PersistentVolumeClaimSpec (VictoriaMetrics/operator vmsingle_types.go)
        if store.via == "helm":
            where = f"the values of HelmRelease {store.origin.name}"
            return "vmsingle.spec.storage", f"set vmsingle.spec.storage.resources.requests.storage in {where}"
        return "storage", f"set spec.storage.resources.requests.storage in {store.ref()}"
    if store.component == "vmcluster":
        if store.via == "helm":
            where = f"the values of HelmRelease {store.origin.name}"
            key = "vmcluster.spec.vmstorage.storage"
            return key, f"set {key}.volumeClaimTemplate with a size in {where}"
        return "vmstorage.storage", f"set spec.vmstorage.storage.volumeClaimTemplate with a size in {store.ref()}"
    key = "storageSpec" if store.via == "helm" and store.component == "prometheus" else "storage"
    return key, f"set {key}.volumeClaimTemplate with a storage request in {_where_values(store)}"


def _rate(raw: str | int | None, field: str) -> int | None:
    if raw is None:
        return None
    try:
        value = parse_bytes_any(raw)
    except UnitError as exc:
        raise ValueError(f"{field}: {exc}") from None
    if value <= 0:
        raise ValueError(f"{field}: must be positive")
    return value


class CapacityOptions(RuleOptions):
    ingest_per_day: str | int | None = Field(
        default=None,
        alias="ingest-per-day",
        description="bytes of TSDB blocks Prometheus writes per day (e.g. 2GB, 1.5Gi); the rule is off until set",
    )

    @field_validator("ingest_per_day")
    @classmethod
    def _valid(cls, v: str | int | None) -> str | int | None:
        _rate(v, "ingest-per-day")
        return v

    @property
    def per_day(self) -> int | None:
        return _rate(self.ingest_per_day, "ingest-per-day")


CAPACITY_CONFIG = """
-- .obslint.yaml --
options:
  retention-capacity: {ingest-per-day: 2GB}
"""


@rule(
    "STOR004",
    "retention-capacity",
    "warning",
    "Retention times the configured ingest per day does not fit on the volume (off until the rate is set)",
    basis=Basis.ASSUMPTION,
    why="""
        A retention window is a promise: data from N days ago is still there. At a known ingest
        rate, N days need N x rate bytes. When that is more than the volume (or than
        retentionSize), either the disk fills or size-based retention silently shortens the window,
        and the long-range dashboards and SLO alerts that rely on it lose their history. The
        claimed size of a hostPath-style volume (see STOR002) is no limit and is not counted.
        Set the option `ingest-per-day` (measure it with
        `rate(prometheus_tsdb_compaction_chunk_size_bytes_sum[1d]) * 86400`) to enable the check.
        VMSingle and VMCluster `retentionPeriod` are judged the same way (a bare number counts
        months of 31 days, as VictoriaMetrics does); a VMCluster's room is its vmstorage volume
        times `replicaCount`, divided by `replicationFactor`.
    """,
    failing=_kps("retention: 30d\n" + PVC_20.split("\n", 2)[2] + "retentionSize: 16GiB\n") + CAPACITY_CONFIG,
    passing=_kps(PVC_20.replace("15d", "7d") + "retentionSize: 16GiB\n") + CAPACITY_CONFIG,
    fix="Shorten the retention, grow the volume (and retentionSize), or reduce the ingested series.",
    options=CapacityOptions,
)
def retention_capacity(ctx: RuleContext) -> Iterator[Finding]:
    per_day = ctx.options.per_day
    if not per_day:
        return
    for store in _stores(ctx):
        if store.component not in SAMPLE_STORES or not store.retention or not store.volume.size:
            continue
        if not store.capacity_factor:
            continue  # how many VMCluster storage nodes share the data is not known statically
        need = store.retention / DAY * per_day
        room, limit_what = None, ""
        if store.volume.size_enforced:  # a node directory's claimed size is no limit
            room, limit_what = store.volume.size * store.capacity_factor, f"its volume ({store.volume.size_text})"
            if store.capacity_factor != 1:
                limit_what = f"its vmstorage volumes ({store.volume.size_text} x {store.capacity_factor:g})"
        if store.retention_size is not None and (room is None or store.retention_size < room):
            room, limit_what = store.retention_size, f"its retentionSize ({store.retention_size_text})"
        if room is None:
            continue
        if need <= room:
            continue
        days = room / per_day
        yield ctx.finding(
            store.retention_loc,
            f"{store.ref()} retention {store.retention_text} at {format_bytes(per_day)}/day needs about "
            f"{format_bytes(need)}, more than {limit_what}: only about {days:.1f} days fit",
            hint=f"shorten retention to {format_duration(int(days) * DAY) if days >= 1 else 'under a day'} "
            f"or provide at least {format_bytes(need / 0.85)} of volume",
        )
