"""kustomize strategic merge patches, as kyaml merges them.

Upstream: kustomize api/filters/patchstrategicmerge (merge2.Merge with ListIncreaseDirection
Prepend), kyaml/yaml/merge2/merge2.go and smpdirective.go, kyaml/yaml/walk/{walk,map,
associative_sequence,nonassociative_sequence}.go.

* Mappings merge key by key; a `null` value deletes the key; a scalar replaces; a mapping meeting
  a scalar or a list (or the reverse) is an error that fails the build.
* `$patch: delete` on a mapping deletes it (on the object itself: the object is removed),
  `$patch: replace` replaces it with the patch's mapping, `$patch: merge` is the default.
* A list replaces the object's list, as written in the patch, unless kyaml's OpenAPI schema for a
  built-in kind gives it a patch strategy `merge` (a custom resource has no schema, so every list
  of a HelmRelease, a Kustomization or any CRD replaces). A merged list pairs items by their merge
  keys (the schema's `x-kubernetes-list-map-keys`, else `x-kubernetes-patch-merge-key`: the
  `patchMergeKey` tags of k8s.io/api core/v1 and meta/v1 types.go, tabulated in `_SCHEMAS`);
  keys missing from a patch item are not compared. Items of the patch come first, in the patch's
  order, then the object's other items (kubernetes-sigs/kustomize#5904). A list of scalars with
  strategy merge (`finalizers`) is a union, the patch's items first.
* In a merged list, an item `{$patch: delete}` deletes the list, `{$patch: replace}` replaces it
  with the patch's other items; an item `{name: x, $patch: delete}` deletes that item. An item
  `{name: x, $patch: replace}` is ignored by current kustomize: the object's item stays as it
  was (kubernetes-sigs/kustomize#6146); reported as a Problem.
* `$retainKeys`, `$setElementOrder/...` and `$deleteFromPrimitiveList/...` are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.kustomize.problem import Problem
from obslint.kustomize.resource import label_text
from obslint.load.yamlfile import MAX_DEPTH, YMap, YSeq

DIRECTIVE = "$patch"
_DROPPED_PREFIXES = ("$setElementOrder/", "$deleteFromPrimitiveList/")


class _Deleted:
    def __repr__(self) -> str:
        return "DELETED"


DELETED = _Deleted()  # what a merge returns for a value the patch removes


class PatchError(Exception):
    """kustomize refuses the patch (the build fails)."""

    def __init__(self, message: str, loc: Loc | None = None):
        super().__init__(message)
        self.message, self.loc = message, loc


@dataclass(frozen=True)
class Schema:
    """What kyaml's OpenAPI schema says of a field: its sub-fields, and for a list whether it is
    merged (`keys`: the merge keys, () for a list of scalars merged as a set; None: replaced)."""

    fields: Mapping[str, Schema] = field(default_factory=dict)
    keys: tuple[str, ...] | None = None
    items: Schema | None = None

    def field(self, name: str) -> Schema | None:
        return self.fields.get(name)


def _merged(keys: tuple[str, ...], items: Schema | None = None) -> Schema:
    return Schema(keys=keys, items=items)


_OBJECT_META = Schema({"ownerReferences": _merged(("uid",)), "finalizers": _merged(())})
_CONTAINER = Schema(
    {
        "env": _merged(("name",)),
        "ports": _merged(("containerPort", "protocol")),
        "volumeMounts": _merged(("mountPath",)),
        "volumeDevices": _merged(("devicePath",)),
    }
)
_POD_SPEC = Schema(
    {
        "containers": _merged(("name",), _CONTAINER),
        "initContainers": _merged(("name",), _CONTAINER),
        "ephemeralContainers": _merged(("name",), _CONTAINER),
        "volumes": _merged(("name",)),
        "imagePullSecrets": _merged(("name",)),
        "hostAliases": _merged(("ip",)),
        "topologySpreadConstraints": _merged(("topologyKey", "whenUnsatisfiable")),
        "resourceClaims": _merged(("name",)),
        "schedulingGates": _merged(("name",)),
    }
)
_POD_TEMPLATE = Schema({"metadata": _OBJECT_META, "spec": _POD_SPEC})
_WORKLOAD = Schema({"metadata": _OBJECT_META, "spec": Schema({"template": _POD_TEMPLATE})})
_WEBHOOKS = Schema({"metadata": _OBJECT_META, "webhooks": _merged(("name",))})

_SCHEMAS: dict[tuple[str, str], Schema] = {
    ("", "Pod"): Schema({"metadata": _OBJECT_META, "spec": _POD_SPEC}),
    ("", "PodTemplate"): Schema({"metadata": _OBJECT_META, "template": _POD_TEMPLATE}),
    ("", "ReplicationController"): _WORKLOAD,
    ("apps", "Deployment"): _WORKLOAD,
    ("apps", "StatefulSet"): _WORKLOAD,
    ("apps", "DaemonSet"): _WORKLOAD,
    ("apps", "ReplicaSet"): _WORKLOAD,
    ("batch", "Job"): _WORKLOAD,
    ("batch", "CronJob"): Schema({"metadata": _OBJECT_META, "spec": Schema({"jobTemplate": _WORKLOAD})}),
    ("", "Service"): Schema({"metadata": _OBJECT_META, "spec": Schema({"ports": _merged(("port", "protocol"))})}),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): _WEBHOOKS,
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): _WEBHOOKS,
}
# API groups of the Kubernetes API itself: kyaml has a schema (hence ObjectMeta's merge keys) for
# their kinds, and none for custom resources.
_BUILTIN_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
    }
)
_BUILTIN = Schema({"metadata": _OBJECT_META})


def schema_for(group: str, kind: str) -> Schema | None:
    """kyaml's schema for a kind (None for a custom resource)."""
    return _SCHEMAS.get((group, kind)) or (_BUILTIN if group in _BUILTIN_GROUPS else None)


def _is_container(value: Any) -> bool:
    return isinstance(value, (Mapping, list))


def _same_node(new: Any, old: Any) -> bool:
    """Whether `new` is `old` or a copy of it (clones keep the source and position)."""
    if new is old:
        return True
    return (
        isinstance(new, (YMap, YSeq))
        and type(new) is type(old)
        and (new.src, new.line, new.col) == (old.src, old.line, old.col)
    )


def _kind_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a scalar"


def _list_directive(patch: YSeq) -> tuple[str, int] | None:
    """(value, index) of an item `{$patch: value}` that addresses the whole list."""
    for i, item in enumerate(patch):
        if isinstance(item, Mapping) and len(item) == 1 and DIRECTIVE in item:
            return label_text(item[DIRECTIVE]), i
    return None


def _without(seq: YSeq, index: int) -> YSeq:
    out = YSeq(seq.src, seq.line, seq.col)
    for i, item in enumerate(seq):
        if i != index:
            out.take(item, seq, i)
    return out


class Merger:
    """One strategic merge; `notes` collects what kustomize does differently from what was written."""

    def __init__(self) -> None:
        self.notes: list[Problem] = []

    def merge(self, dest: Any, patch: Any, schema: Schema | None, where: Loc | None, depth: int = 0) -> Any:
        """The merge of `patch` into `dest` (None: absent), or DELETED. `where` locates the patch."""
        if depth > MAX_DEPTH:
            raise PatchError("the patch is nested too deeply to apply", where)
        if patch is None:
            return DELETED
        if isinstance(patch, Mapping):
            if dest is not None and not isinstance(dest, Mapping):
                raise PatchError(f"the patch has a mapping where the object has {_kind_name(dest)}", where)
            return self._map(dest, patch, schema, depth)
        if isinstance(patch, list):
            if dest is not None and not isinstance(dest, list):
                raise PatchError(f"the patch has a list where the object has {_kind_name(dest)}", where)
            return self._list(dest, patch, schema, where, depth)
        if _is_container(dest):
            raise PatchError(f"the patch has a scalar where the object has {_kind_name(dest)}", where)
        return patch

    def _map(self, dest: Mapping | None, patch: Mapping, schema: Schema | None, depth: int) -> Any:
        directive = patch.get(DIRECTIVE)
        if directive is not None:
            directive = label_text(directive)
            if directive == "delete":
                return DELETED
            if directive == "replace":
                dest = None
            elif directive != "merge":
                raise PatchError(f"unknown patch strategy {directive!r}", _loc(patch, DIRECTIVE))
        if dest is None:
            return self._clean(patch, schema, depth)
        out: Any = None
        for key, value in patch.items():
            if _is_directive(key):
                continue
            old = dest.get(key)
            new = self.merge(old, value, _field(schema, key), _loc(patch, key), depth + 1)
            if new is DELETED:
                if key in dest:
                    out = out if out is not None else _copy(dest)
                    del out[key]
                continue
            if key in dest and new is old:
                continue
            out = out if out is not None else _copy(dest)
            if key in dest and _same_node(new, old):
                out[key] = new  # the object's own mapping or list, merged: it keeps its position
            else:
                _put(out, key, new, patch, key)
        return dest if out is None else out

    def _clean(self, patch: Mapping, schema: Schema | None, depth: int) -> Any:
        """The patch's mapping merged onto nothing: without directives and nulls (copied only
        when it holds any)."""
        out: Any = None
        for key, value in patch.items():
            new = (
                DELETED
                if _is_directive(key)
                else self.merge(None, value, _field(schema, key), _loc(patch, key), depth + 1)
            )
            if new is value:
                continue
            out = out if out is not None else _copy(patch)
            if new is DELETED:
                del out[key]
            else:
                out[key] = new
        return patch if out is None else out

    def _list(self, dest: list | None, patch: list, schema: Schema | None, where: Loc | None, depth: int) -> Any:
        if schema is None or schema.keys is None:
            return patch  # replaced as written (kyaml does not look inside a non-merged list)
        if dest is not None:
            directive = _list_directive(patch) if isinstance(patch, YSeq) else None
            if directive is not None:
                value, index = directive
                if value == "delete":
                    return DELETED
                if value not in ("replace", "merge"):
                    raise PatchError(f"unknown patch strategy {value!r}", where)
                patch = _without(patch, index)
                if value == "replace":
                    dest = None
        if not schema.keys:
            return self._union(dest, patch)
        return self._keyed(dest, patch, schema, where, depth)

    def _union(self, dest: list | None, patch: list) -> Any:
        seen: set[str] = set()
        items: list[tuple[Any, list, int]] = []
        for seq in (patch, dest or []):
            for i, item in enumerate(seq):
                text = label_text(item)
                if item is not None and text not in seen:
                    seen.add(text)
                    items.append((item, seq, i))
        return _rebuild(dest, patch, items)

    def _keyed(self, dest: list | None, patch: list, schema: Schema, where: Loc | None, depth: int) -> Any:
        keys = schema.keys or ()

        def key_of(item: Any) -> tuple[str, ...]:
            return tuple(label_text(item.get(k)) if isinstance(item, Mapping) else "" for k in keys)

        dest_keys = [key_of(item) for item in dest or ()]
        patch_keys = [key_of(item) for item in patch]

        def first_index(item_keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
            index: dict[tuple[str, ...], int] = {}
            for i, k in enumerate(item_keys):
                index.setdefault(k, i)
            return index

        dest_index, patch_index = first_index(dest_keys), first_index(patch_keys)

        def find(item_keys: list[tuple[str, ...]], index: dict, wanted: tuple[str, ...]) -> int | None:
            """The first item whose keys equal the wanted ones that are not empty (kyaml's
            validateKeys: a key missing from an item is not compared)."""
            if all(wanted):
                return index.get(wanted)
            if not any(wanted):
                return None
            pairs = [(i, v) for i, v in enumerate(wanted) if v]
            return next((n for n, k in enumerate(item_keys) if all(k[i] == v for i, v in pairs)), None)

        order = list(dict.fromkeys([*patch_keys, *dest_keys]))
        items: list[tuple[Any, list, int]] = []
        for wanted in order:
            d = find(dest_keys, dest_index, wanted) if dest is not None else None
            p = find(patch_keys, patch_index, wanted)
            if p is None:
                if d is not None:
                    items.append((dest[d], dest, d))  # type: ignore[index]
                continue
            patch_item = patch[p]
            if d is not None and isinstance(patch_item, Mapping) and label_text(patch_item.get(DIRECTIVE)) == "replace":
                self.notes.append(
                    Problem(
                        "ignored-patch-directive",
                        "kustomize ignores `$patch: replace` on a merged list item and keeps the item as it was"
                        " (kubernetes-sigs/kustomize#6146)",
                        _loc(patch, p),
                        certain=False,
                    )
                )
                items.append((dest[d], dest, d))  # type: ignore[index]
                continue
            old = dest[d] if d is not None else None  # type: ignore[index]
            new = self.merge(old, patch_item, schema.items, _loc(patch, p), depth + 1)
            if new is DELETED or (isinstance(new, Mapping) and not new):
                continue
            if old is not None and _same_node(new, old):
                items.append((new, dest, d))  # type: ignore[arg-type]
            else:
                items.append((new, patch, p))
        # Items without any merge key cannot be paired: the object's stay, the patch's are added.
        for i, item in enumerate(dest or ()):
            if not any(dest_keys[i]):
                items.append((item, dest, i))  # type: ignore[arg-type]
        for i, item in enumerate(patch):
            if not any(patch_keys[i]):
                new = self.merge(None, item, schema.items, _loc(patch, i), depth + 1)
                if new is not DELETED and not (isinstance(new, Mapping) and not new):
                    items.append((new, patch, i))
        return _rebuild(dest, patch, items)


def _is_directive(key: Any) -> bool:
    return key in (DIRECTIVE, "$retainKeys") or (isinstance(key, str) and key.startswith(_DROPPED_PREFIXES))


def _field(schema: Schema | None, key: Any) -> Schema | None:
    return schema.field(key) if schema is not None and isinstance(key, str) else None


def _copy(node: Any) -> Any:
    return node.clone() if isinstance(node, (YMap, YSeq)) else type(node)(node)


def _unchanged(seq: list, items: list[tuple[Any, list, int]]) -> bool:
    return len(items) == len(seq) and all(v is seq[i] and s is seq for i, (v, s, _) in enumerate(items))


def _loc(container: Any, key: Any) -> Loc | None:
    return container.loc(key) if isinstance(container, (YMap, YSeq)) else None


def _put(out: Any, key: Any, value: Any, source: Any, source_key: Any) -> None:
    """Set out[key] to a value coming from source[source_key], with that position when known."""
    if isinstance(out, YMap) and isinstance(source, YMap):
        out.take(key, value, source, source_key)
    else:
        out[key] = value


def _rebuild(dest: list | None, patch: list, items: list[tuple[Any, list, int]]) -> Any:
    """The list of `items` (value, the list it stands in, its index there), positioned where each
    stands; `dest` itself when it comes out unchanged, the patch's list for a new list."""
    base = dest if dest is not None else patch
    if _unchanged(base, items):
        return base
    if not isinstance(base, YSeq):
        return [v for v, _, _ in items]
    out = YSeq(base.src, base.line, base.col)
    for value, seq, index in items:
        if isinstance(seq, YSeq):
            out.take(value, seq, index)
        else:
            out.append(value)
            out.add_pos(base.line, base.col)
    return out
