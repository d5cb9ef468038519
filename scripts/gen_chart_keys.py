#!/usr/bin/env python3
"""Derive chart values key trees (names and nesting only) for FLUX051 helm-values-unknown-key.

Reads a chart's default values.yaml and Chart.yaml (the verbatim copies in tests/data/charts)
and writes schemas/charts/<chart>-<version>.json:

    {"chart": ..., "version": ..., "keys": TREE}

TREE maps each known key to a subtree, or to 1 when anything below it is accepted ("open").
A key is open when the chart cannot know what is below it:
  * its default is not a non-empty mapping (`{}`, null, a list, a scalar: free-form or a value);
  * it is the values of a subchart (Chart.yaml dependencies, by alias or name) or `global`;
  * it is a pass-through of a Kubernetes or application structure: names such as resources,
    *SecurityContext, *Annotations, *Labels, *Probe, affinity, tolerations, *Selector, env, ...;
  * it is a block of the application's own configuration: the key or one of its default children is
    snake_case (Alertmanager `config`, Loki `limits_config`, `commonConfig`, `storage_config`, ...);
  * it is listed in OPEN below (known pass-through blocks whose defaults happen to look like chart keys).
Keys that values.yaml documents only as commented-out examples (`# pathType: ImplementationSpecific`,
`# selector:`) are read by the templates too: they are added as open keys where the comment stands.
No default values are copied: only key names.

usage: scripts/gen_chart_keys.py [CHARTS_DIR] [OUT_DIR]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ["kube-prometheus-stack-80.6.0", "loki-6.46.0", "alloy-1.5.1"]

# Pass-through blocks per chart (rendered with toYaml/tpl into an application config or a Kubernetes object).
OPEN = {
    "kube-prometheus-stack": [
        "alertmanager.config",
        "alertmanager.stringConfig",
        "alertmanager.templateFiles",
        "prometheus.prometheusSpec.additionalArgs",
        "prometheus.prometheusSpec.storageSpec",
        "prometheus.prometheusSpec.tsdb",
        "prometheus.prometheusSpec.thanos",
        "prometheus.prometheusSpec.web",
        "prometheus.prometheusSpec.query",
        "alertmanager.alertmanagerSpec.storage",
        "alertmanager.alertmanagerSpec.web",
        "alertmanager.alertmanagerSpec.alertmanagerConfiguration",
    ],
    "loki": [
        "loki.rulerConfig",
        "loki.ui",
        "loki.tracing",
        "loki.storage",
        "loki.pattern_ingester",
        "loki.index_gateway",
        "loki.bloom_build",
        "loki.bloom_gateway",
        "loki.testSchemaConfig",
    ],
    "alloy": [],
}

# Deprecated aliases that the chart merges over another section (alloy: `agent` values override `alloy`).
ALIASES = {"alloy": {"agent": "alloy"}}

PASSTHROUGH = re.compile(
    r"(?i)(securitycontext|annotations|labels|probe|affinity|resources|nodeselector|tolerations|constraints|"
    r"dnsconfig|^env$|^envfrom$|selector|^extra[a-z]*|volumes|volumemounts|^spec$|^config$)$"
)


def _open_here(key: str, default: object) -> bool:
    if not isinstance(default, dict) or not default:
        return True
    if PASSTHROUGH.search(key):
        return True
    return "_" in key or any(isinstance(k, str) and "_" in k for k in default)


def tree(values: dict, path: str, open_paths: set[str]) -> dict:
    out: dict = {}
    for key, default in values.items():
        key = str(key)
        sub = f"{path}.{key}" if path else key
        if sub in open_paths or _open_here(key, default):
            out[key] = 1
        else:
            out[key] = tree(default, sub, open_paths)
    return out


_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][\w.-]*|\"[^\"]+\"):(\s|$)")
_COMMENTED_KEY = re.compile(r"^(\s*)#( *)([a-z_][\w-]*):(\s|$)")  # lower-case first: not prose ("Note:")
_LIST_ITEM = re.compile(r"^(\s*)- ")


def commented_keys(text: str) -> list[tuple[str, ...]]:
    """Paths of keys that appear only as commented-out examples, placed by their indentation.

    A comment stands where the key would: `#` at the key's column, nested examples indented after it
    (`#   volumeClaimTemplate:`). Lines inside list items are skipped (lists are open anyway).
    """
    out: list[tuple[str, ...]] = []
    stack: list[tuple[int, tuple[str, ...] | None]] = []  # (indent, path; None inside a list item)
    for line in text.splitlines():
        m = _KEY_LINE.match(line)
        commented = None
        if not m:
            commented = _COMMENTED_KEY.match(line)
            if commented is None:
                item = _LIST_ITEM.match(line)
                if item:
                    indent = len(item.group(1))
                    while stack and stack[-1][0] >= indent:
                        stack.pop()
                    stack.append((indent, None))
                continue
            indent = len(commented.group(1)) + max(0, len(commented.group(2)) - 1)
            key = commented.group(3)
        else:
            indent, key = len(m.group(1)), m.group(2).strip('"')
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ()
        if parent is None:
            stack.append((indent, None))
            continue
        path = (*parent, key)
        stack.append((indent, path))
        if commented:
            out.append(path)
    return out


def add_commented(keys: dict, paths: list[tuple[str, ...]]) -> None:
    for path in paths:
        node = keys
        for part in path[:-1]:
            node = node.get(part)
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(path[-1], 1)


def generate(chart_dir: Path) -> dict:
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text(encoding="utf-8"))
    values = yaml.safe_load((chart_dir / "values.yaml").read_text(encoding="utf-8")) or {}
    name, version = meta["name"], str(meta["version"])
    open_paths = set(OPEN.get(name, ())) | {"global"}
    for dep in meta.get("dependencies") or []:
        open_paths.add(dep.get("alias") or dep["name"])
    keys = tree(values, "", open_paths)
    add_commented(keys, commented_keys((chart_dir / "values.yaml").read_text(encoding="utf-8")))
    for sub in open_paths:  # subcharts whose section is absent from the parent's defaults are still known keys
        if "." not in sub:
            keys[sub] = 1
    for alias, target in ALIASES.get(name, {}).items():
        keys.setdefault(alias, keys.get(target, 1))
    return {
        "chart": name,
        "version": version,
        "description": f"Key names of {name} {version} default values (generated by scripts/gen_chart_keys.py; "
        "1 = anything below is accepted)",
        "keys": keys,
    }


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else ROOT / "tests" / "data" / "charts"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "schemas" / "charts"
    out.mkdir(parents=True, exist_ok=True)
    for chart in CHARTS:
        data = generate(src / chart)
        target = out / f"{data['chart']}-{data['version']}.json"
        target.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {target.relative_to(out.parent.parent) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
