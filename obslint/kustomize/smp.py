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
  `patchMergeKey` tags of k8s.io/api core/v1 and meta/v1 types.go, tabulated in `_SCHEMAS`),
  exactly as kyaml does, quirks included (`_KeyedList`). With one key the patch's items come
  first, in the patch's order, then the object's other items (kubernetes-sigs/kustomize#5904);
  with several (container and Service ports) new items come first and the object's keep their
  order. A list of scalars with strategy merge (`finalizers`) is a union, the patch's first.
  Where kyaml loses part of a patch (an item paired with nothing, a delete that deletes nothing,
  an item without a merge key that empties the list) an uncertain Problem says so: every such
  behaviour was checked against kustomize 5.8 (tests/kustomize/test_against_kustomize.py).
* In a merged list, an item `{$patch: delete}` deletes the list, `{$patch: replace}` replaces it
  with the patch's other items; an item `{name: x, $patch: delete}` deletes that item. An item
  `{name: x, $patch: replace}` is ignored by current kustomize: the object's item stays as it
  was (kubernetes-sigs/kustomize#6146); reported as an uncertain Problem.
* `$retainKeys`, `$setElementOrder/...` and `$deleteFromPrimitiveList/...` are not implemented
  by kyaml, which copies them into the object as fields; they are left out of the result here and
  reported as an uncertain Problem (what happens next depends on the API server's schema).
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
            if self._directive(patch, key):
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

    def _directive(self, patch: Mapping, key: Any) -> bool:
        """Whether `key` is a directive (left out of the result); notes the ones kustomize does
        not implement, which it writes into the object as plain fields."""
        if not _is_directive(key):
            return False
        if key != DIRECTIVE:
            where = patch.key_loc(key) if isinstance(patch, YMap) else None
            self.notes.append(
                Problem(
                    "unsupported-patch-directive",
                    f"kustomize does not implement {key!r}: it writes it into the object as a field"
                    " (the API server may refuse it or drop it)",
                    where,
                    certain=False,
                )
            )
        return True

    def _clean(self, patch: Mapping, schema: Schema | None, depth: int) -> Any:
        """The patch's mapping merged onto nothing: without directives and nulls (copied only
        when it holds any)."""
        out: Any = None
        for key, value in patch.items():
            new = (
                DELETED
                if self._directive(patch, key)
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
        """kyaml's setAssociativeSequenceElements and appendListNode with ListIncreaseDirection
        Prepend, quirks included (see `_KeyedList`)."""
        keys = schema.keys or ()
        if dest is None:  # a new list: the patch's items, merged onto nothing
            items = [
                (self.merge(None, item, schema.items, _loc(patch, i), depth + 1), patch, i)
                for i, item in enumerate(patch)
            ]
            return _rebuild(None, patch, [it for it in items if not _gone(it[0])])
        work = _KeyedList(keys, dest, patch)
        used: set[int] = set()
        for wanted in work.values:
            d, p = work.find(dest, wanted, work.remaining), work.find(patch, wanted, range(len(patch)))
            if p is None:
                new = DELETED if d is None else work.current.get(d, dest[d])
                origin = (dest, d)
            elif d is not None and _is_replace(patch[p]):
                used.add(p)
                self._note(
                    "ignored-patch-directive",
                    "kustomize ignores `$patch: replace` on a merged list item and keeps the item as it was"
                    " (kubernetes-sigs/kustomize#6146)",
                    _loc(patch, p),
                )
                new, origin = self.merge(None, patch[p], schema.items, _loc(patch, p), depth + 1), (patch, p)
            else:
                used.add(p)
                old = dest[d] if d is not None else None
                new = self.merge(old, patch[p], schema.items, _loc(patch, p), depth + 1)
                origin = (dest, d) if old is not None and _same_node(new, old) else (patch, p)
                if d is not None and not _gone(new):
                    work.current[d] = new  # kyaml merges the object's item in place
            if not _gone(new):
                work.add((new, *origin), wanted)  # type: ignore[arg-type]
                continue
            before = len(work.remaining)
            work.delete(wanted)
            if not any(wanted) and len(work.remaining) < before:
                self._note(
                    "patch-item-without-merge-key",
                    f"a patch item without {' or '.join(keys)} makes kustomize remove every list item that has one",
                    where,
                )
            elif d is not None and d in work.remaining:
                self._note(
                    "ignored-patch-item", "kustomize does not delete this list item (kyaml keeps it)", _loc(patch, p)
                )
        for i in sorted(set(range(len(patch))) - used):
            if any(work.key_values(patch[i])):
                self._note(
                    "ignored-patch-item",
                    "kustomize drops this list item of the patch: kyaml pairs it with no item (mergeValues)",
                    _loc(patch, i),
                )
        return _rebuild(dest, patch, work.result())

    def _note(self, kind: str, message: str, loc: Loc | None) -> None:
        """What kustomize does differently from what the patch says (a kustomize behaviour that
        may change, so never certain)."""
        self.notes.append(Problem(kind, message, loc, certain=False))


_Entry = tuple[Any, list, int]  # a list item, the list it stands in and its index there


def _gone(value: Any) -> bool:
    return value is DELETED or (isinstance(value, Mapping) and not value)


def _is_replace(item: Any) -> bool:
    return isinstance(item, Mapping) and label_text(item.get(DIRECTIVE)) == "replace"


def _merged_values(values: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """kyaml mergeValues: two key tuples that share a value and differ only where one is empty
    become their union (in place, in kyaml's order)."""
    out = list(values)
    for i in range(len(out)):
        for j in range(len(out)):
            a, b = out[i], out[j]
            if any(x and y and x != y for x, y in zip(a, b, strict=True)) or not any(
                x == y for x, y in zip(a, b, strict=True)
            ):
                continue
            union = tuple(x or y for x, y in zip(a, b, strict=True))
            out[i] = out[j] = union
    return out


class _KeyedList:
    """The state of one merge of a list with merge keys, as kyaml's walk/associative_sequence.go
    keeps it. Its observable quirks, checked against kustomize 5.8: with several keys, mergeValues
    pairs `{port: 3}` with `{port: 3, protocol: UDP}` and the patch's item is then not found (its
    fields are lost), a delete of `{port: 1}` needs every key present, new items come first and
    the object's items follow in their own order; an item without any merge key removes every item
    that has one."""

    def __init__(self, keys: tuple[str, ...], dest: list, patch: list):
        self.keys, self.dest = keys, dest
        values = list(dict.fromkeys([*map(self.key_values, patch), *map(self.key_values, dest)]))
        self.values = _merged_values(values) if len(keys) > 1 else values
        used = {i for v in self.values for i, x in enumerate(v) if x}
        self.positions = sorted(used) or list(range(len(keys)))  # validateKeys over every item
        self.valid_keys = tuple(keys[i] for i in self.positions)
        self.remaining = list(range(len(dest)))  # the object's items not deleted
        self.current: dict[int, Any] = {}  # the object's items as merged
        self.added: list[_Entry] = []  # itemsToBeAdded

    def key_values(self, item: Any) -> tuple[str, ...]:
        """ElementValuesList: each merge key's value, '' when absent."""
        if not isinstance(item, Mapping):
            return ("",) * len(self.keys)
        return tuple(label_text(item.get(k)) if item.get(k) is not None else "" for k in self.keys)

    def valid(self, wanted: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(wanted[i] for i in self.positions)

    def find(self, seq: list, wanted: tuple[str, ...], among) -> int | None:
        """ElementList(validateKeys([wanted])): the first item whose fields equal the wanted
        values that are not empty (all of them, '' included, when every one is empty)."""
        values = self.valid(wanted)
        pairs = [(k, v) for k, v in zip(self.valid_keys, values, strict=True) if v]
        pairs = pairs or list(zip(self.valid_keys, values, strict=True))
        for i in among:
            item = seq[i]
            if isinstance(item, Mapping) and all(k in item and label_text(item[k]) == v for k, v in pairs):
                return i
        return None

    def delete(self, wanted: tuple[str, ...]) -> None:
        entries = [(self.dest[i], self.dest, i) for i in self.remaining]
        kept = _element_setter(entries, self.valid_keys, list(self.valid(wanted)), None)
        self.remaining = [i for _, _, i in kept]

    def add(self, entry: _Entry, wanted: tuple[str, ...]) -> None:
        self.added = _element_setter(self.added, self.valid_keys, list(self.valid(wanted)), entry)

    def result(self) -> list[_Entry]:
        """appendListNode(itemsToBeAdded, the object's items): each item of the object replaces
        (one key) or is moved after (several keys) the added item with its keys."""
        if not self.values:
            return [(self.current.get(i, self.dest[i]), self.dest, i) for i in self.remaining]
        out = self.added
        for i in self.remaining:
            entry = (self.current.get(i, self.dest[i]), self.dest, i)
            item = entry[0]
            values: list[str] = []
            for key in self.valid_keys:
                if not isinstance(item, Mapping) or key not in item:
                    out.append(entry)  # kyaml appends it as is, then goes on with the next key
                    continue
                values.append(label_text(item[key]))
            if len(self.valid_keys) > 1:
                out = _element_setter(out, self.valid_keys, values, None)
            out = _element_setter(out, self.valid_keys, values, entry)
        return out


def _element_setter(entries: list[_Entry], keys: tuple[str, ...], values: list[str], element: _Entry | None) -> list:
    """kyaml ElementSetter over list entries: replace (or, without `element`, remove) every item
    whose fields match; append `element` when none does. A field matches when present with the
    value, or present at all for ''. Empty items are dropped; with fewer values than keys only
    the first keys are compared, and with no value nothing matches and nothing is kept."""
    out: list[_Entry] = []
    found_any = False
    for entry in entries:
        item = entry[0]
        if item is None or (isinstance(item, Mapping) and not item):
            continue
        if not isinstance(item, Mapping):
            out.append(entry)
            continue
        found = bool(values)
        for j, key in enumerate(keys[: len(values)]):
            value = values[j]
            if key not in item or (value and label_text(item[key]) != value):
                found = False
                break
        if not found:
            if values:
                out.append(entry)
            continue
        found_any = True
        if element is not None:
            out.append(element)
    if element is not None and not found_any:
        out.append(element)
    return out


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
