"""Plain extraction helpers over a checkout of the reference stack (no obslint code involved)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REFERENCE_STACK, ROOT

TEST_AGE_KEY = ROOT / "tests" / "keys" / "age-test-key.txt"
FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"


def yaml_files(root: Path = REFERENCE_STACK) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def documents(root: Path = REFERENCE_STACK) -> list[tuple[Path, dict[str, Any]]]:
    """Every Kubernetes object (mapping with kind) of every YAML file under root."""
    out = []
    for path in yaml_files(root):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and "kind" in doc:
                out.append((path, doc))
    return out


def objects(kind: str, group: str | None = None, root: Path = REFERENCE_STACK) -> list[dict[str, Any]]:
    found = []
    for _, doc in documents(root):
        if doc.get("kind") != kind:
            continue
        if group is not None and str(doc.get("apiVersion", "")).split("/")[0] != group:
            continue
        found.append(doc)
    return found


def flux_kustomization_paths(root: Path = REFERENCE_STACK) -> list[str]:
    return sorted(
        {str(ks["spec"]["path"]).removeprefix("./") for ks in objects("Kustomization", FLUX_KUSTOMIZE_GROUP, root)}
    )


def sops_files(root: Path = REFERENCE_STACK) -> list[Path]:
    """Files carrying SOPS metadata (a top-level `sops` mapping with a `mac`)."""
    found = []
    for path in yaml_files(root):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and isinstance(doc.get("sops"), dict) and "mac" in doc["sops"]:
                found.append(path)
                break
    return found


def helm_release(name: str, root: Path = REFERENCE_STACK) -> dict[str, Any]:
    matches = [hr for hr in objects("HelmRelease", "helm.toolkit.fluxcd.io", root) if hr["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one HelmRelease {name}, found {len(matches)}"
    return matches[0]


def helm_merge(defaults: Any, override: Any) -> Any:
    """Helm's value coalescing: maps merge recursively, everything else (lists too) is replaced;
    an explicit null deletes the default key."""
    if isinstance(defaults, dict) and isinstance(override, dict):
        merged = dict(defaults)
        for key, value in override.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = helm_merge(defaults.get(key), value)
        return merged
    return override
