#!/usr/bin/env python3
"""Derive per-version chart values key sets (names and nesting only) for FLUX051/FLUX052.

Reads the default values.yaml (and values.schema.json where a version has one) of every released
version of the charts in ../shared/oracles/charts/history (or $OBSLINT_SHARED/oracles/charts/history;
see its README.md and INDEX.tsv for provenance) and writes obslint/data/charts/<chart>.json.gz:

    {"chart": ..., "versions": [sorted versions], "keys": {KEY: NODE}}

NODE is `[present, open]` or `[present, open, {KEY: NODE}]`: `present` and `open` are flat lists of
inclusive index ranges into `versions` (`[0, 766]` = every version), for the versions that have the key
and those where anything below it is accepted ("open"). A key is open when the chart cannot know what
is below it:
  * its default is not a non-empty mapping (`{}`, null, a list, a scalar: free-form or a value);
  * it is the values of a subchart (SUBCHARTS below: the charts' Chart.yaml dependencies, by alias or
    name) or `global`;
  * it is a pass-through of a Kubernetes or application structure: names such as resources,
    *SecurityContext, *Annotations, *Labels, *Probe, affinity, tolerations, *Selector, env, ...;
  * it is a block of the application's own configuration: the key or one of its default children is
    snake_case (Alertmanager `config`, Loki `limits_config`, `commonConfig`, `storage_config`, ...);
  * it is listed in OPEN below (known pass-through blocks whose defaults happen to look like chart keys);
  * the chart's values.schema.json allows any key there (`additionalProperties` true or a schema,
    `patternProperties`). Keys the schema declares count as known even without a default.
Keys that values.yaml documents only as commented-out examples (`# pathType: ImplementationSpecific`,
`# selector:`) are read by the templates too: they are added as open keys where the comment stands.
Keys that the templates read although the defaults never list them (robusta `rsa`) come from the cited
table scripts/chart_template_keys.tsv and are added as open keys to the versions it names.
No default values are copied: only key names.

usage: scripts/gen_chart_keys.py [HISTORY_DIR] [OUT_DIR]
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obslint.model.semver import parse as parse_version  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_stamp import write_stamp  # noqa: E402

OUT = ROOT / "obslint" / "data" / "charts"
TEMPLATE_KEYS = Path(__file__).resolve().parent / "chart_template_keys.tsv"

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
OPEN["loki-grafana-community"] = OPEN["loki"]

# Subcharts whose values sit under their alias or name: the union over the versions of each chart's
# Chart.yaml `dependencies` (requirements.yaml for apiVersion v1 charts). Sources: prometheus-community/
# helm-charts charts/kube-prometheus-stack/Chart.yaml; grafana/loki production/helm/loki/Chart.yaml;
# grafana-community/helm-charts charts/loki/Chart.yaml; grafana/helm-charts charts/loki-stack/requirements.yaml;
# grafana/alloy operations/helm/charts/alloy/Chart.yaml; grafana/k8s-monitoring-helm charts/k8s-monitoring
# (1.x) and charts/k8s-monitoring-v1/Chart.yaml; VictoriaMetrics/helm-charts charts/victoria-metrics-k8s-stack/
# Chart.yaml; robusta-dev/robusta helm/robusta/Chart.yaml; falcosecurity/charts charts/falco/Chart.yaml.
SUBCHARTS = {
    "kube-prometheus-stack": [
        "crds",
        "kube-state-metrics",
        "prometheus-node-exporter",
        "grafana",
        "prometheus-windows-exporter",
    ],
    "loki": ["minio", "grafana-agent-operator", "rollout_operator"],
    "loki-grafana-community": ["minio", "grafana-agent-operator", "rollout_operator"],
    "loki-stack": ["loki", "promtail", "fluent-bit", "grafana", "prometheus", "filebeat", "logstash"],
    "alloy": ["crds"],
    "k8s-monitoring": [
        "alloy",
        "alloy-events",
        "alloy-logs",
        "alloy-profiles",
        "alloy-metrics",
        "alloy-singleton",
        "alloy-receiver",
        "alloy-operator",
        "grafana-agent",
        "grafana-agent-events",
        "grafana-agent-logs",
        "kube-state-metrics",
        "prometheus-node-exporter",
        "prometheus-windows-exporter",
        "prometheus-operator-crds",
        "opencost",
        "kepler",
        "beyla",
    ],
    "victoria-metrics-k8s-stack": [
        "victoria-metrics-common",
        "victoria-metrics-operator",
        "kube-state-metrics",
        "prometheus-node-exporter",
        "grafana",
        "crds",
        "prometheus-operator-crds",
    ],
    "robusta": ["kube-prometheus-stack", "holmes"],
    "falco": ["falcosidekick", "k8s-metacollector", "falco-talon"],
}
# k8s-monitoring 2.x and later: each feature (clusterMetrics, podLogs, ...) is a subchart
# (charts/k8s-monitoring/charts/feature-*) under a camelCase alias; in the parent's defaults its section
# holds the parent-side keys `collector`/`destinations` next to `enabled`.
FEATURE_KEYS = {"k8s-monitoring": ("collector", "destinations")}


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


def _schema_tree(schema: Any, root: dict, depth: int = 0) -> dict | int:
    """Keys a values.schema.json declares: key -> subtree, or 1 where it accepts any key."""
    if not isinstance(schema, dict) or depth > 40:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        return _schema_tree(target, root, depth + 1)
    # A map of typed entries (`additionalProperties: {type: string}`, patternProperties) is free-form;
    # `additionalProperties: true` beside declared properties only means the schema does not restrict them.
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) or schema.get("patternProperties") or (extra is True and not schema.get("properties")):
        return 1
    out: dict | int = {}
    for combinator in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(combinator) or []:
            out = merge_trees(out, _schema_tree(branch, root, depth + 1))
    props = schema.get("properties")
    if isinstance(props, dict):
        for key, sub in props.items():
            node = _schema_tree(sub, root, depth + 1)
            is_object = isinstance(sub, dict) and sub.get("type") in ("object", ["object"])
            out = merge_trees(out, {str(key): node if node else (1 if is_object or not sub else {})})
    return out


def merge_trees(a: dict | int, b: dict | int) -> dict | int:
    """Union of two key trees; open (1) wins."""
    if a == 1 or b == 1:
        return 1
    assert isinstance(a, dict) and isinstance(b, dict)
    out = dict(a)
    for key, sub in b.items():
        out[key] = merge_trees(out[key], sub) if key in out else sub
    return out


def _leaves_to_open(tree: dict) -> dict:
    """A schema key with nothing below it (a scalar) is a leaf: 1, as values.yaml leaves are."""
    return {k: (_leaves_to_open(v) if v else 1) if isinstance(v, dict) else v for k, v in tree.items()}


def generate(chart: str, values_text: str, schema_text: str | None) -> dict:
    """The key tree of one chart version."""
    values = yaml.load(values_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(values, dict):
        values = {}
    subcharts = SUBCHARTS.get(chart, [])
    open_paths = set(OPEN.get(chart, ())) | {"global"} | set(subcharts)
    marks = FEATURE_KEYS.get(chart, ())
    for key, default in values.items():
        if marks and isinstance(default, dict) and any(m in default for m in marks):
            open_paths.add(str(key))
    keys = tree(values, "", open_paths)
    add_commented(keys, commented_keys(values_text))
    for sub in subcharts:  # subcharts whose section is absent from the parent's defaults are still known keys
        keys[sub] = 1
    if schema_text:
        schema = json.loads(schema_text)
        declared = _schema_tree(schema, schema)
        if isinstance(declared, dict):  # a schema that declares nothing at the top adds nothing
            keys = merge_trees(keys, _leaves_to_open(declared))  # type: ignore[assignment]
        for sub in open_paths:
            if "." not in sub and sub in keys:
                keys[sub] = 1
    for alias, target in ALIASES.get(chart, {}).items():
        keys.setdefault(alias, keys.get(target, 1))
    return keys


@dataclass(frozen=True)
class TemplateKey:
    """A key a chart's templates read in versions `first`..`last` (None: the newest) that defaults omit."""

    chart: str
    path: tuple[str, ...]
    first: str
    last: str | None

    def covers(self, version: str) -> bool:
        v = _sort_key(version)
        return _sort_key(self.first) <= v and (self.last is None or v <= _sort_key(self.last))


def read_template_keys(path: Path = TEMPLATE_KEYS) -> list[TemplateKey]:
    """The rows of the table (lines starting with `#` are comments; every row must cite its template)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    out: list[TemplateKey] = []
    for row in csv.DictReader(lines, delimiter="\t"):
        if not row.get("template") or "@" not in row["template"]:
            raise SystemExit(f"{path.name}: {row.get('chart')} {row.get('key')} cites no template at a commit")
        _sort_key(row["first"])
        if row["last"]:
            _sort_key(row["last"])
        out.append(TemplateKey(row["chart"], tuple(row["key"].split(".")), row["first"], row["last"] or None))
    return out


def with_template_keys(keys: dict, paths: list[tuple[str, ...]]) -> dict:
    """`keys` plus each path as an open key where its parent is a mapping of this version and the key
    is absent (a key the defaults have keeps its subtree). The tree given is left as it is: it is shared
    by every version with the same defaults."""
    out = dict(keys)
    for path in paths:
        node = out
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                break  # absent, or open already (1) in this version
            copy = dict(child)
            node[part] = copy
            node = copy
        else:
            node.setdefault(path[-1], 1)
    return out


# --- the history -----------------------------------------------------------------------------------


def history_dir() -> Path:
    """../shared/oracles/charts/history, or under $OBSLINT_SHARED (relative to the repository root)."""
    shared = os.environ.get("OBSLINT_SHARED")
    base = ROOT / shared if shared else ROOT.parent / "shared"
    return base / "oracles" / "charts" / "history"


def read_index(history: Path) -> dict[str, list[str]]:
    """chart -> its versions, from INDEX.tsv."""
    out: dict[str, list[str]] = {}
    with (history / "INDEX.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["chart"], []).append(row["version"])
    return out


def _sort_key(version: str) -> Any:
    parsed = parse_version(version)
    if parsed is None:
        raise SystemExit(f"not a SemVer version: {version!r}")
    return parsed


def _ranges(indexes: set[int]) -> list[int]:
    """Sorted indexes as a flat list of inclusive [start, end] pairs."""
    out: list[int] = []
    for i in sorted(indexes):
        if out and out[-1] == i - 1:
            out[-1] = i
        else:
            out.extend((i, i))
    return out


def _add(node: dict, keys: dict, i: int) -> None:
    for key, sub in keys.items():
        entry = node.setdefault(key, (set(), set(), {}))
        entry[0].add(i)
        if sub == 1:
            entry[1].add(i)
        else:
            _add(entry[2], sub, i)


def _encode(node: dict) -> dict:
    out = {}
    for key, (present, open_, children) in sorted(node.items()):
        item: list = [_ranges(present), _ranges(open_)]
        if children:
            item.append(_encode(children))
        out[key] = item
    return out


def chart_history(chart: str, versions: list[str], archive: Path, template_keys: list[TemplateKey] = ()) -> dict:
    files: dict[str, str] = {}
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(("/values.yaml", "/values.schema.json")):
                fh = tar.extractfile(member)
                if fh is not None:
                    files[member.name] = io.TextIOWrapper(fh, encoding="utf-8").read()
    ordered = sorted(versions, key=_sort_key)
    root: dict = {}
    seen: dict[tuple[str, str | None], dict] = {}  # many versions share their defaults: parse each once
    for i, version in enumerate(ordered):
        text = files[f"{chart}/{version}/values.yaml"]
        schema = files.get(f"{chart}/{version}/values.schema.json")
        if (text, schema) not in seen:
            seen[(text, schema)] = generate(chart, text, schema)
        read = [t.path for t in template_keys if t.chart == chart and t.covers(version)]
        _add(root, with_template_keys(seen[(text, schema)], read) if read else seen[(text, schema)], i)
    return {"chart": chart, "versions": ordered, "keys": _encode(root)}


def encoded(data: dict) -> bytes:
    """The package file: compact JSON, gzip without a timestamp (the same bytes on every run)."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)


STAMP = "STAMP.json"


def main(argv: list[str]) -> int:
    history = Path(argv[1]) if len(argv) > 1 else history_dir()
    out = Path(argv[2]) if len(argv) > 2 else OUT
    if not (history / "INDEX.tsv").is_file():
        print(f"no chart history at {history}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    inputs, outputs = [history / "INDEX.tsv"], []
    template_keys = read_template_keys()
    for chart, versions in sorted(read_index(history).items()):
        data = chart_history(chart, versions, history / f"{chart}.tar.xz", template_keys)
        target = out / f"{chart}.json.gz"
        target.write_bytes(encoded(data))
        inputs.append(history / f"{chart}.tar.xz")
        outputs.append(target)
        print(f"wrote {target.name}: {len(versions)} versions, {target.stat().st_size} bytes")
    write_stamp(out / STAMP, Path(__file__), inputs, outputs, also=[TEMPLATE_KEYS])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
