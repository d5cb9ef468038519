"""Provider ``"alloy.configs"``: every Alloy (River) config of the repository, parsed.

Where configs are found:

- ``*.alloy`` / ``*.river`` files (`SourceFile.kind == "alloy"`);
- ConfigMap ``data`` keys ending in ``.alloy`` / ``.river``;
- HelmRelease values ``alloy.configMap.content`` of the ``alloy`` chart.

Each is an `AlloyConfig`:

- ``source``: the `Source` (a `SourceFile`, or an `EmbeddedSource` mapping positions into the
  YAML file), ``config.loc(node)`` -> `Loc` in the real file;
- ``ast``: the parsed `obslint.alloy.File`; ``diagnostics``: its syntax errors;
- ``origin``: the `K8sObject` holding it (ConfigMap / HelmRelease) or the `SourceFile`;
- ``key``: the ConfigMap key or the values path (``"alloy.configMap.content"``), None for files;
- ``namespace``: where Alloy runs, when known (for in-cluster URLs without a namespace);
- ``unit``: configs loaded together share a unit (all ``*.alloy`` files of one directory, as
  ``alloy run <dir>`` does), and all keys of one ConfigMap; each HelmRelease config is its own.

Walking the AST (see obslint/alloy/ast.py): ``config.ast.body`` holds `Attribute` and `Block`
statements; `iter_attributes(config.ast.body)` yields ``(block_path, attribute)`` for every
attribute below, e.g. ``password`` with the path (``loki.write "default"``, ``endpoint``,
``basic_auth``); `static_value(attribute.value)` is the constant value (a str for a string
literal) or `UNKNOWN` when it is computed (``sys.env("X")``, ``local.file.x.content``);
`walk_exprs(expr)` and `reference_path(expr)` explore expressions. `config.path_of(path)`
renders a block path as ``loki.write.default/endpoint/basic_auth``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from obslint.alloy.ast import Block, File, Node
from obslint.alloy.parser import parse
from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import EmbeddedSource, Source, SourceFile, YMap
from obslint.model.helm import releases_of_chart
from obslint.objects import Cluster, K8sObject, dig

ALLOY_KEY_SUFFIXES = (".alloy", ".river")
VALUES_PATH = ("alloy", "configMap", "content")


@dataclass(eq=False)
class AlloyConfig:
    source: Source
    ast: File
    origin: K8sObject | SourceFile
    key: str | None = None
    namespace: str | None = None
    unit: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    cluster: Cluster | None = None

    @property
    def diagnostics(self) -> list:
        return self.ast.diagnostics

    @property
    def file(self) -> SourceFile:
        src = self.source
        return src if isinstance(src, SourceFile) else src.file  # type: ignore[union-attr]

    def loc(self, node: Node | tuple[int, int] | None = None, col: int | None = None) -> Loc:
        """Loc of an AST node, of (line, col), or of the config's start."""
        if node is None:
            return self.source.loc(1, 1)
        if isinstance(node, tuple):
            return self.source.loc(node[0], node[1])
        if isinstance(node, int):  # loc(line, col)
            return self.source.loc(node, col or 1)
        return self.source.loc(node.line, node.col)

    @staticmethod
    def path_of(path: tuple[Block, ...]) -> str:
        return "/".join(b.id for b in path)

    def describe(self) -> str:
        if isinstance(self.origin, SourceFile):
            return self.origin.rel
        return f"{self.origin.ref()} {self.key}"


def _kustomize_namespace(index: Index, rel: str) -> str | None:
    """The `namespace:` of the nearest kustomization.yaml at or above the file's directory."""
    d = posixpath.dirname(rel)
    for _ in range(4):
        for name in ("kustomization.yaml", "kustomization.yml"):
            sf = index.file(posixpath.join(d, name) if d else name)
            if sf is not None:
                for doc in sf.documents:
                    ns = dig(doc.data, "namespace")
                    if isinstance(ns, str) and ns:
                        return ns
        if not d:
            break
        d = posixpath.dirname(d)
    return None


def _unit(cluster: object, namespace: str | None, place: str) -> str:
    """What is loaded together: one written source, as deployed in one cluster and namespace (a
    shared base rendered for several clusters is one Alloy per cluster, not one Alloy loading
    every copy)."""
    return f"{cluster or ''}|{namespace or ''}|{place}"


@memoised
def alloy_configs(index: Index) -> list[AlloyConfig]:
    out: list[AlloyConfig] = []
    # Namespaces of alloy releases by directory, for plain files next to them.
    release_ns: dict[str, str] = {}
    for rel in releases_of_chart(index, "alloy"):
        ns = rel.namespace or rel.obj.namespace
        if ns:
            release_ns.setdefault(posixpath.dirname(rel.obj.file.rel), ns)
        values = rel.values
        container = dig(values, *VALUES_PATH[:-1])
        if isinstance(container, YMap) and isinstance(container.get(VALUES_PATH[-1]), str):
            source = EmbeddedSource.from_value(container, VALUES_PATH[-1], name="alloy.configMap.content")
            if source is not None:
                out.append(
                    AlloyConfig(
                        source,
                        parse(source.text),
                        rel.obj,
                        ".".join(VALUES_PATH),
                        ns,
                        unit=_unit(rel.obj.cluster, ns, f"{rel.obj.file.rel}#{rel.obj.doc.index}"),
                        cluster=rel.obj.cluster,
                    )
                )
    for obj in index.of_kind("ConfigMap"):
        if obj.sops:
            continue
        data = obj.get("data")
        if not isinstance(data, YMap):
            continue
        for key in data:
            if not (isinstance(key, str) and key.endswith(ALLOY_KEY_SUFFIXES) and isinstance(data[key], str)):
                continue
            source = EmbeddedSource.from_value(data, key, name=key)
            if source is None:
                continue
            out.append(
                AlloyConfig(
                    source,
                    parse(source.text),
                    obj,
                    key,
                    obj.namespace,
                    # keys of one ConfigMap are mounted (and loaded) together
                    unit=_unit(obj.cluster, obj.namespace, f"{obj.file.rel}#{obj.doc.index}"),
                    cluster=obj.cluster,
                )
            )
    for sf in index.files:
        if sf.kind != "alloy" or sf.sops:
            continue
        directory = posixpath.dirname(sf.rel)
        ns = _kustomize_namespace(index, sf.rel)
        if ns is None:
            d = directory
            while True:
                if d in release_ns:
                    ns = release_ns[d]
                    break
                if not d:
                    break
                d = posixpath.dirname(d)
        ast = parse(sf.text)
        for cluster in index.graph.file_clusters(sf.rel) if index.graph is not None else (None,):
            out.append(AlloyConfig(sf, ast, sf, None, ns, unit=_unit(cluster, ns, directory or "."), cluster=cluster))
    return out
