"""`kubectl kustomize` over every kustomize path Flux builds, once per run, on a private copy.

What the builds read (regular files only, nothing outside the root; obslint.model.flux.build_inputs)
is copied into a temporary directory, and `kubectl kustomize` runs there - over groups of paths
together, halving a group that fails, at most two builds at a time (see Builder) - as
kustomize-controller builds: with
LoadRestrictionsNone (fluxcd/pkg kustomize: `krusty.MakeDefaultOptions()` with
`LoadRestrictions = LoadRestrictionsNone`), so entries may reach anywhere inside the copy, and a
Flux Kustomization's `spec.components` added to the kustomization.yaml of its path (what the
controller's generator does). No `--enable-helm`, no alpha/exec plugins (KUSTOMIZE_PLUGIN_HOME
points at an empty directory), no network (obslint.tools.sandbox) and nothing outside the copy:
paths whose kustomizations name a URL, a git remote or a path outside the repository in any field
are never built (obslint.model.flux.local_paths). All builds share one time budget.

A path is built once per distinct content: the copies of a directory that read the same files
(the same apps in forty clusters) share one build, and results are cached by that content
(obslint.cache.build_results), so an unchanged path is not built again in the next run.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace

from obslint.cache.build_results import BuildCache
from obslint.index import Index
from obslint.model.flux.build_inputs import BuildInputs
from obslint.objects import plain
from obslint.tools import ScratchDir, find_tool, scratch_dir
from obslint.tools.kustomize_builder import (
    FLUX_OPTIONS,
    SHORT_RUN_GC,
    Builder,
    BuildResult,
    pack,
)

__all__ = ["BuildPlan", "BuildResult", "kustomize_build", "pack"]


def _write_files(inputs: BuildInputs, files: set[str], dest: str) -> None:
    """The files builds read, as they were read for their digests, into the private tree."""
    made: set[str] = set()  # each directory created once (a failed mkdir costs as much as one that works)
    for rel in sorted(files):
        data = inputs.content.get(rel)
        if data is None:
            continue
        target = os.path.join(dest, rel)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(target, "wb") as fh:
            fh.write(data)


def _with_components(index: Index, components: dict[str, list[str]]) -> dict[str, bytes]:
    """Each path's kustomization.yaml with the Flux Kustomization's spec.components appended to
    its own (from the already parsed file: nothing is re-read), by its path."""
    graph = index.graph
    out: dict[str, bytes] = {}
    for rel, extra in components.items():
        kf = graph.kustomize_files.get(rel) if graph is not None else None
        if kf is None:
            continue
        data = plain(kf.data)
        have = data.get("components") if isinstance(data.get("components"), list) else []
        data["components"] = [*have, *(c for c in extra if c not in have)]
        # JSON is YAML, and its encoder, unlike PyYAML's, does not recurse in Python
        out[kf.rel] = json.dumps(data, ensure_ascii=False, indent=1).encode()
    return out


def kustomize_build(
    index: Index,
    dirs: list[str],
    components: dict[str, list[str]] | None = None,
    claims: dict[str, frozenset] | None = None,
) -> list[BuildResult] | None:
    """Build each directory; None when kubectl is not installed (see BuildPlan)."""
    plan = BuildPlan.make(index, dirs, components, claims)
    if plan is None:
        return None
    try:
        return plan.build()
    finally:
        plan.finish()


class BuildPlan:
    """What a run's builds need: each path's inputs and digest, the results the cache holds, and
    one path to build per digest not in the cache.

    Paths that read the same content (obslint.model.flux.build_inputs) are built once, and a
    result the cache holds for that content is not built at all. `claims` gives, for each
    directory, the objects its build yields that an aggregate cannot tell apart from another
    path's (see `pack`); paths that claim the same object are built in different aggregates.
    Making the plan is Python work, done in the caller's thread; `build` mostly waits for
    kubectl, so a background thread runs it (obslint.rules.flux.build)."""

    def __init__(self, kubectl: str, inputs: BuildInputs, dirs: list[str], claims: dict[str, frozenset]) -> None:
        self.kubectl, self.inputs, self.dirs, self.claims = kubectl, inputs, dirs, claims
        self.cache = BuildCache(kubectl, FLUX_OPTIONS)
        self.digests: dict[str, str] = {}
        self.reads: dict[str, list[str]] = {}
        self.results: dict[str, BuildResult] = {}
        self.first: dict[str, str] = {}  # digest -> the path built for it
        self.new: list[str] = []  # paths built in this run
        self.scratch: ScratchDir | None = None
        self.tree = self.plugins = ""
        self.builder: Builder | None = None
        self.groups: list[list[str]] = []

    @classmethod
    def make(
        cls,
        index: Index,
        dirs: list[str],
        components: dict[str, list[str]] | None = None,
        claims: dict[str, frozenset] | None = None,
    ) -> BuildPlan | None:
        kubectl = find_tool("kubectl")
        if kubectl is None:
            return None
        components = components or {}
        plan = cls(kubectl, BuildInputs(index, _with_components(index, components)), dirs, claims or {})
        for rel in dirs:
            digest, plan.reads[rel] = plan.inputs.of(rel, components.get(rel, []))
            plan.digests[rel] = digest
            if plan.inputs.oversized.intersection(plan.reads[rel]):
                plan.results[rel] = BuildResult(rel, False, "a file it reads is too large", checked=False)
                continue
            cached = plan.cache.get(digest, rel)
            if cached is not None:
                plan.results[rel] = BuildResult(rel, *cached)
            else:
                plan.first.setdefault(digest, rel)
        if plan.first:
            plan._prepare()
        return plan

    def _prepare(self) -> None:
        """The scratch tree with the files of the paths to build. Many short file system calls:
        done here, in the caller's thread, they do not queue for the interpreter lock behind the
        rules running meanwhile, as they would in the background thread."""
        self.scratch = scratch_dir("kustomize")
        self.tree = os.path.join(self.scratch.name, "repo")
        self.plugins = os.path.join(self.scratch.name, "no-plugins")
        try:
            os.makedirs(self.tree)
            os.makedirs(self.plugins)
            # what the paths to build read, and nothing else: their digests cover all the tool sees
            _write_files(self.inputs, {f for rel in self.first.values() for f in self.reads[rel]}, self.tree)
            env = {"KUSTOMIZE_PLUGIN_HOME": self.plugins, "HOME": self.scratch.name, "KUBECONFIG": os.devnull}
            self.builder = Builder(self.kubectl, self.scratch.name, self.tree, {**env, **SHORT_RUN_GC})
            self.groups = self.builder.chunks(pack(sorted(self.first.values()), self.claims))
            for group in self.groups:
                self.builder.prepare(group)
        except BaseException:
            self.scratch.cleanup()
            raise

    def build(self) -> list[BuildResult]:
        """Every path's result; then `finish` must run (Background's `after`), which removes the
        scratch directory and stores the new results."""
        if self.first:
            self._build()
        return [self.results[rel] for rel in self.dirs]

    def _build(self) -> None:
        dirs, results, first, digests, builder = self.dirs, self.results, self.first, self.digests, self.builder
        assert builder is not None
        built = builder.run(self.groups)
        # a failure's text names its own path: a copy of a failing path is built as itself
        again = [r for r in dirs if r not in results and r not in built and _failed(built[first[digests[r]]])]
        _write_files(self.inputs, {f for rel in again for f in self.reads[rel]}, self.tree)
        built.update(builder.run([[rel] for rel in again]))
        for rel in dirs:
            if rel not in results:
                results[rel] = built.get(rel) or replace(built[first[digests[rel]]], path=rel)
                self.new.append(rel)

    def finish(self) -> None:
        if self.scratch is not None:
            self.scratch.cleanup()
        for rel in self.new:
            res = self.results[rel]
            if res.checked:  # not built (timed out, out of budget): nothing is known
                self.cache.put(self.digests[rel], rel, res.ok, res.error)


def _failed(res: BuildResult) -> bool:
    return res.checked and not res.ok
