"""FLUX051 helm-values-unknown-key and FLUX052 helm-values-key-removed: HelmRelease values keys that the
chart version in use does not read.

Both walk a release's values against the key tree of the chart version it pins (obslint.model.chart_pin);
a key the version does not have is FLUX052 when an earlier version had it (the chart dropped or renamed
it) and FLUX051 otherwise (a typo, or a key of another chart). One key gives one finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.findings import Finding
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.chart_keys import KeyHistory
from obslint.model.chart_pin import ChartPin, chart_pin
from obslint.model.helm import HelmReleaseView, helm_releases
from obslint.rules import Basis, RuleContext, rule
from obslint.suggest import closest


@dataclass(frozen=True)
class UnreadKey:
    release: HelmReleaseView
    pin: ChartPin
    values: YMap  # the mapping that holds the key
    key: Any
    path: tuple  # up to and including the key
    known: dict  # the keys the version has at that level
    removed: tuple[str, str] | None  # (first version without it, last version with it) before the pinned one
    added: str | None  # the first later version that has it

    @property
    def shown(self) -> str:
        return ".".join(str(k) for k in self.path)

    def did_you_mean(self) -> str | None:
        close = closest(str(self.key), self.known)
        return f"did you mean {'.'.join(str(k) for k in (*self.path[:-1], close[0]))!r}?" if close else None


def _indexes(ranges: list[int]) -> Iterator[tuple[int, int]]:
    for k in range(0, len(ranges), 2):
        yield ranges[k], ranges[k + 1]


def _removed(pin: ChartPin, history: KeyHistory | None) -> tuple[str, str] | None:
    """(removed in, last in) when a version before the pinned one had the key."""
    if history is None:
        return None
    earlier = [min(end, pin.index - 1) for start, end in _indexes(history.present) if start < pin.index]
    if not earlier:
        return None
    last = max(earlier)
    return pin.keys.versions[last + 1], pin.keys.versions[last]


def _added(pin: ChartPin, history: KeyHistory | None) -> str | None:
    if history is None:
        return None
    later = [start for start, _ in _indexes(history.present) if start > pin.index]
    return pin.keys.versions[min(later)] if later else None


@memoised
def unread_keys(index: Index) -> list[UnreadKey]:
    """Every values key (of every release of a known chart) that the pinned chart version does not have."""
    out: list[UnreadKey] = []
    for release in helm_releases(index):
        if not isinstance(release.values, YMap) or not release.values:
            continue
        pin = chart_pin(index, release)
        if pin is None:
            continue
        stack: list[tuple[YMap, dict, tuple]] = [(release.values, pin.tree, ())]
        while stack:
            values, known, path = stack.pop()
            for key, value in values.items():
                sub = known.get(str(key)) if isinstance(key, (str, int, float, bool)) else None
                if sub is None:
                    if isinstance(key, str) and ("${" in key or "{{" in key):
                        continue  # a substituted or templated key: its name is not known here
                    full = (*path, key)
                    history = pin.keys.history(tuple(str(k) for k in full))
                    removed = _removed(pin, history)
                    out.append(UnreadKey(release, pin, values, key, full, known, removed, _added(pin, history)))
                elif isinstance(sub, dict) and isinstance(value, YMap):
                    stack.append((value, sub, (*path, key)))
    return out


# ------------------------------------------------------------------------------------------------
# the release both examples of this module change
_KPS_RELEASE = """\
-- monitoring/kube-prometheus-stack.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  interval: 1h
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
      sourceRef:
        kind: HelmRepository
        name: prometheus-community
  values:
"""
_FAIL_VALUES = (
    _KPS_RELEASE
    + """\
    prometheus:
      prometheusSpec:
        retention: 7d
        retentionsize: 45GB     # the chart reads retentionSize: this does nothing
"""
)

_PASS_VALUES = _FAIL_VALUES.replace(
    "retentionsize: 45GB     # the chart reads retentionSize: this does nothing", "retentionSize: 45GB"
)


@rule(
    "FLUX051",
    "helm-values-unknown-key",
    "warning",
    "HelmRelease values use a key that the chart version's default values do not have",
    basis=Basis.ASSUMPTION,
    why=(
        "Helm ignores values the chart templates never read: a misspelt key (`retentionsize`, "
        "`persistance`) deploys fine and silently keeps the default — often the very setting you meant to "
        "change (retention, storage, replicas). Known charts: every released version of kube-prometheus-stack "
        "(40 and later), loki (Grafana's and, told apart by the repository URL, grafana-community's), "
        "loki-stack, promtail, grafana, alloy, k8s-monitoring, vector, uptime-kuma, victoria-metrics-k8s-stack, "
        "robusta, falco and falcosidekick (key sets derived from each version's default values.yaml and "
        "values.schema.json, under `obslint/data/charts/`). The version is `spec.chart.spec.version` or, "
        "through `chartRef`, an OCIRepository `ref.tag`/`ref.semver` or a HelmChart `version`: a range is "
        "checked against the highest known version satisfying it, an unknown exact version against the "
        "nearest known version of the same major, and the message names the version used. Free-form places "
        "(empty default maps such as podAnnotations, lists, application config blocks such as "
        "`alertmanager.config` or Loki `structuredConfig`, and subchart sections such as `grafana`) are not "
        "checked, nor are other charts. A key that an earlier version had is FLUX052 instead."
    ),
    failing=_FAIL_VALUES,
    passing=_PASS_VALUES,
    fix="Rename the key to the one the chart documents (see the hint), or remove it.",
)
def helm_values_unknown_key(ctx: RuleContext) -> Iterator[Finding]:
    for item in unread_keys(ctx.index):
        if item.removed is not None:
            continue  # FLUX052 reports it
        hint = item.did_you_mean()
        if hint is None:
            keys = sorted(item.known)
            at = ".".join(map(str, item.path[:-1])) or "the top level"
            hint = f"keys known at {at}: {_listed(keys, HINT_ROOM - len(at))}"
        if item.added is not None:
            hint += f" ({item.pin.chart} has it from {item.added} on)"
        yield ctx.finding(
            item.values.key_loc(item.key),
            f"HelmRelease {item.release.obj.name}: {item.pin.subject()} has no value {item.shown!r}; "
            f"Helm ignores it{item.pin.note()}",
            hint,
        )


# ------------------------------------------------------------------------------------------------
_FAIL_REMOVED = (
    _KPS_RELEASE
    + """\
    defaultRules:
      rules:
        k8s: false              # split into k8sContainer* switches in 55: this no longer disables anything
"""
)

_PASS_REMOVED = _FAIL_REMOVED.replace(
    "        k8s: false              # split into k8sContainer* switches in 55: this no longer disables anything\n",
    "        k8sContainerCpuUsageSecondsTotal: false\n        k8sContainerMemoryWorkingSetBytes: false\n",
)


@rule(
    "FLUX052",
    "helm-values-key-removed",
    "warning",
    "HelmRelease values use a key that earlier versions of the chart had but the pinned version no longer has",
    basis=Basis.ASSUMPTION,
    why=(
        "When a chart version is bumped, keys it dropped or renamed stay in the release's values, and Helm "
        "ignores values the templates no longer read: the release upgrades cleanly and the setting is "
        "silently lost (a switched-off rule group comes back, a resource limit or a retention falls back "
        "to the default). It is a warning, not an error: the key sets come from each version's default "
        "values.yaml and values.schema.json, and a chart may still read a key it no longer lists there "
        "for backward compatibility. Charts and version resolution are those of FLUX051 (the message "
        "names the version checked against when it is not the pinned one). One finding per key: FLUX051 "
        "does not report it again."
    ),
    failing=_FAIL_REMOVED,
    passing=_PASS_REMOVED,
    fix=(
        "Move the setting to the key the pinned version reads (the chart's upgrade notes or the hint name "
        "it), or delete the key."
    ),
)
def helm_values_key_removed(ctx: RuleContext) -> Iterator[Finding]:
    for item in unread_keys(ctx.index):
        if item.removed is None:
            continue
        removed_in, last_in = item.removed
        notes = f"the key that replaces it, if any, is in the {item.pin.chart} {removed_in} upgrade notes"
        hint = item.did_you_mean() or notes
        yield ctx.finding(
            item.values.key_loc(item.key),
            f"HelmRelease {item.release.obj.name}: {item.shown!r} was removed from {item.pin.chart} in {removed_in} "
            f"(last in {last_in}); Helm ignores it now with {item.pin.subject()}{item.pin.note()}",
            hint,
        )


HINT_ROOM = 150  # of a hint's first line, for the keys listed (messages keep their first line short)


def _listed(keys: list[str], room: int) -> str:
    """As many keys as fit in `room` characters, then ` ...` for the rest."""
    out: list[str] = []
    for key in keys:
        if out and len(", ".join([*out, key])) > room:
            return ", ".join(out) + " ..."
        out.append(key)
    return ", ".join(out)
