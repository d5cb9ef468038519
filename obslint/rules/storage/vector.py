"""VEC001 vector-undefined-input: a Vector transform or sink reads an input no component provides."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, cluster_names, few
from obslint.model.vector import VectorComponent, VectorConfig, input_names, vector_configs
from obslint.rules import Basis, RuleContext, rule
from obslint.suggest import did_you_mean

_HEAD = """\
-- logging/vector.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: vector
  namespace: logging
spec:
  interval: 30m
  chart:
    spec:
      chart: vector
      version: 0.46.0
      sourceRef:
        kind: HelmRepository
        name: vector
  values:
    role: Agent
    customConfig:
      data_dir: /vector-data-dir
      sources:
        kubernetes_logs:
          type: kubernetes_logs
      transforms:
        parse:
          type: remap
          inputs: [kubernetes_logs]
          source: '. = parse_json!(.message)'
      sinks:
        stdout:
          type: console
          encoding: {codec: json}
"""

FAILING = _HEAD + "          inputs: [parsed]\n"
PASSING = _HEAD + "          inputs: [parse]\n"


def _problem(name: str, cfg: VectorConfig, own: VectorComponent) -> str | None:
    """Why `name` is no output of `cfg`, or None when it is one."""
    base, _, output = name.partition(".")
    target = cfg.components.get(name) or cfg.components.get(base)
    if target is None:
        return "matches no source or transform"
    if target is own:
        return "is the component itself"
    if target.kind == "sinks":
        return "is a sink, which has no output"
    outputs = target.outputs()
    if outputs is None:
        return None
    if not output:
        return f"is a {target.type} transform, which has no default output: name one of its routes"
    if output not in outputs:
        return f"names no route of {target.type} transform {target.id}"
    return None


def _hint(name: str, candidates: list[str], cfg: VectorConfig) -> str:
    close = did_you_mean(name, candidates)
    if close:
        return f"name a source or transform of {cfg.description}{close}"
    return f"the sources and transforms of {cfg.description}: {few(sorted(candidates), 5) or 'none'}"


@rule(
    "VEC001",
    "vector-undefined-input",
    "error",
    "A Vector transform or sink reads an input that no source or transform of its configuration provides",
    basis=Basis.CERTAIN,
    why="""
        Each Vector transform and sink names where its events come from in `inputs`. Vector
        builds the topology before it starts, and an input that matches no source or transform
        (a typo, a component renamed or removed, a route of a `route` transform that is not
        defined, the bare id of a `route` transform, which only has named outputs) fails the
        whole configuration: `Input "x" for sink "y" doesn't match any components`
        (vectordotdev/vector src/config/graph.rs). The agent or aggregator then crash-loops and
        ships nothing. Inputs with a `*` wildcard, and configurations that obslint does not read
        completely (values from `valuesFrom`, `existingConfigMaps`), are not judged.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="Name an existing source or transform (for a `route` transform: `<id>.<route>` or `<id>._unmatched`).",
)
def vector_undefined_input(ctx: RuleContext) -> Iterator[Finding]:
    for cfg in vector_configs(ctx.index):
        if not cfg.complete:
            continue
        candidates = [c.id for c in cfg.components.values() if c.kind != "sinks"]
        for comp in cfg.components.values():
            if comp.kind == "sources":
                continue
            for name, loc in input_names(comp):
                if "*" in name or "${" in name or "{{" in name:
                    continue
                problem = _problem(name, cfg, comp)
                if problem is None:
                    continue
                what = comp.kind[:-1]
                yield Finding(
                    loc,
                    f'Vector {what} "{comp.id}": input "{name}" {problem}; Vector refuses to start',
                    _hint(name, [c for c in candidates if c != comp.id], cfg),
                    clusters=cluster_names(cfg.cluster),
                )
