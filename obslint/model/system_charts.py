"""The Services of the charts of the systems around the core stack (Vector, falcosidekick, Robusta,
Uptime Kuma), for obslint.model.chart_facts. Each function cites the chart templates it follows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from obslint.model.chart_facts import ChartServices, ChartVersion, helm_fullname, port_of
from obslint.model.helm import HelmReleaseView, values_bool
from obslint.objects import dig


def _on(values: Any, *path: str, default: bool) -> bool:
    return values_bool(dig(values, *path), default)


def vector_service_ports(v: Any) -> tuple[int, ...]:
    """The ports of the vector chart's Service: `service.ports` when set, else one per
    `customConfig` source or sink with an `address` (its trailing port) plus `api.address` when the
    API is enabled, else the role's defaults (vectordotdev/helm-charts charts/vector/templates/
    service.yaml, service-headless.yaml and _helpers.tpl `vector.ports` / `_helper.generatePort`)."""
    manual = dig(v, "service", "ports")
    if isinstance(manual, list) and manual:
        return tuple(p for p in (port_of(x, "port", default=0) for x in manual) if p)
    custom = dig(v, "customConfig")
    if isinstance(custom, dict) and custom:
        ports: list[int] = []
        for kind in ("sources", "sinks"):
            components = custom.get(kind)
            for conf in components.values() if isinstance(components, dict) else ():
                port = _trailing_port(dig(conf, "address"))
                if port:
                    ports.append(port)
        if values_bool(dig(custom, "api", "enabled"), False):
            port = _trailing_port(dig(custom, "api", "address"))
            if port:
                ports.append(port)
        return tuple(ports)
    role = dig(v, "role")
    if role in ("Aggregator", "Stateless-Aggregator", None):  # "Aggregator" is the chart default
        return (8282, 24224, 5044, 8080, 8125, 9000, 6000, 9090)
    return (9090,)


def _trailing_port(address: Any) -> int:
    # the chart takes `mustRegexFind "[0-9]+$"` of the address; more than 5 digits is no port
    m = re.search(r"[0-9]+$", address) if isinstance(address, str) else None
    return int(m.group(0)) if m and len(m.group(0)) <= 5 else 0


def _vector(rel: HelmReleaseView, version: ChartVersion) -> ChartServices:
    out = ChartServices()
    v = rel.values
    full = helm_fullname(rel.release_name, "vector", v)
    if _on(v, "service", "enabled", default=True):
        ports = vector_service_ports(v)
        out.add(full, ports)
        if _on(v, "serviceHeadless", "enabled", default=True):
            out.add(f"{full}-headless", ports)
    if _on(v, "haproxy", "enabled", default=False):
        # templates/haproxy/service.yaml: `<vector.fullname>-haproxy`, ports as the Vector Service
        out.add(f"{full}-haproxy", ())
    return out


def _falcosidekick(rel: HelmReleaseView, version: ChartVersion) -> ChartServices:
    # falcosecurity/charts charts/falcosidekick templates/service.yaml: `falcosidekick.fullname`
    # on service.port (2801), plus config.tlsserver.notlsport (2810) when notlspaths is set;
    # service-ui.yaml: `<fullname>-ui` (webui.service.port 2802) and `<fullname>-ui-redis` (6379).
    out = ChartServices()
    v = rel.values
    full = helm_fullname(rel.release_name, "falcosidekick", v)
    ports = [port_of(v, "service", "port", default=2801)]
    if dig(v, "config", "tlsserver", "notlspaths") != "":
        ports.append(port_of(v, "config", "tlsserver", "notlsport", default=2810))
    out.add(full, tuple(ports))
    if _on(v, "webui", "enabled", default=False):
        out.add(f"{full}-ui", (port_of(v, "webui", "service", "port", default=2802),))
        if _on(v, "webui", "redis", "enabled", default=True):
            out.add(f"{full}-ui-redis", (port_of(v, "webui", "redis", "service", "port", default=6379),))
    return out


def robusta_fullname(rel: HelmReleaseView) -> str:
    """robusta-dev/robusta helm/robusta/templates/_helpers.tpl `robusta.fullname`: fullnameOverride,
    else the release name (never `<release>-robusta`)."""
    override = dig(rel.values, "fullnameOverride")
    name = override if isinstance(override, str) and override else rel.release_name
    return name[:63].rstrip("-")


def _robusta(rel: HelmReleaseView, version: ChartVersion) -> ChartServices:
    # helm/robusta/templates/runner.yaml: Service `<robusta.fullname>-runner`, port 80 (http -> 5000),
    # the address Alertmanager's webhook receiver posts to (`/api/alerts`). Chart.yaml dependencies:
    # kube-prometheus-stack (`enablePrometheusStack`) and holmes (`enableHolmesGPT`) render Services of
    # their own, named by their own templates: the list is then incomplete.
    v = rel.values
    subcharts = _on(v, "enablePrometheusStack", default=False) or _on(v, "enableHolmesGPT", default=False)
    out = ChartServices(complete=not subcharts)
    out.add(f"{robusta_fullname(rel)}-runner", (80,))
    return out


def _uptime_kuma(rel: HelmReleaseView, version: ChartVersion) -> ChartServices:
    # dirsigler/uptime-kuma-helm charts/uptime-kuma templates/service.yaml: one Service
    # `uptime-kuma.fullname` (Helm's convention, templates/_helpers.tpl), port `service.port` (3001 in
    # values.yaml of 0.1.0 to 4.1.0, oracles/charts/history) named http.
    out = ChartServices(port_names=("http",))
    v = rel.values
    out.add(helm_fullname(rel.release_name, "uptime-kuma", v), (port_of(v, "service", "port", default=3001),))
    return out


SYSTEM_CHART_SERVICES: dict[str, Callable[[HelmReleaseView, ChartVersion], ChartServices]] = {
    "vector": _vector,
    "falcosidekick": _falcosidekick,
    "robusta": _robusta,
    "uptime-kuma": _uptime_kuma,
}
