"""The whole-repo index: what rules query instead of reading files.

One pass over the tree builds it: every file read once, every YAML file parsed once, every
Kubernetes object as written listed with its source position (`written`). The Flux model then
renders them as the controllers would apply them, cluster by cluster (obslint.model.flux.world),
and those rendered objects are what rules see (`objects`, `of_kind`): namespaces as kustomize and
Flux set them, parents' patches and postBuild variables applied, each tagged with its cluster.

Models extend it through memoised functions of the index (`@memoised def flux_graph(index)`):
a caller imports the function and calls it; it is computed at most once per index. Embedded
configs are extracted this way (an Alertmanager config inside HelmRelease values, a River config
inside a ConfigMap): they carry positions from `EmbeddedSource`, so a finding inside the
embedded text points at the right line of the YAML file.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from obslint.findings import Loc
from obslint.load import LIMIT_EXCEEDED, Document, EmbeddedSource, SourceFile, Tree, YMap, YSeq, parse_yaml
from obslint.objects import K8sObject
from obslint.redact import Redactor

if TYPE_CHECKING:
    from obslint.config import Config
    from obslint.model.flux.graph import FluxGraph

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
    written: list[K8sObject] = field(default_factory=list)  # every object as written, in file order
    objects: list[K8sObject] = field(default_factory=list)  # as rendered for their clusters
    redactor: Redactor = field(default_factory=Redactor)
    notices: list[str] = field(default_factory=list)
    _by_kind: dict[str, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    _by_rel: dict[str, SourceFile] = field(default_factory=dict)
    memo: dict[Callable[..., Any], Any] = field(default_factory=dict)
    graph: FluxGraph | None = None  # the Flux model that rendered `objects` (model.flux.flux_graph)
    # Set by whoever runs obslint (command line, environment), never by the checked repository.
    sops_age_key_file: str | None = None
    # (id of the container, key, how it is encoded) -> (the container, kept alive so the id stays
    # its own; the parse)
    _embedded: dict[tuple[int, Any, str], tuple[Any, EmbeddedYAML | None]] = field(default_factory=dict)
    # what was not checked because it passed a limit on hostile input (embedded YAML too deep or an
    # alias bomb, a rule out of stack or memory): (where, why), reported by CORE006 too-complex
    limits: dict[tuple[Loc, str], None] = field(default_factory=dict)  # ordered, without repeats
    # a tool ran out of time: another run may check more, so this one is not stored (obslint.cache)
    incomplete: bool = False

    @classmethod
    def build(cls, tree: Tree, config: Config) -> Index:
        index = cls(root=tree.root, tree=tree, config=config, notices=list(tree.notices))
        for sf in tree.files:
            index._by_rel[sf.rel] = sf
            for doc in sf.documents:
                index._add_document(doc)
        from obslint.model.flux.world import render_world  # the model renders what was loaded

        index.graph = render_world(index)
        index.objects = index.graph.objects
        for obj in index.objects:
            index._by_kind[obj.kind].append(obj)
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
            name = _scalar(meta.get("name")) or _scalar(meta.get("generateName"))
            obj = K8sObject(api, kind, name, _scalar(meta.get("namespace")) or None, item, doc)
            self.written.append(obj)
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
        cache_key = (id(container), key, "")
        if cache_key not in self._embedded:
            source = EmbeddedSource.from_value(container, key, name)
            self._embedded[cache_key] = (container, self._parse_embedded(source) if source is not None else None)
        return self._embedded[cache_key][1]

    def secret_yaml(self, container: YMap | YSeq, key: Any, name: str = "") -> EmbeddedYAML | None:
        """Parse the YAML held base64-encoded at container[key] (a Secret's `data`) once; every
        position is the value's, the decoded text having none in the file. None when the value is
        not base64 of UTF-8 text."""
        cache_key = (id(container), key, "base64")
        if cache_key not in self._embedded:
            source = EmbeddedSource.decoded(container, key, name)
            self._embedded[cache_key] = (container, self._parse_embedded(source) if source is not None else None)
        return self._embedded[cache_key][1]

    def _parse_embedded(self, source: EmbeddedSource) -> EmbeddedYAML:
        docs, problems = parse_yaml(source)
        for kind, line, col, message in problems:
            if kind == LIMIT_EXCEEDED:
                what = f"the YAML text in this value ({source.name})" if source.name else "the YAML text in this value"
                self.over_limit(source.loc(line, col), f"{what} was not read: {message.removesuffix('; not loaded')}")
        return EmbeddedYAML(source, [d for d, _, _ in docs], problems)

    def over_limit(self, loc: Loc, message: str) -> None:
        """Record that what stands at `loc` was not checked because it passed a limit on hostile input."""
        self.limits[(loc, message)] = None

    def notice(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)

    def unfinished(self, message: str) -> None:
        """A notice that something was not checked in the time given (see `incomplete`)."""
        self.incomplete = True
        self.notice(message)


def _scalar(value: Any) -> str:
    """A name or namespace as text; a mapping or list there (a template, a mistake) is no name
    - the schema check reports it - and must never reach a message as a Python repr."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
