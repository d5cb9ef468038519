"""The alert universe: alerts the repository can produce, cluster by cluster, with the labels
known statically (alertname, rule labels without templates, Prometheus external labels).

Every alerting rule the PROM family's rule groups find (PromQL and Loki ruler LogQL), the
kube-prometheus-stack default alerts its values enable (package data derived from the chart's rule
templates), and Flux notification events sent to Alertmanager. An alert belongs to the cluster of
the object (or file) that defines it, and only reaches the Alertmanagers of that cluster.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.model.chart_facts import release_default
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.model.rulegroups import rule_groups
from obslint.objects import Cluster, dig
from obslint.routing import scalar_str

KPS = "kube-prometheus-stack"

_NO_PREFIXES: Mapping[str, str] = MappingProxyType({})


@dataclass(eq=False, slots=True)  # slots: a repository can define 100,000 alerts
class KnownAlert:
    name: str
    labels: dict[str, str]  # fixed label values (alertname included)
    dynamic: frozenset[str]  # labels set from templates: present, value unknown
    origin: str  # "rule" | "kps-default"
    loc: Loc | None  # the rule's position (None for chart-default alerts)
    release: HelmReleaseView | None = None
    engine: str = "promql"
    # label -> known prefix of its value; read-only (alerts without prefixes share one empty mapping)
    prefixes: Mapping[str, str] = field(default_factory=lambda: _NO_PREFIXES)
    cluster: Cluster | None = None

    def __repr__(self) -> str:
        return f"<KnownAlert {self.name} {self.labels}>"


def _kps_data() -> dict:
    text = resources.files("obslint").joinpath("data", "alertmanager", "kps_default_alerts.json").read_text("utf-8")
    return json.loads(text)


def _truthy(value: Any, default: Any) -> bool:
    if value is None:
        return bool(default)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def external_labels(rel: HelmReleaseView) -> tuple[dict[str, str], set[str]]:
    """(fixed, dynamic) labels Prometheus of this release adds to its alerts."""
    fixed: dict[str, str] = {}
    dynamic: set[str] = set()
    ext = rel.value("prometheus", "prometheusSpec", "externalLabels")
    if isinstance(ext, Mapping):
        for k, v in ext.items():
            v = scalar_str(v)
            if "$(" in v or "${" in v or "{{" in v:
                dynamic.add(str(k))
            else:
                fixed[str(k)] = v
    # The operator adds `prometheus="<ns>/<name>"` unless cleared; prometheus_replica is dropped
    # from alerts by the operator's alert relabelling.
    name = rel.value("prometheus", "prometheusSpec", "prometheusExternalLabelName")
    clear = rel.value("prometheus", "prometheusSpec", "prometheusExternalLabelNameClear")
    if clear is not True:
        dynamic.add(scalar_str(name) if isinstance(name, str) and name else "prometheus")
    return fixed, dynamic


def _kps_alerts(index: Index, rel: HelmReleaseView, data: dict) -> Iterator[KnownAlert]:
    """The default alerts the release's values switch on. The switches' defaults are those of the pinned
    chart version (obslint.model.chart_facts); the alerts of each rule file are those of the one version
    whose rule templates obslint has read (the data's `chart_version`)."""
    values = rel.values
    defaults = {path: release_default(index, rel, path, default) for path, default in data["value_defaults"].items()}
    disabled = rel.value("defaultRules", "disabled")
    disabled = disabled if isinstance(disabled, Mapping) else {}
    custom = rel.value("customRules")
    custom = custom if isinstance(custom, Mapping) else {}
    extra = rel.value("defaultRules", "additionalRuleLabels")
    extra = {str(k): scalar_str(v) for k, v in extra.items()} if isinstance(extra, Mapping) else {}
    fixed_ext, dyn_ext = external_labels(rel)
    for f in data["files"]:
        if not all(_truthy(dig(values, *path.split(".")), defaults.get(path, True)) for path in f["enabled_by"]):
            continue
        for a in f["alerts"]:
            if disabled.get(a["alert"]) is True:
                continue
            labels = {**fixed_ext, **extra, "alertname": a["alert"]}
            sev = dig(custom, a["alert"], "severity", default=a.get("severity"))
            if sev is not None:
                labels["severity"] = scalar_str(sev)
            dynamic = frozenset(dyn_ext - set(labels))
            yield KnownAlert(a["alert"], labels, dynamic, "kps-default", None, rel, cluster=rel.obj.cluster)


def _rule_entries(index: Index) -> Iterator[tuple[Any, Cluster | None]]:
    for group in rule_groups(index):
        for entry in group.rules:
            if entry.kind == "alert" and entry.name:
                yield entry, group.cluster


def _flux_alerts(index: Index) -> Iterator[KnownAlert]:
    """Flux notification-controller events sent through a Provider of type `alertmanager`.

    The provider (fluxcd/notification-controller internal/notifier/alertmanager.go) posts labels:
    the Alert's `eventMetadata` (minus `summary`), then `alertname` = "Flux" + involved kind +
    Title(reason), `severity` = event severity (info|error), `reason`, `kind`, `name`,
    `namespace`, `reportingcontroller`. Kind comes from the Alert's eventSources; the reason,
    object name and namespace are unknown here.
    """
    providers = {
        (p.cluster, p.namespace, p.name)
        for p in index.of_kind("Provider", group="notification.toolkit.fluxcd.io")
        if p.spec.get("type") == "alertmanager"
    }
    if not providers:
        return
    for alert in index.of_kind("Alert", group="notification.toolkit.fluxcd.io"):
        ref = dig(alert.spec, "providerRef", "name")
        if (alert.cluster, alert.namespace, ref) not in providers:
            continue
        meta = alert.spec.get("eventMetadata")
        fixed = {str(k): scalar_str(v) for k, v in meta.items() if k != "summary"} if isinstance(meta, Mapping) else {}
        sources = alert.spec.get("eventSources")
        kinds = sorted(
            {scalar_str(s.get("kind")) for s in sources if isinstance(s, Mapping) and s.get("kind")}
            if isinstance(sources, list)
            else set()
        )
        severities = ["error"] if alert.spec.get("eventSeverity") == "error" else ["info", "error"]
        for kind in kinds or [""]:
            for sev in severities:
                labels = {**fixed, "severity": sev}
                if kind:
                    labels["kind"] = kind
                yield KnownAlert(
                    f"Flux {kind or 'events'} events of {alert.ref()}",
                    labels,
                    frozenset({"alertname", "reason", "name", "namespace", "reportingcontroller"}),
                    "flux",
                    alert.loc(),
                    prefixes={"alertname": "Flux" + kind},
                    cluster=alert.cluster,
                )


@memoised
def alert_universe(index: Index) -> list[KnownAlert]:
    out: list[KnownAlert] = []
    releases = releases_of_chart(index, KPS)
    # External labels per cluster: fixed when one Prometheus release there sets them, else unknown.
    by_cluster: dict[Cluster | None, list[HelmReleaseView]] = {}
    for rel in releases:
        by_cluster.setdefault(rel.obj.cluster, []).append(rel)
    external: dict[Cluster | None, tuple[dict[str, str], set[str]]] = {}
    for cluster, rels in by_cluster.items():
        if len(rels) == 1:
            external[cluster] = external_labels(rels[0])
        else:
            dyn: set[str] = set()
            for rel in rels:
                f, d = external_labels(rel)
                dyn |= set(f) | d
            external[cluster] = ({}, dyn)
    shared: dict[frozenset[str], frozenset[str]] = {}
    for entry, cluster in _rule_entries(index):
        labels: dict[str, str] = {}
        dynamic: set[str] = set()
        if entry.engine == "promql":
            fixed_ext, dyn_ext = external.get(cluster, ({}, set()))
            labels.update(fixed_ext)
            dynamic |= dyn_ext
        raw = entry.labels if isinstance(entry.labels, Mapping) else {}
        for k, v in raw.items():
            v = scalar_str(v)
            if "{{" in v or "$labels" in v:
                dynamic.add(str(k))
                labels.pop(str(k), None)
            else:
                labels[str(k)] = v
                dynamic.discard(str(k))
        labels["alertname"] = entry.name
        frozen = frozenset(dynamic)
        frozen = shared.setdefault(frozen, frozen)  # a handful of distinct sets for all alerts
        out.append(KnownAlert(entry.name, labels, frozen, "rule", entry.loc, engine=entry.engine, cluster=cluster))
    out.extend(_flux_alerts(index))
    data = _kps_data()
    for rel in releases:
        if rel.values_open("defaultRules"):
            continue  # which default rules are on is set outside the repository: unknown
        if _truthy(rel.value("defaultRules", "create"), True):
            out.extend(_kps_alerts(index, rel, data))
    return out
