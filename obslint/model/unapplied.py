"""Trees of the repository that nothing applies: an archive folder, an old layout left beside the
new one, a copy kept for reference.

Where the repository defines clusters, Flux applies exactly what their roots reach: Kustomization
paths, the kustomization.yaml files kustomize walks from them, the manifests and generator inputs
those name. A directory none of whose files is reached, and that lies under no Flux Kustomization
path (there, a file left out of a kustomization.yaml is orphan-manifest's business), is dead
configuration: linting it rule by rule reports problems that can never happen. Such a tree is
reported once instead (unapplied-tree).

A Flux Kustomization whose path does not exist most likely meant the closest directory that does
(`uptimekuma` for `uptime-kuma`): that directory is left unreached by the same typo, so it is the
path's finding (kustomization-path-missing), not a tree of its own.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from obslint.findings import Loc
from obslint.index import memoised
from obslint.model.bootstrap import bootstrap
from obslint.model.flux import FluxGraph, flux_graph
from obslint.suggest import closest

if TYPE_CHECKING:
    from obslint.index import Index
    from obslint.objects import K8sObject


@dataclass(frozen=True)
class UnappliedTree:
    dir: str  # the topmost directory nothing applies (a tree is that directory)
    loc: Loc = field(compare=False)  # its kustomization.yaml, or where it is first reported


@dataclass
class UnappliedTrees:
    """Answers "in which unapplied tree is this file?" for the repository."""

    reached_dirs: frozenset[str] = frozenset()  # directories holding (at any depth) a reached file
    flux_paths: tuple[str, ...] = ()  # local Kustomization paths, as "dir/" prefixes ("" for the root)
    top_files: dict[str, Loc] = field(default_factory=dict)  # directory -> its kustomization.yaml
    _trees: dict[str, UnappliedTree | None] = field(default_factory=dict)  # by directory of a file
    _by_top: dict[str, UnappliedTree] = field(default_factory=dict)

    def tree_of(self, rel: str, at: Loc) -> UnappliedTree | None:
        """The unapplied tree holding file `rel` (None: the file is reached, or the repository
        defines no cluster); `at` locates a tree whose top has no kustomization.yaml."""
        if not self.reached_dirs:
            return None
        d = posixpath.dirname(rel)
        if d not in self._trees:
            self._trees[d] = self._top(d, at)
        return self._trees[d]

    def _top(self, d: str, at: Loc) -> UnappliedTree | None:
        if d in self.reached_dirs or self._under_flux_path(d):
            return None
        top = d
        while True:
            parent = posixpath.dirname(top)
            if parent == top or parent in self.reached_dirs:
                break
            top = parent
        if top not in self._by_top:
            self._by_top[top] = UnappliedTree(top, self.top_files.get(top, at))
        return self._by_top[top]

    def _under_flux_path(self, d: str) -> bool:
        return any(p == "" or (d + "/").startswith(p) for p in self.flux_paths)


@memoised
def unapplied_trees(index: Index) -> UnappliedTrees:
    g = flux_graph(index)
    if not g.has_clusters:
        return UnappliedTrees()
    reached = set(g.reached_files())
    reached.update(c.root.path for c in g.clusters if c.root is not None)
    reached.update(bootstrap(index).sources)
    # the directory a misspelt path meant counts as that path's, as if it were reached
    meant = {m for k in g.kustomizations if (m := meant_dir(g, k.path, k.local)) is not None}
    reached.update(f"{m}/" for m in meant)
    dirs: set[str] = set()
    for rel in reached:
        d = posixpath.dirname(rel)
        while d not in dirs:
            dirs.add(d)
            if not d:
                break
            d = posixpath.dirname(d)
    paths = {k.path + "/" if k.path else "" for k in g.kustomizations if k.local and k.path is not None}
    paths.update(f"{m}/" for m in meant)
    tops = {d: kf.file.loc(1, 1) for d, kf in g.kustomize_files.items()}
    return UnappliedTrees(frozenset(dirs), tuple(sorted(paths)), tops)


def meant_dir(g: FluxGraph, path: str | None, local: bool = True) -> str | None:
    """The directory a local Kustomization path that does not exist most likely meant: the
    closest existing one by spelling (None when the path exists or nothing is close)."""
    if not local or not path or g.index.is_dir(path):
        return None
    found = closest(path, g.sorted_dirs)
    return found[0] if found else None


def in_repository(index: Index, *kinds: str) -> list[K8sObject]:
    """Objects of these kinds as the clusters apply them, and as written where no cluster
    applies them: for what the repository holds whether or not anything applies it (a
    credential in clear leaks from Git either way)."""
    return [*index.of_kind(*kinds), *(o for o in flux_graph(index).unapplied if o.kind in kinds)]
