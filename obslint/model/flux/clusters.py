"""Cluster roots: where each cluster the repository deploys starts.

A root is the Flux Kustomization that a cluster's bootstrap creates, with the path it syncs:

- a FluxInstance (flux-operator) with `spec.sync`: the operator creates a source of `sync.kind`
  and a Kustomization, both named `sync.name` (default: the FluxInstance's namespace), in the
  FluxInstance's namespace, syncing `sync.path` (controlplaneio-fluxcd/flux-operator
  api/v1/fluxinstance_types.go, `Sync`);
- a HelmRelease of the flux-instance chart (written, or one of a ResourceSet's resources), whose
  values `instance.sync` become that FluxInstance's `spec.sync` (inline values, or a valuesFrom
  ConfigMap generated from a values file next to it);
- a Kustomization that applies its own file (`flux bootstrap` writes gotk-sync.yaml into the path
  it syncs), whatever its source is named.

A sync path holding `${VAR}` is resolved with the inline `postBuild.substitute` of each
Kustomization whose path builds the FluxInstance or HelmRelease (kustomize-controller substitutes
before applying it): one cluster per value, as one template serves several clusters.

When the repository holds none of these but does hold Flux Kustomizations, the ones nothing
applies are taken as applied at bootstrap, one cluster per directory holding them; a directory
whose Kustomizations the build of an ancestor directory takes in (with no kustomization.yaml,
every subdirectory) belongs to that ancestor's cluster.
Each distinct synced path is one cluster, named by that path.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from obslint.kustomize.resourceset import expand_resourceset
from obslint.kustomize.substitute import Vars, expand, postbuild_vars
from obslint.load import YMap
from obslint.model.flux.build import Builder
from obslint.model.flux.kinds import BOOTSTRAP_NAMESPACE, HELMRELEASE_GROUP, KUSTOMIZE_GROUP, OPERATOR_GROUP, norm_path
from obslint.model.flux.kustomize_files import KustomizeFile
from obslint.model.flux.sources import artifact_root
from obslint.objects import Cluster, K8sObject, dig


@dataclass(eq=False)
class Sync:
    """What a FluxInstance syncs: the source and Kustomization the operator makes."""

    kind: str
    name: str
    namespace: str
    url: str
    path: str
    node: YMap  # the sync mapping (for positions)
    # the FluxInstance spec (or the flux-instance chart's `instance` values): its `kustomize.patches`
    # apply to the Flux objects the operator makes, the sync Kustomization among them
    instance: YMap | None = None


@dataclass(eq=False)
class Root:
    cluster: Cluster
    defined_by: K8sObject  # as written
    path: str  # in the repository
    kustomization: K8sObject | None = None  # a self-applying Kustomization, as written
    sync: Sync | None = None  # a FluxInstance's sync (the root Kustomization is made by the operator)
    # the directory of the repository an OCI artifact source was pushed from (`flux push artifact
    # --path=./kubernetes`): the synced path is relative to it
    source_root: str = ""


def _syncs_of(instance: Any, namespace: str, appliers: Callable[[], list[Vars]]) -> list[Sync]:
    """The syncs of a FluxInstance spec: one, or one per applier's variables when its path holds
    `${VAR}` (`appliers` gives the variables of each Kustomization that builds it)."""
    node = instance.get("sync") if isinstance(instance, YMap) else None
    if not isinstance(node, YMap):
        return []
    kind, url, path = node.get("kind"), node.get("url"), node.get("path")
    if not isinstance(path, str) or kind not in ("GitRepository", "OCIRepository", "Bucket"):
        return []
    paths = [path] if "${" not in path else [expand(path, v).text for v in appliers()]
    name = node.get("name") if isinstance(node.get("name"), str) and node.get("name") else namespace
    return [
        Sync(kind, name, namespace, url if isinstance(url, str) else "", norm_path(p), node, instance)
        for p in dict.fromkeys(paths)
        if "${" not in p
    ]


def _instance_values(hr: K8sObject, kfile_of: Callable[[str], KustomizeFile | None], read: Callable[[str], Any]) -> Any:
    """`instance` values (with a `sync`) of a flux-instance HelmRelease: inline values, else a
    valuesFrom ConfigMap that a configMapGenerator next to the HelmRelease makes from a values file."""
    inline = dig(hr.spec, "values", "instance")
    if isinstance(dig(inline, "sync"), dict):
        return inline
    kf = kfile_of(posixpath.dirname(hr.file.rel))
    refs = hr.spec.get("valuesFrom")
    for ref in refs if isinstance(refs, list) and kf is not None else ():
        if not isinstance(ref, dict) or ref.get("kind", "ConfigMap") != "ConfigMap":
            continue
        key = ref.get("valuesKey") if isinstance(ref.get("valuesKey"), str) else "values.yaml"
        for gen in kf.generators:
            if gen.kind != "ConfigMap" or gen.name != ref.get("name"):
                continue
            for data_key, entry in gen.files:
                if data_key == key and entry.target:
                    instance = dig(read(entry.target), "instance")
                    if isinstance(dig(instance, "sync"), dict):
                        return instance
    return None


def _chart_name(hr: K8sObject) -> str:
    chart = dig(hr.spec, "chart", "spec", "chart")
    if not isinstance(chart, str):
        chart = dig(hr.spec, "chartRef", "name")
    return chart.rsplit("/", 1)[-1] if isinstance(chart, str) else ""


def _helmreleases(by_kind: dict[str, list[K8sObject]]) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(HelmRelease, the object written in the repository that makes it): those written, and those
    a flux-operator ResourceSet makes (the flux-instance release is often one of its resources)."""
    for hr in by_kind.get("HelmRelease", ()):
        yield hr, hr
    for rset in by_kind.get("ResourceSet", ()):
        if rset.group != OPERATOR_GROUP:
            continue
        for ro in expand_resourceset(rset.data).objects:
            data = ro.data
            meta = data.get("metadata")
            if (
                data.get("kind") != "HelmRelease"
                or not isinstance(meta, dict)
                or not isinstance(data.get("apiVersion"), str)
            ):
                continue
            name = meta.get("name") if isinstance(meta.get("name"), str) else ""
            ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else rset.namespace
            yield K8sObject(data["apiVersion"], "HelmRelease", name, ns, data, rset.doc, rset), rset


def find_roots(
    by_kind: dict[str, list[K8sObject]],
    builder: Builder,
    kfile_of: Callable[[str], KustomizeFile | None],
    read_yaml: Callable[[str], Any],
) -> list[Root]:
    roots: dict[str, Root] = {}
    appliers: dict[str, list[Vars]] | None = None

    def applier_vars(obj: K8sObject) -> Callable[[], list[Vars]]:
        def get() -> list[Vars]:
            nonlocal appliers
            if appliers is None:
                appliers = _inline_vars_by_file(by_kind, builder)
            return appliers.get(obj.file.rel, [])

        return get

    def add(root: Root, kind: str) -> None:
        path = root.path
        if not builder.is_dir(path) and kind != "GitRepository":  # an artifact of a sub-directory
            base = artifact_root(path, builder.dirs)
            if base is None:
                return
            root.source_root, root.path = base, norm_path(posixpath.join(base, path))
        if root.path not in roots and builder.is_dir(root.path):
            roots[root.path] = root

    for fi in by_kind.get("FluxInstance", ()):
        if fi.group != OPERATOR_GROUP:
            continue
        for sync in _syncs_of(fi.spec, fi.namespace or BOOTSTRAP_NAMESPACE, applier_vars(fi)):
            add(Root(Cluster(sync.path, fi.loc()), fi, sync.path, sync=sync), sync.kind)
    for hr, definer in _helmreleases(by_kind):
        if hr.group != HELMRELEASE_GROUP or _chart_name(hr) != "flux-instance":
            continue
        target = hr.spec.get("targetNamespace")
        ns = target if isinstance(target, str) and target else (hr.namespace or BOOTSTRAP_NAMESPACE)
        for sync in _syncs_of(_instance_values(hr, kfile_of, read_yaml), ns, applier_vars(definer)):
            add(Root(Cluster(sync.path, hr.loc()), definer, sync.path, sync=sync), sync.kind)
    for ks in by_kind.get("Kustomization", ()):
        if ks.group != KUSTOMIZE_GROUP:
            continue
        path = ks.spec.get("path")
        if not isinstance(path, str) or "${" in path:
            continue
        p = norm_path(path)
        kind = dig(ks.spec, "sourceRef", "kind") or "GitRepository"
        if not p and kind != "GitRepository":
            continue  # an artifact's root: cannot be told apart from the repository's directories
        base = "" if builder.is_dir(p) or kind == "GitRepository" else artifact_root(p, builder.dirs)
        full = norm_path(posixpath.join(base, p)) if base else p
        if base is not None and builder.is_dir(full) and ks.file.rel in builder.build(full).files:
            add(Root(Cluster(p, ks.loc()), ks, full, kustomization=ks, source_root=base), "GitRepository")
    return sorted(roots.values(), key=lambda r: r.path)


def _inline_vars_by_file(by_kind: dict[str, list[K8sObject]], builder: Builder) -> dict[str, list[Vars]]:
    """For each file, the inline `postBuild.substitute` variables of the Kustomizations (as
    written) whose path builds it."""
    out: dict[str, list[Vars]] = defaultdict(list)
    for ks in by_kind.get("Kustomization", ()):
        path = ks.spec.get("path") if ks.group == KUSTOMIZE_GROUP else None
        subst = dig(ks.spec, "postBuild", "substitute")
        if (
            not isinstance(path, str)
            or "${" in path
            or not isinstance(subst, dict)
            or not builder.is_dir(norm_path(path))
        ):
            continue
        variables, _problems = postbuild_vars({"substitute": subst})
        for rel in builder.build(norm_path(path)).files:
            out[rel].append(variables)
    return out


def top_level_groups(unreached: list[K8sObject]) -> dict[str, list[K8sObject]]:
    """Kustomizations nothing applies, grouped by the directory of their file."""
    groups: dict[str, list[K8sObject]] = defaultdict(list)
    for ks in unreached:
        groups[posixpath.dirname(ks.file.rel)].append(ks)
    return dict(sorted(groups.items()))
