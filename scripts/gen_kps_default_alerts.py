#!/usr/bin/env python3
"""Derive kube-prometheus-stack's default alerts (package data obslint/data/alertmanager/kps_default_alerts.json).

The chart's alerting rules live in its templates (templates/prometheus/rules-1.14/*.yaml), which the
per-version chart history (../shared/oracles/charts/history) does not hold: it has values.yaml only. The
one version whose rule templates were read is 80.6.0: ../shared/oracles/prometheus/default_alerts.yaml
(alert names, default severities and the values that switch each file on, extracted from the templates at
tag kube-prometheus-stack-80.6.0). This script turns that file, with the defaults of the switches from the
same version's values.yaml, into the package data obslint.model.alertmanager.universe reads:

    {"source", "chart_version", "value_defaults": {PATH: default}, "files": [{"file", "enabled_by", "alerts":
     [{"alert", "severity", "group"}]}]}

Files with recording rules only are left out. usage: scripts/gen_kps_default_alerts.py [SHARED_DIR] [OUT_FILE]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "obslint" / "data" / "alertmanager" / "kps_default_alerts.json"
SOURCE = (
    "derived from kube-prometheus-stack 80.6.0 templates/prometheus/rules-1.14 (default alert names, default "
    "severities, gating values) and the chart's values.yaml defaults"
)


def shared_dir() -> Path:
    shared = os.environ.get("OBSLINT_SHARED")
    return ROOT / shared if shared else ROOT.parent / "shared"


def _default(values: Any, path: str) -> Any:
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise SystemExit(f"values.yaml has no {path}")
        node = node[part]
    return node


def generate(alerts_doc: dict, values: dict) -> dict:
    files = []
    value_defaults: dict[str, Any] = {}
    for name, entry in alerts_doc["files"].items():
        alerts = [
            {"alert": a["alert"], "severity": a.get("severity"), "group": group["name"]}
            for group in entry.get("groups") or ()
            for a in group.get("alerts") or ()
        ]
        if not alerts:
            continue
        for path in entry["enabled_by"]:
            value_defaults.setdefault(path, _default(values, path))
        files.append({"file": name, "enabled_by": list(entry["enabled_by"]), "alerts": alerts})
    return {
        "source": SOURCE,
        "chart_version": str(alerts_doc["meta"]["chart_version"]),
        "value_defaults": value_defaults,
        "files": files,
    }


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else shared_dir()
    out = Path(argv[2]) if len(argv) > 2 else OUT
    alerts_file = shared / "oracles" / "prometheus" / "default_alerts.yaml"
    if not alerts_file.is_file():
        print(f"no default alerts at {alerts_file}", file=sys.stderr)
        return 1
    doc = yaml.safe_load(alerts_file.read_text(encoding="utf-8"))
    version = str(doc["meta"]["chart_version"])
    values_file = shared / "oracles" / "charts" / f"kube-prometheus-stack-{version}" / "values.yaml"
    values = yaml.safe_load(values_file.read_text(encoding="utf-8"))
    out.write_text(json.dumps(generate(doc, values), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
