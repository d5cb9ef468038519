"""Knowledge base of Alloy components (package data obslint/data/alloy/components.yaml)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from obslint.load.yamlfile import load_text

OPEN = "open"


@dataclass
class BlockSpec:
    """Allowed attributes and blocks of a component body or of one of its blocks.

    `arguments` None: attribute names are not checked. `blocks` maps a block name to its spec,
    None for a block whose contents are not checked.
    """

    arguments: frozenset[str] | None = None
    blocks: dict[str, BlockSpec | None] | None = None


@dataclass
class ComponentSpec:
    name: str
    role: str = "value"  # source | processor | writer | value
    body: BlockSpec = field(default_factory=BlockSpec)
    exports: frozenset[str] | None = None
    doc: str = ""


def _block_spec(raw: Any) -> BlockSpec | None:
    if raw == OPEN or not isinstance(raw, dict):
        return None
    args = raw.get("arguments")
    blocks = raw.get("blocks")
    if isinstance(blocks, dict):
        block_map: dict[str, BlockSpec | None] | None = {k: _block_spec(v) for k, v in blocks.items()}
    else:
        block_map = {} if isinstance(args, list) else None  # arguments listed, no blocks: none allowed
    return BlockSpec(frozenset(args) if isinstance(args, list) else None, block_map)


@dataclass
class KnowledgeBase:
    components: dict[str, ComponentSpec]
    names: frozenset[str]
    config_blocks: frozenset[str]
    consumer_exports: frozenset[str]
    stdlib: frozenset[str]
    namespaces: frozenset[str]
    config_block_specs: dict[str, BlockSpec] = field(default_factory=dict)

    def spec(self, name: str) -> ComponentSpec | None:
        return self.components.get(name)

    def role(self, name: str) -> str:
        spec = self.components.get(name)
        if spec is not None:
            return spec.role
        if name.startswith(("loki.source.", "otelcol.receiver.", "prometheus.operator.")):
            return "source"
        if name.startswith(("otelcol.processor.", "otelcol.connector.")):
            return "processor"
        if name.startswith("otelcol.exporter."):
            return "writer"
        return "value"


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    text = resources.files("obslint").joinpath("data/alloy/components.yaml").read_text(encoding="utf-8")
    raw = load_text(text, "components.yaml")[0]
    components: dict[str, ComponentSpec] = {}
    for name, entry in (raw.get("components") or {}).items():
        body = _block_spec({k: entry[k] for k in ("arguments", "blocks") if k in entry}) or BlockSpec()
        # stage.match holds the same stages as loki.process (recursively) plus its own arguments.
        if body.blocks and "stage.match" in body.blocks:
            stages = dict(body.blocks)
            match = BlockSpec(frozenset({"selector", "pipeline_name", "action", "drop_counter_reason"}), stages)
            stages["stage.match"] = match
            body.blocks = stages
        exports = entry.get("exports")
        components[name] = ComponentSpec(
            name,
            str(entry.get("role", "value")),
            body,
            frozenset(exports) if isinstance(exports, list) else None,
            str(entry.get("doc", "")),
        )
    names = frozenset(raw.get("names") or ()) | frozenset(components)
    return KnowledgeBase(
        components,
        names,
        frozenset(raw.get("config_blocks") or ()),
        frozenset(raw.get("consumer_exports") or ()),
        frozenset(raw.get("stdlib") or ()),
        frozenset(n.split(".", 1)[0] for n in names),
        {k: spec for k, v in (raw.get("config_block_specs") or {}).items() if (spec := _block_spec(v)) is not None},
    )


def did_you_mean(word: str, candidates: Any, cutoff: float = 0.75) -> str | None:
    """The closest candidate to `word`, when close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None
