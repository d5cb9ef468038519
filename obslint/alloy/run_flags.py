"""The feature flags of the Alloy process that loads a config: ``--stability.level`` and
``--feature.community-components.enabled``.

Alloy refuses a component below the minimum stability level (default "generally-available") and a
community component unless community components are enabled (grafana/alloy
internal/runtime/internal/controller/component_registry.go, internal/featuregate/featuregate.go).

Where the flags are read:

- a config in an ``alloy`` HelmRelease (``alloy.configMap.content``), or a ConfigMap such a release
  mounts (``alloy.configMap.create: false`` and ``alloy.configMap.name``): the chart passes
  ``--stability.level={{ alloy.stabilityLevel }}`` and then every ``alloy.extraArgs`` (values under
  ``agent`` override ``alloy``: operations/helm/charts/alloy/templates/containers/_agent.yaml);
- a ConfigMap that a Deployment, DaemonSet or StatefulSet mounts and runs with ``alloy run``: the
  container's ``command`` and ``args``.

A config nobody identifiable runs (a plain ``*.alloy`` file, a ConfigMap no workload in the repository
mounts) has no `RunFlags`; a value that may come from outside the repository (valuesFrom a Secret, a
postBuild variable) is unknown (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from obslint.alloy.components import GENERALLY_AVAILABLE, STABILITY_LEVELS
from obslint.alloy.configs import AlloyConfig
from obslint.findings import Loc
from obslint.index import Index
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.objects import K8sObject, dig

STABILITY_FLAG = "--stability.level"
COMMUNITY_FLAG = "--feature.community-components.enabled"
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
# strconv.ParseBool, which pflag uses for boolean flags
TRUE = ("1", "t", "T", "TRUE", "true", "True")
FALSE = ("0", "f", "F", "FALSE", "false", "False")


@dataclass(frozen=True)
class RunFlags:
    """The flags one Alloy process runs with. None: not known (set from outside the repository)."""

    stability: str | None
    community: bool | None
    runner: str  # what runs it ("HelmRelease monitoring/alloy")
    loc: Loc  # where the flags are (or would be) set

    def allows(self, stability: str | None, community: bool) -> bool | None:
        """Whether a component of this stability (community: a community component) loads; None: unknown."""
        if community:
            return self.community
        if self.stability is None or stability is None:
            return None
        return STABILITY_LEVELS.index(stability) >= STABILITY_LEVELS.index(self.stability)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("${" in value or "{{" in value)


def _from_args(args: Iterable[Any], stability: str | None, community: bool | None) -> tuple[str | None, bool | None]:
    """Apply command-line arguments in order (pflag: the last occurrence of a flag wins)."""
    items = list(args)
    for i, arg in enumerate(items):
        if not isinstance(arg, str) or _templated(arg):
            return None, None  # an argument obslint cannot read may be either flag
        name, eq, value = arg.partition("=")
        if name == STABILITY_FLAG:
            if not eq:
                following = items[i + 1] if i + 1 < len(items) else None
                value = following if isinstance(following, str) and not _templated(following) else ""
            stability = value if value in STABILITY_LEVELS else None
        elif name == COMMUNITY_FLAG:
            community = True if not eq else (True if value in TRUE else False if value in FALSE else None)
    return stability, community


def _chart_values(rel: HelmReleaseView) -> dict[str, Any]:
    """`alloy` values with `agent` merged over them, as the chart's templates read them."""
    merged: dict[str, Any] = {}
    for key in ("alloy", "agent"):
        part = rel.value(key)
        if isinstance(part, dict):
            merged.update(part)
    return merged


def _release_flags(rel: HelmReleaseView) -> RunFlags:
    values = _chart_values(rel)
    runner = f"HelmRelease {rel.obj.namespace}/{rel.obj.name}" if rel.obj.namespace else f"HelmRelease {rel.obj.name}"
    loc = rel.loc("alloy", "stabilityLevel")
    if any(rel.values_open(key, sub) for key in ("alloy", "agent") for sub in ("stabilityLevel", "extraArgs")):
        return RunFlags(None, None, runner, loc)
    level = values.get("stabilityLevel")
    if level is None or level == "":
        stability: str | None = GENERALLY_AVAILABLE  # the flag is not passed: Alloy's default
    else:
        stability = level if level in STABILITY_LEVELS else None
    extra = values.get("extraArgs")
    if extra is None:
        extra = []
    if not isinstance(extra, list):
        return RunFlags(None, None, runner, loc)
    stability, community = _from_args(extra, stability, False)
    return RunFlags(stability, community, runner, loc)


def _mounts(workload: K8sObject, configmap: str) -> bool:
    volumes = workload.get("spec", "template", "spec", "volumes")
    return isinstance(volumes, list) and any(dig(v, "configMap", "name") == configmap for v in volumes)


def _workload_flags(workload: K8sObject) -> RunFlags | None:
    """Flags of the container that runs `alloy run`, None when no container does."""
    containers = workload.get("spec", "template", "spec", "containers")
    for i, container in enumerate(containers if isinstance(containers, list) else ()):
        command = dig(container, "command") or []
        args = dig(container, "args") or []
        if not isinstance(command, list) or not isinstance(args, list):
            continue
        words = [*command, *args]
        if "run" not in words:
            continue
        stability, community = _from_args(words, GENERALLY_AVAILABLE, False)
        loc = workload.loc("spec", "template", "spec", "containers", i, "args")
        return RunFlags(stability, community, workload.ref(), loc)
    return None


def _same_place(a: K8sObject, b: K8sObject) -> bool:
    return a.namespace == b.namespace and a.cluster == b.cluster


def run_flags(index: Index, config: AlloyConfig) -> list[RunFlags]:
    """The flags of every Alloy process the repository shows loading `config` (empty: none known)."""
    origin = config.origin
    if not isinstance(origin, K8sObject):
        return []
    releases = releases_of_chart(index, "alloy")
    if origin.kind == "HelmRelease":
        return [_release_flags(rel) for rel in releases if rel.obj is origin]
    if origin.kind != "ConfigMap":
        return []
    out: list[RunFlags] = []
    for rel in releases:
        values = _chart_values(rel)
        configmap = values.get("configMap")
        if (
            isinstance(configmap, dict)
            and configmap.get("create") is False
            and configmap.get("name") == origin.name
            and (rel.namespace == origin.namespace and rel.obj.cluster == origin.cluster)
        ):
            out.append(_release_flags(rel))
    for workload in index.of_kind(*WORKLOAD_KINDS):
        if _same_place(workload, origin) and _mounts(workload, origin.name):
            flags = _workload_flags(workload)
            if flags is not None:
                out.append(flags)
    return out
