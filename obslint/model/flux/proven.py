"""Kinds whose CRDs must exist before a Kustomization first runs, because a Kustomization that
had to apply successfully before it applies objects of those kinds.

kustomize-controller applies a Kustomization's whole build with fluxcd/pkg ssa
`ResourceManager.ApplyAllStaged` (kustomize-controller internal/controller/
kustomization_controller.go, `apply`): CRDs and Namespaces first, then every other object in
one `ApplyAll`, which dry-runs all of them before applying any (fluxcd/pkg ssa/manager_apply.go).
A custom resource whose CRD is missing fails that dry-run ("no matches for kind") and with it the
whole apply: none of the other objects - child Kustomizations included - is created, and the
Kustomization is not Ready. So before X runs, the CRDs of every kind applied by
- a Kustomization that applies X's object, or one of its ancestors (X does not exist before), and
- a Kustomization X depends on, transitively (dependsOn waits for Ready, after a whole apply),
and, recursively, by theirs, exist.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from obslint.model.charts import is_builtin_group
from obslint.model.flux.graph import FluxGraph
from obslint.model.flux.kinds import KUSTOMIZE_GROUP, truthy
from obslint.model.flux.kustomization import FluxKustomization
from obslint.objects import K8sObject

if TYPE_CHECKING:
    from obslint.model.catalogue import Catalogue

# Objects kustomize-controller leaves out of the apply (`applyOpts.ExclusionSelector` in
# kustomization_controller.go; matched case-insensitively by fluxcd/pkg ssa/utils AnyInMetadata):
# they are never dry-run, so they prove nothing.
_EXCLUDED = {f"{KUSTOMIZE_GROUP}/reconcile": "disabled", f"{KUSTOMIZE_GROUP}/ssa": "ignore"}


def _excluded(obj: K8sObject, k: FluxKustomization) -> bool:
    """Whether kustomize-controller leaves `obj` out of `k`'s apply."""
    for meta in (obj.labels, obj.annotations, k.labels, k.annotations):
        for key, value in _EXCLUDED.items():
            got = meta.get(key)
            if isinstance(got, str) and got.lower() == value:
                return True
    return False


def _partial(k: FluxKustomization) -> bool:
    """`spec.partialApply` (newer kustomize-controller, internal/controller/
    kustomization_partial_apply_test.go) applies what passes the dry-run and fails afterwards."""
    return truthy(k.obj.spec.get("partialApply"))


def predecessors(g: FluxGraph, k: FluxKustomization) -> set[FluxKustomization]:
    """Kustomizations that must have applied successfully before `k` first runs."""
    out: set[FluxKustomization] = set()
    stack = [k]
    while stack:
        cur = stack.pop()
        # direct edges only: walking each one's closures again made a long chain cubic
        for w in (*g.appliers(cur.obj), *(t for _, ts in g.depends_on_targets(cur) for t in ts)):
            if w is not k and w not in out:
                out.add(w)
                stack.append(w)
    return out


class ProvenKinds:
    """Per Kustomization, the custom resource kinds (group, kind) whose CRDs exist before it runs."""

    def __init__(self, g: FluxGraph, cat: Catalogue):
        self.g, self.cat = g, cat
        self._memo: dict[FluxKustomization, set[tuple[str, str]]] = {}
        # a chart's CRDs, by HelmRelease: Helm installs every CRD of a chart's crds/ directories
        # before any template (helm pkg/action/install.go, installCRDs), and templated CRDs go out
        # with the release's first manifest, so one of them existing means the chart put them all
        self._chart_kinds: dict[K8sObject, set[tuple[str, str]]] = defaultdict(set)
        for (_cluster, group, kind), prods in cat.kinds.items():
            for p in prods:
                if p.via == "chart":
                    self._chart_kinds[p.obj].add((group, kind))

    def __call__(self, k: FluxKustomization) -> set[tuple[str, str]]:
        got = self._memo.get(k)
        if got is None:
            got = self._memo[k] = self._compute(k)
        return got

    def _compute(self, k: FluxKustomization) -> set[tuple[str, str]]:
        kinds: set[tuple[str, str]] = set()
        for w in predecessors(self.g, k):
            if _partial(w):
                continue
            kinds.update((o.group, o.kind) for o in w.applies if not is_builtin_group(o.group) and not _excluded(o, w))
        for group, kind in list(kinds):
            prods = self.cat.kind(group, kind, k.obj)
            releases = {p.obj for p in prods}
            if len(releases) == 1 and all(p.via == "chart" for p in prods):
                kinds |= self._chart_kinds[next(iter(releases))]
        return kinds
