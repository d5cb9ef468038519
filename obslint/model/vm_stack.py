"""The VictoriaMetrics operator objects a victoria-metrics-k8s-stack release renders from its values.

The chart renders one VMSingle (`vmsingle.spec`), VMAlert (`vmalert.spec`) and VMAlertmanager
(`alertmanager.spec`, its config from `alertmanager.config`) when `<component>.enabled`, each in
`<component>.namespaceOverride` or the release namespace (VictoriaMetrics/helm-charts
charts/victoria-metrics-k8s-stack templates/victoria-metrics-operator/*). Helm merges the user's
`spec` over the chart's default one, so the defaults of the pinned chart version count
(obslint/data/chart_facts/defaults.json, from ../shared/oracles/charts/history). A release whose chart
version is not known, or whose values for the component may come from outside the repository, is
not known: the callers then say nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.model.chart_facts import MISSING, ChartVersion, helm_fullname
from obslint.model.chart_pin import chart_pin
from obslint.model.helm import HelmReleaseView, values_bool

K8S_STACK = "victoria-metrics-k8s-stack"


@dataclass(frozen=True)
class StackComponent:
    rel: HelmReleaseView
    key: str  # the values key: vmsingle, vmalert, alertmanager
    version: ChartVersion | None  # None: not known (no known pinned version, or values from outside)
    namespace: str | None
    name: str

    @property
    def known(self) -> bool:
        return self.version is not None

    @property
    def spec(self) -> dict:
        """`<key>.spec` as written in the repository's values ({} when unset)."""
        spec = self.rel.value(self.key, "spec")
        return spec if isinstance(spec, dict) else {}

    def default(self, path: str, fallback: Any = None) -> Any:
        """The chart's default at `<key>.<path>` for the pinned version."""
        value = self.version.default(f"{self.key}.{path}", MISSING) if self.version is not None else MISSING
        return fallback if value is MISSING else value


def stack_component(index: Index, rel: HelmReleaseView, key: str) -> StackComponent | None:
    """The component `key` of a victoria-metrics-k8s-stack release; None when it is known to be off."""
    override = rel.value(key, "namespaceOverride")
    namespace = override if isinstance(override, str) and override else rel.namespace
    name = helm_fullname(rel.release_name, K8S_STACK, rel.values)
    pin = chart_pin(index, rel)
    if pin is None or rel.values_open(key):
        return StackComponent(rel, key, None, namespace, name)
    version = ChartVersion(pin.keys.chart, pin.index, pin.version)
    if not values_bool(rel.value(key, "enabled"), version.default(f"{key}.enabled", True) is True):
        return None
    return StackComponent(rel, key, version, namespace, name)
