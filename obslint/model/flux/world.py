"""Render the repository as the controllers would apply it, cluster by cluster.

Starting from each cluster root (see clusters.py), every Flux Kustomization whose source is this
repository is built (build.py) and its objects rendered as kustomize-controller applies them
(fluxcd/kustomize-controller internal/controller/kustomization_controller.go, `build`):

1. kustomize builds `spec.path` with the Kustomization's `spec.components`, `spec.patches`,
   `namePrefix`/`nameSuffix`, `targetNamespace` and `commonMetadata` added to the generated
   kustomization (fluxcd/pkg kustomize/kustomize_generator.go);
2. postBuild substitution runs over every object (fluxcd/pkg kustomize/kustomize_varsub.go), with
   variables from `postBuild.substituteFrom` ConfigMaps/Secrets of the Kustomization's namespace in
   the same cluster, then the inline `postBuild.substitute`.

Child Kustomizations are objects of their parent's build, so the parent's patches, namespace and
variables reach their spec (`sourceRef`, `decryption`, `path`, `dependsOn`...) before they are
read. A Kustomization waits for the ConfigMaps/Secrets its substitution reads (and for the source
it names) to be rendered by another Kustomization of its cluster; what never turns up is unknown.

Objects of a repository that defines clusters but that no cluster applies are `unapplied`: they
are not linted object by object. A repository that defines no cluster (a tree of kustomize
overlays consumed by another repository, a plain directory of manifests) is linted as one world
without a cluster, each object in the namespace its kustomization.yaml tree gives it.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict, deque
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from obslint.exhausted import contained
from obslint.kustomize.resourceset import expand_resourceset
from obslint.kustomize.substitute import Vars, postbuild_vars, substitute_object
from obslint.load import YMap, YSeq
from obslint.model.bootstrap_helmfile import helmfile_charts
from obslint.model.flux.build import Builder, Item, transform
from obslint.model.flux.clusters import Root, Sync, find_roots, top_level_groups
from obslint.model.flux.graph import FluxGraph
from obslint.model.flux.kinds import (
    ARTIFACT_GROUP,
    BOOTSTRAP_NAMESPACE,
    CLUSTER_SCOPED,
    FLUX_GROUPS,
    KUSTOMIZATION_FILES,
    KUSTOMIZE_GROUP,
    OPERATOR_GROUP,
    SOURCE_GROUP,
    inside,
    is_remote,
    norm_path,
)
from obslint.model.flux.kustomization import FluxKustomization, read_kustomization
from obslint.model.flux.kustomize_files import (
    GENERATOR_FIELDS,
    Entry,
    KustomizeFile,
    PatchSpec,
    name_refs,
    read_kustomize_file,
)
from obslint.model.flux.patching import patch_items
from obslint.model.flux.sources import artifact_dirs, artifact_root, in_artifact, normal_url, through_generator
from obslint.model.flux.transformers import apply_transformer
from obslint.objects import Cluster, K8sObject, Ref, dig

if TYPE_CHECKING:
    from obslint.index import Index

# How many times a Kustomization may wait for its substitution variables or its source to be
# rendered by another Kustomization of its cluster before it is placed without them.
_MAX_WAIT = 3


class _World:
    def __init__(self, index: Index):
        self.index = index
        kfiles: dict[str, KustomizeFile] = {}
        for sf in index.files:
            if posixpath.basename(sf.rel) in KUSTOMIZATION_FILES and sf.kind in ("yaml", "other"):
                kf = read_kustomize_file(sf)
                if kf is not None and kf.dir not in kfiles:
                    kfiles[kf.dir] = kf
        by_file: dict[str, list[K8sObject]] = defaultdict(list)
        for obj in index.written:
            by_file[obj.file.rel].append(obj)
        self.builder = Builder(
            kfiles,
            by_file,
            sorted(kfiles),
            sorted(
                sf.rel
                for sf in index.files
                if sf.kind == "yaml" and posixpath.basename(sf.rel) not in KUSTOMIZATION_FILES
            ),
            index.tree.dirs,
            index.tree.paths,
            patcher=lambda items, specs: patch_items(index, items, specs)[0],
            read_text=self._read_text,
            transformer=lambda items, config: contained(
                index.over_limit, "this transformer", None, lambda: apply_transformer(items, config)
            ),
            read_inline=self._read_inline,
            over_limit=index.over_limit,
        )
        g = self.g = FluxGraph(index, self.builder, kustomize_files=kfiles)
        g._objects_by_file = by_file
        g.sorted_kdirs = self.builder.sorted_kdirs
        g.sorted_yaml = self.builder.sorted_yaml
        g.sorted_dirs = sorted(index.tree.dirs)
        self.by_kind: dict[str, list[K8sObject]] = defaultdict(list)
        for obj in index.written:
            self.by_kind[obj.kind].append(obj)
        self.roots: list[Root] = []
        self.queue: deque[tuple[FluxKustomization, int]] = deque()
        self.instances: dict[tuple, FluxKustomization] = {}
        self.seen: dict[tuple, K8sObject] = {}  # (cluster, written, kind, ns, name) -> rendered
        self.own_urls: set[str] = set()
        self.source_roots: dict[tuple, str] = {}
        self.artifacts: dict[tuple[str, str], tuple[K8sObject, YMap]] = {}
        for gen in self.by_kind.get("ArtifactGenerator", ()):
            if gen.group != ARTIFACT_GROUP:
                continue
            items = gen.spec.get("artifacts")
            for a in items if isinstance(items, list) else ():
                if isinstance(a, YMap) and isinstance(a.get("name"), str):
                    self.artifacts.setdefault((gen.namespace or BOOTSTRAP_NAMESPACE, a["name"]), (gen, a))

    # --- files ---
    def _read_text(self, rel: str) -> str | None:
        sf = self.index.file(rel)
        if sf is not None:
            return sf.text
        from obslint.model.sops import read_other

        return read_other(self.index, rel)

    def _read_inline(self, container: Any, key: Any) -> list[Any]:
        parsed = self.index.embedded_yaml(container, key, "transformer")
        return list(parsed.documents) if parsed is not None and not parsed.problems else []

    def _read_yaml(self, rel: str) -> Any:
        sf = self.index.file(rel)
        return sf.documents[0].data if sf is not None and sf.documents else None

    # --- the walk ---
    def run(self, roots: list[Root] | None = None) -> FluxGraph:
        g = self.g
        for kf in g.kustomize_files.values():
            for e in kf.files:
                if e.field == "configurations" and e.target:
                    kf.name_refs.extend(name_refs(self._read_yaml(e.target)))
        if roots is None:
            roots = find_roots(self.by_kind, self.builder, g.kustomize_files.get, self._read_yaml)
        self.roots = roots
        for root in roots:
            self._own_url(root)
        for root in roots:
            self._add_root(root)
        self._drain()
        if not roots:
            self._top_level()
            self._drain()
        self._finish()
        return g

    def _own_url(self, root: Root) -> None:
        if root.sync is not None:
            self.own_urls.add(normal_url(root.sync.url))
            return
        src = root.kustomization.spec.get("sourceRef") if root.kustomization is not None else None
        name = src.get("name") if isinstance(src, dict) else None
        for kind in ("GitRepository", "OCIRepository"):
            for obj in self.by_kind.get(kind, ()):
                if obj.name == name and obj.file.rel == root.defined_by.file.rel:
                    self.own_urls.add(normal_url(obj.get("spec", "url")))

    def _add_root(self, root: Root) -> None:
        cluster = root.cluster
        if cluster not in self.g.clusters:
            self.g.clusters.append(cluster)
        src = root.sync or (root.kustomization.spec.get("sourceRef") if root.kustomization is not None else None)
        if root.source_root and src is not None:
            # the other Kustomizations of the root's source resolve their paths under the same directory
            if isinstance(src, dict):
                ns = src.get("namespace") or root.kustomization.namespace or BOOTSTRAP_NAMESPACE
                key = (cluster, src.get("kind"), ns, src.get("name"))
            else:
                key = (cluster, src.kind, src.namespace, src.name)
            self.source_roots[key] = root.source_root
        if root.kustomization is not None:
            item = Item(
                root.kustomization, root.kustomization.data, root.kustomization.name, root.kustomization.namespace
            )
            self._register(item, cluster, None)
            return
        sync = root.sync
        assert sync is not None
        fi = root.defined_by
        node = sync.node
        source = K8sObject(f"{SOURCE_GROUP}/v1", sync.kind, sync.name, sync.namespace, node, fi.doc, fi, cluster)
        self.g.synthetic.append(source)
        self.g.register_flux(source)
        ks_obj = K8sObject(
            f"{KUSTOMIZE_GROUP}/v1",
            "Kustomization",
            sync.name,
            sync.namespace,
            self._sync_kustomization(sync, fi),
            fi.doc,
            fi,
            cluster,
        )
        self.g.synthetic.append(ks_obj)
        self.g.register_flux(ks_obj)
        k = read_kustomization(ks_obj)
        k.path, k.source, k.wait = root.path, Ref(sync.kind, sync.name, sync.namespace, node.loc("path")), True
        k.synthetic, k.local, k.source_root = True, True, root.source_root
        self.instances[(cluster, sync.namespace, sync.name)] = k
        self.g.kustomizations.append(k)
        self.g._by_obj[ks_obj] = k
        self.queue.append((k, 0))

    def _sync_kustomization(self, sync: Sync, instance: K8sObject) -> YMap:
        """The Kustomization flux-operator makes for a FluxInstance's sync, with the instance's
        `kustomize.patches` that target it applied (they commonly add decryption and postBuild
        substitution): controlplaneio-fluxcd/flux-operator internal/builder, `kustomize.patches`
        apply to every generated Flux object."""
        node = sync.node

        def mapping(**items: Any) -> YMap:
            out = YMap(node.src, node.line, node.col)
            out.update(items)
            return out

        data = mapping(
            apiVersion=f"{KUSTOMIZE_GROUP}/v1",
            kind="Kustomization",
            metadata=mapping(name=sync.name, namespace=sync.namespace),
            spec=mapping(path=sync.path or ".", prune=True, sourceRef=mapping(kind=sync.kind, name=sync.name)),
        )
        data["spec"].copy_pos("path", node, "path")
        patches = dig(sync.instance, "kustomize", "patches")
        specs = [
            PatchSpec("kustomize.patches", patches.loc(i), inline=(p, "patch"), target=p.get("target"))
            for i, p in enumerate(patches if isinstance(patches, YSeq) else ())
            if isinstance(p, YMap) and isinstance(p.get("patch"), str) and isinstance(p.get("target"), dict)
        ]
        if not specs:
            return data
        written = K8sObject(data["apiVersion"], "Kustomization", sync.name, sync.namespace, data, instance.doc)
        items, _problems = patch_items(self.index, [Item(written, data, sync.name, sync.namespace)], specs)
        return items[0].data if items else data

    def _top_level(self) -> None:
        """No cluster root: Kustomizations that nothing applies were applied at bootstrap. As
        `flux bootstrap` applies the directory it writes its sync into, each directory holding
        such Kustomizations is built as a cluster's root path (at the repository root, only the
        files there unless a kustomization.yaml says what). A Kustomization under the local path
        of another is left out: that one applies it, or it was switched off there."""
        kss = [o for o in self.by_kind.get("Kustomization", ()) if o.group == KUSTOMIZE_GROUP]
        paths = set()
        for o in kss:
            p = o.spec.get("path")
            if isinstance(p, str) and "${" not in p:
                paths.add(norm_path(p))

        top = [o for o in kss if not _below_any(o.file.rel, paths - {""})]
        for d, group in self._bootstrap_dirs(top_level_groups(top)).items():
            cluster = Cluster(d, group[0].loc())
            self.g.clusters.append(cluster)
            if d or "" in self.g.kustomize_files:
                # what the Kustomizations of the directory apply is theirs, not the bootstrap's
                own = paths - {d, ""}
                items = [i for i in self.builder.build(d).items if not _below_any(i.written.file.rel, own)]
            else:
                items = [
                    Item(o, o.data, o.name, o.namespace)
                    for rel in self.builder.sorted_yaml
                    if "/" not in rel
                    for o in self.g.objects_in(rel)
                ]
            for item in items:
                self._register(item, cluster, None)

    def _bootstrap_dirs(self, groups: dict[str, list[K8sObject]]) -> dict[str, list[K8sObject]]:
        """The directories of `groups` that are cluster roots: a directory whose Kustomizations the build of
        an ancestor's directory applies too is part of that one (with no kustomization.yaml, the one
        kustomize-controller generates takes in every subdirectory: fluxcd/pkg kustomize_generator.go
        scanManifests)."""
        order = sorted(groups, key=lambda p: (p.count("/"), p) if p else (-1, p))
        kept: dict[str, list[K8sObject]] = {}
        taken: set[str] = set()
        for a in order:
            if a in taken:
                continue
            taken.add(a)
            kept[a] = list(groups[a])
            candidates = [d for d in order if d not in taken and self._contains(a, d)]
            built = self._built_files(a) if candidates else set()
            below = [d for d in candidates if {o.file.rel for o in groups[d]} <= built]
            ids = [_ks_id(o) for d in (a, *below) for o in groups[d]]
            # one build cannot hold two Kustomizations of one name (kustomize refuses the duplicate id):
            # directories that repeat names are clusters of their own under a shared parent
            if below and len(ids) == len(set(ids)):
                for d in below:
                    kept[a].extend(groups[d])
                    taken.add(d)
        return kept

    def _contains(self, a: str, d: str) -> bool:
        """Whether directory `a`'s build may take in `d` below it (the repository root only through a
        kustomization.yaml: without one, bootstrap applies just the root's own files)."""
        return d.startswith(a + "/") if a else "" in self.g.kustomize_files

    def _built_files(self, d: str) -> set[str]:
        return {i.written.file.rel for i in self.builder.build(d).items}

    def _drain(self) -> None:
        while self.queue:
            k, waited = self.queue.popleft()
            if not self._place(k, final=waited >= _MAX_WAIT or not self.queue):
                self.queue.append((k, waited + 1))

    # --- one Kustomization ---
    def _place(self, k: FluxKustomization, final: bool) -> bool:
        """Build and render what `k` applies; False when it should wait for its source or its
        substitution variables (another Kustomization of its cluster may render them)."""
        g = self.g
        if k.path is None:  # an unresolved variable in spec.path
            g.opaque[k.cluster].add(k.target_namespace)
            return True
        located = self._locate(k, final)
        if located is None:
            return False
        if not located:  # another repository: what it applies is unknown
            if k.target_namespace:
                g.opaque[k.cluster].add(k.target_namespace)
            return True
        if not self.builder.is_dir(k.path):
            return True  # kustomization-path-missing reports it
        values = self._variables(k, final)
        if values is None:
            return False
        entries = [self._component_entry(k, entry, loc) for entry, loc in k.components]
        built = self.builder.with_components(k.path, [e for e in entries if e is not None])
        g.builds[k] = built
        g.applied_files |= built.files
        if built.remote:  # a remote base may create anything in the namespaces it is built into
            g.opaque[k.cluster].add(k.target_namespace)
        items, problems = patch_items(self.index, list(built.items), k.patches)
        g.build_problems.extend((k, p) for p in problems)
        items = transform(items, k.target_namespace, k.name_prefix, k.name_suffix, k.labels, k.annotations)
        for item in items:
            item = self._substituted(k, item, values)
            self._register(item, k.cluster, k)
        return True

    def _component_entry(self, k: FluxKustomization, entry: str, loc: Any) -> Entry | None:
        """spec.components are relative to spec.path (fluxcd/pkg kustomize_generator.go)."""
        if is_remote(entry):
            return Entry("components", entry, loc, "")
        d = norm_path(posixpath.join(k.path or "", entry))
        if d in self.g.kustomize_files:
            return Entry("components", entry, loc, d)
        if inside(d):
            self.g.missing_components.append((k, entry, loc))
        return None  # outside the repository: what it adds is unknown

    def _substituted(self, k: FluxKustomization, item: Item, values: Vars) -> Item:
        """postBuild substitution of one built object (fluxcd/pkg kustomize/kustomize_varsub.go)."""
        what = "postBuild substitution of this object"
        result = contained(self.index.over_limit, what, None, lambda: substitute_object(item.data, values))
        if result is None or not result.applied:
            return item
        self.g.build_problems.extend((k, p) for p in result.problems)
        if result.data is item.data:
            return item
        meta = result.data.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else item.name
        ns = meta.get("namespace") if isinstance(meta, dict) and isinstance(meta.get("namespace"), str) else None
        namespace = None if item.kind in CLUSTER_SCOPED else (ns or item.namespace)
        return item.with_data(result.data, name=name, namespace=namespace)

    def _locate(self, k: FluxKustomization, final: bool) -> bool | None:
        """Whether k's source is this repository (setting k.path inside it); None: wait."""
        if k.synthetic:
            return True
        src = k.source
        if src is None or src.kind not in ("GitRepository", "OCIRepository", "ExternalArtifact"):
            return False
        ns = src.namespace or k.namespace
        kind, name, path = src.kind, src.name, k.path or ""
        if kind == "ExternalArtifact":
            made = self.artifacts.get((ns, name))
            if made is not None:
                mapped = through_generator(made[0], made[1], path)
                if mapped is None:
                    dirs = artifact_dirs(made[1])
                    if dirs is not None and not in_artifact(dirs, path):
                        k.missing_in = (name, made[0], dirs)
                    return False
                if mapped[1][0] not in ("GitRepository", "OCIRepository"):
                    return False
                path, (kind, ns, name) = mapped[0], mapped[1]
        if not path and kind != "GitRepository":
            return False  # an artifact's root cannot be told apart from the repository's directories
        found = self.g.resolve(kind, name, ns, k.obj)
        if not found and not final:
            return None
        if found and not any(self._is_own(o, path) for o in found):
            return False
        key = (k.cluster, kind, ns, name)
        root = (
            artifact_root(path, self.g.sorted_dirs, self.source_roots.get(key))
            if kind != "GitRepository" or src.kind == "ExternalArtifact"
            else ""
        )
        if root is None:
            return False
        if root and key not in self.source_roots:
            self.source_roots[key] = root
        k.local = True
        k.source_root = root
        k.path = norm_path(posixpath.join(root, path)) if root else path
        return True

    def _is_own(self, source: K8sObject, path: str) -> bool:
        """Whether a source object is this repository: a root's sync source, a source with a root's
        URL; or - when no root names the repository's URL - the bootstrap source (`flux-system`),
        or a GitRepository whose Kustomization path is a directory of this repository."""
        if source in self.g.synthetic:
            return True
        if self.own_urls:
            return normal_url(source.get("spec", "url")) in self.own_urls
        return source.name == BOOTSTRAP_NAMESPACE or (source.kind == "GitRepository" and self.builder.is_dir(path))

    def _variables(self, k: FluxKustomization, final: bool) -> Vars | None:
        """The substitution variables of k (None: wait for a substituteFrom source). Sources are
        read from the Kustomization's namespace in its cluster; one the repository does not hold
        leaves other variables possible (their references stay unknown)."""
        post = k.obj.spec.get("postBuild")
        if not isinstance(post, dict):
            return Vars()
        sources: list[Any] = []
        for ref in k.substitute_from:
            if ref.kind not in ("ConfigMap", "Secret"):
                continue
            found = self.g._configs.get((k.cluster, ref.kind, k.namespace, ref.name))
            if not found and not final:
                return None
            if found:
                sources.append(found[0].data)
            elif not ref.optional:
                sources.append(None)  # not in the repository: its variables are unknown
        values, problems = postbuild_vars(post, sources)
        self.g.build_problems.extend((k, p) for p in problems)
        return values

    # --- one object ---
    def _register(self, item: Item, cluster: Cluster | None, applier: FluxKustomization | None) -> K8sObject:
        g = self.g
        written = item.written
        ns = None if written.kind in CLUSTER_SCOPED else item.namespace
        if ns is None and applier is None and written.group in FLUX_GROUPS and written.kind not in CLUSTER_SCOPED:
            ns = BOOTSTRAP_NAMESPACE if written.group == KUSTOMIZE_GROUP else None
        key = (cluster, written, written.kind, ns, item.name)
        rendered = self.seen.get(key)
        if rendered is not None:
            # the same object applied again (a shared component): every applier counts
            if applier is not None and applier not in g.applied_by.setdefault(rendered, []):
                g.applied_by[rendered].append(applier)
                applier.applies.append(rendered)
            return rendered
        rendered = K8sObject(written.api_version, written.kind, item.name, ns, item.data, written.doc, written, cluster)
        self.seen[key] = rendered
        if item.generator is not None:
            g.generated[rendered] = item.generator
        else:
            g.objects.append(rendered)
            g.renders[written].append(rendered)
        if applier is not None:
            g.applied_by[rendered] = [applier]
            applier.applies.append(rendered)
        if written.kind in ("ConfigMap", "Secret") and written.group == "":
            g._configs[(cluster, written.kind, ns, item.name)].append(rendered)
        if written.group in FLUX_GROUPS:
            g.register_flux(rendered)
        if written.kind == "Kustomization" and written.group == KUSTOMIZE_GROUP:
            self._instance(rendered, applier)
        elif written.kind == "ResourceSet" and written.group == OPERATOR_GROUP and item.generator is None:
            self._expand(rendered, applier)
        return rendered

    def _expand(self, rset: K8sObject, applier: FluxKustomization | None) -> None:
        """The objects a flux-operator ResourceSet applies (obslint.kustomize.resourceset), in the
        cluster of the ResourceSet. An object without a namespace is taken to go into the
        ResourceSet's. Names still holding a template the expansion could not evaluate are unknown;
        an expansion that may make more objects (inputs from a provider) makes the ResourceSet's
        namespace opaque."""
        expansion = contained(self.index.over_limit, "this ResourceSet", None, lambda: expand_resourceset(rset.data))
        if expansion is None:
            return
        if expansion.partial:
            self.g.opaque[rset.cluster].add(rset.namespace)
        for ro in expansion.objects:
            data = ro.data
            api, kind = data.get("apiVersion"), data.get("kind")
            meta = data.get("metadata")
            if not isinstance(api, str) or not isinstance(kind, str) or not isinstance(meta, dict):
                continue
            name = meta.get("name") if isinstance(meta.get("name"), str) else ""
            ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else rset.namespace
            written = K8sObject(api, kind, name, ns, data, rset.doc, rset.written)
            self.g.made_by_operator[written] = rset
            self._register(Item(written, data, name, ns), rset.cluster, applier)

    def _instance(self, rendered: K8sObject, parent: FluxKustomization | None) -> None:
        g = self.g
        ikey = (rendered.cluster, rendered.namespace or BOOTSTRAP_NAMESPACE, rendered.name)
        existing = self.instances.get(ikey)
        if existing is not None:
            g._by_obj.setdefault(rendered, existing)
            return
        k = read_kustomization(rendered, parent)
        self.instances[ikey] = k
        g.kustomizations.append(k)
        g._by_obj[rendered] = k
        self.queue.append((k, 0))

    # --- what no cluster applies ---
    def _finish(self) -> None:
        g = self.g
        unowned = [o for o in self.index.written if o not in g.renders]
        other_uses: set[str] = set()
        for kf in g.kustomize_files.values():
            for e in kf.entries + kf.files:
                if e.target:
                    g.referenced_files.add(e.target)
                    (g.generator_inputs if e.field in GENERATOR_FIELDS else other_uses).add(e.target)
                    if e in kf.entries and self.builder.is_dir(e.target):
                        if e.target not in g.kustomize_files:
                            g.missing_resources.append((kf, e, "is a directory without a kustomization.yaml"))
                    elif not self.index.exists(e.target):
                        g.missing_resources.append((kf, e, "does not exist"))
        g.generator_inputs -= other_uses  # also a resource or a patch somewhere: a manifest
        if g.clusters:
            g.unapplied = unowned
            return
        # No cluster: each topmost kustomization.yaml tree renders its objects, the rest as written.
        included = {e.target for kf in g.kustomize_files.values() for e in kf.entries if e.target}
        for d in self.builder.sorted_kdirs:
            if d in included:
                continue
            built = self.builder.build(d)
            for item in built.items:
                if item.written not in g.renders:
                    g.tree_builds[self._register(item, None, None)] = built
        for obj in unowned:
            if obj not in g.renders:
                self._register(Item(obj, obj.data, obj.name, obj.namespace), None, None)


def _ks_id(ks: K8sObject) -> tuple[str, str]:
    return (ks.namespace or BOOTSTRAP_NAMESPACE, ks.name)


def _below_any(rel: str, dirs: set[str]) -> bool:
    d = posixpath.dirname(rel)
    while True:
        if d in dirs:
            return True
        if not d:
            return False
        d = posixpath.dirname(d)


def _same_cluster_roots(roots: list[Root], g: FluxGraph) -> list[Root] | None:
    """Roots that belong to the cluster of another root, with that cluster; None when there are
    none. A FluxInstance (or flux-instance HelmRelease, or bootstrap Kustomization) that another
    root's tree applies runs in that root's cluster: its sync is a second root of the same
    cluster (a repository moving from `flux bootstrap` to flux-operator has both)."""
    parent: dict[Cluster, Cluster] = {r.cluster: r.cluster for r in roots}

    def find(c: Cluster) -> Cluster:
        while parent[c] != c:
            c = parent[c]
        return c

    merged = False
    for r in roots:
        for other in sorted({x.cluster for x in g.renders.get(r.defined_by, ())} - {r.cluster, None}, key=str):
            a, b = find(r.cluster), find(other)
            if a != b:
                first, second = sorted((a, b), key=lambda c: (c.name, str(c.root)))
                parent[second] = first
                merged = True
    return [replace(r, cluster=find(r.cluster)) for r in roots] if merged else None


def _undeployed_instances(roots: list[Root], g: FluxGraph, index: Index) -> list[Root] | None:
    """The roots without those made by a flux-instance HelmRelease that is never deployed; None
    when there are none. Such a HelmRelease only makes a cluster when something installs it: a
    cluster's tree (its own, once bootstrapped, or another root's) or a bootstrap helmfile. One no
    tree applies (its ks.yaml commented out of the apps list, say) is a draft, and its sync path
    is no cluster; a FluxInstance written as a file is kept, as `kubectl apply` at bootstrap is
    how flux-operator's guide installs it."""
    if "flux-instance" in helmfile_charts(index):
        return None
    live = [r for r in roots if r.defined_by.kind != "HelmRelease" or g.renders.get(r.defined_by)]
    return live if live and len(live) < len(roots) else None


def _nested_self_appliers(roots: list[Root], g: FluxGraph) -> list[Root] | None:
    """The roots without Kustomizations that list themselves in their own path while another
    root's tree applies them as a child; None when there are none. Such a Kustomization is no
    bootstrap: the parent creates it (with the parent's namespace and patches), and applying
    itself again only re-applies the same object. Kept as a root it would be a cluster of its
    own, judged as written rather than as the parent applies it."""
    kept = list(roots)
    for r in roots:
        if r.kustomization is None:
            continue
        others = {x.cluster for x in kept if x is not r}
        if any(x.cluster in others for x in g.renders.get(r.defined_by, ())):
            kept.remove(r)
    return kept if len(kept) < len(roots) else None


def render_world(index: Index) -> FluxGraph:
    world = _World(index)
    graph = world.run()
    live = _undeployed_instances(world.roots, graph, index)
    nested = _nested_self_appliers(live if live is not None else world.roots, graph)
    if live is not None or nested is not None:
        world = _World(index)
        graph = world.run(nested if nested is not None else live)
    merged = _same_cluster_roots(world.roots, graph)
    return graph if merged is None else _World(index).run(merged)
