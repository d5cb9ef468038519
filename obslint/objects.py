"""Kubernetes objects with source positions, the clusters they are rendered for, and small
helpers to read nested YAML data."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from obslint.findings import Loc
from obslint.load import Document, SourceFile, YMap, YSeq


def dig(node: Any, *path: Any, default: Any = None) -> Any:
    """node[path[0]][path[1]]..., or default when any step is missing or of the wrong type."""
    for key in path:
        if isinstance(node, dict):
            if key not in node:
                return default
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int):
            if not -len(node) <= key < len(node):
                return default
            node = node[key]
        else:
            return default
    return node


def loc_of(node: YMap | YSeq, *path: Any) -> Loc:
    """The position of the value at `path` below node, or of the deepest part of it that exists."""
    current: Any = node
    best = node.loc()
    for key in path:
        if (isinstance(current, dict) and key in current) or (
            isinstance(current, list) and isinstance(key, int) and -len(current) <= key < len(current)
        ):
            best = current.loc(key)
        else:
            break
        current = current[key]
    return best


@dataclass(frozen=True)
class Cluster:
    """A cluster the repository deploys: the path its root Flux Kustomization syncs (the name shown
    in findings) and the object that defines that root (a bootstrapped Kustomization, a
    FluxInstance, a flux-instance HelmRelease)."""

    name: str
    root: Loc | None = None  # where the defining object is, to tell apart two roots of one path

    def __str__(self) -> str:
        return self.name


@dataclass(eq=False)
class K8sObject:
    """A Kubernetes object: as written in the repository (`origin` None), or as a controller renders
    it for one cluster - kustomize namespaces and patches, Flux postBuild substitution - with
    `origin` the object as written. A rendered object keeps the positions of the text it came from,
    so findings on it point at the file (or the patch) that holds the value."""

    api_version: str
    kind: str
    name: str
    namespace: str | None  # written: metadata.namespace; rendered: the namespace it is applied in
    data: YMap
    doc: Document
    origin: K8sObject | None = None
    cluster: Cluster | None = None  # rendered for this cluster; None: no cluster known

    @property
    def written(self) -> K8sObject:
        """The object as written in the repository."""
        return self.origin if self.origin is not None else self

    @property
    def cluster_names(self) -> frozenset[str]:
        """The cluster a finding about this object arises in (for `Finding.clusters`)."""
        return frozenset({self.cluster.name}) if self.cluster is not None else frozenset()

    @property
    def file(self) -> SourceFile:
        return self.doc.file

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def labels(self) -> dict:
        labels = dig(self.data, "metadata", "labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict:
        ann = dig(self.data, "metadata", "annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def spec(self) -> dict:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def sops(self) -> bool:
        return self.doc.sops

    def get(self, *path: Any, default: Any = None) -> Any:
        return dig(self.data, *path, default=default)

    def loc(self, *path: Any) -> Loc:
        return loc_of(self.data, *path)

    def ref(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"

    def __repr__(self) -> str:
        where = f" in {self.cluster}" if self.cluster is not None else ""
        return f"<{self.ref()}{where} at {self.loc()}>"


def plain(node: Any) -> Any:
    """A copy of a loaded tree as built-in dicts (string keys) and lists, for a serializer, made
    without recursion (a tree may nest as deep as the loader allows, obslint.load.yamlfile MAX_DEPTH).
    A float that is not finite becomes its text: JSON has no spelling for it."""
    if not isinstance(node, (dict, list)):
        return _plain_scalar(node)
    root: Any = {} if isinstance(node, dict) else []
    stack: list[tuple[Any, Any]] = [(node, root)]
    while stack:
        src, dst = stack.pop()
        for key, value in src.items() if isinstance(src, dict) else enumerate(src):
            if isinstance(value, (dict, list)):
                copy: Any = {} if isinstance(value, dict) else []
                stack.append((value, copy))
            else:
                copy = _plain_scalar(value)
            if isinstance(dst, dict):
                dst[str(key)] = copy
            else:
                dst.append(copy)
    return root


def _plain_scalar(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def walk_strings(node: Any, path: tuple = ()) -> Iterable[tuple[tuple, Any, Any]]:
    """Yield (path, container, key) for every scalar below node, without recursion."""
    stack: list[tuple[Any, tuple]] = [(node, path)]
    while stack:
        current, p = stack.pop()
        items = current.items() if isinstance(current, dict) else enumerate(current)
        for key, value in items:
            if isinstance(value, (dict, list)):
                stack.append((value, (*p, key)))
            else:
                yield (*p, key), current, key


@dataclass(frozen=True)
class Ref:
    """A reference from one object to another (dependsOn, sourceRef, valuesFrom...)."""

    kind: str
    name: str
    namespace: str | None  # None: the referring object's namespace
    loc: Loc
    optional: bool = False
    field: str = ""  # e.g. "spec.valuesFrom[0]"


def refs_of(obj: K8sObject, *path: str, kind: str) -> list[Ref]:
    """References listed at `path` (dependsOn, healthChecks, valuesFrom ...): each entry a mapping
    with `name` (and maybe `kind`, `namespace`); `kind` is the default kind."""
    seq = obj.get(*path)
    out: list[Ref] = []
    if not isinstance(seq, list):
        return out
    for i, item in enumerate(seq):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            continue
        k = item.get("kind") if isinstance(item.get("kind"), str) else kind
        ns = item.get("namespace") if isinstance(item.get("namespace"), str) and item.get("namespace") else None
        loc = item.loc("name") if isinstance(item, YMap) else obj.loc(*path)
        out.append(Ref(k, name, ns, loc, item.get("optional") is True, f"{'.'.join(path)}[{i}]"))
    return out
