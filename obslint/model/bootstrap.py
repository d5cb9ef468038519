"""What a cluster has before Flux runs: what the bootstrap files of the repository install.

- helmfiles, whatever their name (bootstrap_helmfile.py): each release's chart with its CRDs and
  namespace, and what the commands of their hooks install;
- Talos machine configs (`talconfig.yaml` and patches): `cluster.extraManifests` URLs and
  `cluster.inlineManifests` are applied by Talos at bootstrap
  (https://www.talos.dev/latest/reference/configuration/v1alpha1/config/, ClusterConfig);
- scripts and task runners (`*.sh`, Makefiles, justfiles, Taskfiles: bootstrap_scripts.py): the
  kubectl, helm and sops commands they run (bootstrap_steps.py).

What they install: CRD kinds (charts in CHART_CRDS, URLs in REMOTE_CRD_PATTERNS, CRD manifests of
applied files and kustomize directories), Namespaces, and Secrets and ConfigMaps (created by
kubectl or applied from a file of the repository). Only read, never run. What a bootstrap file
installs is there in every cluster of the repository, or - when the file (or the file it applies)
lies in the directory of some clusters only, `kubernetes/<cluster>/bootstrap/` - in those. It
only ever turns a missing producer into a present one, never the other way.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from obslint.findings import Loc
from obslint.index import memoised
from obslint.model.bootstrap_helmfile import helmfiles, read_helmfile
from obslint.model.charts import remote_crd_kinds
from obslint.objects import Cluster, K8sObject

if TYPE_CHECKING:
    from obslint.index import Index

_TALOS_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Installed:
    """One thing a bootstrap step puts into the cluster."""

    key: tuple[str, ...]  # ("Kind", group, kind) | ("Namespace", name) | ("Secret"|"ConfigMap", namespace or "", name)
    loc: Loc  # the step, or the manifest it applies
    origin: str  # the path whose directory decides the clusters it is in
    obj: K8sObject | None = None  # the Secret/ConfigMap applied, or one standing for what a command creates
    clusters: frozenset[Cluster] | None = None  # None: every cluster


@dataclass
class Bootstrap:
    installed: list[Installed] = field(default_factory=list)
    charts: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # files read, for notices
    _by_key: dict[tuple, list[Installed]] = field(default_factory=dict)
    _by_name: dict[tuple[str, str], list[Installed]] = field(default_factory=dict)  # (kind, name), Secrets/ConfigMaps

    def add(self, key: tuple[str, ...], loc: Loc, origin: str, obj: K8sObject | None = None) -> None:
        self.installed.append(Installed(key, loc, origin, obj))

    def source(self, rel: str) -> None:
        if rel not in self.sources:
            self.sources.append(rel)

    def find(self, key: tuple[str, ...], cluster: Cluster | None) -> list[Installed]:
        """What bootstrap installs under `key` in `cluster` (in any cluster when None)."""
        return [i for i in self._by_key.get(key, ()) if _in(i, cluster)]

    def has_kind(self, group: str, kind: str, cluster: Cluster | None) -> bool:
        return bool(self.find(("Kind", group, kind), cluster))

    def has_namespace(self, name: str, cluster: Cluster | None) -> bool:
        return bool(self.find(("Namespace", name), cluster))

    def configs(self, kind: str, namespace: str | None, name: str, cluster: Cluster | None) -> list[Installed]:
        """Secrets/ConfigMaps of that name: in that namespace, or made where the step did not say
        (`kubectl create secret` without `-n`); any namespace when `namespace` is None."""
        if namespace is None:
            return [i for i in self._by_name.get((kind, name), ()) if _in(i, cluster)]
        return self.find((kind, namespace, name), cluster) + self.find((kind, "", name), cluster)

    def describe(self) -> str:
        return ", ".join(self.sources[:3]) + (f" and {len(self.sources) - 3} more" if len(self.sources) > 3 else "")

    def index(self, clusters: list[Cluster]) -> None:
        """Scope every item to its clusters and index them by key."""
        scopes: dict[str, frozenset[Cluster] | None] = {}
        for n, item in enumerate(self.installed):
            if item.origin not in scopes:
                scopes[item.origin] = _scope(item.origin, clusters)
            self.installed[n] = replace(item, clusters=scopes[item.origin])
        self._by_key, self._by_name = {}, {}
        for item in self.installed:
            self._by_key.setdefault(item.key, []).append(item)
            if item.key[0] in ("Secret", "ConfigMap"):
                self._by_name.setdefault((item.key[0], item.key[2]), []).append(item)


def _in(item: Installed, cluster: Cluster | None) -> bool:
    """Whether the item is in the cluster (an object no cluster applies may be in any)."""
    return cluster is None or item.clusters is None or cluster in item.clusters


def _depth(a: str, b: str) -> int:
    """How many leading directories two repository paths share (a trailing `/` marks a directory)."""
    n = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1], strict=False):
        if x != y:
            break
        n += 1
    return n


def _scope(origin: str, clusters: list[Cluster]) -> frozenset[Cluster] | None:
    """The clusters whose directories (synced path, file defining the root) share the most leading
    directories with `origin`, when that singles some out; None (every cluster) otherwise."""
    if len(clusters) < 2:
        return None
    depth = {}
    for c in clusters:
        root = c.root.path if isinstance(c.root, Loc) else ""
        depth[c] = max(_depth(origin, c.name + "/"), _depth(origin, root))
    best = max(depth.values())
    if best == min(depth.values()):
        return None
    return frozenset(c for c, d in depth.items() if d == best)


def _talos(out: Bootstrap, rel: str, text: str) -> None:
    if "extraManifests" not in text and "inlineManifests" not in text:
        return
    loc = Loc(rel, 1, 1)
    for url in _TALOS_URL.findall(text):
        for gk in remote_crd_kinds(url):
            out.add(("Kind", *gk), loc, rel)
    for m in re.finditer(r"kind:\s*Namespace\s*\n(?:.*\n){0,3}?\s*name:\s*([\w.-]+)", text):
        out.add(("Namespace", m.group(1)), loc, rel)
    out.source(rel)


@memoised
def bootstrap(index: Index) -> Bootstrap:
    from obslint.model.bootstrap_scripts import Reader, is_script, is_taskfile
    from obslint.model.flux import flux_graph

    g = flux_graph(index)
    out = Bootstrap()
    reader = Reader(index, g, out)
    found = helmfiles(index)
    for helmfile in found:
        read_helmfile(out, reader, helmfile)
    taken = {h.rel for h in found}
    for rel in sorted(index.tree.paths):
        if rel in taken:
            continue
        base = posixpath.basename(rel)
        talos = base.startswith("talconfig") or "talos" in rel.split("/")[0].lower()
        sf = index.file(rel)
        if sf is not None and sf.kind == "yaml":
            docs = [d.data for d in sf.documents]
            if is_taskfile(docs):
                reader.taskfile(rel, sf)
            elif talos:
                _talos(out, rel, sf.text)
            continue
        if not (is_script(rel) or talos):
            continue
        text = _text(index, rel)
        if not text:
            continue
        if is_script(rel):
            reader.script(rel, text)
        elif talos:
            _talos(out, rel, text)
    reader.finish()
    out.index(g.clusters)
    return out


def _text(index: Index, rel: str) -> str | None:
    from obslint.model.sops import read_other

    return read_other(index, rel)
