"""The Flux tree: sources, Kustomizations, kustomize files, placement and the dependsOn graph.

Provider ``"flux.graph"`` -> `FluxGraph`:

- every Flux `Kustomization` (kustomize.toolkit.fluxcd.io v1/v1beta2) as `FluxKustomization`;
- every plain kustomize file (`kustomization.yaml`) as `KustomizeFile`;
- placement: which Flux Kustomization applies each manifest. A Kustomization whose source is
  this repository applies its `path`: through `kustomization.yaml` resources/components
  recursively, or, when the directory has none, every manifest below it (what Flux's generated
  kustomization does: a sub-directory with its own kustomization.yaml is taken as a whole);
- the source: a GitRepository of this repository, or an OCIRepository / ExternalArtifact that
  packages it (the artifact's root may be a sub-directory, e.g. `./kubernetes`); Buckets and
  other sources are foreign content, never placed;
- the effective namespace of each object: Flux `targetNamespace`, else the outermost
  kustomization.yaml `namespace:` on the include path, else `metadata.namespace`; an object no
  Flux Kustomization places still gets the namespace of the kustomization.yaml tree it is in;
- kustomize builds (`builds`) and the `configurations:` nameReference entries of each
  kustomization.yaml, to tell whether a hashed generator name is rewritten in a field;
- clusters: a repo with several `clusters/<name>/` trees has one self-applying root
  Kustomization per cluster (flux-system applies its own path); names are resolved only
  within the clusters an object belongs to, so same-named Kustomizations of two clusters are
  never merged;
- dependsOn edges between Kustomizations and between HelmReleases, with their closures.

Joins are dict lookups keyed by (kind, namespace, name); nothing compares all pairs.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, K8sObject, dig, memoised
from obslint.load import EmbeddedSource, SourceFile, YMap
from obslint.model.helm import HELMRELEASE_GROUP, Ref, helm_releases, refs_of
from obslint.model.services import catalogue

KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
BOOTSTRAP_NAMESPACE = "flux-system"
ARTIFACT_GROUP = "source.extensions.fluxcd.io"  # ArtifactGenerator (Flux 2.7 source-watcher)
# The source kinds a Flux Kustomization accepts: the enum of `.spec.sourceRef.kind` in the
# kustomize-controller CRD (v1.9.4, config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml,
# mirrored in ../shared/oracles/flux/crds/): GitRepository, OCIRepository, Bucket, ExternalArtifact.
# GitRepository and OCIRepository can be this repository (bootstrapped, or pushed with `flux push
# artifact`); an ExternalArtifact is written at run time by an ArtifactGenerator from such sources.
# A Bucket, or a kind outside the enum (schema-invalid reports it), is taken as foreign content.
KUSTOMIZATION_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")

# Kinds without a namespace (kustomize and Flux leave them alone).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "PriorityClass",
        "PersistentVolume",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "ClusterIssuer",
        "ClusterSecretStore",
        "ClusterExternalSecret",
        "IngressClass",
        "GatewayClass",
        "RuntimeClass",
        "CSIDriver",
        "VolumeSnapshotClass",
        "Node",
    }
)

REMOTE_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|//", re.I)


def is_remote(entry: str) -> bool:
    return bool(REMOTE_RE.search(entry))


def norm_path(path: str) -> str:
    """A Flux/kustomize path relative to the repo root, normalised ('' for the root)."""
    p = posixpath.normpath(path.strip().lstrip("/") or ".")
    return "" if p == "." else p


# --- kustomize files ----------------------------------------------------------------------


@dataclass(eq=False)
class Entry:
    """One path-like entry of a kustomization.yaml (resource, component, patch, generator file)."""

    field: str  # "resources", "components", "patches", "secretGenerator", ...
    value: str
    loc: Loc
    target: str  # resolved path relative to the repo root


@dataclass(frozen=True)
class NameRef:
    """One fieldSpec of a kustomize `nameReference` transformer configuration: the name of a
    `kind` object (e.g. a generated ConfigMap) is also rewritten at `path` of `field_kind` objects."""

    kind: str
    field_kind: str | None  # None: any kind
    field_group: str | None  # None: any group
    path: str  # "spec/valuesFrom/name"

    def matches(self, kind: str, obj_kind: str, obj_group: str, path: str) -> bool:
        return (
            self.kind == kind
            and self.field_kind in (None, obj_kind)
            and self.field_group in (None, obj_group)
            and self.path == path
        )


def _name_refs(data: Any) -> list[NameRef]:
    """nameReference entries of a kustomize transformer configuration file (`configurations:`).

    Format (kustomize api/konfig/builtinpluginconsts/namereference.go and the
    examples/transformerconfigs docs): `nameReference: [{kind, version?, group?, fieldSpecs:
    [{kind?, group?, version?, path}]}]`. Sequences on a path are traversed implicitly, so
    `spec/valuesFrom/name` covers every valuesFrom entry."""
    out: list[NameRef] = []
    refs = data.get("nameReference") if isinstance(data, dict) else None
    for ref in refs if isinstance(refs, list) else ():
        if not isinstance(ref, dict) or not isinstance(ref.get("kind"), str):
            continue
        specs = ref.get("fieldSpecs")
        for spec in specs if isinstance(specs, list) else ():
            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                continue
            kind, group = spec.get("kind"), spec.get("group")
            path = "/".join(p.removesuffix("[]") for p in spec["path"].strip("/").split("/"))
            out.append(
                NameRef(
                    ref["kind"],
                    kind if isinstance(kind, str) and kind else None,
                    group if isinstance(group, str) and group else None,
                    path,
                )
            )
    return out


@dataclass(eq=False)
class KustomizeFile:
    file: SourceFile
    dir: str
    data: YMap
    namespace: str | None
    resources: list[Entry] = field(default_factory=list)  # resources, bases, components
    files: list[Entry] = field(default_factory=list)  # patches, generator inputs, crds, configurations
    # (kind, name, hashed, loc, namespace given on the generator)
    generators: list[tuple[str, str, bool, Loc, str | None]] = field(default_factory=list)
    # nameReference entries of its `configurations:` files (filled in by the graph, which has the index)
    name_refs: list[NameRef] = field(default_factory=list)

    @property
    def rel(self) -> str:
        return self.file.rel


def _kustomize_file(sf: SourceFile) -> KustomizeFile | None:
    if not sf.documents or not isinstance(sf.documents[0].data, YMap):
        return None
    data = sf.documents[0].data
    d = posixpath.dirname(sf.rel)
    ns = data.get("namespace")
    kf = KustomizeFile(sf, d, data, ns if isinstance(ns, str) and ns else None)

    def add(bucket: list[Entry], fld: str, container: Any, key: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            return
        value = value.strip()
        loc = container.loc(key) if hasattr(container, "loc") else data.loc(fld)
        target = "" if is_remote(value) else norm_path(posixpath.join(d, value))
        if target == ".." or target.startswith("../"):
            target = ""  # outside the checked tree: cannot be judged
        bucket.append(Entry(fld, value, loc, target))

    for fld in ("resources", "bases", "components"):
        seq = data.get(fld)
        if isinstance(seq, list):
            for i, v in enumerate(seq):
                add(kf.resources, fld, seq, i, v)
    for fld in ("patchesStrategicMerge", "crds", "configurations", "transformers", "generators", "validators"):
        seq = data.get(fld)
        if isinstance(seq, list):
            for i, v in enumerate(seq):
                if isinstance(v, str) and "\n" not in v and v.strip().endswith((".yaml", ".yml", ".json")):
                    add(kf.files, fld, seq, i, v)
    for fld in ("patches", "patchesJson6902"):
        seq = data.get(fld)
        if isinstance(seq, list):
            for item in seq:
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    add(kf.files, fld, item, "path", item["path"])
    options = data.get("generatorOptions")
    default_hash = not (isinstance(options, dict) and options.get("disableNameSuffixHash") is True)
    for fld, kind in (("secretGenerator", "Secret"), ("configMapGenerator", "ConfigMap")):
        seq = data.get(fld)
        if not isinstance(seq, list):
            continue
        for gen in seq:
            if not isinstance(gen, dict):
                continue
            name = gen.get("name")
            if isinstance(name, str) and name:
                opts = gen.get("options")
                hashed = default_hash
                if isinstance(opts, dict) and isinstance(opts.get("disableNameSuffixHash"), bool):
                    hashed = not opts["disableNameSuffixHash"]
                gen_ns = gen.get("namespace")
                kf.generators.append((kind, name, hashed, gen.loc("name"), gen_ns if isinstance(gen_ns, str) else None))
            for src_key in ("files", "envs", "env"):
                items = gen.get(src_key)
                items = [items] if isinstance(items, str) else items
                if not isinstance(items, list):
                    continue
                for i, v in enumerate(items):
                    if isinstance(v, str):
                        path = v.split("=", 1)[1] if "=" in v else v
                        container = gen.get(src_key) if isinstance(gen.get(src_key), list) else gen
                        key = i if isinstance(gen.get(src_key), list) else src_key
                        add(kf.files, fld, container, key, path)
    return kf


# --- Flux Kustomizations --------------------------------------------------------------------


@dataclass(eq=False)
class FluxKustomization:
    obj: K8sObject
    name: str
    namespace: str  # effective namespace (bootstrap namespace when unset)
    path: str | None  # normalised, relative to the repo root
    source: Ref | None
    local: bool  # the source is this repository
    target_namespace: str | None
    wait: bool
    health_checks: list[Ref]
    depends_on: list[Ref]
    decryption_secret: Ref | None
    applies: list[K8sObject] = field(default_factory=list)
    # directory of this repository that is the root of the source artifact, when it is not the
    # repository root (an OCIRepository pushed from `./kubernetes`, an ExternalArtifact copying it)
    source_root: str = ""

    @property
    def ref(self) -> str:
        return f"Kustomization {self.namespace}/{self.name}"

    def checks_health_of(self, kind: str, name: str, namespace: str | None) -> bool:
        return any(
            h.kind == kind and h.name == name and (h.namespace or self.namespace) == (namespace or self.namespace)
            for h in self.health_checks
        )


def _bool(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


# --- the graph ----------------------------------------------------------------------------


@dataclass(eq=False)
class KBuild:
    """One kustomize build: what a Flux Kustomization builds (its path, through Flux's generated
    kustomization when there is no kustomization.yaml, plus spec.components), or - for a tree of
    kustomization.yaml files no Flux Kustomization of the repository reaches - its topmost
    kustomization.yaml. kustomize merges the `configurations:` of every kustomization.yaml of a
    build into the top level and fixes name references over all of its resources."""

    owner: FluxKustomization | None
    root: str
    dirs: list[tuple[str, str | None]]  # kustomization.yaml directories walked, with their namespace
    objects: set[K8sObject] = field(default_factory=set)


@dataclass(eq=False)
class FluxGraph:
    index: Index
    kustomizations: list[FluxKustomization] = field(default_factory=list)
    kustomize_files: dict[str, KustomizeFile] = field(default_factory=dict)  # by directory
    applied_by: dict[K8sObject, list[FluxKustomization]] = field(default_factory=lambda: defaultdict(list))
    missing_resources: list[tuple[KustomizeFile, Entry, str]] = field(default_factory=list)
    referenced_files: set[str] = field(default_factory=set)  # files some kustomization.yaml names
    applied_files: set[str] = field(default_factory=set)
    generated: list[Any] = field(default_factory=list)  # services.Produced from generators and remote CRDs
    opaque_namespaces: set[str | None] = field(default_factory=set)
    _ns: dict[K8sObject, str | None] = field(default_factory=dict)
    _more_ns: dict[K8sObject, set[str]] = field(default_factory=lambda: defaultdict(set))
    missing_components: list[tuple[FluxKustomization, str, Loc]] = field(default_factory=list)
    _by_obj: dict[K8sObject, FluxKustomization] = field(default_factory=dict)
    _flux: dict[tuple[str, str, str], list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    _clusters: dict[K8sObject, frozenset] = field(default_factory=dict)
    _kclosure: dict[FluxKustomization, set[FluxKustomization]] = field(default_factory=dict)
    _hclosure: dict[K8sObject, set[K8sObject]] = field(default_factory=dict)
    _objects_by_file: dict[str, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # kustomization.yaml directories each Flux Kustomization walks through (for kustomize builds)
    walked: dict[FluxKustomization, list[tuple[str, str | None]]] = field(default_factory=dict)
    sorted_kdirs: list[str] = field(default_factory=list)
    sorted_yaml: list[str] = field(default_factory=list)
    sorted_dirs: list[str] = field(default_factory=list)
    preinstalled_groups: set[str] = field(default_factory=set)
    has_roots: bool = False  # some Kustomization applies itself (a bootstrapped cluster root)
    _local_paths: set[str] | None = None
    # kustomization.yaml directories kustomize builds as a whole for each Kustomization
    build_roots: dict[FluxKustomization, list[str]] = field(default_factory=dict)
    _anc: dict[K8sObject, set[FluxKustomization]] = field(default_factory=dict)
    builds: list[KBuild] = field(default_factory=list)
    _builds_by_dir: dict[str, list[KBuild]] = field(default_factory=lambda: defaultdict(list))

    # --- lookups ---
    def rewrites_name(self, gen_dir: str, kind: str, consumer: K8sObject, path: str) -> bool:
        """Whether kustomize rewrites the hashed name of a `kind` generated in `gen_dir` at `path`
        ("spec/valuesFrom/name") of `consumer`: both are in one build, and a `configurations:` file of
        that build declares the nameReference. kustomize merges the configurations of every level
        upwards (checked with `kubectl kustomize`: a configuration next to the generator, next to
        the consumer or in a parent all apply)."""
        for b in self._builds_by_dir.get(gen_dir, ()):
            if consumer not in b.objects:
                continue
            for d, _ns in b.dirs:
                kf = self.kustomize_files.get(d)
                if kf is not None and any(r.matches(kind, consumer.kind, consumer.group, path) for r in kf.name_refs):
                    return True
        return False

    def _add_build(self, build: KBuild) -> None:
        self.builds.append(build)
        for d in {d for d, _ns in build.dirs}:
            self._builds_by_dir[d].append(build)

    def namespace_of(self, obj: K8sObject) -> str | None:
        if obj.kind in CLUSTER_SCOPED:
            return None
        return self._ns.get(obj, obj.namespace)

    def namespaces_of(self, obj: K8sObject) -> list[str | None]:
        """Every namespace the object is applied in (a reused component or base can put the same
        file into several); the first is `namespace_of`."""
        first = self.namespace_of(obj)
        more = self._more_ns.get(obj)
        return [first, *sorted(more - {first})] if more and first is not None else [first]

    def kustomization(self, obj: K8sObject) -> FluxKustomization | None:
        return self._by_obj.get(obj)

    def appliers(self, obj: K8sObject) -> list[FluxKustomization]:
        return self.applied_by.get(obj, [])

    def clusters_of(self, obj: K8sObject) -> frozenset:
        got = self._clusters.get(obj)
        if got is not None:
            return got
        out: set = set()
        for k in self.appliers(obj):
            out |= self._clusters.get(k.obj, frozenset({""}))
        result = frozenset(out) or frozenset({""})
        self._clusters[obj] = result
        return result

    def resolve(self, kind: str, name: str, namespace: str | None, scope: K8sObject | None = None) -> list[K8sObject]:
        """Flux objects of this kind and name in this namespace, within the clusters of `scope`."""
        found = self._flux.get((kind, namespace or "", name), []) + (
            self._flux.get((kind, "", name), []) if namespace else []
        )
        if scope is None or not found:
            return found
        mine = self.clusters_of(scope)
        return [o for o in found if "" in mine or (self.clusters_of(o) & mine) or "" in self.clusters_of(o)]

    def depends_on_targets(self, k: FluxKustomization) -> list[tuple[Ref, list[FluxKustomization]]]:
        out = []
        for ref in k.depends_on:
            ns = ref.namespace or k.namespace
            targets = [self._by_obj[o] for o in self.resolve("Kustomization", ref.name, ns, k.obj) if o in self._by_obj]
            out.append((ref, targets))
        return out

    def kdeps(self, k: FluxKustomization) -> set[FluxKustomization]:
        """Kustomizations `k` depends on, transitively (not including itself unless in a cycle)."""
        got = self._kclosure.get(k)
        if got is not None:
            return got
        seen: set[FluxKustomization] = set()
        stack = [t for _, ts in self.depends_on_targets(k) for t in ts]
        while stack:
            cur = stack.pop()
            if cur in seen:
                continue
            seen.add(cur)
            cached = self._kclosure.get(cur)
            if cached is not None:
                seen |= cached
                continue
            stack.extend(t for _, ts in self.depends_on_targets(cur) for t in ts)
        self._kclosure[k] = seen
        return seen

    def active(self, k: FluxKustomization) -> bool:
        """False for a Kustomization that nothing applies although its file lies under the path
        of a Kustomization of this repository (e.g. its ks.yaml is commented out of the parent's
        kustomization.yaml): it is never created, so it needs nothing."""
        if self.appliers(k.obj):
            return True
        paths = self._local_paths
        if paths is None:
            paths = self._local_paths = {x.path for x in self.kustomizations if x.local and x.path is not None}
        d = k.obj.file.rel
        while "/" in d:
            d = d.rsplit("/", 1)[0]
            if d in paths:
                return False
        return "" not in paths

    def effective_deps(self, k: FluxKustomization) -> set[FluxKustomization]:
        """What is Ready before `k` reconciles: its own dependsOn closure, and that of every
        Kustomization applying it (a child object is only created once its parent runs)."""
        out = set(self.kdeps(k))
        for a in self.ancestors(k.obj):
            if a is not k:
                out |= self.kdeps(a)
        return out

    def helm_depends_on(self, hr: K8sObject) -> list[tuple[Ref, list[K8sObject]]]:
        ns = self.namespace_of(hr)
        out = []
        for ref in refs_of(hr, "spec", "dependsOn", kind="HelmRelease"):
            out.append((ref, self.resolve("HelmRelease", ref.name, ref.namespace or ns, hr)))
        return out

    def hdeps(self, hr: K8sObject) -> set[K8sObject]:
        got = self._hclosure.get(hr)
        if got is not None:
            return got
        seen: set[K8sObject] = set()
        stack = [t for _, ts in self.helm_depends_on(hr) for t in ts]
        while stack:
            cur = stack.pop()
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(t for _, ts in self.helm_depends_on(cur) for t in ts)
        self._hclosure[hr] = seen
        return seen

    def ancestors(self, obj: K8sObject) -> set[FluxKustomization]:
        """Kustomizations that apply `obj`, directly or by applying its applier."""
        got = self._anc.get(obj)
        if got is not None:
            return got
        seen: set[FluxKustomization] = set()
        stack = list(self.appliers(obj))
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            stack.extend(self.appliers(k.obj))
        self._anc[obj] = seen
        return seen

    def objects_in(self, rel: str) -> list[K8sObject]:
        return self._objects_by_file.get(rel, [])


def _ref(container: Any, key: str, kind_default: str) -> Ref | None:
    node = container.get(key) if isinstance(container, dict) else None
    if not isinstance(node, dict):
        return None
    name = node.get("name")
    if not isinstance(name, str) or not name:
        return None
    kind = node.get("kind") if isinstance(node.get("kind"), str) else kind_default
    ns = node.get("namespace") if isinstance(node.get("namespace"), str) else None
    return Ref(kind, name, ns, node.loc("name") if isinstance(node, YMap) else container.loc(key))


def _flux_kustomization(obj: K8sObject) -> FluxKustomization:
    spec = obj.spec
    path = spec.get("path")
    health = refs_of(obj, "spec", "healthChecks", kind="")
    decryption = spec.get("decryption")
    secret = _ref(decryption, "secretRef", "Secret") if isinstance(decryption, dict) else None
    target = spec.get("targetNamespace")
    return FluxKustomization(
        obj=obj,
        name=obj.name,
        namespace=obj.namespace or BOOTSTRAP_NAMESPACE,
        path=norm_path(path) if isinstance(path, str) else ("" if path is None else None),
        source=_ref(spec, "sourceRef", "GitRepository"),
        local=False,
        target_namespace=target if isinstance(target, str) and target else None,
        wait=_bool(spec.get("wait")),
        health_checks=health,
        depends_on=refs_of(obj, "spec", "dependsOn", kind="Kustomization"),
        decryption_secret=secret,
    )


def _local_sources(index: Index) -> set[tuple[str, str]] | None:
    """(namespace, name) of GitRepositories that are this repository; None = any unknown one."""
    repos = index.of_kind("GitRepository", group=SOURCE_GROUP)
    own_urls = {
        str(o.get("spec", "url"))
        for o in repos
        if o.name == BOOTSTRAP_NAMESPACE and (o.namespace or BOOTSTRAP_NAMESPACE) == BOOTSTRAP_NAMESPACE
    }
    local = set()
    for o in repos:
        ns = o.namespace or BOOTSTRAP_NAMESPACE
        if o.name == BOOTSTRAP_NAMESPACE or str(o.get("spec", "url")) in own_urls:
            local.add((ns, o.name))
    return local


@memoised
def flux_graph(index: Index) -> FluxGraph:
    from obslint.model.services import Produced  # local import: services imports this module lazily

    g = FluxGraph(index)
    for obj in index.objects:
        g._objects_by_file[obj.file.rel].append(obj)
    for sf in index.files:
        if posixpath.basename(sf.rel) in KUSTOMIZATION_FILES and sf.kind in ("yaml", "other"):
            kf = _kustomize_file(sf)
            if kf is not None and kf.dir not in g.kustomize_files:
                g.kustomize_files[kf.dir] = kf
    for kf in g.kustomize_files.values():
        for e in kf.files:
            if e.field == "configurations" and e.target:
                conf = index.file(e.target)
                for doc in conf.documents if conf is not None else ():
                    kf.name_refs.extend(_name_refs(doc.data))
    g.sorted_kdirs = sorted(g.kustomize_files)
    g.sorted_dirs = sorted(index.tree.dirs)
    g.sorted_yaml = sorted(sf.rel for sf in index.files if sf.kind == "yaml")
    for kf in g.kustomize_files.values():
        for e in kf.resources + kf.files:
            if not e.target:
                continue
            g.referenced_files.add(e.target)
            if e in kf.resources and index.is_dir(e.target):
                if e.target not in g.kustomize_files:
                    g.missing_resources.append((kf, e, "is a directory without a kustomization.yaml"))
            elif not index.exists(e.target):
                g.missing_resources.append((kf, e, "does not exist"))
    local = _local_sources(index)
    defined_repos = {
        (o.namespace or BOOTSTRAP_NAMESPACE, o.name) for o in index.of_kind("GitRepository", group=SOURCE_GROUP)
    }
    for obj in index.of_kind("Kustomization", group=KUSTOMIZE_GROUP):
        k = _flux_kustomization(obj)
        src = k.source
        if src is not None and src.kind == "GitRepository":
            key = (src.namespace or k.namespace, src.name)
            k.local = key in (local or set()) or key not in defined_repos
        g.kustomizations.append(k)
        g._by_obj[obj] = k
    _resolve_artifact_sources(index, g, local or set(), defined_repos)

    # placement
    for k in g.kustomizations:
        if not k.local or k.path is None:
            if not k.local and k.target_namespace:
                g.opaque_namespaces.add(k.target_namespace)
            continue
        if not index.exists(k.path) or not index.is_dir(k.path):
            continue
        _place(g, k)
        g._add_build(KBuild(k, k.path, g.walked[k], set(k.applies)))
    _place_unreached(g)

    # effective namespaces of Flux objects, then the by-name table
    for k in g.kustomizations:
        k.namespace = g.namespace_of(k.obj) or BOOTSTRAP_NAMESPACE
    for group in (KUSTOMIZE_GROUP, SOURCE_GROUP, HELMRELEASE_GROUP, NOTIFICATION_GROUP):
        for obj in index.objects:
            if obj.group == group:
                for ns in g.namespaces_of(obj):
                    g._flux[(obj.kind, ns or "", obj.name)].append(obj)

    # clusters: self-applying roots name a cluster; everything else inherits from its appliers
    for k in g.kustomizations:
        anc = g.ancestors(k.obj)
        roots = {a.obj for a in anc | {k} if a in g.ancestors(a.obj)}
        g.has_roots = g.has_roots or bool(roots)
        g._clusters[k.obj] = frozenset(roots) or frozenset({""})

    # generated Secrets/ConfigMaps and remote CRDs, namespaced by the Kustomizations that walk them
    from obslint.model.services import REMOTE_CRD_PATTERNS

    for k, dirs in g.walked.items():
        for d, ns in dirs:
            kf = g.kustomize_files.get(d)
            if kf is None:
                continue
            for kind, name, hashed, loc, gen_ns in kf.generators:
                where = k.target_namespace or ns or gen_ns
                g.generated.append(Produced((kind, where or "", name), k.obj, "generator", loc, hashed))
            for e in kf.resources:
                if not e.target:
                    for pattern, kinds in REMOTE_CRD_PATTERNS:
                        if pattern.search(e.value):
                            g.generated.extend(Produced(("Kind", *gk), k.obj, "remote", e.loc) for gk in kinds)
                    g.opaque_namespaces.add(k.target_namespace or ns)
    # generators of kustomize files no Flux Kustomization reaches (e.g. no Flux objects at all),
    # namespaced by the kustomization.yaml tree they are built in
    walked_dirs = {d for dirs in g.walked.values() for d, _ in dirs}
    unreached: list[tuple[str, str | None]] = [
        x for b in g.builds if b.owner is None for x in b.dirs if x[0] not in walked_dirs
    ]
    seen_dirs = {d for d, _ in unreached}
    unreached += [(d, kf.namespace) for d, kf in g.kustomize_files.items() if d not in walked_dirs | seen_dirs]
    for d, ns in unreached:
        kf = g.kustomize_files[d]
        owner = _owner(g, kf)
        for kind, name, hashed, loc, gen_ns in kf.generators if owner is not None else ():
            where = ns or gen_ns
            g.generated.append(Produced((kind, where or "", name), owner, "generator", loc, hashed))
    return g


def _resolve_artifact_sources(
    index: Index, g: FluxGraph, local_git: set[tuple[str, str]], defined_git: set[tuple[str, str]]
) -> None:
    """Kustomizations whose source may be this repository packaged as an artifact: an
    OCIRepository that is the bootstrap one (named flux-system, its URL, or not defined in the
    repository), or an ExternalArtifact that an ArtifactGenerator copies from such a source (or
    that no ArtifactGenerator of the repository defines). Their `spec.path` is relative to the
    artifact, whose root may be a sub-directory of the repository (`flux push artifact
    --path=./kubernetes`): the path is placed when it is a directory of the repository, or the end
    of exactly one (ties broken by the root the other Kustomizations of the same source use).
    One that does not resolve stays unplaced, as for a foreign source (nothing is reported missing)."""
    oci = {(o.namespace or BOOTSTRAP_NAMESPACE, o.name): o for o in index.of_kind("OCIRepository", group=SOURCE_GROUP)}
    own_urls = {str(o.get("spec", "url")) for (ns, name), o in oci.items() if (ns, name) == ("flux-system",) * 2}

    def this_repo(kind: Any, ns: str, name: str) -> bool:
        if kind == "GitRepository":
            return (ns, name) in local_git or (ns, name) not in defined_git
        if kind == "OCIRepository":
            o = oci.get((ns, name))
            return o is None or name == BOOTSTRAP_NAMESPACE or str(o.get("spec", "url")) in own_urls
        return False

    artifacts: dict[tuple[str, str], tuple[K8sObject, YMap]] = {}
    for gen in index.of_kind("ArtifactGenerator", group=ARTIFACT_GROUP):
        items = gen.spec.get("artifacts")
        for a in items if isinstance(items, list) else ():
            if isinstance(a, YMap) and isinstance(a.get("name"), str):
                artifacts.setdefault((gen.namespace or BOOTSTRAP_NAMESPACE, a["name"]), (gen, a))

    pending: list[tuple[FluxKustomization, str, tuple]] = []
    for k in g.kustomizations:
        src = k.source
        if src is None or k.local or k.path is None:
            continue
        ns = src.namespace or k.namespace
        if src.kind == "OCIRepository" and this_repo(src.kind, ns, src.name):
            pending.append((k, k.path, (src.kind, ns, src.name)))
        elif src.kind == "ExternalArtifact":
            made = artifacts.get((ns, src.name))
            if made is None:
                pending.append((k, k.path, (src.kind, ns, src.name)))
                continue
            mapped = _through_generator(made[0], made[1], k.path)
            if mapped is not None and this_repo(*mapped[1]):
                pending.append((k, mapped[0], mapped[1]))
    pending = [p for p in pending if p[1]]  # an artifact root ("./") cannot be told apart
    if not pending:
        return
    wanted = {path for _, path, _ in pending}
    prefixes: dict[str, list[str]] = defaultdict(list)  # path -> repository prefixes it is under
    for d in sorted(index.tree.dirs):
        parts = d.split("/")
        for i in range(len(parts)):
            tail = "/".join(parts[i:])
            if tail in wanted:
                prefixes[tail].append("/".join(parts[:i]))
    votes: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _k, path, key in pending:
        if len(prefixes.get(path, ())) == 1:
            votes[key][prefixes[path][0]] += 1
    for k, path, key in pending:
        found = prefixes.get(path, [])
        if "" in found:
            root = ""
        elif len(found) == 1:
            root = found[0]
        else:
            ranked = sorted(found, key=lambda p: -votes[key].get(p, 0))
            if (
                not ranked
                or not votes[key].get(ranked[0])
                or (len(ranked) > 1 and votes[key].get(ranked[0]) == votes[key].get(ranked[1]))
            ):
                continue
            root = ranked[0]
        k.local = True
        k.source_root = root
        k.path = f"{root}/{path}" if root else path


def _through_generator(gen: K8sObject, artifact: YMap, path: str) -> tuple[str, tuple] | None:
    """(path in the source, (kind, namespace, name) of the source) for `path` of an ArtifactGenerator
    artifact, from a directory `copy` entry (`from: "@alias/dir/"` or `"@alias/dir/**"` to
    `"@artifact/dest/"`). Globs on file names, and single-file copies, are not followed."""
    sources: dict[str, tuple] = {}
    items = gen.spec.get("sources")
    for src in items if isinstance(items, list) else ():
        if isinstance(src, dict) and isinstance(src.get("alias"), str) and isinstance(src.get("name"), str):
            ns = src.get("namespace") if isinstance(src.get("namespace"), str) else None
            sources[src["alias"]] = (src.get("kind"), ns or gen.namespace or BOOTSTRAP_NAMESPACE, src["name"])
    copies = artifact.get("copy")
    for c in copies if isinstance(copies, list) else ():
        if not isinstance(c, dict) or not isinstance(c.get("from"), str) or not isinstance(c.get("to"), str):
            continue
        frm, to = c["from"].strip(), c["to"].strip()
        if not frm.startswith("@") or not to.startswith("@artifact"):
            continue
        alias, _, inner = frm[1:].partition("/")
        if alias not in sources:
            continue
        if inner.endswith("/**"):
            inner = inner[:-3]
        elif not inner.endswith("/") and inner:
            continue  # a file or a glob: not a directory copy
        if any(ch in inner for ch in "*?["):
            continue
        src_dir = norm_path(inner)
        dest = norm_path(to[len("@artifact") :])
        if dest and path != dest and not path.startswith(dest + "/"):
            continue
        rest = path[len(dest) :].lstrip("/") if dest else path
        return norm_path(posixpath.join(src_dir, rest)) if src_dir or rest else "", sources[alias]
    return None


def _place_unreached(g: FluxGraph) -> None:
    """Namespaces of objects no Flux Kustomization places, from the kustomization.yaml tree they
    are built in: kustomize sets the `namespace:` of the outermost kustomization.yaml on every
    resource (e.g. a Flux Kustomization whose source is not this repository, or one left out of
    the checked tree, still applies a directory whose kustomization.yaml says `namespace: x`).

    Each topmost kustomization.yaml that no Flux Kustomization walks and no other kustomization.yaml
    includes is one build; objects already placed by Flux keep their placement."""
    walked_dirs = {d for dirs in g.walked.values() for d, _ in dirs}
    included = {e.target for kf in g.kustomize_files.values() for e in kf.resources if e.target}
    for root in g.sorted_kdirs:
        if root in walked_dirs or root in included:
            continue
        build = KBuild(None, root, [])
        visited: set[str] = set()

        def visit(d: str, outer_ns: str | None, build: KBuild = build, visited: set[str] = visited) -> None:
            kf = g.kustomize_files[d]
            ns = outer_ns or kf.namespace
            if f"{d}\0{ns}" in visited:
                return
            visited.add(f"{d}\0{ns}")
            build.dirs.append((d, ns))
            for e in kf.resources:
                if not e.target:
                    continue
                if e.target in g.kustomize_files:
                    visit(e.target, ns)
                    continue
                for obj in g.objects_in(e.target):
                    build.objects.add(obj)
                    if obj in g.applied_by:
                        continue  # placed by a Flux Kustomization
                    eff = None if obj.kind in CLUSTER_SCOPED else (ns or obj.namespace)
                    if obj not in g._ns:
                        g._ns[obj] = eff
                    elif eff != g._ns[obj] and eff is not None:
                        g._more_ns[obj].add(eff)

        visit(root, None)
        g._add_build(build)


def _owner(g: FluxGraph, kf: KustomizeFile) -> K8sObject | None:
    """Some object of a kustomize file's own resources, to stand for it as a producer."""
    for e in kf.resources:
        for obj in g.objects_in(e.target):
            return obj
    return None


def _place(g: FluxGraph, k: FluxKustomization) -> None:
    index = g.index
    visited: set[str] = set()
    walked: list[tuple[str, str | None]] = []
    target = k.target_namespace

    def assign(obj: K8sObject, ns: str | None) -> None:
        g.applied_by[obj].append(k)
        k.applies.append(obj)
        eff = None if obj.kind in CLUSTER_SCOPED else (target or ns or obj.namespace)
        if obj not in g._ns:
            g._ns[obj] = eff
        elif eff != g._ns[obj] and eff is not None:
            # the same file reached again with another namespace (a component or base reused)
            g._more_ns[obj].add(eff)

    def apply_file(rel: str, ns: str | None) -> None:
        g.applied_files.add(rel)
        for obj in g.objects_in(rel):
            assign(obj, ns)

    def visit_kustomize(d: str, outer_ns: str | None) -> None:
        kf = g.kustomize_files[d]
        ns = outer_ns or kf.namespace
        key = f"{d}\0{ns}"
        if key in visited:
            return
        visited.add(key)
        walked.append((d, ns))
        g.applied_files.add(kf.rel)
        for e in kf.resources:
            if not e.target:
                continue
            if e.target in g.kustomize_files:
                visit_kustomize(e.target, ns)
            elif index.exists(e.target) and not index.is_dir(e.target):
                apply_file(e.target, ns)

    def visit_dir(d: str) -> None:
        if d in g.kustomize_files:
            roots.append(d)
            visit_kustomize(d, None)
            return
        # Flux's generated kustomization: every manifest below, the topmost sub-directories with
        # their own kustomization.yaml taken as a whole.
        prefix = f"{d}/" if d else ""
        subs = [x for x in _below(g.sorted_kdirs, prefix) if x != d]
        taken: list[str] = []
        for sub in subs:  # sorted, so a nested directory follows its parent
            if taken and sub.startswith(taken[-1] + "/"):
                continue
            taken.append(sub)
            roots.append(sub)
            visit_kustomize(sub, None)
        covered = tuple(f"{x}/" for x in taken)
        for rel in _below(g.sorted_yaml, prefix):
            if not covered or not rel.startswith(covered):
                apply_file(rel, None)

    roots: list[str] = []
    visit_dir(k.path or "")
    # spec.components: kustomize components relative to spec.path, added to the generated build
    comps = k.obj.spec.get("components")
    for i, entry in enumerate(comps if isinstance(comps, list) else ()):
        if not isinstance(entry, str) or is_remote(entry):
            continue
        d = norm_path(posixpath.join(k.path or "", entry))
        if d in g.kustomize_files:
            visit_kustomize(d, None)
        elif not d.startswith(".."):
            g.missing_components.append((k, entry, comps.loc(i) if hasattr(comps, "loc") else k.obj.loc("spec")))
    g.walked[k] = walked
    g.build_roots[k] = roots


def _below(sorted_items: list[str], prefix: str) -> list[str]:
    """Items of a sorted list that start with prefix (bisect, not a scan)."""
    if not prefix:
        return sorted_items
    i = bisect.bisect_left(sorted_items, prefix)
    out = []
    while i < len(sorted_items) and sorted_items[i].startswith(prefix):
        out.append(sorted_items[i])
        i += 1
    return out


__all__ = [
    "FluxGraph",
    "FluxKustomization",
    "KustomizeFile",
    "Ref",
    "dig",
]


# --- needs: what each Kustomization / HelmRelease uses that another one creates ----------------

# Endpoints that ship data (logs, metrics, traces): a shipper started before its sink drops data.
PUSH_PATH_RE = re.compile(
    r"/(?:loki/api/v1/push|api/v1/push|api/v1/write|api/v1/otlp|otlp|v1/(?:logs|metrics|traces))\b"
)
URL_RE = re.compile(r"""(?:[a-z][a-z0-9+.-]*://)[^\s"'`<>{}()\[\],;|\\]+""", re.I)


@dataclass(eq=False)
class Producer:
    """Who creates a needed thing: a manifest applied by Kustomizations, or a HelmRelease's chart."""

    obj: K8sObject
    release: K8sObject | None  # set when a chart creates it (asynchronously, after the apply)
    kustomizations: list[FluxKustomization]  # applying obj (or the release)
    description: str


@dataclass(eq=False)
class Need:
    consumer: FluxKustomization | None  # the Kustomization that applies the subject
    release: K8sObject | None  # the HelmRelease that needs it (None: the apply itself needs it)
    subject: K8sObject
    what: str
    loc: Loc
    producers: list[Producer]
    others: int = 0  # more subjects of the same consumer needing the same thing
    key: tuple = ()  # ("kind", group, kind) | ("ns", namespace) | ()


@dataclass(eq=False)
class Verdict:
    need: Need
    ok: bool
    # when not ok: ("Kustomization", consumer, producer-kustomization) or ("HelmRelease", release, producer-release)
    fix: tuple[str, Any, Any] | None = None
    producer: Producer | None = None
    # when ok only through a Kustomization dependsOn chain onto a HelmRelease's chart: (consumer, KP, release)
    unwaited: list[tuple[FluxKustomization, FluxKustomization, K8sObject]] = field(default_factory=list)


def _producers(g: FluxGraph, produced: Iterable[Any]) -> list[Producer]:
    out = []
    for p in produced:
        if p.via in ("chart", "createNamespace"):
            out.append(Producer(p.obj, p.obj, g.appliers(p.obj), f"HelmRelease {_nsname(g, p.obj)} ({p.via})"))
        elif p.via in ("generator", "remote") and p.obj in g._by_obj:
            k = g._by_obj[p.obj]
            out.append(Producer(p.obj, None, [k], f"{p.via} in {k.ref}"))
        else:
            out.append(Producer(p.obj, None, g.appliers(p.obj), f"{p.obj.kind} {_nsname(g, p.obj)}"))
    return out


def _nsname(g: FluxGraph, obj: K8sObject) -> str:
    ns = g.namespace_of(obj)
    return f"{ns}/{obj.name}" if ns else obj.name


def _needs(index: Index, g: FluxGraph) -> list[Need]:
    from obslint.model.services import CLUSTER_NAMESPACES, is_builtin_group, resolve_url

    cat = catalogue(index)
    needs: list[Need] = []
    seen: dict[tuple, Need] = {}

    def add(consumer, release, subject, what, loc, produced, key=None) -> None:
        producers = [
            p for p in _producers(g, produced) if p.obj is not subject and (release is None or p.release is not release)
        ]
        if not producers:
            return
        if key is not None and key in seen:
            seen[key].others += 1
            return
        need = Need(consumer, release, subject, what, loc, producers, key=key[1:] if key else ())
        if key is not None:
            seen[key] = need
        needs.append(need)

    releases = {r.obj: r for r in helm_releases(index)}
    pairs: list[tuple[FluxKustomization | None, K8sObject]] = [
        (k, o) for k in g.kustomizations if g.active(k) for o in k.applies
    ]
    pairs.extend((None, r) for r in releases if not g.appliers(r))
    for k, obj in pairs:
        group = obj.group
        if k is not None and not is_builtin_group(group):
            add(
                k,
                None,
                obj,
                f"kind {obj.kind} ({group})",
                obj.loc("kind"),
                cat.kind(group, obj.kind),
                key=(k, "kind", group, obj.kind),
            )
        ns = g.namespace_of(obj)
        if k is not None and ns and ns not in CLUSTER_NAMESPACES and obj.kind != "Namespace":
            add(k, None, obj, f"namespace {ns}", obj.loc("metadata"), cat.namespace(ns), key=(k, "ns", ns))
        if obj.kind == "Kustomization" and obj in g._by_obj:
            child = g._by_obj[obj]
            if child.decryption_secret is not None:
                name = child.decryption_secret.name
                produced = [p for p in cat.config("Secret", child.namespace, name) if p.obj not in child.applies]
                add(
                    child,
                    None,
                    obj,
                    f"Secret {child.namespace}/{name} (decryption)",
                    child.decryption_secret.loc,
                    produced,
                )
            if child.source is not None and child.source.kind in ("GitRepository", "OCIRepository", "Bucket"):
                src = g.resolve(child.source.kind, child.source.name, child.source.namespace or child.namespace, obj)
                add(
                    child,
                    None,
                    obj,
                    f"{child.source.kind} {child.source.namespace or child.namespace}/{child.source.name}",
                    child.source.loc,
                    [_Manifest(s) for s in src],
                )
        rel = releases.get(obj)
        if rel is None:
            continue
        src = rel.source_ref
        if src is not None:
            found = g.resolve(src.kind, src.name, src.namespace or ns, obj)
            add(k, obj, obj, f"{src.kind} {src.namespace or ns}/{src.name}", src.loc, [_Manifest(s) for s in found])
        for ref in rel.values_from:
            if ref.kind not in ("Secret", "ConfigMap") or ref.optional:
                continue
            add(k, obj, obj, f"{ref.kind} {ns}/{ref.name} (valuesFrom)", ref.loc, cat.config(ref.kind, ns, ref.name))
        for url, loc in _urls(rel.values):
            if not PUSH_PATH_RE.search(url):
                continue  # a UI or query endpoint used later is not a deploy-order dependency
            for entry in resolve_url(index, url, from_namespace=ns):
                if entry.obj is obj:
                    continue
                via = "chart" if entry.obj.kind == "HelmRelease" else "manifest"
                add(
                    k,
                    obj,
                    obj,
                    f"Service {entry.name}.{entry.namespace} ({url.split('?')[0]})",
                    loc,
                    [_Manifest(entry.obj, via)],
                    key=(obj, "svc", entry.obj),
                )
    return needs


@dataclass(frozen=True)
class _Manifest:
    """A producer record for a Flux source or a Service (same shape as services.Produced)."""

    obj: K8sObject
    via: str = "manifest"


def _urls(values: Any) -> Iterable[tuple[str, Loc]]:
    from obslint.index import walk_strings

    if not isinstance(values, dict):
        return
    for _path, container, key in walk_strings(values):
        value = container[key]
        if not isinstance(value, str) or "://" not in value:
            continue
        if not hasattr(container, "loc"):
            continue
        source = EmbeddedSource.from_value(container, key) if "\n" in value else None
        for m in URL_RE.finditer(value):
            loc = container.loc(key)
            if source is not None and source.text == value:
                before = value[: m.start()]
                line = before.count("\n") + 1
                col = m.start() - (before.rfind("\n") + 1) + 1
                loc = source.loc(line, col)
            yield m.group(0), loc


def _judge(g: FluxGraph, need: Need) -> Verdict:
    kc = need.consumer
    first_fix: tuple[str, Any, Any] | None = None
    first_producer: Producer | None = None
    unwaited: list[tuple[FluxKustomization, FluxKustomization, K8sObject]] = []
    deps = g.effective_deps(kc) if kc is not None else set()
    ancestors = g.ancestors(kc.obj) if kc is not None else set()
    for p in need.producers:
        if not p.kustomizations and kc is not None:
            return Verdict(need, True)  # producer not applied by anything we can see: cannot judge
        if need.key and need.key[0] == "ns" and kc is not None and kc.namespace == need.key[1]:
            return Verdict(need, True)  # the Kustomization object itself lives there: it exists
        if need.key and need.key[0] == "kind" and need.key[1] in g.preinstalled_groups:
            return Verdict(need, True)
        if p.release is not None:
            if need.release is not None and (p.release is need.release or p.release in g.hdeps(need.release)):
                return Verdict(need, True)
            reached = [kp for kp in p.kustomizations if kp in deps]
            if reached:
                unwaited.extend(
                    (kc, kp, p.release)
                    for kp in reached
                    if not kp.wait and not kp.checks_health_of("HelmRelease", p.release.name, g.namespace_of(p.release))
                )
                return Verdict(need, True, unwaited=unwaited)
            same = kc in p.kustomizations or (kc is None and not p.kustomizations)
            if first_fix is None:
                first_producer = p
                if same and need.release is not None:
                    first_fix = ("HelmRelease", need.release, p.release)
                elif p.kustomizations and kc is not None:
                    first_fix = ("Kustomization", kc, p.kustomizations[0])
        else:
            if kc is None or any(kp is kc or kp in deps or kp in ancestors for kp in p.kustomizations):
                return Verdict(need, True)
            if first_fix is None and p.kustomizations:
                first_producer = p
                first_fix = ("Kustomization", kc, p.kustomizations[0])
    if first_fix is None:
        return Verdict(need, True)
    return Verdict(need, False, first_fix, first_producer)


@memoised
def flux_needs(index: Index) -> list[Verdict]:
    g: FluxGraph = flux_graph(index)
    _detect_preinstalled(index, g)
    return [_judge(g, n) for n in _needs(index, g)]


def _detect_preinstalled(index: Index, g: FluxGraph) -> None:
    """API groups whose CRDs the repository must install before Flux runs.

    A Kustomization that applies a chart's HelmRelease together with custom resources of the
    kinds that chart installs can only succeed when those CRDs already exist (the dry-run of the
    apply rejects unknown kinds), so a repository that does this - and deploys - installs them out
    of band (a bootstrap script, a CRD-only chart run by hand). Kinds of those groups are then
    not dependencies to order."""
    cat = catalogue(index)
    chart_groups: dict[K8sObject, set[str]] = defaultdict(set)
    for (group, _kind), prods in cat.kinds.items():
        for p in prods:
            if p.via == "chart":
                chart_groups[p.obj].add(group)
    if not chart_groups:
        return
    for k in g.kustomizations:
        here = {o.group for o in k.applies}
        for o in k.applies:
            for group in sorted(chart_groups.get(o, set()) & here):
                if group not in g.preinstalled_groups:
                    g.preinstalled_groups.add(group)
                    index.notice(
                        f"{k.ref} applies HelmRelease {o.name} together with {group} resources, so the {group} "
                        "CRDs are taken as installed before Flux runs (missing-depends-on does not order them)"
                    )
