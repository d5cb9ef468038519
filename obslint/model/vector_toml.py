"""Vector configurations written in TOML: `*.toml` files of the repository, and `*.toml` keys of
ConfigMaps (`data`) and Secrets (`stringData`).

Vector reads TOML, YAML and JSON alike (https://vector.dev/docs/reference/configuration/,
"Formats"). Many TOML files are not Vector's (pyproject.toml, Cargo.toml...): a text is taken as a
Vector configuration only when its top-level `sources`, `transforms` and `sinks` tables hold
components that each have a `type`. A text that does not parse, or passes a limit on hostile
input, is reported only when it is clearly meant for Vector (named `vector*.toml`, or with a
`[sources.<id>]`, `[transforms.<id>]` or `[sinks.<id>]` header); any other is skipped silently.

A ConfigMap key whose text has no position in a file (a configMapGenerator's `files:` entry) is
not read here: the file it was made from is read, with exact positions.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import LIMIT_EXCEEDED, EmbeddedSource, Source, YMap
from obslint.load.tomlfile import parse_toml
from obslint.model.config_documents import ConfigDocument

COMPONENT_TABLES = ("sources", "transforms", "sinks")
# A component table header at the start of a line: `[sinks.loki]`, `[ sources."in" ]`.
_COMPONENT_HEADER = re.compile(r"^[ \t]*\[[ \t]*(?:sources|transforms|sinks)[ \t]*\.", re.M)


@dataclass
class VectorTOML:
    documents: list[ConfigDocument] = field(default_factory=list)
    # (where, message) of TOML texts meant for Vector that do not parse (CORE001 reports them);
    # a dict without repeats: a ConfigMap rendered for two clusters is one text
    unparseable: dict[tuple[Loc, str], None] = field(default_factory=dict)


def is_vector_toml(data: Any) -> bool:
    """A Vector configuration: component tables whose every component has a string `type`."""
    if not isinstance(data, dict):
        return False
    tables = [data[k] for k in COMPONENT_TABLES if k in data]
    if not tables or not all(isinstance(t, dict) for t in tables):
        return False
    components = [c for t in tables for c in t.values()]
    return bool(components) and all(isinstance(c, dict) and isinstance(c.get("type"), str) for c in components)


def meant_for_vector(name: str, text: str) -> bool:
    """A file or key that is clearly a Vector configuration, even when it cannot be read."""
    return posixpath.basename(name).lower().startswith("vector") or _COMPONENT_HEADER.search(text) is not None


def _may_be_vector(text: str) -> bool:
    """Cheap test before parsing: the words a Vector configuration cannot do without."""
    return "type" in text and any(t in text for t in COMPONENT_TABLES)


@memoised
def vector_toml(index: Index) -> VectorTOML:
    """Every Vector configuration written in TOML (see the module docstring)."""
    out = VectorTOML()
    graph = index.graph
    for sf in index.files:
        if sf.kind != "toml" or sf.sops or not _may_be_vector(sf.text):
            continue
        data = _read(index, sf, sf.rel, sf.rel, out)
        if data is None:
            continue
        clusters = graph.file_clusters(sf.rel) if graph is not None else frozenset({None})
        for cluster in clusters:
            out.documents.append(ConfigDocument(data, sf.rel, None, sf, sf.loc(1, 1), "file", cluster))
    for obj in index.of_kind("ConfigMap", "Secret"):
        if obj.sops:
            continue
        values = obj.get("data" if obj.kind == "ConfigMap" else "stringData")
        if not isinstance(values, YMap):
            continue
        for key, text in values.items():
            if not (isinstance(text, str) and str(key).lower().endswith(".toml") and values.has_pos(key)):
                continue
            if not _may_be_vector(text):
                continue
            source = EmbeddedSource.from_value(values, key, str(key))
            description = f"{obj.ref()} key {key}"
            data = _read(index, source, str(key), description, out) if source is not None else None
            if data is not None:
                out.documents.append(
                    ConfigDocument(data, description, obj.namespace, obj, values.loc(key), "configmap", obj.cluster)
                )
    return out


def _read(index: Index, source: Source, name: str, description: str, out: VectorTOML) -> YMap | None:
    """The Vector configuration in `source` (a file or key called `name`), or None; a problem is
    recorded when the text is clearly meant for Vector."""
    parsed = parse_toml(source)
    if parsed.data is not None:
        return parsed.data if is_vector_toml(parsed.data) else None
    if parsed.problem is not None and meant_for_vector(name, source.text):
        kind, line, col, message = parsed.problem
        where = source.loc(line, col)
        if kind == LIMIT_EXCEEDED:
            index.over_limit(where, f"the Vector configuration in {description} was not read: {message}")
        else:
            out.unparseable[(where, f"Vector configuration in {description}: {message}")] = None
    return None
