#!/usr/bin/env python3
"""Generate obslint/data/alloy/components.json from Alloy's component registry.

The registry (`component-registry.json` in the shared oracle material, with `SOURCES.md` beside it naming
the grafana/alloy commit it was extracted from) lists every component Alloy registers with
`component.Register`: its name, source file, stability level, community flag, the attributes and blocks
of its Arguments struct (recursively; a block's Go type says which struct it is) and its Exports.

It also holds what is not a component of an Alloy binary: the test harness components of
internal/runtime, internal/service and internal/pipelinetest, and a second registration of some
components from a platform stub (`*_stub.go`, `*_placeholder.go`, `*_shim.go`: the build for other
operating systems). Only `internal/component/` counts, and of a component registered twice the
registration from its real source file is kept (Alloy in Kubernetes runs the Linux build).

The output keeps the registry's facts, in a compact form:

    {"about": {provenance},
     "blocks": {BLOCK_ID: {"arguments": [...], "blocks": {name: BLOCK_ID}, "open": true}},
     "components": {name: {"stability": ..., "community": true, "role": ..., "source": ...,
                           "body": BLOCK_ID, "exports": [...] or null}}}

A block is stored once per Go type (`basic_auth` of every HTTP client is `common/config.BasicAuth`),
its id the type without the `github.com/grafana/alloy/internal/component/` prefix. `open`: the registry
could not list the nested blocks (`stage.match` holds the stages of loki.process, recursively).
`exports` null: exports not known (an untyped Exports). `role` is derived from arguments and exports
(see `role()`), for the data-flow checks. The registry holds attribute names only (no types, defaults
or required flags) and does not say whether a block may repeat, so neither does the output.

usage: scripts/gen_alloy_components.py [REGISTRY] [OUT]
  REGISTRY defaults to $OBSLINT_SHARED/oracles/alloy/component-registry.json (OBSLINT_SHARED relative to
  the repository root, default ../shared, as tests/corpus/shared.py); OUT to obslint/data/alloy/components.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obslint.alloy.components import CONSUMER_EXPORTS  # noqa: E402

OUT = ROOT / "obslint" / "data" / "alloy" / "components.json"
UPSTREAM = "https://github.com/grafana/alloy"
COMPONENT_DIR = "internal/component/"
PLATFORM_STUBS = ("_stub.go", "_placeholder.go", "_shim.go")
TYPE_PREFIX = "github.com/grafana/alloy/internal/component/"
# featuregate.Stability constants -> the values of --stability.level (internal/featuregate/featuregate.go)
STABILITY = {
    "StabilityExperimental": "experimental",
    "StabilityPublicPreview": "public-preview",
    "StabilityGenerallyAvailable": "generally-available",
}


def default_registry() -> Path:
    shared = os.environ.get("OBSLINT_SHARED")
    base = ROOT / shared if shared else ROOT.parent / "shared"
    return base / "oracles" / "alloy" / "component-registry.json"


def source_commit(registry: Path) -> str:
    """The grafana/alloy commit the registry was extracted from, as SOURCES.md beside it names it."""
    sources = registry.parent / "SOURCES.md"
    for line in sources.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if "grafana/alloy" in cells:
            for cell in cells:
                if re.fullmatch(r"[0-9a-f]{40}", cell):
                    return cell
    raise SystemExit(f"{sources}: no grafana/alloy commit found")


def _is_stub(entry: dict[str, Any]) -> bool:
    return entry["file"].endswith(PLATFORM_STUBS)


def real_components(registry: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Registered components of an Alloy binary by name; of two registrations, the one not from a stub."""
    out: dict[str, dict[str, Any]] = {}
    for entry in registry:
        if not entry["file"].startswith(COMPONENT_DIR):
            continue  # test harness components
        seen = out.get(entry["name"])
        if seen is None or (_is_stub(seen) and not _is_stub(entry)):
            out[entry["name"]] = entry
    return out


class BlockTable:
    """Block specs stored once per Go type; a type whose spec differs between uses gets a second id."""

    def __init__(self) -> None:
        self.specs: dict[str, dict[str, Any]] = {}

    def add(self, node: dict[str, Any]) -> str:
        spec: dict[str, Any] = {"arguments": sorted(node.get("attrs") or [])}
        blocks = {name: self.add(child) for name, child in sorted((node.get("blocks") or {}).items())}
        if blocks:
            spec["blocks"] = blocks
        if node.get("open"):
            spec["open"] = True
        base = node["type"].removeprefix(TYPE_PREFIX)
        key, n = base, 1
        while key in self.specs and self.specs[key] != spec:
            n += 1
            key = f"{base}~{n}"
        self.specs[key] = spec
        return key


def _exports(node: dict[str, Any] | None) -> list[str] | None:
    if node is None:
        return []  # no Exports type: the component exports nothing
    if node.get("open"):
        return None  # an untyped Exports: not known
    return sorted([*(node.get("attrs") or []), *(node.get("blocks") or {})])


def role(args: dict[str, Any], exports: list[str] | None) -> str:
    """How data flows through the component: it receives data when it exports a consumer (`receiver`,
    `input`), and sends data on when it has `forward_to` or an `output` block (otelcol)."""
    receives = any(e in CONSUMER_EXPORTS for e in exports or ())
    sends = "forward_to" in (args.get("attrs") or ()) or "output" in (args.get("blocks") or {})
    if receives:
        return "processor" if sends else "writer"
    return "source" if sends else "value"


def generate(registry_path: Path) -> str:
    raw = registry_path.read_bytes()
    registry = json.loads(raw)
    components = real_components(registry)
    table = BlockTable()
    out_components: dict[str, dict[str, Any]] = {}
    for name in sorted(components):
        entry = components[name]
        args = entry["args"] or {"attrs": None, "blocks": {}, "type": f"{name}.Arguments"}
        exports = _exports(entry["exports"])
        item: dict[str, Any] = {}
        if entry.get("community"):
            item["community"] = True  # needs --feature.community-components.enabled; no stability level
        else:
            item["stability"] = STABILITY[entry["stability"]]
        item["role"] = role(args, exports)
        item["source"] = entry["file"]
        item["body"] = table.add(args)
        item["exports"] = exports
        out_components[name] = item
    commit = source_commit(registry_path)
    document = {
        "about": {
            "generated_by": "scripts/gen_alloy_components.py (do not edit: regenerate)",
            "source": f"{UPSTREAM} component registrations (component.Register) at commit {commit}, "
            "extracted into component-registry.json",
            "repository": UPSTREAM,
            "commit": commit,
            "licence": "Apache-2.0 (grafana/alloy)",
            "registry_sha256": hashlib.sha256(raw).hexdigest(),
            "components": len(out_components),
        },
        "components": out_components,
        "blocks": dict(sorted(table.specs.items())),
    }
    return dump(document)


def dump(document: dict[str, dict[str, Any]]) -> str:
    """JSON with one line per component and per block: small, and a regeneration diffs line by line."""
    sections = []
    for section, items in document.items():
        lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in items.items()]
        sections.append(f"  {json.dumps(section)}: {{\n" + ",\n".join(f"  {line}" for line in lines) + "\n  }")
    return "{\n" + ",\n".join(sections) + "\n}\n"


def main(argv: list[str]) -> int:
    registry = Path(argv[1]) if len(argv) > 1 else default_registry()
    out = Path(argv[2]) if len(argv) > 2 else OUT
    if not registry.is_file():
        print(f"registry not found: {registry}", file=sys.stderr)
        return 1
    out.write_text(generate(registry), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
