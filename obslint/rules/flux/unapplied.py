"""unapplied-tree: a tree of manifests that no cluster of the repository applies."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding
from obslint.model.flux import KUSTOMIZATION_FILES
from obslint.model.unapplied import UnappliedTree, unapplied_trees
from obslint.rules import Basis, RuleContext, rule

_ROOT = """\
-- clusters/home/flux-system/gotk-sync.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/home
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
-- clusters/home/kustomization.yaml --
resources:
  - flux-system/gotk-sync.yaml
-- archive/monitoring/kustomization.yaml --
resources:
  - loki.yaml
{extra}-- archive/monitoring/loki.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: loki
  namespace: monitoring
data: {{}}
"""


@rule(
    "FLUX010",
    "unapplied-tree",
    "info",
    "Problems inside a tree that no Flux Kustomization of any cluster reaches: reported once, as that tree",
    basis=Basis.STYLE,
    why="""
    Where the repository defines its clusters (a bootstrapped flux-system Kustomization, a
    FluxInstance, a flux-instance HelmRelease), Flux applies exactly what their roots reach:
    Kustomization paths, the kustomization.yaml files kustomize walks from them and what those
    name. A directory none of whose files is reached, outside every Flux path (an `archive/`
    folder, an old layout kept beside the new one), cannot break a cluster through Flux: a
    missing file or a broken rule in it is dead configuration, or belongs to whatever applies
    the tree outside Flux (a bootstrap script, Talos, a task runner). obslint folds what other
    rules find inside such a tree into one info finding for the tree (the first places are
    listed), and says nothing about a tree where they find nothing. A credential committed in
    clear is still reported where it is: it leaks whether or not anything applies it.
    """,
    failing=_ROOT.format(extra="  - promtail.yaml\n"),
    passing=_ROOT.format(extra=""),
    fix="""
    Delete the tree if it is obsolete (git history keeps it), apply it from a cluster if it was
    meant to run, fix the folded problems if something applies it outside Flux, or exclude it in
    .obslint.yaml (`exclude: [archive/**]`).
    """,
)
def unapplied_tree(ctx: RuleContext) -> Iterator[Finding]:
    trees = unapplied_trees(ctx.index)
    counts: dict[UnappliedTree, int] = {}
    manifests = {obj.file.rel for obj in ctx.index.written}
    for sf in ctx.index.files:
        if not (sf.rel in manifests or sf.rel.rsplit("/", 1)[-1] in KUSTOMIZATION_FILES):
            continue
        tree = trees.tree_of(sf.rel, sf.loc(1))
        if tree is not None:
            counts[tree] = counts.get(tree, 0) + 1
    # one finding per tree; obslint.fold gives it what other rules find inside, or drops it
    for tree, n in counts.items():
        files = "1 manifest file" if n == 1 else f"{n} manifest files"
        yield Finding(
            tree.loc,
            f"no Flux Kustomization of any cluster reaches {tree.dir}/ ({files})",
            "delete it if it is obsolete, apply it from a cluster, or fix it if something applies it outside Flux",
            data={"tree": tree.dir},
        )
