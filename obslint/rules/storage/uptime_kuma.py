"""STOR005 uptime-kuma-data-not-persistent and STOR006 uptime-kuma-rolling-update: where Uptime Kuma keeps
its SQLite database, and a Deployment update that starts a second pod on its ReadWriteOnce volume."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, cluster_names
from obslint.model.uptime_kuma import DATA_DIR, KumaData, uptime_kumas
from obslint.rules import Basis, RuleContext, rule

_RELEASE = """\
-- monitoring/uptime-kuma.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  interval: 12h
  url: https://dirsigler.github.io/uptime-kuma-helm
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: uptime-kuma
      version: {version}
      sourceRef: {{kind: HelmRepository, name: uptime-kuma}}
  values:
"""


def _release(version: str, values: str) -> str:
    return _RELEASE.format(version=version) + "".join(f"    {line}\n" for line in values.strip("\n").splitlines())


def _where(data: KumaData) -> str:
    return "the container's own filesystem" if data.volume == "none" else "an emptyDir"


@rule(
    "STOR005",
    "uptime-kuma-data-not-persistent",
    "error",
    "Uptime Kuma keeps its SQLite database on no volume or an emptyDir: a restart loses every monitor",
    basis=Basis.CERTAIN,
    why="""
        Uptime Kuma keeps its monitors, users, notification settings, status pages and heartbeat
        history in a SQLite database in its data directory, /app/data (`DATA_DIR`; louislam/uptime-kuma
        wiki "How to Install": map /app/data to a volume). Nothing of it is in Git. Without a
        PersistentVolumeClaim there (`volume.enabled: false` in the dirsigler/uptime-kuma-helm chart,
        no volumeMount, or an emptyDir) every container restart, eviction or upgrade starts from an
        empty database: all monitors are gone, nothing alerts any more, and the setup page waits for
        whoever opens it first to create the admin account. Uptime Kuma 2.x can keep its data in
        MariaDB instead (`UPTIME_KUMA_DB_TYPE=mariadb`; chart `mariadb.enabled` or
        `externalDatabase.enabled`): then the data directory is not judged. A database chosen only in
        the setup page is not enough: that choice is saved in the data directory too (`db-config.json`,
        louislam/uptime-kuma server/setup-database.js). Values from sources obslint cannot read
        (valuesFrom a Secret, `envFrom`) are not judged.
    """,
    failing=_release("2.21.3", "volume:\n  enabled: false\n"),
    passing=_release("2.21.3", "volume:\n  enabled: true\n  size: 2Gi\n"),
    fix="""
        Keep /app/data on a PersistentVolumeClaim: `volume.enabled: true` (the chart's default, with
        `volume.size` and `volume.storageClassName`, or `volume.existingClaim`), or a
        `persistentVolumeClaim` volume mounted at /app/data in your own Deployment or StatefulSet.
        Or point Uptime Kuma 2.x at MariaDB with `UPTIME_KUMA_DB_TYPE=mariadb`.
    """,
)
def uptime_kuma_data_not_persistent(ctx: RuleContext) -> Iterator[Finding]:
    for data in uptime_kumas(ctx.index):
        if data.volume not in ("none", "emptyDir") or data.external_db:
            continue
        if data.via == "helm":
            hint = "set volume.enabled: true (with volume.size) or volume.existingClaim in the HelmRelease values"
        else:
            hint = f"mount a persistentVolumeClaim volume at {DATA_DIR} in {data.workload} {data.name}"
        yield Finding(
            data.volume_loc,
            f"{data.ref()} keeps its database (monitors, users, notification settings, history) on "
            f"{_where(data)}: every restart starts from an empty Uptime Kuma",
            hint,
            clusters=cluster_names(data.origin.cluster),
        )


_DEPLOYMENT = """\
-- monitoring/uptime-kuma.yaml --
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uptime-kuma-data
  namespace: monitoring
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  replicas: 1
{strategy}  selector:
    matchLabels: {{app: uptime-kuma}}
  template:
    metadata:
      labels: {{app: uptime-kuma}}
    spec:
      containers:
        - name: uptime-kuma
          image: louislam/uptime-kuma:1.23.16
          volumeMounts:
            - {{name: data, mountPath: /app/data}}
      volumes:
        - name: data
          persistentVolumeClaim: {{claimName: uptime-kuma-data}}
"""


@rule(
    "STOR006",
    "uptime-kuma-rolling-update",
    "warning",
    "Uptime Kuma runs as a Deployment that updates with RollingUpdate on a ReadWriteOnce volume",
    basis=Basis.ASSUMPTION,
    why="""
        A Deployment's default strategy, RollingUpdate with maxSurge 25% (rounded up: one pod), starts
        the new pod before the old one stops. Uptime Kuma's data is a SQLite database on one
        ReadWriteOnce claim: scheduled on another node, the new pod cannot attach the volume
        (`Multi-Attach error`) and the rollout hangs until someone deletes the old pod; on the same
        node two servers run on one database file for a while. The dirsigler/uptime-kuma-helm chart
        defaults to `strategy.type: Recreate` up to 2.22.x and to `RollingUpdate` from 2.23.1
        (dirsigler/uptime-kuma-helm#213), with a ReadWriteOnce claim of its own. It rests on the
        cluster having more than one node (and on ReadWriteOncePod, it hangs on one node too). A
        ReadWriteMany claim, a claim obslint cannot see, a StatefulSet (which replaces its pod only
        after the old one is gone) and `maxSurge: 0` are not judged.
    """,
    failing=_DEPLOYMENT.format(strategy=""),
    passing=_DEPLOYMENT.format(strategy="  strategy:\n    type: Recreate\n"),
    fix="""
        Replace the pod, not roll it: `strategy: {type: Recreate}` (chart values `strategy.type:
        Recreate`), or `rollingUpdate: {maxSurge: 0, maxUnavailable: 1}`.
    """,
)
def uptime_kuma_rolling_update(ctx: RuleContext) -> Iterator[Finding]:
    for data in uptime_kumas(ctx.index):
        if data.workload != "Deployment" or data.volume != "pvc" or not data.surge or data.strategy_loc is None:
            continue
        modes = data.access_modes
        if not modes or not set(modes) <= {"ReadWriteOnce", "ReadWriteOncePod"}:
            continue
        if data.strategy_declared:
            how = "RollingUpdate"
        elif data.via == "helm":
            how = "RollingUpdate (the chart's default in this version)"
        else:
            how = "RollingUpdate (the Deployment default)"
        where = "strategy.type in the HelmRelease values" if data.via == "helm" else "spec.strategy.type"
        yield Finding(
            data.strategy_loc,
            f"{data.ref()} updates with {how} on the {' / '.join(modes)} claim {data.claim}: the new pod starts "
            "before the old one stops, and on another node it cannot attach the volume",
            f"set {where} to Recreate",
            clusters=cluster_names(data.origin.cluster),
        )
