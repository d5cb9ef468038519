#!/usr/bin/env python3
"""Derive the chart default values that obslint reasons with, for every released chart version.

Reads the default values.yaml of every version of the charts in ../shared/oracles/charts/history (or
$OBSLINT_SHARED/oracles/charts/history; README.md and INDEX.tsv there give the provenance) and writes
obslint/data/chart_facts/defaults.json:

    {"charts": {CHART: {"versions": N, "first": V, "last": V, "defaults": {PATH: [[FROM, TO, VALUE], ...]}}}}

FROM and TO are inclusive indexes into the chart's versions sorted as SemVer (the same list as
obslint/data/charts/<chart>.json.gz); a version in no run does not have the key. Only the value paths in
FACTS are kept: the defaults that name a Service or its port, switch a component (and so its Service)
on, or set a retention or a sidecar's label and namespaces, and Uptime Kuma's storage switches.
obslint/model/chart_facts.py reads them.

usage: scripts/gen_chart_defaults.py [HISTORY_DIR] [OUT_FILE]
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_stamp import write_stamp
from gen_chart_keys import ROOT, _sort_key, history_dir, read_index

OUT = ROOT / "obslint" / "data" / "chart_facts" / "defaults.json"

_LOKI = [
    "deploymentMode",
    "loki.server.http_listen_port",
    "loki.server.grpc_listen_port",
    "gateway.enabled",
    "gateway.service.port",
    "lokiCanary.enabled",
    "memcached.enabled",
    "chunksCache.enabled",
    "resultsCache.enabled",
    "sidecar.rules.enabled",
    "sidecar.rules.label",
    "sidecar.rules.labelValue",
    "sidecar.rules.searchNamespace",
    "sidecar.rules.resource",
]
_GRAFANA_SIDECAR = ["enabled", "label", "labelValue", "searchNamespace"]
# The values that switch kube-prometheus-stack's default rule files on (the `enabled_by` of
# obslint/data/alertmanager/kps_default_alerts.json; a test keeps the two lists equal).
_KPS_RULE_SWITCHES = [
    "defaultRules.create",
    *(
        f"defaultRules.rules.{k}"
        for k in [
            "alertmanager",
            "configReloaders",
            "etcd",
            "general",
            "kubeApiserverSlos",
            "kubeControllerManager",
            "kubeProxy",
            "kubeSchedulerAlerting",
            "kubeStateMetrics",
            "kubernetesApps",
            "kubernetesResources",
            "kubernetesStorage",
            "kubernetesSystem",
            "network",
            "nodeExporterAlerting",
            "prometheus",
            "prometheusOperator",
        ]
    ),
    *(f"{k}.enabled" for k in ("kubeApiServer", "kubeControllerManager", "kubeEtcd", "kubeProxy", "kubeScheduler")),
]

FACTS: dict[str, list[str]] = {
    "kube-prometheus-stack": [
        "prometheus.enabled",
        "prometheus.agentMode",
        "prometheus.service.port",
        "prometheus.prometheusSpec.retention",
        "prometheus.prometheusSpec.retentionSize",
        "alertmanager.enabled",
        "alertmanager.service.port",
        "alertmanager.alertmanagerSpec.retention",
        "prometheusOperator.enabled",
        "grafana.enabled",
        "kubeStateMetrics.enabled",
        "nodeExporter.enabled",
        *(f"grafana.sidecar.datasources.{k}" for k in _GRAFANA_SIDECAR),
        *_KPS_RULE_SWITCHES,
    ],
    "loki": _LOKI,
    "loki-grafana-community": _LOKI,
    "grafana": ["service.enabled", "service.port", *(f"sidecar.datasources.{k}" for k in _GRAFANA_SIDECAR)],
    "alloy": ["service.enabled", "alloy.listenPort"],
    # Deployment or StatefulSet, whether /app/data is on a claim and of which access mode, the Deployment's
    # update strategy, and the database switches (obslint.model.uptime_kuma)
    "uptime-kuma": [
        "useDeploy",
        "volume.enabled",
        "volume.accessMode",
        "strategy.type",
        "mariadb.enabled",
        "externalDatabase.enabled",
    ],
    # the VictoriaMetrics operator objects the chart renders from `<component>.spec`
    "victoria-metrics-k8s-stack": [
        "vmalert.enabled",
        "vmalert.spec.selectAllByDefault",
        "alertmanager.enabled",
        "alertmanager.useManagedConfig",
        "alertmanager.spec.selectAllByDefault",
        "vmsingle.enabled",
        "vmsingle.spec.retentionPeriod",
        "vmsingle.spec.storage.resources.requests.storage",
        "vmcluster.enabled",
        "vmcluster.spec.retentionPeriod",
        "vmcluster.spec.replicationFactor",
        "vmcluster.spec.vmstorage.replicaCount",
        "vmcluster.spec.vmstorage.storage.volumeClaimTemplate.spec.resources.requests.storage",
    ],
}

_ABSENT = object()


def lookup(values: Any, path: str) -> Any:
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def runs(values_by_version: list[Any], path: str) -> list[list[Any]]:
    """[[from, to, value], ...] over the versions, for the versions that have the key."""
    out: list[list[Any]] = []
    for i, values in enumerate(values_by_version):
        value = lookup(values, path)
        if value is _ABSENT or isinstance(value, (dict, list)):
            continue  # only scalar defaults are facts here; a block is the chart's business
        if out and out[-1][1] == i - 1 and out[-1][2] == value and type(out[-1][2]) is type(value):
            out[-1][1] = i
        else:
            out.append([i, i, value])
    return out


def chart_defaults(chart: str, versions: list[str], archive: Path) -> dict:
    texts: dict[str, str] = {}
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith("/values.yaml"):
                fh = tar.extractfile(member)
                if fh is not None:
                    texts[member.name] = io.TextIOWrapper(fh, encoding="utf-8").read()
    ordered = sorted(versions, key=_sort_key)
    parsed: dict[str, Any] = {}
    values_by_version = []
    for version in ordered:
        text = texts[f"{chart}/{version}/values.yaml"]
        if text not in parsed:
            loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            parsed[text] = loaded if isinstance(loaded, dict) else {}
        values_by_version.append(parsed[text])
    return {
        "versions": len(ordered),
        "first": ordered[0],
        "last": ordered[-1],
        "defaults": {path: runs(values_by_version, path) for path in FACTS[chart]},
    }


def main(argv: list[str]) -> int:
    history = Path(argv[1]) if len(argv) > 1 else history_dir()
    out = Path(argv[2]) if len(argv) > 2 else OUT
    if not (history / "INDEX.tsv").is_file():
        print(f"no chart history at {history}", file=sys.stderr)
        return 1
    index = read_index(history)
    charts = {chart: chart_defaults(chart, index[chart], history / f"{chart}.tar.xz") for chart in sorted(FACTS)}
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"source": "scripts/gen_chart_defaults.py", "charts": charts}, indent=1, sort_keys=True)
    out.write_text(text + "\n", encoding="utf-8")
    inputs = [history / "INDEX.tsv", *(history / f"{chart}.tar.xz" for chart in sorted(FACTS))]
    write_stamp(stamp_path(out), Path(__file__), inputs, [out])
    print(f"wrote {out}: {len(charts)} charts, {out.stat().st_size} bytes")
    return 0


def stamp_path(out: Path) -> Path:
    return out.with_name(out.stem + ".stamp.json")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
