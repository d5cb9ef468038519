"""STOR005 uptime-kuma-data-not-persistent, STOR006 uptime-kuma-rolling-update and STOR007
uptime-kuma-claim-missing: where Uptime Kuma keeps its SQLite database, a Deployment update that starts a
second pod on its ReadWriteOnce volume, and a claim it mounts that nothing creates."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, cluster_names
from obslint.model.catalogue import catalogue
from obslint.model.services import namespace_of
from obslint.model.uptime_kuma import DATA_DIR, KumaData, uptime_kumas
from obslint.rules import Basis, RuleContext, rule
from obslint.suggest import did_you_mean

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
        PersistentVolumeClaim there (`volume.enabled: false` in the dirsigler/uptime-kuma-helm chart
        with no `additionalVolumeMounts` entry of a claim there, no volumeMount, or an emptyDir) every
        container restart, eviction or upgrade starts from an empty database: all monitors are gone,
        nothing alerts any more, and the setup page waits for whoever opens it first to create the
        admin account. Uptime Kuma 2.x can keep its data in
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
            f"{data.ref()} updates with {how} on the {' / '.join(modes)} claim {data.claim}: "
            "a new pod on another node cannot attach it",
            f"set {where} to Recreate",
            clusters=cluster_names(data.origin.cluster),
        )


CLAIMED = """\
-- monitoring/uptime-kuma-data.yaml --
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uptime-kuma-data
  namespace: {namespace}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 2Gi
"""


@rule(
    "STOR007",
    "uptime-kuma-claim-missing",
    "warning",
    "Uptime Kuma mounts a PersistentVolumeClaim that nothing in the repository creates in its namespace",
    basis=Basis.ASSUMPTION,
    why="""
        A pod that mounts a claim that does not exist stays Pending (`persistentvolumeclaim ... not
        found`): Uptime Kuma never starts, and a HelmRelease that waits for it fails its install or
        upgrade. The dirsigler/uptime-kuma-helm chart creates no claim when `volume.existingClaim` is
        set (templates/pvc.yaml), and a Deployment's `claimName` must name a claim of its own
        namespace. It rests on the repository being where the claim would come from: it is reported
        only where the repository creates PersistentVolumeClaims in that cluster, and not when the
        name holds an unresolved variable, when a custom resource of that namespace names it (a
        VolSync ReplicationDestination, an operator's), when another HelmRelease there may create it
        after its own name, or when something outside the repository builds into the namespace.
    """,
    failing=_release("4.1.0", "volume:\n  existingClaim: uptime-kuma-data\n") + CLAIMED.format(namespace="default"),
    passing=_release("4.1.0", "volume:\n  existingClaim: uptime-kuma-data\n") + CLAIMED.format(namespace="monitoring"),
    fix="""
        Commit the PersistentVolumeClaim in Uptime Kuma's namespace, fix the name, or drop
        `volume.existingClaim` to let the chart create its own claim.
    """,
)
def uptime_kuma_claim_missing(ctx: RuleContext) -> Iterator[Finding]:
    cat = catalogue(ctx.index)
    for data in uptime_kumas(ctx.index):
        if data.claim is None or data.claim_loc is None:
            continue  # none, or the chart's own claim
        found = cat.config("PersistentVolumeClaim", data.namespace, data.claim, data.origin)
        if not found.absent:
            continue
        claims = cat.config("PersistentVolumeClaim", None, data.claim, data.origin).producers
        spaces = sorted({ns for ns in (namespace_of(ctx.index, p.obj) for p in claims) if ns and ns != data.namespace})
        here = [
            pvc.name
            for pvc in ctx.index.of_kind("PersistentVolumeClaim", group="")
            if pvc.cluster == data.origin.cluster and namespace_of(ctx.index, pvc) == data.namespace
        ]
        where = f" in namespace {data.namespace}" if data.namespace else ""
        hint = ""
        if spaces:
            hint = f"it exists in namespace {', '.join(spaces)}, and a pod mounts only claims of its own namespace; "
        yield Finding(
            data.claim_loc,
            f"{data.ref()} mounts PersistentVolumeClaim {data.claim}{did_you_mean(data.claim, here)}, which nothing "
            f"in the repository creates{where}: the pod stays Pending",
            hint + "commit the claim in that namespace or fix the name",
            clusters=cluster_names(data.origin.cluster),
        )
