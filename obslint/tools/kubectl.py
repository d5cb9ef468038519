"""`kubectl kustomize` over every kustomize path Flux builds, once per run, on a private copy.

The checked tree is copied (regular files only, nothing outside the root) into a temporary
directory, and `kubectl kustomize` runs there - once over all paths together, and when that
fails for each path on its own, at most two at a time - as kustomize-controller builds: with
LoadRestrictionsNone (fluxcd/pkg kustomize: `krusty.MakeDefaultOptions()` with
`LoadRestrictions = LoadRestrictionsNone`), so entries may reach anywhere inside the copy, and a
Flux Kustomization's `spec.components` added to the kustomization.yaml of its path (what the
controller's generator does). No `--enable-helm`, no alpha/exec plugins (KUSTOMIZE_PLUGIN_HOME
points at an empty directory) and no network access for remote bases (paths whose kustomization
names a remote resource are skipped, with a notice).
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import yaml

from obslint.index import Index
from obslint.tools import find_tool, run_tool, scratch_dir

MAX_PARALLEL = 2
# Each build is a short-lived process that allocates ~50 MB: the Go collector's work is wasted
# there (about a third of kubectl's CPU time per build). GOGC=off turns it off and GOMEMLIMIT
# turns it back on only if a build grows past the limit, so a huge build stays bounded.
_SHORT_RUN_GC = {"GOGC": "off", "GOMEMLIMIT": "256MiB"}
TIMEOUT = 60
_FLUX_OPTIONS = ("--load-restrictor", "LoadRestrictionsNone")


@dataclass(frozen=True)
class BuildResult:
    path: str  # directory relative to the repo root
    ok: bool
    error: str  # first lines of kubectl's error, paths relative to the repo root


def _copy_tree(index: Index, dest: str) -> None:
    root = index.root
    for rel in index.tree.paths:
        src = os.path.join(root, rel)
        if os.path.islink(src) or not os.path.isfile(src):
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            shutil.copyfile(src, target)
        except OSError:
            continue


def _clean(text: str, tmp: str) -> str:
    text = text.replace(os.path.realpath(tmp) + "/", "").replace(tmp + "/", "")
    text = text.replace(os.path.realpath(tmp), ".").replace(tmp, ".")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = "; ".join(lines[:3])
    if out.lower().startswith("error: "):
        out = out[7:]
    return out[:600]


def _add_components(index: Index, tree: str, components: dict[str, list[str]]) -> None:
    """Write each path's kustomization.yaml into the copy with the Flux Kustomization's
    spec.components appended to its own (from the already parsed file: nothing is re-read)."""
    graph = index.graph
    for rel, extra in components.items():
        kf = graph.kustomize_files.get(rel) if graph is not None else None
        if kf is None:
            continue
        data = _plain(kf.data)
        have = data.get("components") if isinstance(data.get("components"), list) else []
        data["components"] = [*have, *(c for c in extra if c not in have)]
        with open(os.path.join(tree, kf.rel), "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, sort_keys=False)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def kustomize_build(
    index: Index, dirs: list[str], components: dict[str, list[str]] | None = None
) -> list[BuildResult] | None:
    """Build each directory; None when kubectl is not installed."""
    kubectl = find_tool("kubectl")
    if kubectl is None:
        return None
    if not dirs:
        return []
    with scratch_dir("kustomize") as tmp:
        tree = os.path.join(tmp, "repo")
        plugins = os.path.join(tmp, "no-plugins")
        os.makedirs(tree)
        os.makedirs(plugins)
        _copy_tree(index, tree)
        _add_components(index, tree, components or {})
        env = {"KUSTOMIZE_PLUGIN_HOME": plugins, "HOME": tmp, "KUBECONFIG": os.devnull, **_SHORT_RUN_GC}

        def build(rel: str) -> BuildResult:
            res = run_tool(
                [kubectl, "kustomize", *_FLUX_OPTIONS, os.path.join(tree, rel) if rel else tree],
                cwd=tmp,
                env=env,
                timeout=TIMEOUT,
            )
            if res.returncode == 0:
                return BuildResult(rel, True, "")
            return BuildResult(rel, False, _clean(res.stderr or res.stdout, tree))

        if _all_build(kubectl, tmp, tree, dirs, env):
            return [BuildResult(rel, True, "") for rel in dirs]
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
            return list(pool.map(build, dirs))


def _all_build(kubectl: str, tmp: str, tree: str, dirs: list[str], env: dict[str, str]) -> bool:
    """One build of a kustomization that lists every path as a resource directory.

    kustomize builds each resource directory on its own (its kustomization, its load
    restrictor, its namespace) before merging the results, so when the whole succeeds every
    path builds on its own too: one kubectl start (~40 ms of CPU each) instead of one per path
    on a healthy repository. A failure, which may also come from paths conflicting with each
    other (the same object in two paths), says nothing about a single path: then each is built
    alone.
    """
    if len(dirs) < 2 or "" in dirs:
        return False
    agg = os.path.join(tmp, "all-paths")
    os.makedirs(agg)
    with open(os.path.join(agg, "kustomization.yaml"), "w", encoding="utf-8") as fh:
        fh.write("resources:\n" + "".join(f"  - {json.dumps('../repo/' + rel)}\n" for rel in dirs))
    return run_tool([kubectl, "kustomize", *_FLUX_OPTIONS, agg], cwd=tmp, env=env, timeout=TIMEOUT).returncode == 0
