"""Where Uptime Kuma keeps its data, and how its pod is replaced on an update.

Uptime Kuma keeps its monitors, users, notification settings, status pages and heartbeat history in
SQLite (`kuma.db`) in its data directory: `DATA_DIR`, default `./data/` under the image's working
directory /app (louislam/uptime-kuma-wiki Environment-Variables.md; How-to-Install: "Please map the
/app/data-folder to a local directory or volume"). 2.x can keep them in MariaDB instead, chosen with
`UPTIME_KUMA_DB_TYPE=mariadb`; a choice made in the setup page is itself saved in the data directory
(`db-config.json`: "Priority: env > db-config.json", louislam/uptime-kuma server/setup-database.js at
0d30adb0), so only the environment variable makes the directory dispensable (`embedded-mariadb` keeps
its files in the data directory too).

Two origins, one shape (`KumaData`):

* HelmReleases of dirsigler/uptime-kuma-helm (charts/uptime-kuma), read for the version the release pins
  (obslint.model.chart_facts; values history in ../shared/oracles/charts/history/uptime-kuma). From 2.0.0
  `useDeploy` (default true) picks a Deployment, else a StatefulSet; the Deployment mounts /app/data
  from the claim `<fullname>-pvc` (a ReadWriteOnce PersistentVolumeClaim the chart creates) or
  `volume.existingClaim` (2.2.7 on), and from 2.1.0 only when `volume.enabled` (default true); the
  StatefulSet from a volumeClaimTemplate of `volume.accessMode` (templates/deployment.yaml at f666fce2
  (2.0.0) and 525ad1d5 (2.21.3), statefulset.yaml and pvc.yaml at 197bd4d0). The Deployment gets
  `strategy` as written (2.3.6 on; the default is `Recreate` up to 2.22.x and `RollingUpdate` from
  2.23.1, dirsigler/uptime-kuma-helm#213), none before 2.3.6. `mariadb.enabled` (2.21.3 to 3.x: the
  Bitnami subchart) and `externalDatabase.enabled` (2.22.1 on) set UPTIME_KUMA_DB_TYPE=mariadb;
  `podEnv`, `additionalVolumes` and `additionalVolumeMounts` go into the pod as written.
  Versions before 2.0.0 are not judged (their templates were not read).
* Deployments and StatefulSets with a container of an `uptime-kuma` image.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.model.chart_facts import ChartVersion, chart_version, helm_fullname
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.model.semver import parse
from obslint.model.services import namespace_of, release_namespace
from obslint.objects import K8sObject, dig, loc_of

CHART = "uptime-kuma"
DATA_DIR = "/app/data"
# louislam/uptime-kuma and its mirrors (docker.io/, ghcr.io/...): the last path part of the repository
_IMAGE = re.compile(r"(?:^|/)uptime-kuma(?::[^/@]*)?(?:@sha256:[0-9a-f]+)?$")
# Kubernetes' default Deployment strategy: RollingUpdate with maxSurge 25%, rounded up: one new pod before
# the old one goes (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge).
DEFAULT_SURGE = "25%"


@dataclass
class KumaData:
    """One Uptime Kuma server: its data volume and how its pod is replaced."""

    origin: K8sObject  # the HelmRelease or the workload
    via: str  # "helm" | "workload"
    name: str
    namespace: str | None
    workload: str  # "Deployment" | "StatefulSet"
    volume: str  # "pvc" | "emptyDir" | "none" (the container's own filesystem) | "other"
    volume_loc: Loc  # where the data volume is decided (or where the missing one belongs)
    external_db: bool  # the data is in MariaDB/MySQL (or may be: a value obslint cannot read)
    claim: str | None = None  # the claim the Deployment mounts
    claim_loc: Loc | None = None  # where a claim the chart does not create is named (existingClaim, claimName)
    access_modes: tuple[str, ...] | None = None  # of that claim (None: not known)
    strategy: str | None = None  # Deployment: "Recreate" | "RollingUpdate"
    surge: bool = False  # a RollingUpdate starts the new pod before the old one is gone
    strategy_loc: Loc | None = None
    strategy_declared: bool = False
    helm: HelmReleaseView | None = None

    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        if self.via == "helm":
            return f"Uptime Kuma (HelmRelease {where}{self.origin.name})"
        return f"Uptime Kuma ({self.workload} {where}{self.name})"


def surges(strategy: Any) -> bool:
    """Whether a Deployment `strategy` of type RollingUpdate starts a new pod before the old one ends:
    maxSurge above 0 (an integer, or a percentage, which rounds up)."""
    raw = dig(strategy, "rollingUpdate", "maxSurge")
    raw = DEFAULT_SURGE if raw is None else raw
    text = str(raw).strip()
    number = text[:-1] if text.endswith("%") else text
    try:
        return float(number) > 0
    except ValueError:
        return True  # a value the API server would refuse; the default it stands for surges


def _claim_modes(index: Index, owner: K8sObject, ns: str | None, claim: str) -> tuple[str, ...] | None:
    """accessModes of the PersistentVolumeClaim `claim` in namespace `ns` of the owner's cluster."""
    for pvc in index.of_kind("PersistentVolumeClaim", group=""):
        if pvc.name == claim and pvc.cluster == owner.cluster and namespace_of(index, pvc) == ns:
            modes = pvc.get("spec", "accessModes")
            if isinstance(modes, list) and all(isinstance(m, str) for m in modes):
                return tuple(modes)
    return None


# --- the chart -------------------------------------------------------------------------------------

# The first versions whose templates read `volume.existingClaim` and `strategy` (values history; PR #61 for
# the strategy, dirsigler/uptime-kuma-helm).
EXISTING_CLAIM_FROM = "2.2.7"
STRATEGY_FROM = "2.3.6"
# The values that decide where the data is and how the pod is replaced.
_CHART_KEYS = (
    "volume", "useDeploy", "strategy", "mariadb", "externalDatabase", "podEnv",
    "additionalVolumes", "additionalVolumeMounts",
)  # fmt: skip


def _since(version: ChartVersion, first: str) -> bool:
    mine, since = parse(version.version), parse(first)
    return mine is not None and since is not None and mine >= since


def _chart_db(values: Any) -> bool:
    if values_bool(dig(values, "mariadb", "enabled"), False):
        return True
    if values_bool(dig(values, "externalDatabase", "enabled"), False):
        return True
    env = dig(values, "podEnv")
    return isinstance(env, list) and any(isinstance(e, dict) and e.get("name") == "UPTIME_KUMA_DB_TYPE" for e in env)


def _from_chart(index: Index, rel: HelmReleaseView, version: ChartVersion) -> KumaData | None:
    if not version.has("useDeploy"):
        return None  # before 2.0.0
    v = rel.values
    if any(rel.values_open(k) for k in _CHART_KEYS):
        return None  # a values source the repository does not hold may decide
    fallback = rel.obj.loc("spec", "values") if "values" in rel.obj.spec else rel.obj.loc("spec")
    deploy = values_bool(dig(v, "useDeploy"), bool(version.default("useDeploy", True)))
    written = dig(v, "volume", "enabled")
    enabled = values_bool(written, bool(version.default("volume.enabled", True)))
    declared = values_bool(written, True) == values_bool(written, False)  # a switch is written, not the default
    # podEnv and additionalVolumeMounts/additionalVolumes go into the pod as written (2.1.3 and 2.14.0 on)
    env, mounts = dig(v, "podEnv"), dig(v, "additionalVolumeMounts")
    container = {
        "env": env if isinstance(env, list) else [],
        "volumeMounts": mounts if isinstance(mounts, list) else [],
    }
    data_dir = _data_dir(container)
    if data_dir is None:
        return None
    ns = release_namespace(index, rel)
    own = enabled and _under(data_dir, DATA_DIR)  # the chart mounts its volume at /app/data
    data = KumaData(
        rel.obj, "helm", rel.release_name, ns, "Deployment" if deploy else "StatefulSet",
        "pvc" if own else "none", rel.loc("volume", "enabled") if declared else fallback, _chart_db(v),
        helm=rel,
    )  # fmt: skip
    if not own:
        if enabled:  # DATA_DIR in podEnv moved the data off the chart's volume
            data.volume_loc = rel.loc("podEnv")
        extra = _mount(container, data_dir)
        volumes = dig(v, "additionalVolumes")
        if extra is not None and not _place(index, data, extra, volumes if isinstance(volumes, list) else [], ()):
            return None
    if not deploy:
        return data
    if not enabled:
        return _strategy(data, version, v, rel, fallback) if data.claim else data
    existing = dig(v, "volume", "existingClaim")
    if isinstance(existing, str) and existing and _since(version, EXISTING_CLAIM_FROM):
        data.claim, data.claim_loc = existing, rel.loc("volume", "existingClaim")
        data.access_modes = _claim_modes(index, rel.obj, ns, existing)
    else:
        data.claim = f"{helm_fullname(rel.release_name, CHART, v)}-pvc"
        mode = dig(v, "volume", "accessMode")
        # The chart's own claim is ReadWriteOnce (templates/pvc.yaml); a mode written otherwise is taken
        # at its word, as some versions may render it.
        data.access_modes = (mode if isinstance(mode, str) and mode else "ReadWriteOnce",)
    return _strategy(data, version, v, rel, fallback)


def _strategy(data: KumaData, version: ChartVersion, v: Any, rel: HelmReleaseView, fallback: Loc) -> KumaData:
    """The chart Deployment's strategy: as written, else the version's default, else Kubernetes' own."""
    strategy = dig(v, "strategy") if _since(version, STRATEGY_FROM) else None  # not rendered before
    kind = dig(strategy, "type")
    data.strategy_declared = isinstance(kind, str)
    if not data.strategy_declared:
        default = version.default("strategy.type", None)
        kind = default if isinstance(default, str) else "RollingUpdate"  # none rendered: Kubernetes' default
        strategy = None
    data.strategy = kind
    data.surge = kind == "RollingUpdate" and surges(strategy)
    data.strategy_loc = rel.loc("strategy", "type") if data.strategy_declared else fallback
    return data


# --- plain workloads -------------------------------------------------------------------------------


def _list(node: Any) -> list:
    return node if isinstance(node, list) else []


def _env(container: dict, name: str) -> tuple[bool, Any]:
    """(present, literal value or None) of an environment variable of the container."""
    for e in _list(container.get("env")):
        if isinstance(e, dict) and e.get("name") == name:
            return True, e.get("value") if "valueFrom" not in e else None
    return False, None


def _data_dir(container: dict) -> str | None:
    """The container's data directory (None: set in a way obslint does not read)."""
    if container.get("envFrom") or any("data-dir" in str(a) for a in _list(container.get("args"))):
        return None
    present, value = _env(container, "DATA_DIR")
    if not present:
        return DATA_DIR
    if not isinstance(value, str) or not value or "$" in value:
        return None
    return posixpath.normpath(posixpath.join("/app", value))


def _external_db(container: dict) -> bool:
    if container.get("envFrom"):
        return True  # may set UPTIME_KUMA_DB_TYPE: not known
    present, value = _env(container, "UPTIME_KUMA_DB_TYPE")
    return present and (not isinstance(value, str) or value.strip().lower() == "mariadb")


def _mount(container: dict, data_dir: str) -> dict | None:
    """The volumeMount that holds `data_dir` (the deepest one at or above it)."""
    best = None
    for m in _list(container.get("volumeMounts")):
        path = m.get("mountPath") if isinstance(m, dict) else None
        if not isinstance(path, str) or m.get("subPath") or m.get("subPathExpr"):
            continue
        path = posixpath.normpath(path)
        if _under(data_dir, path) and (best is None or len(path) > len(best["mountPath"])):
            best = {"mountPath": path, "name": m.get("name"), "node": m}
    return best


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def _place(index: Index, data: KumaData, mount: dict, volumes: list, templates: Any) -> bool:
    """Set where the data is from the volume `mount` names (its claim and the claim's access modes);
    False when it names no volume of the pod."""
    data.volume_loc = loc_of(mount["node"], "mountPath")
    volume = next((v for v in volumes if isinstance(v, dict) and v.get("name") == mount["name"]), None)
    if volume is None:
        if any(dig(t, "metadata", "name") == mount["name"] for t in templates):
            data.volume = "pvc"  # a StatefulSet's claim of its own
            return True
        return False
    data.volume_loc = loc_of(volume, "name")
    claim = dig(volume, "persistentVolumeClaim", "claimName")
    if "emptyDir" in volume:
        data.volume = "emptyDir"
    elif isinstance(claim, str):
        data.volume, data.claim = "pvc", claim
        data.claim_loc = loc_of(volume, "persistentVolumeClaim", "claimName")
        data.access_modes = _claim_modes(index, data.origin, data.namespace, claim)
    else:
        data.volume = "other"
    return True


def _kuma_image(image: Any) -> bool:
    return isinstance(image, str) and _IMAGE.search(image) is not None


def _from_workload(index: Index, obj: K8sObject) -> KumaData | None:
    spec = obj.get("spec", "template", "spec")
    containers = dig(spec, "containers")
    if not isinstance(containers, list):
        return None
    kuma = next((c for c in containers if isinstance(c, dict) and _kuma_image(c.get("image"))), None)
    data_dir = _data_dir(kuma) if kuma is not None else None
    if kuma is None or data_dir is None:
        return None
    ns = namespace_of(index, obj)
    mount = _mount(kuma, data_dir)
    data = KumaData(obj, "workload", obj.name, ns, obj.kind, "none", loc_of(kuma, "image"), _external_db(kuma))
    templates = obj.get("spec", "volumeClaimTemplates") if obj.kind == "StatefulSet" else None
    volumes = dig(spec, "volumes")
    if mount is not None and not _place(
        index,
        data,
        mount,
        volumes if isinstance(volumes, list) else [],
        templates if isinstance(templates, list) else (),
    ):
        return None  # a mount of no volume: the API server refuses the pod, another rule's business
    if obj.kind == "Deployment":
        strategy = obj.get("spec", "strategy")
        kind = dig(strategy, "type")
        data.strategy_declared = isinstance(kind, str)
        data.strategy = kind if data.strategy_declared else "RollingUpdate"
        data.surge = data.strategy == "RollingUpdate" and surges(strategy)
        data.strategy_loc = obj.loc("spec", "strategy", "type") if data.strategy_declared else obj.loc("spec")
    return data


@memoised
def uptime_kumas(index: Index) -> list[KumaData]:
    """Every Uptime Kuma the repository deploys (the dirsigler chart from 2.0.0, or a workload)."""
    out: list[KumaData] = []
    for rel in releases_of_chart(index, CHART):
        version = chart_version(index, rel)
        found = _from_chart(index, rel, version) if version is not None else None
        if found is not None:
            out.append(found)
    for obj in index.of_kind("Deployment", "StatefulSet", group="apps"):
        found = _from_workload(index, obj)
        if found is not None:
            out.append(found)
    return out
