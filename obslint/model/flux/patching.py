"""Patches of kustomization.yaml files and of Flux Kustomizations' `spec.patches`, applied to the
items of a build with obslint.kustomize.patch (which follows kustomize's PatchTransformer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from obslint.exhausted import contained
from obslint.kustomize.patch import Patch, apply_patches
from obslint.kustomize.problem import Problem
from obslint.kustomize.resource import Resource
from obslint.kustomize.target import Target
from obslint.model.flux.build import Item
from obslint.model.flux.kinds import CLUSTER_SCOPED
from obslint.model.flux.kustomize_files import PatchSpec

if TYPE_CHECKING:
    from obslint.index import Index


def _documents(index: Index, spec: PatchSpec) -> tuple[Any, ...] | None:
    """The parsed documents of a patch (inline text or a file), positions kept; None: unreadable."""
    if spec.inline is not None:
        container, key = spec.inline
        parsed = index.embedded_yaml(container, key, "patch")
        return tuple(parsed.documents) if parsed is not None and not parsed.problems else None
    if spec.file is not None and spec.file.target:
        sf = index.file(spec.file.target)
        if sf is not None and not sf.problems:
            return tuple(d.data for d in sf.documents)
    return None


def _patch(index: Index, spec: PatchSpec) -> Patch | None:
    docs = _documents(index, spec)
    if docs is None:
        return None
    target = Target.from_mapping(spec.target) if isinstance(spec.target, dict) else None
    return Patch(
        docs,
        target,
        spec.loc,
        allow_name_change=spec.options.get("allowNameChange") is True,
        allow_kind_change=spec.options.get("allowKindChange") is True,
    )


def patch_items(index: Index, items: list[Item], specs: Iterable[PatchSpec]) -> tuple[list[Item], list[Problem]]:
    """The items with the patches applied in order, and what kustomize would refuse. A patch that
    cannot be read (a missing file, a syntax error) is left out: other rules report the file."""
    patches = [p for p in (_patch(index, s) for s in specs) if p is not None]
    if not patches or not items:
        return items, []
    resources = [Resource(it.data, it.previous) for it in items]
    result = contained(index.over_limit, "applying this patch", None, lambda: apply_patches(resources, patches))
    if result is None:
        return items, []
    out: list[Item] = []
    for res, origin in zip(result.resources, result.origins, strict=True):
        item = items[origin]
        if res.data is item.data:
            out.append(item)
            continue
        namespace = None if item.kind in CLUSTER_SCOPED else (res.namespace or item.namespace)
        out.append(item.with_data(res.data, name=res.name or item.name, namespace=namespace))
    return out, list(result.problems)
