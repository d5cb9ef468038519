"""The Flux model of a repository: clusters, Kustomizations as applied in each cluster, the objects
they apply as rendered there, and lookups that stay inside the asking object's cluster.

`obslint.model.flux.world.render_world` builds it; rules get it from `flux_graph(index)`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from obslint.digraph import Reachability, Reached
from obslint.findings import Loc
from obslint.kustomize.problem import Problem
from obslint.model.flux.build import Builder, Built
from obslint.model.flux.kinds import CLUSTER_SCOPED
from obslint.model.flux.kustomization import FluxKustomization
from obslint.model.flux.kustomize_files import Entry, Generator, KustomizeFile
from obslint.objects import Cluster, K8sObject, Ref, refs_of

if TYPE_CHECKING:
    from obslint.index import Index


@dataclass(eq=False)
class FluxGraph:
    index: Index
    builder: Builder
    clusters: list[Cluster] = field(default_factory=list)
    kustomizations: list[FluxKustomization] = field(default_factory=list)
    kustomize_files: dict[str, KustomizeFile] = field(default_factory=dict)  # by directory
    # what rules see: every object as rendered for the clusters that apply it, and - where the
    # repository defines no cluster - the objects as their kustomization.yaml trees build them
    objects: list[K8sObject] = field(default_factory=list)
    # objects written in the repository that no cluster applies (when it defines clusters)
    unapplied: list[K8sObject] = field(default_factory=list)
    applied_by: dict[K8sObject, list[FluxKustomization]] = field(default_factory=dict)  # rendered -> appliers
    renders: dict[K8sObject, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))  # written ->
    generated: dict[K8sObject, Generator] = field(default_factory=dict)  # rendered generator output
    made_by_operator: dict[K8sObject, K8sObject] = field(default_factory=dict)  # object -> its ResourceSet
    # objects that exist in a cluster without being written in the repository (a FluxInstance's sync
    # source), found by `resolve` but never linted
    synthetic: list[K8sObject] = field(default_factory=list)
    builds: dict[FluxKustomization, Built] = field(default_factory=dict)
    # where no cluster applies them: the kustomize build each object comes from
    tree_builds: dict[K8sObject, Built] = field(default_factory=dict)
    missing_resources: list[tuple[KustomizeFile, Entry, str]] = field(default_factory=list)
    missing_components: list[tuple[FluxKustomization, str, Loc]] = field(default_factory=list)
    # what kustomize-controller would refuse while building a Kustomization (its spec.patches, its
    # postBuild substitution), with the Kustomization
    build_problems: list[tuple[FluxKustomization, Problem]] = field(default_factory=list)
    referenced_files: set[str] = field(default_factory=set)  # files some kustomization.yaml names
    # files kustomization.yaml files name only as configMapGenerator/secretGenerator input: data
    generator_inputs: set[str] = field(default_factory=set)
    applied_files: set[str] = field(default_factory=set)
    # per cluster, namespaces where something the repository cannot see into applies objects
    # (a remote kustomize base, a Kustomization of another repository); None: any namespace
    opaque: dict[Cluster | None, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    preinstalled_groups: set[str] = field(default_factory=set)
    sorted_kdirs: list[str] = field(default_factory=list)
    sorted_yaml: list[str] = field(default_factory=list)
    sorted_dirs: list[str] = field(default_factory=list)
    _flux: dict[tuple, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # (cluster, kind, namespace, name) -> rendered ConfigMaps and Secrets, generated ones included
    _configs: dict[tuple, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    _by_obj: dict[K8sObject, FluxKustomization] = field(default_factory=dict)
    _objects_by_file: dict[str, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # dependsOn between Kustomizations, between HelmReleases, and Kustomization -> its appliers:
    # reachability without a closure stored per node (see obslint.digraph.Reachability)
    _kreach: Reachability[FluxKustomization] = field(init=False)
    _hreach: Reachability[K8sObject] = field(init=False)
    _areach: Reachability[FluxKustomization] = field(init=False)
    _ereach: Reachability[tuple[FluxKustomization, bool]] = field(init=False)
    _file_clusters: dict[str, frozenset[Cluster | None]] | None = None

    def __post_init__(self) -> None:
        self._kreach = Reachability(lambda k: [t for _, ts in self.depends_on_targets(k) for t in ts])
        self._hreach = Reachability(lambda hr: [t for _, ts in self.helm_depends_on(hr) for t in ts])
        self._areach = Reachability(lambda k: self.appliers(k.obj))
        self._ereach = Reachability(self._ready_edges)

    def _ready_edges(self, node: tuple[FluxKustomization, bool]) -> list[tuple[FluxKustomization, bool]]:
        """Edges of `effective_deps`: from (k, False) up to k's appliers, and from (k, any) along
        k's dependsOn to (target, True); (x, True) is reached when x is Ready before the start."""
        k, waited = node
        out = [(t, True) for _, ts in self.depends_on_targets(k) for t in ts]
        if not waited:
            out.extend((a, False) for a in self.appliers(k.obj))
        return out

    @property
    def has_clusters(self) -> bool:
        return bool(self.clusters)

    # --- objects ---
    def namespace_of(self, obj: K8sObject) -> str | None:
        """The namespace the object is applied in (its first rendering, for an object as written)."""
        if obj.kind in CLUSTER_SCOPED:
            return None
        if obj.origin is None:
            rendered = self.renders.get(obj)
            if rendered:
                return rendered[0].namespace
        return obj.namespace

    def namespaces_of(self, obj: K8sObject) -> list[str | None]:
        """Every namespace an object as written is applied in (first: `namespace_of`)."""
        if obj.origin is not None or obj not in self.renders:
            return [self.namespace_of(obj)]
        out: list[str | None] = []
        for r in self.renders[obj]:
            ns = None if obj.kind in CLUSTER_SCOPED else r.namespace
            if ns not in out:
                out.append(ns)
        return out

    def kustomization(self, obj: K8sObject) -> FluxKustomization | None:
        return self._by_obj.get(obj)

    def appliers(self, obj: K8sObject) -> list[FluxKustomization]:
        """The Kustomizations that apply `obj` (rendered: in its cluster; as written: in all)."""
        if obj.origin is not None or obj in self.applied_by:
            return self.applied_by.get(obj, [])
        return [k for r in self.renders.get(obj, ()) for k in self.applied_by.get(r, ())]

    def clusters_of(self, obj: K8sObject) -> frozenset[Cluster | None]:
        if obj.origin is not None or obj.cluster is not None:
            return frozenset({obj.cluster})
        rendered = self.renders.get(obj)
        return frozenset(r.cluster for r in rendered) if rendered else frozenset({None})

    def file_clusters(self, rel: str) -> frozenset[Cluster | None]:
        """The clusters a file of the repository reaches: through the objects it holds, as a
        kustomization.yaml or the input of a kustomize generator in a cluster's build; {None} when
        it reaches none."""
        return self._reach().get(rel) or frozenset({None})

    def reached_files(self) -> set[str]:
        """Every file some cluster reaches (see `file_clusters`), and every applied manifest."""
        return set(self._reach()) | self.applied_files

    def _reach(self) -> dict[str, frozenset[Cluster | None]]:
        if self._file_clusters is None:
            table: dict[str, set[Cluster | None]] = defaultdict(set)
            for written, rendered in self.renders.items():
                table[written.file.rel].update(r.cluster for r in rendered)
            for k, built in self.builds.items():
                for d in built.dirs:
                    kf = self.kustomize_files.get(d)
                    if kf is not None:
                        table[kf.rel].add(k.cluster)
                    for gen in kf.generators if kf is not None else ():
                        for e in [*(e for _key, e in gen.files), *gen.envs]:
                            if e.target:
                                table[e.target].add(k.cluster)
            self._file_clusters = {rel: frozenset(c) for rel, c in table.items()}
        return self._file_clusters

    def objects_in(self, rel: str) -> list[K8sObject]:
        """Objects as written in a file."""
        return self._objects_by_file.get(rel, [])

    def register_flux(self, obj: K8sObject) -> None:
        self._flux[(obj.cluster, obj.kind, obj.namespace or "", obj.name)].append(obj)

    def resolve(self, kind: str, name: str, namespace: str | None, scope: K8sObject | None = None) -> list[K8sObject]:
        """Flux objects of this kind and name in this namespace, in the cluster of `scope`."""
        cluster = scope.cluster if scope is not None else None
        found = self._flux.get((cluster, kind, namespace or "", name), [])
        if namespace:
            found = found + self._flux.get((cluster, kind, "", name), [])
        return found

    def config_objects(self, kind: str, namespace: str | None, name: str, scope: K8sObject | None) -> list[K8sObject]:
        """The ConfigMaps/Secrets of that name in that namespace of `scope`'s cluster, as rendered
        (kustomize-generated ones included)."""
        cluster = scope.cluster if scope is not None else None
        found = self._configs.get((cluster, kind, namespace, name), [])
        # an object built without a namespace lands in the applier's default: take it as a match
        return found or self._configs.get((cluster, kind, None, name), [])

    # --- dependencies ---
    def depends_on_targets(self, k: FluxKustomization) -> list[tuple[Ref, list[FluxKustomization]]]:
        out = []
        for ref in k.depends_on:
            ns = ref.namespace or k.namespace
            targets = [self._by_obj[o] for o in self.resolve("Kustomization", ref.name, ns, k.obj) if o in self._by_obj]
            out.append((ref, targets))
        return out

    def kdeps(self, k: FluxKustomization) -> Reached[FluxKustomization]:
        """Kustomizations `k` depends on, transitively (not including itself unless in a cycle)."""
        return Reached(self._kreach, (k,))

    def effective_deps(self, k: FluxKustomization) -> ReadyBefore:
        """What is Ready before `k` reconciles: its own dependsOn closure, and that of every
        Kustomization applying it (a child object is only created once its parent runs)."""
        return ReadyBefore(self._ereach, k)

    def helm_depends_on(self, hr: K8sObject) -> list[tuple[Ref, list[K8sObject]]]:
        ns = self.namespace_of(hr)
        return [
            (ref, self.resolve("HelmRelease", ref.name, ref.namespace or ns, hr))
            for ref in refs_of(hr, "spec", "dependsOn", kind="HelmRelease")
        ]

    def hdeps(self, hr: K8sObject) -> Reached[K8sObject]:
        """HelmReleases `hr` depends on, transitively (not including itself unless in a cycle)."""
        return Reached(self._hreach, (hr,))

    def ancestors(self, obj: K8sObject) -> Reached[FluxKustomization]:
        """Kustomizations that apply `obj`, directly or by applying its applier."""
        return Reached(self._areach, self.appliers(obj), include_starts=True)

    def is_opaque(self, cluster: Cluster | None, namespace: str | None) -> bool:
        """Whether something the repository cannot see into may create objects there."""
        got = self.opaque.get(cluster, ())
        return None in got or namespace in got

    # --- kustomize name references ---
    def rewrites_name(self, gen_dir: str, kind: str, consumer: K8sObject, path: str) -> bool:
        """Whether kustomize rewrites the hashed name of a `kind` generated in `gen_dir` at `path`
        ("spec/valuesFrom/name") of `consumer`: both are in one build, and a `configurations:` file of
        that build declares the nameReference. kustomize merges the configurations of every level
        upwards (checked with `kubectl kustomize`: a configuration next to the generator, next to
        the consumer or in a parent all apply)."""
        builds = [self.builds[k] for k in self.applied_by.get(consumer, ()) if k in self.builds]
        if consumer in self.tree_builds:
            builds.append(self.tree_builds[consumer])
        for built in builds:
            if gen_dir not in built.dirs:
                continue
            for d in built.dirs:
                kf = self.kustomize_files.get(d)
                if kf is not None and any(r.matches(kind, consumer.kind, consumer.group, path) for r in kf.name_refs):
                    return True
        return False


class ReadyBefore:
    """`FluxGraph.effective_deps(k)` as a read-only set: the Kustomizations that `k` or one of its
    appliers depends on, transitively, answered on the graph of `FluxGraph._ready_edges`."""

    def __init__(self, reach: Reachability[tuple[FluxKustomization, bool]], k: FluxKustomization):
        self._reach, self._start = reach, (k, False)

    def __contains__(self, x: object) -> bool:
        return self._reach.reaches(self._start, (x, True))  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[FluxKustomization]:
        return (k for k, waited in self._reach.reachable(self._start) if waited)
