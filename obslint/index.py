"""The whole-repo index: what rules query instead of reading files.

One pass over the tree builds it: every file read once, every YAML file parsed once, every
Kubernetes object listed by kind, namespace and name with its source position.

Models extend it through memoised functions of the index (`@memoised def flux_graph(index)`):
a caller imports the function and calls it; it is computed at most once per index. Embedded
configs are extracted this way (an Alertmanager config inside HelmRelease values, a River config
inside a ConfigMap): they carry positions from `EmbeddedSource`, so a finding inside the
embedded text points at the right line of the YAML file.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from obslint.findings import Loc
from obslint.load import Document, EmbeddedSource, SourceFile, Tree, YMap, YSeq, parse_yaml
from obslint.redact import Redactor

if TYPE_CHECKING:
    from obslint.config import Config

T = TypeVar("T")
ProviderFn = Callable[["Index"], Any]
# `fn(index)` run once the index is built, whatever rules are selected: they register sensitive
# values with the redactor (the SEC family registers every plaintext credential it finds), so
# no report shows one even when the rules that find them are not selected.
REDACTION_HOOKS: list[ProviderFn] = []


def redaction_hook(fn: ProviderFn) -> ProviderFn:
    if fn not in REDACTION_HOOKS:
        REDACTION_HOOKS.append(fn)
    return fn


def memoised(fn: Callable[[Index], T]) -> Callable[[Index], T]:
    """`fn(index)` computed once per index (an exception is not memoised: the next call retries)."""

    @functools.wraps(fn)
    def get(index: Index) -> T:
        cache = index.memo
        if get in cache:
            return cache[get]
        value = cache[get] = fn(index)
        return value

    return get


def dig(node: Any, *path: Any, default: Any = None) -> Any:
    """node[path[0]][path[1]]..., or default when any step is missing or of the wrong type."""
    for key in path:
        if isinstance(node, dict):
            if key not in node:
                return default
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int):
            if not -len(node) <= key < len(node):
                return default
            node = node[key]
        else:
            return default
    return node


def loc_of(node: YMap | YSeq, *path: Any) -> Loc:
    """The position of the value at `path` below node, or of the deepest part of it that exists."""
    current: Any = node
    best = node.loc()
    for key in path:
        if (isinstance(current, dict) and key in current) or (
            isinstance(current, list) and isinstance(key, int) and -len(current) <= key < len(current)
        ):
            best = current.loc(key)
        else:
            break
        current = current[key]
    return best


@dataclass(eq=False)
class K8sObject:
    """A Kubernetes object as written in the repo (before kustomize or Flux touch it)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None  # as declared in metadata; the Flux family resolves the effective one
    data: YMap
    doc: Document

    @property
    def file(self) -> SourceFile:
        return self.doc.file

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def labels(self) -> dict:
        labels = dig(self.data, "metadata", "labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict:
        ann = dig(self.data, "metadata", "annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def spec(self) -> dict:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def sops(self) -> bool:
        return self.doc.sops

    def get(self, *path: Any, default: Any = None) -> Any:
        return dig(self.data, *path, default=default)

    def loc(self, *path: Any) -> Loc:
        return loc_of(self.data, *path)

    def ref(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"

    def __repr__(self) -> str:
        return f"<{self.ref()} at {self.loc()}>"


@dataclass
class EmbeddedYAML:
    """YAML text held in a string value, parsed with positions mapped into the enclosing file."""

    source: EmbeddedSource
    documents: list[Any]
    problems: list[tuple[str, int, int, str]]

    @property
    def data(self) -> Any:
        return self.documents[0] if self.documents else None


@dataclass(eq=False)
class Index:
    root: str
    tree: Tree
    config: Config
    objects: list[K8sObject] = field(default_factory=list)
    redactor: Redactor = field(default_factory=Redactor)
    notices: list[str] = field(default_factory=list)
    _by_kind: dict[str, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    _by_rel: dict[str, SourceFile] = field(default_factory=dict)
    memo: dict[Callable[..., Any], Any] = field(default_factory=dict)
    _embedded: dict[tuple[int, Any], EmbeddedYAML | None] = field(default_factory=dict)

    @classmethod
    def build(cls, tree: Tree, config: Config) -> Index:
        index = cls(root=tree.root, tree=tree, config=config, notices=list(tree.notices))
        for sf in tree.files:
            index._by_rel[sf.rel] = sf
            for doc in sf.documents:
                index._add_document(doc)
        for hook in REDACTION_HOOKS:
            try:
                hook(index)
            except Exception as exc:  # a hook bug must not stop the run
                index.notice(f"redaction hook {hook.__qualname__} failed ({type(exc).__name__})")
        return index

    def _add_document(self, doc: Document) -> None:
        data = doc.data
        if not isinstance(data, YMap):
            return
        items = data.get("items") if data.get("kind") == "List" else None
        candidates = [i for i in items if isinstance(i, YMap)] if isinstance(items, list) else [data]
        for item in candidates:
            api, kind = item.get("apiVersion"), item.get("kind")
            if not isinstance(api, str) or not isinstance(kind, str):
                continue
            meta = item.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            name = meta.get("name") or meta.get("generateName") or ""
            ns = meta.get("namespace")
            obj = K8sObject(api, kind, str(name), str(ns) if ns not in (None, "") else None, item, doc)
            self.objects.append(obj)
            self._by_kind[kind].append(obj)
            if kind == "Secret":
                self.redactor.add_secret_object(item)

    # --- files -------------------------------------------------------------------------
    @property
    def files(self) -> list[SourceFile]:
        return self.tree.files

    def file(self, rel: str) -> SourceFile | None:
        return self._by_rel.get(rel)

    def exists(self, rel: str) -> bool:
        rel = rel.strip("/")
        return rel in self.tree.paths or rel in self.tree.dirs or rel in ("", ".")

    def is_dir(self, rel: str) -> bool:
        rel = rel.strip("/")
        return rel in self.tree.dirs or rel in ("", ".")

    # --- objects -----------------------------------------------------------------------
    def of_kind(self, *kinds: str, group: str | None = None) -> list[K8sObject]:
        """Objects of these kinds (and API group, when given), in file order."""
        out: list[K8sObject] = []
        for kind in kinds:
            out.extend(o for o in self._by_kind.get(kind, ()) if group is None or o.group == group)
        return out

    def find(self, kind: str, name: str, namespace: str | None = None, group: str | None = None) -> list[K8sObject]:
        return [
            o
            for o in self._by_kind.get(kind, ())
            if o.name == name
            and (namespace is None or o.namespace in (namespace, None))
            and (group is None or o.group == group)
        ]

    def iter_objects(self) -> Iterator[K8sObject]:
        return iter(self.objects)

    def embedded_yaml(self, container: YMap | YSeq, key: Any, name: str = "") -> EmbeddedYAML | None:
        """Parse the YAML text at container[key] once, positions mapped into the file."""
        cache_key = (id(container), key)
        if cache_key not in self._embedded:
            source = EmbeddedSource.from_value(container, key, name)
            if source is None:
                self._embedded[cache_key] = None
            else:
                docs, problems = parse_yaml(source)
                self._embedded[cache_key] = EmbeddedYAML(source, [d for d, _, _ in docs], problems)
        return self._embedded[cache_key]

    def notice(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)


def walk_strings(node: Any, path: tuple = ()) -> Iterable[tuple[tuple, Any, Any]]:
    """Yield (path, container, key) for every scalar below node, without recursion."""
    stack: list[tuple[Any, tuple]] = [(node, path)]
    while stack:
        current, p = stack.pop()
        items = current.items() if isinstance(current, dict) else enumerate(current)
        for key, value in items:
            if isinstance(value, (dict, list)):
                stack.append((value, (*p, key)))
            else:
                yield (*p, key), current, key
