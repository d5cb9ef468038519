"""Building groups of kustomize paths with `kubectl kustomize`: aggregates of paths that cannot
conflict, halved when they fail (obslint.tools.kubectl plans what to build)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from obslint.tools import ToolResult, run_tool

MAX_PARALLEL = 2
CHUNK = 24
# Each build is a short-lived process that allocates ~50 MB: the Go collector's work is wasted
# there (about a third of kubectl's CPU time per build). GOGC=off turns it off and GOMEMLIMIT
# turns it back on only if a build grows past the limit, so a huge build stays bounded.
SHORT_RUN_GC = {"GOGC": "off", "GOMEMLIMIT": "256MiB"}
TIMEOUT = 60
# All builds of a run together: a repository cannot make obslint wait longer than this (a hostile
# one could otherwise stack up builds that each run until the per-build timeout).
BUDGET = 120
FLUX_OPTIONS = ("--load-restrictor", "LoadRestrictionsNone")


@dataclass(frozen=True)
class BuildResult:
    path: str  # directory relative to the repo root
    ok: bool
    error: str  # first lines of kubectl's error, paths relative to the repo root
    checked: bool = True  # False: not built (timed out, or the run's time budget was spent)


def _clean(text: str, tmp: str) -> str:
    text = text.replace(os.path.realpath(tmp) + "/", "").replace(tmp + "/", "")
    text = text.replace(os.path.realpath(tmp), ".").replace(tmp, ".")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = "; ".join(lines[:3])
    if out.lower().startswith("error: "):
        out = out[7:]
    return out[:600]


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


class Builder:
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
        return run_tool([self.kubectl, "kustomize", *FLUX_OPTIONS, target], cwd=self.tmp, env=self.env, timeout=left)

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
