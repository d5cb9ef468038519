"""What kustomize builds from a directory of this repository, as kustomize-controller runs it.

`Builder.build(dir)` returns the objects a `kustomize build dir` yields, each still pointing at the
text it was written in, with the transformations kustomize applies on the way up the tree:

- `resources`/`bases` (files and directories with their own kustomization.yaml), then `components`
  (sigs.k8s.io/kustomize/api/internal/target/kusttarget.go: resources are accumulated first, then
  each component runs against everything accumulated so far, so a component's patches and
  namespace reach the including kustomization's resources);
- `configMapGenerator`/`secretGenerator` objects (data from literals, files and env files; labels
  and annotations from their options);
- `namespace:` on every namespaced object, outermost kustomization winning; kustomize's namespace
  transformer also renames `Namespace` objects to that namespace (api/filters/namespace: the
  common `metadata.name: _` template relies on it);
- `namePrefix`/`nameSuffix`, `commonLabels`/`labels`, `commonAnnotations`;
- patches (`patches`, `patchesStrategicMerge`, `patchesJson6902`), through `obslint.kustomize.patch`;
- then the configs of `transformers:` (inline, files, or kustomization directories built for
  them), through `obslint.model.flux.transformers`.

A directory without kustomization.yaml is built as kustomize-controller's generator does
(fluxcd/pkg kustomize/kustomize_generator.go): every manifest below it, a sub-directory with its
own kustomization.yaml taken as a whole. kustomize-controller builds with LoadRestrictionsNone,
so entries may point anywhere inside the repository; what lies outside the checked tree, or
over the network, is opaque and only noted (`Built.remote`).

Builds are memoised per directory: the same base included by many overlays is read once, and the
overlays' transformations copy only what they change.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from obslint.load import Document, YMap
from obslint.model.flux.kinds import CLUSTER_SCOPED, below, is_remote
from obslint.model.flux.kustomize_files import Entry, Generator, KustomizeFile
from obslint.objects import K8sObject

# How deeply kustomizations may include one another (resources, bases, components). kustomize sets
# no limit; real repositories nest a handful of levels, and the build recurses three Python frames
# per level, so a chain of a thousand bases built to exhaust the checker would reach Python's
# recursion limit. Deeper includes are not built, and reported (CORE006 too-complex).
MAX_BUILD_DEPTH = 100


@dataclass(eq=False)
class Item:
    """One object of a build: the object as written (or made by a generator) and its data,
    name and namespace as the build has transformed them so far."""

    written: K8sObject
    data: YMap
    name: str
    namespace: str | None
    generator: Generator | None = None  # set for objects a configMapGenerator/secretGenerator makes
    hashed: bool = False  # the generator appends a content hash to the name
    base_name: str = ""  # the name before namePrefix/nameSuffix (what references in the build use)
    previous: tuple[tuple[str, str | None], ...] = ()  # (name, namespace) it had before a rename

    def with_data(self, data: YMap, name: str | None = None, namespace: str | None = ...) -> Item:  # type: ignore[assignment]
        new_name = self.name if name is None else name
        new_ns = self.namespace if namespace is ... else namespace
        previous = self.previous
        if (new_name, new_ns) != (self.name, self.namespace):
            previous = (*previous, (self.name, self.namespace))
        return Item(self.written, data, new_name, new_ns, self.generator, self.hashed, self.base_name, previous)

    @property
    def kind(self) -> str:
        return self.written.kind


@dataclass(eq=False)
class Built:
    """The result of building one directory."""

    root: str
    items: list[Item] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  # kustomization.yaml directories walked
    # the kustomization.yaml directories kustomize builds as a whole: the directory itself, or for a
    # directory without one (Flux generates it), the topmost sub-directories that have one
    roots: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # manifest files applied
    remote: list[Entry] = field(default_factory=list)  # network or out-of-tree resources (opaque)
    # generator or patch files kustomize would fetch over HTTP: the build cannot be reproduced offline
    fetched: list[Entry] = field(default_factory=list)
    missing: list[Entry] = field(default_factory=list)  # entries that name nothing in the tree


def _cow(data: YMap, *path: str) -> tuple[YMap, YMap]:
    """(copy of data, the mapping at path inside the copy), copying every mapping on the path so
    the original stays untouched; a missing mapping on the path is created."""
    top = data.clone()
    node = top
    for key in path:
        child = node.get(key)
        child = child.clone() if isinstance(child, YMap) else YMap(node.src, node.line, node.col)
        node[key] = child
        node = child
    return top, node


def set_metadata(item: Item, *, name: str | None = None, namespace: str | None = None) -> Item:
    """The item with metadata.name / metadata.namespace rewritten (positions of the rest kept)."""
    data, meta = _cow(item.data, "metadata")
    if name is not None:
        meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    return item.with_data(data, name=name, namespace=namespace if namespace is not None else item.namespace)


def add_metadata(item: Item, field_name: str, pairs: dict[str, str]) -> Item:
    """The item with labels or annotations added (kustomize overwrites existing keys)."""
    if not pairs:
        return item
    data, node = _cow(item.data, "metadata", field_name)
    node.update(pairs)
    return item.with_data(data)


class Builder:
    """Builds directories of one repository (memoised per directory)."""

    def __init__(
        self,
        kustomize_files: dict[str, KustomizeFile],
        objects_by_file: dict[str, list[K8sObject]],
        sorted_kdirs: list[str],
        sorted_yaml: list[str],
        dirs: set[str],
        paths: set[str],
        patcher: Any = None,
        read_text: Any = None,
        transformer: Any = None,
        read_inline: Any = None,
        over_limit: Any = None,
    ):
        self.kfiles = kustomize_files
        self.objects_by_file = objects_by_file
        self.sorted_kdirs = sorted_kdirs
        self.sorted_yaml = sorted_yaml
        self.dirs = dirs
        self.paths = paths
        self.patcher = patcher  # applies PatchSpecs to items (obslint.model.flux.patching)
        self.read_text = read_text  # rel -> text of a non-YAML file (generator inputs)
        # (items, transformer config) -> items, or None for a config it does not run
        self.transformer = transformer
        self.read_inline = read_inline  # (container, key) -> the documents of inline YAML text
        self.over_limit = over_limit  # (loc, message) -> None: what passed MAX_BUILD_DEPTH
        self._memo: dict[str, Built] = {}
        self._active: set[str] = set()

    def is_dir(self, rel: str) -> bool:
        return rel in self.dirs or rel == ""

    def build(self, d: str) -> Built:
        got = self._memo.get(d)
        if got is not None:
            return got
        if d in self._active:  # a kustomization that includes itself: kustomize fails on the cycle
            return Built(d)
        if self._too_deep(d):
            return Built(d)  # not memoised: included from higher up, it is built
        self._active.add(d)
        try:
            built = self._build_kustomization(d) if d in self.kfiles else self._build_plain(d)
        finally:
            self._active.discard(d)
        self._memo[d] = built
        return built

    def _too_deep(self, d: str) -> bool:
        if len(self._active) < MAX_BUILD_DEPTH:
            return False
        kf = self.kfiles.get(d)
        if self.over_limit is not None and kf is not None:
            self.over_limit(
                kf.file.loc(1, 1),
                f"kustomizations include one another more than {MAX_BUILD_DEPTH} levels deep down to this one; "
                "it and what it includes were not built",
            )
        return True

    # --- a directory without kustomization.yaml (Flux's generated kustomization) ---
    def _build_plain(self, d: str) -> Built:
        out = Built(d)
        prefix = f"{d}/" if d else ""
        taken: set[str] = set()
        # Flux's walk takes a directory with a kustomization file and skips everything below it
        # (fluxcd/pkg kustomize/kustomize_generator.go, generateKustomization: filepath.SkipDir).
        # In sorted order "a" < "a-b" < "a/c", so a taken directory's descendants need not follow
        # it directly: look for any taken ancestor, not just the last one taken.
        for sub in below(self.sorted_kdirs, prefix):
            if sub == d or _under_any(sub, taken):
                continue
            taken.add(sub)
            out.roots.append(sub)
            self._include(out, self.build(sub))
        for rel in below(self.sorted_yaml, prefix):
            if not _under_any(rel, taken):
                self._add_file(out, rel)
        return out

    # --- a directory with kustomization.yaml ---
    def _build_kustomization(self, d: str) -> Built:
        kf = self.kfiles[d]
        out = Built(d, dirs=[d], roots=[d])
        out.fetched.extend(e for e in kf.files if not e.target and is_remote(e.value))
        for e in kf.resources:
            self._add_entry(out, e)
        for gen in kf.generators:
            item = self._generated(kf, gen)
            if item is not None:
                out.items = _merge_generated(out.items, item)
        for e in kf.components:
            self.add_component(out, e)
        self._transform(out, kf)
        return out

    def _transform(self, out: Built, kf: KustomizeFile) -> None:
        """The kustomization's patches and transformers over everything accumulated in `out`."""
        if kf.patches and self.patcher is not None:
            out.items = self.patcher(out.items, kf.patches)
        out.items = transform(out.items, kf.namespace, kf.name_prefix, kf.name_suffix, kf.labels, kf.annotations)
        if kf.transformers and self.transformer is not None:
            for config in self._transformer_configs(kf):
                done = self.transformer(out.items, config)
                if done is not None:  # None: a config not modelled, left out as before
                    out.items = done

    def _transformer_configs(self, kf: KustomizeFile) -> list[Any]:
        """The transformer configs of `transformers:`: the inline ones first, then those of the paths,
        each list in order (kusttarget.go configureExternalTransformers accumulates them so); a
        directory is built like a resource."""
        configs: list[Any] = []
        for spec in kf.transformers:
            if spec.inline is not None and self.read_inline is not None:
                configs.extend(self.read_inline(*spec.inline) or ())
        for spec in kf.transformers:
            target = spec.file.target if spec.file is not None else ""
            if target in self.kfiles:
                configs.extend(it.data for it in self.build(target).items)
            elif target and target in self.paths:
                configs.extend(obj.data for obj in self.objects_by_file.get(target, ()))
        return configs

    def add_component(self, out: Built, e: Entry) -> None:
        """A kustomize Component: its resources join what `out` has accumulated, then its patches
        and transformers run over all of it (kustomize api/internal/target/kusttarget.go,
        runComponents)."""
        if not e.target:
            out.remote.append(e)
            return
        kf = self.kfiles.get(e.target)
        if kf is None:
            out.missing.append(e)
            return
        if e.target in self._active or self._too_deep(e.target):
            return
        self._active.add(e.target)
        try:
            if e.target not in out.dirs:
                out.dirs.append(e.target)
            for r in kf.resources:
                self._add_entry(out, r)
            for gen in kf.generators:
                item = self._generated(kf, gen)
                if item is not None:
                    out.items = _merge_generated(out.items, item)
            for c in kf.components:
                self.add_component(out, c)
            self._transform(out, kf)
        finally:
            self._active.discard(e.target)

    def with_components(self, d: str, entries: list[Entry]) -> Built:
        """The build of `d` with a Flux Kustomization's spec.components added (a fresh result:
        memoised builds are shared)."""
        base = self.build(d)
        if not entries:
            return base
        out = Built(d, list(base.items), list(base.dirs), list(base.roots), set(base.files))
        out.remote, out.missing, out.fetched = list(base.remote), list(base.missing), list(base.fetched)
        for e in entries:
            self.add_component(out, e)
        return out

    def _add_entry(self, out: Built, e: Entry) -> None:
        if not e.target:
            out.remote.append(e)
            return
        if e.target in self.kfiles:
            self._include(out, self.build(e.target))
        elif self.is_dir(e.target):
            out.missing.append(e)  # a directory without kustomization.yaml: kustomize fails
        elif e.target in self.paths:
            self._add_file(out, e.target)
        else:
            out.missing.append(e)

    def _include(self, out: Built, sub: Built) -> None:
        out.items.extend(sub.items)
        out.dirs.extend(x for x in sub.dirs if x not in out.dirs)
        out.files |= sub.files
        out.remote.extend(sub.remote)
        out.fetched.extend(sub.fetched)
        out.missing.extend(sub.missing)

    def _add_file(self, out: Built, rel: str) -> None:
        out.files.add(rel)
        for obj in self.objects_by_file.get(rel, ()):
            out.items.append(Item(obj, obj.data, obj.name, obj.namespace, base_name=obj.name))

    # --- generators ---
    def _generated(self, kf: KustomizeFile, gen: Generator) -> Item | None:
        """The ConfigMap/Secret a generator makes: data from literals, files (their text) and env files."""
        node = gen.node
        data = YMap(node.src, node.line, node.col)
        data["apiVersion"] = "v1"
        data["kind"] = gen.kind
        meta = YMap(node.src, node.line, node.col)
        meta["name"] = gen.name
        meta.copy_pos("name", node, "name")
        if gen.namespace:
            meta["namespace"] = gen.namespace
        # generator options' labels and annotations go on the object (kustomize
        # api/internal/generators/utils.go, copyLabelsAndAnnotations): Flux's
        # `kustomize.toolkit.fluxcd.io/substitute: disabled` among them turns substitution off
        if gen.labels:
            meta["labels"] = dict(gen.labels)
        if gen.annotations:
            meta["annotations"] = dict(gen.annotations)
        data["metadata"] = meta
        data.copy_pos("metadata", node, "name")
        values = YMap(node.src, node.line, node.col)
        for key, value, _loc in gen.literals:
            values[key] = value
        for key, entry in gen.files:
            text = self.read_text(entry.target) if self.read_text is not None and entry.target else None
            if text is not None:
                values[key] = text
        for entry in gen.envs:
            text = self.read_text(entry.target) if self.read_text is not None and entry.target else None
            for key, value in _dotenv(text or ""):
                values[key] = value
        data["data" if gen.kind == "ConfigMap" else "stringData"] = values
        doc = Document(kf.file, 0, data, node.line, node.col, False)
        written = K8sObject("v1", gen.kind, gen.name, gen.namespace, data, doc)
        return Item(written, data, gen.name, gen.namespace, gen, gen.hashed, gen.name)


def _under_any(path: str, dirs: set[str]) -> bool:
    """`path` lies below one of `dirs`."""
    parent = posixpath.dirname(path)
    while parent:
        if parent in dirs:
            return True
        parent = posixpath.dirname(parent)
    return False


def _dotenv(text: str) -> Iterable[tuple[str, str]]:
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        yield key.strip(), value.strip()


def _merge_generated(items: list[Item], new: Item) -> list[Item]:
    """A generator with `behavior: merge|replace` changes the object of the same kind and name
    made lower in the tree; `create` adds one (kustomize fails on a clash, reported by FLUX009).
    Either way the labels and annotations of both are merged, the new ones winning (kustomize
    api/resmap/reswrangler.go appendReplaceOrMerge, api/resource/resource.go
    CopyMergeMetaDataFieldsFrom)."""
    gen = new.generator
    if gen is None or gen.behavior not in ("merge", "replace"):
        return [*items, new]
    for i, it in enumerate(items):
        if it.generator is not None and it.kind == new.kind and it.base_name == new.base_name:
            if gen.behavior == "replace":
                merged = new
            else:
                key = "data" if new.kind == "ConfigMap" else "stringData"
                data, values = _cow(it.data, key)
                added = new.data.get(key)
                values.update(added if isinstance(added, dict) else {})
                merged = it.with_data(data)
            for name in ("labels", "annotations"):
                merged = add_metadata(merged, name, {**_metadata(it, name), **_metadata(new, name)})
            return [*items[:i], merged, *items[i + 1 :]]
    return [*items, new]


def _metadata(item: Item, name: str) -> dict[str, str]:
    """The labels or annotations of an item."""
    meta = item.data.get("metadata")
    pairs = meta.get(name) if isinstance(meta, dict) else None
    return dict(pairs) if isinstance(pairs, dict) else {}


def transform(
    items: list[Item],
    namespace: str | None,
    prefix: str = "",
    suffix: str = "",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> list[Item]:
    """kustomize's namespace, name prefix/suffix and common metadata transformers over a build."""
    if not (namespace or prefix or suffix or labels or annotations):
        return items
    out = []
    for it in items:
        kind = it.kind
        if namespace:
            if kind == "Namespace":
                # api/filters/namespace/namespace.go: a Namespace object takes the namespace's name
                it = set_metadata(it, name=namespace)
            elif kind not in CLUSTER_SCOPED:
                it = set_metadata(it, namespace=namespace)
        if (prefix or suffix) and kind not in ("Namespace", "CustomResourceDefinition", "APIService"):
            it = set_metadata(it, name=f"{prefix}{it.name}{suffix}")
        if labels:
            it = add_metadata(it, "labels", labels)
        if annotations:
            it = add_metadata(it, "annotations", annotations)
        out.append(it)
    return out


def decoded(value: Any) -> str | None:
    """A Secret `data` value decoded from base64 (None when it is not valid base64 text)."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
