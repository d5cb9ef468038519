"""`kubectl kustomize` over every kustomize path Flux builds, once per run, on a private copy.

The checked tree is copied (regular files only, nothing outside the root) into a temporary
directory, and `kubectl kustomize` runs there - over groups of paths together, halving a group
that fails, at most two builds at a time (see _Builder) - as kustomize-controller builds: with
LoadRestrictionsNone (fluxcd/pkg kustomize: `krusty.MakeDefaultOptions()` with
`LoadRestrictions = LoadRestrictionsNone`), so entries may reach anywhere inside the copy, and a
Flux Kustomization's `spec.components` added to the kustomization.yaml of its path (what the
controller's generator does). No `--enable-helm`, no alpha/exec plugins (KUSTOMIZE_PLUGIN_HOME
points at an empty directory), no network (obslint.tools.sandbox) and nothing outside the copy:
paths whose kustomizations name a URL, a git remote or a path outside the repository in any field
are never built (obslint.model.flux.local_paths). All builds share one time budget.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.objects import plain
from obslint.tools import ToolResult, find_tool, run_tool, scratch_dir

MAX_PARALLEL = 2
CHUNK = 24
# Each build is a short-lived process that allocates ~50 MB: the Go collector's work is wasted
# there (about a third of kubectl's CPU time per build). GOGC=off turns it off and GOMEMLIMIT
# turns it back on only if a build grows past the limit, so a huge build stays bounded.
_SHORT_RUN_GC = {"GOGC": "off", "GOMEMLIMIT": "256MiB"}
TIMEOUT = 60
# All builds of a run together: a repository cannot make obslint wait longer than this (a hostile
# one could otherwise stack up builds that each run until the per-build timeout).
BUDGET = 120
_FLUX_OPTIONS = ("--load-restrictor", "LoadRestrictionsNone")


@dataclass(frozen=True)
class BuildResult:
    path: str  # directory relative to the repo root
    ok: bool
    error: str  # first lines of kubectl's error, paths relative to the repo root
    checked: bool = True  # False: not built (timed out, or the run's time budget was spent)


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
        data = plain(kf.data)
        have = data.get("components") if isinstance(data.get("components"), list) else []
        data["components"] = [*have, *(c for c in extra if c not in have)]
        with open(os.path.join(tree, kf.rel), "w", encoding="utf-8") as fh:
            json.dump(
                data, fh, ensure_ascii=False, indent=1
            )  # JSON is YAML, and its encoder does not recurse in Python


def kustomize_build(
    index: Index,
    dirs: list[str],
    components: dict[str, list[str]] | None = None,
    groups: list[list[str]] | None = None,
) -> list[BuildResult] | None:
    """Build each directory; None when kubectl is not installed. `groups` partitions `dirs` into
    sets likely to build together (the paths of one cluster); by default all form one group."""
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
        builder = _Builder(kubectl, tmp, tree, env)
        results = builder.run(groups or [dirs])
        return [results[rel] for rel in dirs]


class _Builder:
    """Builds groups of paths through one aggregate kustomization each, halving a group that fails.

    kustomize builds each resource directory on its own (its kustomization, its load restrictor,
    its namespace) before merging the results, so when an aggregate succeeds every path in it
    builds on its own too: one kubectl start (~40 ms of CPU each) instead of one per path. An
    aggregate also fails when two healthy paths hold the same object (a namespace both declare),
    so a failed group says nothing about its paths: it is split in two and each half tried again,
    until single paths are built as themselves. A healthy repository costs one build per group,
    and k conflicts or failures cost about k·log(n) more.
    """

    def __init__(self, kubectl: str, tmp: str, tree: str, env: dict[str, str]) -> None:
        self.kubectl, self.tmp, self.tree, self.env = kubectl, tmp, tree, env
        self.deadline = time.monotonic() + BUDGET

    def _kustomize(self, target: str) -> ToolResult | None:
        """`kubectl kustomize target` within what is left of the budget; None once it is spent."""
        left = min(TIMEOUT, self.deadline - time.monotonic())
        if left < 1:
            return None
        return run_tool([self.kubectl, "kustomize", *_FLUX_OPTIONS, target], cwd=self.tmp, env=self.env, timeout=left)

    def run(self, groups: list[list[str]]) -> dict[str, BuildResult]:
        done: dict[str, BuildResult] = {}
        pending = [sorted(set(g)) for g in groups if g]
        # kustomize's time grows faster than linearly with the size of a build, and both workers
        # should be busy from the start: big groups are cut into chunks.
        pending = [g[i : i + CHUNK] for g in pending for i in range(0, len(g), CHUNK)]
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
            while pending:
                split: list[list[str]] = []
                for group, outcome in zip(pending, pool.map(self._try, pending), strict=True):
                    if outcome is None:
                        half = len(group) // 2
                        split += [group[:half], group[half:]]
                    else:
                        done.update(outcome)
                pending = split
        return done

    def _try(self, group: list[str]) -> dict[str, BuildResult] | None:
        """The results of a group, or None when its aggregate fails and it must be split."""
        if len(group) == 1:
            return {rel: self._build(rel) for rel in group}
        agg = tempfile.mkdtemp(prefix="paths-", dir=self.tmp)
        wrappers = []
        for n, rel in enumerate(group):
            # Each path under its own name prefix: paths that Flux builds separately may hold the
            # same object before substitution (a component's `${APP}-config` in every app).
            wrapper = os.path.join(agg, str(n))
            os.makedirs(wrapper)
            inner = os.path.relpath(os.path.join(self.tree, rel), wrapper)
            _write_kustomization(wrapper, {"namePrefix": f"p{n}-", "resources": [inner]})
            wrappers.append(str(n))
        _write_kustomization(agg, {"resources": wrappers})
        res = self._kustomize(agg)
        if res is None or res.timed_out:  # splitting would only spend more time
            return {rel: BuildResult(rel, False, "", checked=False) for rel in group}
        if res.returncode != 0:
            return None
        return {rel: BuildResult(rel, True, "") for rel in group}

    def _build(self, rel: str) -> BuildResult:
        target = os.path.join(self.tree, rel) if rel else self.tree
        res = self._kustomize(target)
        if res is None or res.timed_out:
            return BuildResult(rel, False, "", checked=False)
        if res.returncode == 0:
            return BuildResult(rel, True, "")
        return BuildResult(rel, False, _clean(res.stderr or res.stdout, self.tree))


def _write_kustomization(directory: str, data: dict[str, Any]) -> None:
    with open(os.path.join(directory, "kustomization.yaml"), "w", encoding="utf-8") as fh:
        json.dump(data, fh)  # JSON is YAML, and quotes every path
