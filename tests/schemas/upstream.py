"""Upstream CRD schemas (tests/data/crds) and instances built from them, for the schema tests."""

from __future__ import annotations

import copy
import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from obslint.model.schemas import schemas_dir
from tests.conftest import DATA

# Newest Flux releases first, then the previous line (deprecated versions), then prometheus-operator.
CRD_DIRS = [DATA / "crds" / name for name in ("flux", "flux-previous", "prometheus-operator")]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the monitoring CRDs are large
    pass


# The AlertmanagerConfig CRD has a bare `=` enum item, which PyYAML resolves to the `value` tag.
_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def crd_files(directory: Path) -> list[Path]:
    """The CRD files of a directory; the largest are stored gzip-compressed (tests/data/crds/PROVENANCE.md)."""
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yaml.gz")])
    assert files, f"no CRDs in {directory}"
    return files


def crd_text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


@cache
def upstream_versions() -> dict[tuple[str, str, str], list[dict]]:
    """(group, kind, version) -> every upstream openAPIV3Schema of it (newest release first)."""
    out: dict[tuple[str, str, str], list[dict]] = {}
    for d in CRD_DIRS:
        for path in crd_files(d):
            for doc in yaml.load_all(crd_text(path), Loader=_Loader):
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
                for v in doc["spec"]["versions"]:
                    schema = (v.get("schema") or {}).get("openAPIV3Schema")
                    if schema:
                        out.setdefault((group, kind, v["name"]), []).append(schema)
    return out


def our_schema_files() -> list[Path]:
    return sorted(p for p in (schemas_dir() / "crds").glob("*/*.json"))


def key_of(path: Path) -> tuple[str, str, str]:
    kind, _, version = path.stem.partition("_")
    return path.parent.name, kind, version


@cache
def defs() -> dict:
    return json.loads((schemas_dir() / "crds" / "_defs.json").read_text(encoding="utf-8"))["$defs"]


def resolve(schema: dict) -> dict:
    """Follow a `_defs.json#/$defs/x` reference of our schemas."""
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("_defs.json#/$defs/"), ref
        schema = defs()[ref.rsplit("/", 1)[1]]
    return schema


# --- instances built from an upstream schema --------------------------------------------------------
_CANDIDATES = [
    "5m",
    "30s",
    "10GiB",
    "https://example.com/x",
    "oci://ghcr.io/example/chart",
    "ssh://git@example.com/x",
    "http://proxy.example.com:3128",
    "warn",
    "values.yaml",
    "a.b",
    "1.1",
    "x",
    "1",
]


def sample_string(schema: dict) -> str | None:
    pattern = schema.get("pattern")
    candidates = list(_CANDIDATES)
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    for value in candidates if pattern else ["example"]:
        if pattern:
            py = pattern.replace("^(?i)", "(?i)^")
            try:
                if not re.search(py, value):
                    continue
            except re.error:
                return None
        if len(value) < schema.get("minLength", 0):
            value = value * schema["minLength"]
        if len(value) > schema.get("maxLength", 10**9):
            continue
        return value
    return None


def build(schema: dict, depth: int = 0, max_depth: int = 7, full: bool = True) -> Any:
    """An instance the upstream schema accepts: every property (full) or only required ones."""
    if "enum" in schema:
        return copy.deepcopy(schema["enum"][0])
    if schema.get("x-kubernetes-int-or-string"):
        return 1
    for comb in ("anyOf", "oneOf"):
        if comb in schema and "type" not in schema:
            return build(schema[comb][0], depth, max_depth, full)
    t = schema.get("type")
    if t == "object" or "properties" in schema:
        out: dict = {}
        required = set(schema.get("required", []))
        for name, sub in (schema.get("properties") or {}).items():
            if name in required or (full and depth < max_depth):
                value = build(sub, depth + 1, max_depth, full)
                if value is not _SKIP:
                    out[name] = value
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict) and not schema.get("properties"):
            value = build(addl, depth + 1, max_depth, full)
            if value is not _SKIP:
                out["example-key"] = value
        if schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("properties"):
            out["anything"] = {"nested": [1, "two"]}
        return out
    if t == "array":
        item = build(schema.get("items") or {}, depth + 1, max_depth, full)
        return [] if item is _SKIP else [item]
    if t == "string":
        value = sample_string(schema)
        return _SKIP if value is None else value
    if t == "integer":
        return max(schema.get("minimum", 1), 1) if schema.get("maximum", 10) >= 1 else schema.get("minimum", 0)
    if t == "number":
        return 1.5
    if t == "boolean":
        return True
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return {"anything": 1}
    return _SKIP


class _Skip:
    pass


_SKIP: Any = _Skip()

# CEL rules upstream (x-kubernetes-validations) our builder does not know: drop the conflicting field.
_CEL_DROPS = {
    "HelmRelease": [("spec", "chartRef")],
}


def example(group: str, kind: str, version: str, schema: dict, full: bool = True) -> dict:
    obj = build(schema, full=full)
    obj["spec"] = build(schema["properties"]["spec"], full=full)
    obj["apiVersion"] = f"{group}/{version}"
    obj["kind"] = kind
    obj["metadata"] = {"name": "example", "namespace": "default"}
    obj.pop("status", None)
    obj.setdefault("spec", {})
    for path in _CEL_DROPS.get(kind, []):
        parent = obj
        for p in path[:-1]:
            parent = parent.get(p, {})
        parent.pop(path[-1], None)
    _drop_exclusive(obj)
    if kind == "HelmRelease" and "chart" not in obj["spec"]:  # CEL: either chart or chartRef must be set
        obj["spec"]["chart"] = build(schema["properties"]["spec"]["properties"]["chart"], full=False)
    return obj


def _drop_exclusive(node: Any) -> None:
    """kubeConfig: exactly one of configMapRef and secretRef (CEL upstream)."""
    if isinstance(node, dict):
        if "configMapRef" in node and "secretRef" in node:
            node.pop("configMapRef")
        for v in node.values():
            _drop_exclusive(v)
    elif isinstance(node, list):
        for v in node:
            _drop_exclusive(v)
