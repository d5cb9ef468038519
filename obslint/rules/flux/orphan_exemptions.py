"""Manifests no kustomization.yaml lists that are nevertheless not forgotten (FLUX007 exemptions).

- The spec.path of a Flux Kustomization (applied or switched off) belongs to that Kustomization:
  a file below it is not judged against an enclosing kustomization.yaml (`flux_paths`).
- The object defining a cluster root (a FluxInstance, a flux-instance HelmRelease) is applied at
  bootstrap, outside any Kustomization: with kubectl, the flux-instance Helm chart or
  `flux-operator install` (https://fluxcd.control-plane.io/operator/install,
  controlplaneio-fluxcd/flux-operator cmd/cli/install.go).
- A file whose every object is applied, the same, in its clusters by another file (a stray copy
  of a Namespace that a shared component creates through kustomize's namespace transformer)
  declares nothing missing from the cluster: it is dead, not a deploy gap.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from obslint.findings import Loc
from obslint.model.flux import CLUSTER_SCOPED, KUSTOMIZE_GROUP, FluxGraph, norm_path
from obslint.objects import Cluster, K8sObject


def flux_paths(g: FluxGraph) -> set[str]:
    """Every directory of the repository that is a Flux Kustomization's spec.path: as applied
    (paths resolved in their source), and as written for the Kustomizations no cluster applies."""
    paths = {k.path for k in g.kustomizations if k.local and k.path is not None}
    for obj in g.unapplied:
        path = obj.spec.get("path") if obj.kind == "Kustomization" and obj.group == KUSTOMIZE_GROUP else None
        if isinstance(path, str) and "${" not in path and g.index.is_dir(norm_path(path)):
            paths.add(norm_path(path))
    return paths


class FluxPathOwner:
    """The deepest of some Flux paths at or above a file."""

    def __init__(self, paths: set[str]):
        self.paths = paths
        self._memo: dict[str, str | None] = {}

    def of(self, rel: str) -> str | None:
        return self._dir(posixpath.dirname(rel))

    def _dir(self, d: str) -> str | None:
        if d not in self._memo:
            if d in self.paths:
                self._memo[d] = d
            else:
                self._memo[d] = self._dir(posixpath.dirname(d)) if d else None
        return self._memo[d]


def root_files(g: FluxGraph) -> set[str]:
    """Files holding the object that defines a cluster root (`Cluster.root` is its position)."""
    return {c.root.path for c in g.clusters if isinstance(c.root, Loc)}


class AppliedObjects:
    """Objects the clusters apply, to tell whether an unlisted file only repeats some of them."""

    def __init__(self, g: FluxGraph):
        self.g = g
        self._by_key: dict[tuple, list[K8sObject]] = defaultdict(list)  # (cluster, group, kind, name) ->
        for r in [*g.objects, *g.generated]:
            if r.origin is not None:
                self._by_key[(r.cluster, r.group, r.kind, r.name)].append(r)

    def all_elsewhere(self, rel: str, clusters: set[Cluster | None], governing: str) -> bool:
        """Whether every object written in `rel` is applied, the same, in each of `clusters` by
        another file. A namespaced object without metadata.namespace would get the namespace the
        build of its directory gives: it matches the namespaces objects of `governing` are applied in."""
        objects = self.g.objects_in(rel)
        return bool(objects) and all(self._elsewhere(o, rel, c, governing) for o in objects for c in clusters)

    def _elsewhere(self, obj: K8sObject, rel: str, cluster: Cluster | None, governing: str) -> bool:
        # Only a copy: a file declaring the object with other content (a newer chart version, another
        # spec) holds a change the cluster never gets.
        same = [
            r
            for r in self._by_key.get((cluster, obj.group, obj.kind, obj.name), ())
            if r.origin is not None and r.origin.file.rel != rel and _body(obj) in (_body(r), _body(r.origin))
        ]
        if not same or obj.kind in CLUSTER_SCOPED:
            return bool(same)
        wanted = {obj.namespace} if obj.namespace else self._namespaces_below(cluster, governing)
        return any(r.namespace in wanted for r in same)

    def _namespaces_below(self, cluster: Cluster | None, d: str) -> set[str | None]:
        prefix = f"{d}/" if d else ""
        return {
            r.namespace
            for r in self.g.objects
            if r.cluster == cluster
            and r.origin is not None
            and r.kind not in CLUSTER_SCOPED
            and r.origin.file.rel.startswith(prefix)
        }


def _body(obj: K8sObject) -> dict:
    """What an object declares besides its identity and metadata (labels, annotations)."""
    return {k: v for k, v in obj.data.items() if k not in ("apiVersion", "kind", "metadata", "status")}
