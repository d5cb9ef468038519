"""kustomize builtin transformer plugins listed under a kustomization's `transformers:`.

kustomize runs a kustomization's own transformers (patches, `namespace:`, `namePrefix:`, labels...)
and then the plugin configs of `transformers:` in order (api/internal/target/kusttarget.go,
runTransformers and configureExternalTransformers). A config with `apiVersion: builtin` is one of
kustomize's builtin plugins (api/builtins). Those done here, as their filters do them:

- NamespaceTransformer (api/builtins/NamespaceTransformer.go, api/filters/namespace): sets
  `metadata.namespace` of every namespaced object, then each fieldSpec; `metadata/name` specs only
  on `apiVersion: v1` objects (the Namespace); role binding subjects per `setRoleBindingSubjects`;
  with `unsetOnly` only empty fields are set. An empty `metadata.namespace` makes it a no-op.
- PrefixSuffixTransformer (api/builtins/PrefixSuffixTransformer.go, api/filters/prefixsuffix):
  prefix and suffix on each fieldSpec, CRDs, APIServices and Namespaces skipped.
- LabelTransformer / AnnotationsTransformer (api/filters/labels, api/filters/annotations): the
  pairs merged into the mapping at each fieldSpec (no fieldSpec: nothing changes).

A fieldSpec (api/filters/fieldspec/fieldspec.go) selects objects by kind, group and version and
walks `path` split on `/`, through every element of a sequence on the way; `create: true` makes
missing fields. Any other config - another builtin, an exec or Go plugin, a config kustomize would
reject - changes nothing here, as before: `apply_transformer` returns None for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from obslint.load import YMap, YSeq
from obslint.model.flux.build import Item, set_metadata
from obslint.model.flux.kinds import CLUSTER_SCOPED

Setter = Callable[[Any, Any], Any]  # (the container, the current value or None) -> the new value


class _Unsupported(Exception):
    """A config or object kustomize would reject: the transformer is left out."""


def _gv(api_version: str) -> tuple[str, str]:
    """(group, version) as kustomize parses an apiVersion (fieldspec/gvk.go parseGV)."""
    group, _, version = api_version.partition("/")
    if not version and len(group) >= 2 and group[0] == "v" and group[1] in "12":
        return "", group
    return group, version


class FieldSpec:
    def __init__(self, node: Any):
        if not isinstance(node, dict) or not isinstance(node.get("path"), str):
            raise _Unsupported
        self.path: str = node["path"]
        self.kind, self.group, self.version = (node.get(k) or "" for k in ("kind", "group", "version"))
        self.create = node.get("create") is True

    def selects(self, item: Item) -> bool:
        group, version = _gv(item.written.api_version)
        return all(
            not want or want == got
            for want, got in ((self.kind, item.kind), (self.group, group), (self.version, version))
        )

    def parts(self) -> list[str]:
        """The path split on `/`, a `\\/` kept inside its part (fieldspec.go splitPath)."""
        out: list[str] = []
        for p in self.path.split("/"):
            if out and out[-1].endswith("\\"):
                out[-1] = out[-1][:-1] + "/" + p
            else:
                out.append(p)
        return out


def _field_specs(config: YMap) -> list[FieldSpec]:
    specs = config.get("fieldSpecs")
    if specs is None:
        return []
    if not isinstance(specs, list):
        raise _Unsupported
    return [FieldSpec(s) for s in specs]


def _set_path(node: Any, parts: list[str], setter: Setter, create: bool) -> Any:
    """`node` with the field at `parts` set (copies made on the way; `node` itself when unchanged)."""
    if isinstance(node, list):  # a sequence on the way: every element (fieldspec.go seq)
        out = None
        for i, element in enumerate(node):
            new = _set_path(element, parts, setter, create)
            if new is not element:
                out = out if out is not None else (node.clone() if isinstance(node, YSeq) else list(node))
                out[i] = new
        return node if out is None else out
    if not isinstance(node, dict):
        raise _Unsupported  # "expected sequence or mapping node"
    name, is_seq = parts[0].removesuffix("[]"), parts[0].endswith("[]")
    last = len(parts) == 1
    if name not in node:
        if not create or is_seq:
            return node
        child: Any = None if last else YMap(node.src, node.line, node.col) if isinstance(node, YMap) else {}
    else:
        child = node[name]
        if child is None and not last:
            if not create:
                return node
            child = YMap(node.src, node.line, node.col) if isinstance(node, YMap) else {}
    new = setter(node, child) if last else _set_path(child, parts[1:], setter, create)
    if new is child and name in node:
        return node
    out = node.clone() if isinstance(node, YMap) else dict(node)
    out[name] = new
    return out


def _scalar(value: str, unset_only: bool) -> Setter:
    def set_value(_container: Any, old: Any) -> Any:
        if isinstance(old, (dict, list)):
            raise _Unsupported  # "namespace field specs must target scalar nodes"
        return old if unset_only and old not in (None, "") else value

    return set_value


def _merged(pairs: dict[str, str]) -> Setter:
    def merge(container: Any, old: Any) -> Any:
        if old is None:
            old = YMap(container.src, container.line, container.col) if isinstance(container, YMap) else {}
        if not isinstance(old, dict):
            raise _Unsupported
        if all(old.get(k) == v for k, v in pairs.items()):
            return old
        out = old.clone() if isinstance(old, YMap) else dict(old)
        out.update(pairs)
        return out

    return merge


def _apply_spec(item: Item, spec: FieldSpec, setter: Setter) -> Item:
    if not spec.selects(item):
        return item
    data = _set_path(item.data, spec.parts(), setter, spec.create)
    return item if data is item.data else item.with_data(data)


def _namespace(items: list[Item], config: YMap) -> list[Item]:
    ns = config.get("metadata", {}).get("namespace") if isinstance(config.get("metadata"), dict) else None
    if not isinstance(ns, str) or not ns:
        return items
    unset_only = config.get("unsetOnly") is True
    mode = config.get("setRoleBindingSubjects") or "defaultOnly"
    if mode not in ("defaultOnly", "allServiceAccounts", "none"):
        raise _Unsupported
    specs = [s for s in _field_specs(config) if s.path != "metadata/namespace"]
    out = []
    for it in items:
        if it.kind not in CLUSTER_SCOPED and not (unset_only and it.namespace):
            it = set_metadata(it, namespace=ns)
        if it.kind in ("RoleBinding", "ClusterRoleBinding"):
            it = _subjects(it, ns, mode, unset_only)
        for spec in specs:
            if it.kind in ("RoleBinding", "ClusterRoleBinding") and spec.path == "subjects/namespace":
                continue  # done by the subjects mode
            if spec.path == "metadata/name":
                if it.written.api_version == "v1" and spec.selects(it) and not unset_only:
                    it = set_metadata(it, name=ns)  # a Namespace takes the namespace's name
                continue
            it = _apply_spec(it, spec, _scalar(ns, unset_only))
        out.append(it)
    return out


def _subjects(item: Item, ns: str, mode: str, unset_only: bool) -> Item:
    """Role binding subjects: named `default` (defaultOnly), of kind ServiceAccount
    (allServiceAccounts), or none."""
    subjects = item.data.get("subjects")
    if mode == "none" or not isinstance(subjects, list):
        return item
    key = "name" if mode == "defaultOnly" else "kind"
    wanted = "default" if mode == "defaultOnly" else "ServiceAccount"
    out = subjects.clone() if isinstance(subjects, YSeq) else list(subjects)
    changed = False
    for i, s in enumerate(subjects):
        old = s.get("namespace") if isinstance(s, dict) else None
        if isinstance(s, dict) and s.get(key) == wanted and old != ns and not (unset_only and old):
            new = s.clone() if isinstance(s, YMap) else dict(s)
            new["namespace"] = ns
            out[i], changed = new, True
    if not changed:
        return item
    data = item.data.clone()
    data["subjects"] = out
    return item.with_data(data)


_PREFIX_SKIPPED = ("CustomResourceDefinition", "Namespace")


def _prefix_suffix(items: list[Item], config: YMap) -> list[Item]:
    prefix, suffix = config.get("prefix") or "", config.get("suffix") or ""
    if config.get("fieldSpecs") is None or not isinstance(prefix, str) or not isinstance(suffix, str):
        raise _Unsupported  # "fieldSpecs is not expected to be nil"
    specs = _field_specs(config)
    out = []
    for it in items:
        group, _ = _gv(it.written.api_version)
        if it.kind in _PREFIX_SKIPPED or (it.kind == "APIService" and group == "apiregistration.k8s.io"):
            out.append(it)
            continue
        for spec in specs:
            if spec.path == "metadata/name":
                if spec.selects(it):
                    it = set_metadata(it, name=f"{prefix}{it.name}{suffix}")
                continue

            def affix(_container: Any, old: Any) -> Any:
                if isinstance(old, (dict, list)):
                    raise _Unsupported
                return f"{prefix}{'' if old is None else old}{suffix}"

            it = _apply_spec(it, spec, affix)
        out.append(it)
    return out


def _pairs(items: list[Item], config: YMap, field: str) -> list[Item]:
    pairs = config.get(field)
    if pairs is None:
        return items
    if not isinstance(pairs, dict):
        raise _Unsupported
    values = {str(k): "" if v is None else str(v) for k, v in pairs.items()}
    specs = _field_specs(config)
    out = []
    for it in items:
        for spec in specs:
            it = _apply_spec(it, spec, _merged(values))
        out.append(it)
    return out


_BUILTINS: dict[str, Callable[[list[Item], YMap], list[Item]]] = {
    "NamespaceTransformer": _namespace,
    "PrefixSuffixTransformer": _prefix_suffix,
    "LabelTransformer": lambda items, config: _pairs(items, config, "labels"),
    "AnnotationsTransformer": lambda items, config: _pairs(items, config, "annotations"),
}


def apply_transformer(items: list[Item], config: Any) -> list[Item] | None:
    """The items as one transformer config leaves them; None: a config this model does not run."""
    if not isinstance(config, YMap) or config.get("apiVersion") != "builtin":
        return None
    run = _BUILTINS.get(config.get("kind"))  # type: ignore[arg-type]
    if run is None:
        return None
    try:
        return run(items, config)
    except _Unsupported:
        return None
