"""kustomize patches over the objects of a build: `apply_patches(resources, patches)`.

A `Patch` is what a kustomization's `patches:` entry (or a Flux Kustomization's `spec.patches`
entry) holds: the parsed YAML documents of its inline text or file, parsed with positions by the
caller (for inline text, obslint.index.Index.embedded_yaml or obslint.load.parse_yaml with an
EmbeddedSource), and an optional `Target`. kustomize's PatchTransformer (api/internal/builtins)
decides the kind by shape:

* one document that is a list: a JSON 6902 patch (obslint.kustomize.jsonpatch). It needs a
  target and applies to every object the target selects; the object may be renamed by it.
* documents that are mappings: one strategic merge patch each (obslint.kustomize.smp). Each needs
  `apiVersion`, `kind` or `metadata` ("missing Resource metadata" otherwise). Without a target, a
  patch applies to the one object whose group, version, kind, name and namespace (empty meaning
  `default`) equal its own, by any identity the object had; none or several fail the build. With a
  target, it applies to every selected object (none is fine). The object keeps its apiVersion,
  kind, name and namespace (unless the entry's options allow a name or kind change), and a patch
  that deletes the object (`$patch: delete`) removes it (api/resource/resource.go ApplySmPatch,
  api/resmap/reswrangler.go ApplySmPatch).
* anything else (a mixture, a scalar, nothing): kustomize cannot parse it.

Patches apply in order, each to the result of the previous. What kustomize would refuse fails the
build: a certain Problem, and that patch (only) leaves the objects unchanged. What kustomize does
differently from what a patch says (obslint.kustomize.smp) is an uncertain one. Values that come from
a patch keep the patch's positions and source, so a finding on a patched value points into the
patch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from obslint.findings import Loc
from obslint.kustomize.jsonpatch import apply_json_patch
from obslint.kustomize.problem import Problem
from obslint.kustomize.resource import Resource, effective_namespace, label_text, split_api_version
from obslint.kustomize.smp import DELETED, Merger, PatchError, schema_for
from obslint.kustomize.target import Selector, Target
from obslint.load.yamlfile import YMap

__all__ = ["Patch", "PatchResult", "Resource", "Target", "apply_patches"]


@dataclass(frozen=True)
class Patch:
    documents: tuple[Any, ...]
    target: Target | None = None
    where: Loc | None = None  # the patch entry, for problems about the patch as a whole
    allow_name_change: bool = False  # the entry's `options.allowNameChange`
    allow_kind_change: bool = False  # the entry's `options.allowKindChange`


@dataclass(frozen=True)
class PatchResult:
    resources: tuple[Resource, ...]
    problems: tuple[Problem, ...] = ()
    # for each resource of the result, the position of the input resource it comes from (a patch
    # that deletes an object removes it; order is kept)
    origins: tuple[int, ...] = ()


def apply_patches(resources: Sequence[Resource], patches: Sequence[Patch]) -> PatchResult:
    """The resources after every patch, in order (see the module docstring)."""
    current = tuple(resources)
    origins = list(range(len(current)))
    problems: list[Problem] = []
    for patch in patches:
        app = _Application(patch, problems)
        current = app.run(current)
        origins = [origins[i] for i in app.kept] if app.kept is not None else origins
    return PatchResult(current, tuple(problems), tuple(origins))


class _Application:
    def __init__(self, patch: Patch, problems: list[Problem]):
        self.patch = patch
        self.problems = problems
        self.kept: list[int] | None = None  # input positions that survive, when some were deleted

    def fail(self, message: str, loc: Loc | None = None, certain: bool = True) -> None:
        self.problems.append(Problem("patch-failed", message, loc or self.patch.where, certain))

    def run(self, resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
        docs = [d for d in self.patch.documents if d is not None]
        try:
            if len(docs) == 1 and isinstance(docs[0], list):
                return self._json6902(resources, docs[0])
            if docs and all(isinstance(d, Mapping) for d in docs):
                return self._strategic(resources, docs)
        except PatchError as exc:
            self.fail(exc.message, exc.loc)
            return resources
        what = "is empty" if not docs else "is neither a strategic merge patch nor a JSON 6902 patch"
        self.fail(f"the patch {what}: kustomize cannot parse it", certain=bool(docs))
        return resources

    def _selected(self, resources: tuple[Resource, ...]) -> list[int]:
        selector = Selector(self.patch.target or Target(), self.patch.where)
        self.problems.extend(selector.problems)
        return selector.select(resources)

    def _json6902(self, resources: tuple[Resource, ...], ops: list) -> tuple[Resource, ...]:
        if self.patch.target is None:
            raise PatchError("a JSON 6902 patch needs a target")
        out = list(resources)
        for i in self._selected(resources):
            res = resources[i]
            data = apply_json_patch(res.data, ops)
            if not isinstance(data, YMap):
                raise PatchError("the patch does not leave a mapping")
            out[i] = _renamed(res, data)
        return tuple(out)

    def _strategic(self, resources: tuple[Resource, ...], docs: list[Mapping]) -> tuple[Resource, ...]:
        for doc in docs:
            if not any(doc.get(key) for key in ("apiVersion", "kind", "metadata")):
                raise PatchError("the patch has no apiVersion, kind or metadata (missing Resource metadata)")
        out: list[Resource | None] = list(resources)
        for doc in docs:
            if self.patch.target is None:
                indices = [self._by_id(out, doc)]
            else:
                indices = self._selected(tuple(r for r in out if r is not None))
                alive = [i for i, r in enumerate(out) if r is not None]
                indices = [alive[i] for i in indices]
            for i in indices:
                out[i] = self._merge(out[i], doc)  # type: ignore[arg-type]
        if any(r is None for r in out):
            self.kept = [i for i, r in enumerate(out) if r is not None]
        return tuple(r for r in out if r is not None)

    def _by_id(self, resources: list[Resource | None], doc: Mapping) -> int:
        """kustomize's GetById(patch.OrgId()): the one object with the patch's identity."""
        api_version = label_text(doc.get("apiVersion"))
        kind = label_text(doc.get("kind"))
        meta = doc.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        name = label_text(meta.get("name"))
        group, version = split_api_version(api_version)
        namespace = effective_namespace(group, kind, label_text(meta.get("namespace")) or None)
        found = [
            i
            for i, res in enumerate(resources)
            if res is not None
            and res.api_version == api_version
            and res.kind == kind
            and any(n == name and res.effective_namespace(ns) == namespace for n, ns in res.ids)
        ]
        if len(found) != 1:
            many = "several objects have" if found else "no object has"
            ident = f"{kind}.{version}.{group or 'core'}/{name}.{namespace}"
            raise PatchError(f"{many} the identity of this patch ({ident}): kustomize cannot find its target")
        return found[0]

    def _merge(self, res: Resource, doc: Mapping) -> Resource | None:
        merger = Merger()
        schema = schema_for(res.group, res.kind)
        where = doc.loc() if isinstance(doc, YMap) else self.patch.where
        merged = merger.merge(res.data, doc, schema, where)
        self.problems.extend(merger.notes)
        if merged is DELETED or not merged:
            return None
        data = _restore_identity(merged, res.data, self.patch)
        if self.patch.allow_name_change:
            return _renamed(res, data)
        return Resource(data, res.previous)


def _restored(node: YMap, original: YMap, keys: list[str]) -> YMap:
    """`node` with the original's values (or absence) for `keys`, copied only when one differs."""
    out = node
    for key in keys:
        if out.get(key) != original.get(key):
            out = out.clone() if out is node else out
            if key in original:
                out.take(key, original[key], original, key)
            else:
                del out[key]
    return out


def _restore_identity(merged: YMap, original: YMap, patch: Patch) -> YMap:
    """A merged object with the original's apiVersion, kind (unless allowed to change), name
    (likewise) and namespace."""
    out = _restored(merged, original, ["apiVersion"] + ([] if patch.allow_kind_change else ["kind"]))
    meta, original_meta = out.get("metadata"), original.get("metadata")
    if not isinstance(meta, YMap) or not isinstance(original_meta, YMap):
        return out
    new_meta = _restored(meta, original_meta, ["namespace"] + ([] if patch.allow_name_change else ["name"]))
    if new_meta is not meta:
        out = out.clone() if out is merged else out
        out["metadata"] = new_meta
    return out


def _renamed(res: Resource, data: YMap) -> Resource:
    """The resource with new data, remembering its former identity when the data renames it."""
    new = Resource(data, res.previous)
    if (new.name, new.namespace) != (res.name, res.namespace):
        return replace(new, previous=(*res.previous, (res.name, res.namespace)))
    return new
