"""`obslint graph`: the Flux deploy order (Kustomizations, HelmReleases, dependsOn) as Mermaid or DOT,
with the nodes that have Flux findings marked.

Kinds, namespaces and names come from the checked repository. Each label goes through `printable`
(no control character reaches a terminal or starts a line of its own), then through the quoting of
the output language, so a name cannot close its label and add statements to the graph."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from obslint.printable import printable

HELP = "print the Flux dependency graph (Mermaid or Graphviz DOT), findings marked"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default=".", metavar="PATH")
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: .obslint.yaml or pyproject.toml)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the graph to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    from obslint.output_file import check_output_path, write_output
    from obslint.runner import run_check

    if args.output:
        check_output_path(args.output)
    result = run_check([args.path], config_path=args.config, select=["FLUX"])
    if result.index is None:
        print("obslint: nothing to graph", file=sys.stderr)
        return 2
    text = render_graph(result.index, result.findings, args.format)
    if args.output:
        write_output(args.output, text)
    else:
        sys.stdout.write(text)
    for error in result.errors:
        print(f"obslint: {printable(error)}", file=sys.stderr)
    return 2 if result.errors else 0


def _owner_nodes(g, index, finding) -> list:
    """The Kustomization/HelmRelease nodes a finding belongs to (by the object around its position)."""
    path, line = finding.loc.path, finding.loc.line
    objs = [o for o in g.objects_in(path) if o.doc.line <= line]
    if not objs:
        return []
    obj = max(objs, key=lambda o: o.doc.line)
    if obj.kind in ("Kustomization", "HelmRelease") and obj.group.endswith("toolkit.fluxcd.io"):
        return g.renders.get(obj) or [obj]  # the object as applied in each cluster
    return [k.obj for k in g.appliers(obj)]


def render_graph(index, findings, fmt: str = "mermaid") -> str:
    from obslint.model.flux import FluxGraph, flux_graph
    from obslint.model.helm import helm_releases

    g: FluxGraph = flux_graph(index)
    releases = [r.obj for r in helm_releases(index)]
    nodes = [k.obj for k in g.kustomizations] + releases
    ids = {obj: f"{'k' if obj.kind == 'Kustomization' else 'h'}{i}" for i, obj in enumerate(nodes)}
    marks: dict = defaultdict(set)
    for f in findings:
        for obj in _owner_nodes(g, index, f):
            if obj in ids:
                marks[obj].add(f.rule)
    edges: list[tuple[str, str, str]] = []  # (from, to, kind) kind: depends | applies
    for k in g.kustomizations:
        for _ref, targets in g.depends_on_targets(k):
            edges.extend((ids[k.obj], ids[t.obj], "depends") for t in targets)
        for obj in k.applies:
            if obj in ids and obj is not k.obj:
                edges.append((ids[k.obj], ids[obj], "applies"))
    for hr in releases:
        for _ref, targets in g.helm_depends_on(hr):
            edges.extend((ids[hr], ids[t], "depends") for t in targets if t in ids)

    def label(obj) -> str:
        ns = g.namespace_of(obj)
        text = f"{obj.kind} {ns + '/' if ns else ''}{obj.name}"
        if marks.get(obj):
            text += " [" + ", ".join(sorted(marks[obj])) + "]"
        return printable(text)

    if fmt == "dot":
        out = ["digraph flux {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
        for obj in nodes:
            style = ", color=red, penwidth=2" if marks.get(obj) else ""
            shape = ", shape=ellipse" if obj.kind == "HelmRelease" else ""
            out.append(f'  {ids[obj]} [label="{_dot_escape(label(obj))}"{shape}{style}];')
        for a, b, kind in edges:
            attrs = ' [label="dependsOn"]' if kind == "depends" else ' [style=dashed, label="applies"]'
            out.append(f"  {a} -> {b}{attrs};")
        out.append("}")
        return "\n".join(out) + "\n"
    out = ["flowchart LR"]
    for obj in nodes:
        text = _mermaid_escape(label(obj))
        out.append(f'  {ids[obj]}(["{text}"])' if obj.kind == "HelmRelease" else f'  {ids[obj]}["{text}"]')
    for a, b, kind in edges:
        out.append(f"  {a} -->|dependsOn| {b}" if kind == "depends" else f"  {a} -.->|applies| {b}")
    marked = [ids[o] for o in nodes if marks.get(o)]
    if marked:
        out.append("  classDef finding stroke:#d00,stroke-width:3px,color:#d00")
        out.append(f"  class {','.join(marked)} finding")
    return "\n".join(out) + "\n"


def _dot_escape(text: str) -> str:
    """`text` (no control characters left) inside a DOT quoted string. The DOT parser knows one escape
    there, `\\"`, and keeps every other backslash for the label's own escapes (`\\n`, `\\N`, `\\G`, ...;
    https://graphviz.org/doc/info/lang.html and https://graphviz.org/docs/attr-types/escString/), so
    backslashes are doubled to show as themselves and quotes escaped so that none ends the string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _mermaid_escape(text: str) -> str:
    """`text` (no control characters left) inside a Mermaid `["..."]` label, which only a quote ends.
    The quote is written as an entity code, and so is `#` so that a name holding one shows as itself:
    https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters"""
    return text.replace("#", "#35;").replace('"', "#quot;")
