"""YAML documents that may hold an application's configuration: plain files of the repository and
the `*.yaml` keys of ConfigMaps and Secrets (Loki, Promtail and Vector configs are found this way)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from obslint.findings import Loc
from obslint.index import Index
from obslint.load import YMap


class ConfigDocument(NamedTuple):
    data: Any
    description: str
    namespace: str | None
    source: Any  # the SourceFile (origin "file") or the ConfigMap/Secret object ("configmap")
    anchor: Loc
    origin: str  # "file" | "configmap"
    cluster: Any


def config_documents(index: Index, *markers: str) -> Iterator[ConfigDocument]:
    """Every YAML document that may hold one of the marker keys: plain files (once per cluster whose
    build reads them), and `*.yaml` keys of ConfigMaps and Secrets. The text is tested for a marker
    before anything is parsed."""
    graph = index.graph
    for sf in index.files:
        if sf.kind != "yaml" or sf.sops or not any(m in sf.text for m in markers):
            continue
        clusters = graph.file_clusters(sf.rel) if graph is not None else frozenset({None})
        for doc in sf.documents:
            for cluster in clusters:
                yield ConfigDocument(doc.data, sf.rel, None, sf, sf.loc(doc.line, doc.col), "file", cluster)
    for obj in index.of_kind("ConfigMap", "Secret"):
        if obj.sops:
            continue
        for section in ("data", "stringData"):
            data = obj.get(section)
            if not isinstance(data, YMap):
                continue
            for key, text in data.items():
                if not isinstance(text, str) or not str(key).endswith((".yaml", ".yml")):
                    continue
                if not any(m in text for m in markers):
                    continue
                emb = index.embedded_yaml(data, key)
                if emb is not None:
                    yield ConfigDocument(
                        emb.data, f"{obj.ref()} key {key}", obj.namespace, obj, data.loc(key), "configmap", obj.cluster
                    )
