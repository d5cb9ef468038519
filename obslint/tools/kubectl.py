"""`kubectl kustomize` over every kustomize path Flux builds, once per run, on a private copy.

What the builds read (regular files only, nothing outside the root; obslint.model.flux.build_inputs)
is copied into a temporary directory, and `kubectl kustomize` runs there - over groups of paths
together, halving a group that fails, at most two builds at a time (see _Builder) - as
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
(BuildCache), so an unchanged path is not built again in the next run.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import yaml

from obslint import __version__
from obslint.cache import store
from obslint.cache.fingerprint import tool_identity
from obslint.index import Index
from obslint.model.flux.build_inputs import BuildInputs
from obslint.tools import ScratchDir, ToolResult, find_tool, run_tool, scratch_dir

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


def _clean(text: str, tmp: str) -> str:
    text = text.replace(os.path.realpath(tmp) + "/", "").replace(tmp + "/", "")
    text = text.replace(os.path.realpath(tmp), ".").replace(tmp, ".")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = "; ".join(lines[:3])
    if out.lower().startswith("error: "):
        out = out[7:]
    return out[:600]


def _with_components(index: Index, components: dict[str, list[str]]) -> dict[str, bytes]:
    """Each path's kustomization.yaml with the Flux Kustomization's spec.components appended to
    its own (from the already parsed file: nothing is re-read), by its path."""
    graph = index.graph
    out: dict[str, bytes] = {}
    for rel, extra in components.items():
        kf = graph.kustomize_files.get(rel) if graph is not None else None
        if kf is None:
            continue
        data = _plain(kf.data)
        have = data.get("components") if isinstance(data.get("components"), list) else []
        data["components"] = [*have, *(c for c in extra if c not in have)]
        out[kf.rel] = yaml.safe_dump(data, sort_keys=False).encode()
    return out


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


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
        self.cache = BuildCache(kubectl)
        self.digests: dict[str, str] = {}
        self.reads: dict[str, list[str]] = {}
        self.results: dict[str, BuildResult] = {}
        self.first: dict[str, str] = {}  # digest -> the path built for it
        self.new: list[str] = []  # paths built in this run
        self.scratch: ScratchDir | None = None
        self.tree = self.plugins = ""
        self.builder: _Builder | None = None
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
            cached = plan.cache.get(digest, rel)
            if cached is not None:
                plan.results[rel] = cached
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
            self.builder = _Builder(self.kubectl, self.scratch.name, self.tree, {**env, **_SHORT_RUN_GC})
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
            self.cache.put(self.digests[rel], self.results[rel])


def _failed(res: BuildResult) -> bool:
    return res.checked and not res.ok


def pack(dirs: list[str], claims: dict[str, frozenset]) -> list[list[str]]:
    """Groups of at most CHUNK paths (and enough groups for every worker) in which no two paths
    claim the same object: each path is built under a name prefix of its own, but kustomize's
    PrefixTransformer leaves Namespaces, CustomResourceDefinitions and APIServices unprefixed
    (kustomize plugin/builtin/prefixtransformer/PrefixTransformer.go, prefixFieldSpecsToSkip),
    so two paths that both declare the `monitoring` Namespace would fail together."""
    size = max(1, min(CHUNK, -(-len(dirs) // MAX_PARALLEL)))
    groups: list[tuple[list[str], set]] = []
    for rel in dirs:
        claim = claims.get(rel, frozenset())
        for members, taken in groups:
            if len(members) < size and not taken & claim:
                members.append(rel)
                taken |= claim
                break
        else:
            groups.append(([rel], set(claim)))
    return [members for members, _taken in groups]


class BuildCache:
    """Build results by content: a success by what the build read (obslint.model.flux.build_inputs),
    a failure also by its path (kubectl's error names it); with the tool's identity and options."""

    KIND = "kustomize"

    def __init__(self, kubectl: str) -> None:
        self.tool = [__version__, tool_identity(kubectl), list(_FLUX_OPTIONS)]
        self.stored: set[str] = set()

    def _key(self, digest: str, rel: str | None) -> str:
        return store.key_of(self.KIND, self.tool, digest, rel)

    def get(self, digest: str, rel: str) -> BuildResult | None:
        if store.get(self.KIND, self._key(digest, None)) == {"ok": True}:
            return BuildResult(rel, True, "")
        failed = store.get(self.KIND, self._key(digest, rel))
        if isinstance(failed, dict) and failed.get("ok") is False and isinstance(failed.get("error"), str):
            return BuildResult(rel, False, failed["error"])
        return None

    def put(self, digest: str, res: BuildResult) -> None:
        if not res.checked:  # not built: nothing is known
            return
        key = self._key(digest, None if res.ok else res.path)
        if key not in self.stored:  # the copies of a path share one entry
            self.stored.add(key)
            store.put(self.KIND, key, {"ok": True} if res.ok else {"ok": False, "error": res.error})


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
        self.aggregates: dict[tuple[str, ...], str] = {}  # written ahead by `prepare`

    @staticmethod
    def chunks(groups: list[list[str]]) -> list[list[str]]:
        """kustomize's time grows faster than linearly with the size of a build: big groups are cut."""
        return [g[i : i + CHUNK] for g in (sorted(set(g)) for g in groups if g) for i in range(0, len(g), CHUNK)]

    def prepare(self, group: list[str]) -> None:
        """Write the aggregate of a group now (see BuildPlan._prepare)."""
        if len(group) > 1:
            self.aggregates[tuple(group)] = self._aggregate(group)

    def _aggregate(self, group: list[str]) -> str:
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
        return agg

    def _kustomize(self, target: str) -> ToolResult | None:
        """`kubectl kustomize target` within what is left of the budget; None once it is spent."""
        left = min(TIMEOUT, self.deadline - time.monotonic())
        if left < 1:
            return None
        return run_tool([self.kubectl, "kustomize", *_FLUX_OPTIONS, target], cwd=self.tmp, env=self.env, timeout=left)

    def run(self, groups: list[list[str]]) -> dict[str, BuildResult]:
        done: dict[str, BuildResult] = {}
        pending = self.chunks(groups)
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
        agg = self.aggregates.pop(tuple(group), None) or self._aggregate(group)
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
