"""Vector pipelines: the sources, transforms and sinks of each Vector configuration in the repository.

A configuration is read from `customConfig` of a `vector` chart HelmRelease (the chart renders it
as vector.yaml, vectordotdev/helm-charts charts/vector/templates/configmap.yaml), from YAML
documents holding `sinks` with `sources` or `transforms` (plain files, `*.yaml` keys of
ConfigMaps), and from TOML configurations (obslint.model.vector_toml). Vector loads every file
of its config directory as one configuration, so the documents of one ConfigMap, and the
documents of one directory, form one configuration.

A configuration is `complete` when obslint reads all of it: a HelmRelease whose `customConfig`
may come from values obslint cannot read, or that reads `existingConfigMaps`, is not.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.config_documents import config_documents
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.model.vector_toml import vector_toml
from obslint.objects import Cluster, loc_of

KINDS = ("sources", "transforms", "sinks")
# Transforms with no default output: an input has to name one of their outputs
# (`<id>.<route>`), vectordotdev/vector src/transforms/route.rs (`_unmatched`) and
# exclusive_route.rs (`_unmatched`); the bare id "doesn't match any components".
ROUTERS = {"route": "route", "exclusive_route": "routes"}


@dataclass(eq=False)
class VectorComponent:
    kind: str  # "sources" | "transforms" | "sinks"
    id: str
    type: str | None
    data: dict
    loc: Loc

    def key_loc(self, *path: Any) -> Loc:
        return loc_of(self.data, *path) if isinstance(self.data, YMap) else self.loc

    def outputs(self) -> set[str] | None:
        """Named outputs a router has (its bare id is not one); None: the id is an output."""
        key = ROUTERS.get(self.type or "")
        if key is None:
            return None
        routes = self.data.get(key)
        names: set[str] = {"_unmatched"}
        if isinstance(routes, dict):
            names.update(str(k) for k in routes)
        elif isinstance(routes, list):  # exclusive_route: [{name, condition}]
            names.update(str(r.get("name")) for r in routes if isinstance(r, dict) and r.get("name") is not None)
        return names


@dataclass(eq=False)
class VectorConfig:
    description: str  # "HelmRelease logging/vector values customConfig", "vector/agent.yaml"
    components: dict[str, VectorComponent]
    namespace: str | None
    cluster: Cluster | None
    complete: bool
    helm: HelmReleaseView | None = None
    anchors: list[Loc] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[VectorComponent]:
        return [c for c in self.components.values() if c.kind == kind]


def _components(doc: Any, anchor: Loc, into: dict[str, VectorComponent]) -> None:
    for kind in KINDS:
        section = doc.get(kind) if isinstance(doc, dict) else None
        if not isinstance(section, dict):
            continue
        for cid, conf in section.items():
            if not isinstance(conf, dict):
                continue
            kind_type = conf.get("type")
            loc = section.loc(cid) if isinstance(section, YMap) else anchor
            into.setdefault(
                str(cid), VectorComponent(kind, str(cid), kind_type if isinstance(kind_type, str) else None, conf, loc)
            )


def is_vector_doc(data: Any) -> bool:
    """A Vector configuration document: sinks with sources or transforms (the shape loki.py's
    Vector sink reader expects too)."""
    return (
        isinstance(data, dict) and isinstance(data.get("sinks"), dict) and ("sources" in data or "transforms" in data)
    )


def _from_helm(hr: HelmReleaseView) -> VectorConfig | None:
    custom = hr.value("customConfig")
    if not isinstance(custom, dict) or not custom:
        return None  # the chart's default configuration, or a string obslint does not parse
    existing = hr.value("existingConfigMaps")
    complete = not hr.values_open("customConfig") and not (isinstance(existing, list) and existing)
    components: dict[str, VectorComponent] = {}
    anchor = hr.loc("customConfig")
    _components(custom, anchor, components)
    return VectorConfig(
        f"{hr.obj.ref()} values customConfig",
        components,
        hr.namespace,
        hr.obj.cluster,
        complete,
        helm=hr,
        anchors=[anchor],
    )


def _from_documents(index: Index) -> Iterator[VectorConfig]:
    groups: dict[tuple, VectorConfig] = {}
    yaml_docs = (doc for doc in config_documents(index, "sinks") if is_vector_doc(doc.data))
    for doc in (*yaml_docs, *vector_toml(index).documents):
        if doc.origin == "file":
            directory = posixpath.dirname(doc.source.rel)
            key: tuple = ("dir", directory, doc.cluster)
            cfg = groups.setdefault(
                key, VectorConfig(f"Vector config in {directory or '.'}/", {}, None, doc.cluster, True)
            )
        else:
            # Vector mounts the ConfigMaps of its own namespace (the chart's existingConfigMaps):
            # those of one namespace may be parts of one configuration.
            obj = doc.source
            cfg = groups.setdefault(
                ("namespace", obj.namespace, obj.cluster),
                VectorConfig(f"Vector config in {obj.ref()}", {}, obj.namespace, obj.cluster, True),
            )
        _components(doc.data, doc.anchor, cfg.components)
    yield from groups.values()


@memoised
def vector_configs(index: Index) -> list[VectorConfig]:
    """Every Vector configuration of the repository (see the module docstring)."""
    out = [cfg for hr in releases_of_chart(index, "vector") if (cfg := _from_helm(hr)) is not None]
    out.extend(_from_documents(index))
    return out


def input_names(component: VectorComponent) -> list[tuple[str, Loc]]:
    """The `inputs` entries of a transform or sink, with their positions."""
    raw = component.data.get("inputs")
    if not isinstance(raw, list):
        return []
    out: list[tuple[str, Loc]] = []
    for i, name in enumerate(raw):
        if isinstance(name, str):
            out.append((name, component.key_loc("inputs", i)))
    return out


# Sink options holding the address a sink sends to (vectordotdev/vector website/cue/reference/
# components/sinks): `vector` and `socket` sinks `address` (host:port), `http` `uri`,
# `elasticsearch` `endpoints` (older: `endpoint`), `prometheus_remote_write` / `loki` `endpoint`.
SINK_URL_KEYS = ("address", "uri", "endpoint", "endpoints")


def sink_urls(component: VectorComponent) -> Iterator[tuple[str, Loc]]:
    """The addresses a sink sends to, with their positions."""
    for key in SINK_URL_KEYS:
        value = component.data.get(key)
        if isinstance(value, str):
            yield value, component.key_loc(key)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield item, component.key_loc(key, i)


def listening_source(cfg: VectorConfig, port: int) -> VectorComponent | None:
    """The source of `cfg` whose `address` ends in `port` (what the chart's Service port maps to)."""
    for comp in cfg.of_kind("sources"):
        address = comp.data.get("address")
        if isinstance(address, str) and address.rsplit(":", 1)[-1] == str(port):
            return comp
    return None
