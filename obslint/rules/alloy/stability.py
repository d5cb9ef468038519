"""ALLOY009: a component the Alloy that runs the config is not allowed to load (stability level, community)."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.alloy.components import ComponentSpec
from obslint.alloy.configs import AlloyConfig
from obslint.alloy.graph import alloy_graphs
from obslint.alloy.run_flags import COMMUNITY_FLAG, STABILITY_FLAG, RunFlags, run_flags
from obslint.findings import Finding
from obslint.rules import Basis, RuleContext, rule


def gate(spec: ComponentSpec) -> str:
    """What a gated component needs, as a finding says it: "prometheus.enrich is experimental: Alloy runs it
    only with --stability.level=experimental"."""
    if spec.community:
        return f"{spec.name} is a community component: Alloy runs it only with {COMMUNITY_FLAG}=true"
    return f"{spec.name} is {spec.stability}: Alloy runs it only with {STABILITY_FLAG}={spec.stability}"


def _missing(flags: RunFlags, spec: ComponentSpec) -> str:
    if spec.community:
        return f"{flags.runner} does not set it"
    return f"{flags.runner} runs Alloy at {flags.stability}"


def _hint(flags: RunFlags, spec: ComponentSpec) -> str:
    if flags.runner.startswith("HelmRelease"):
        if spec.community:
            return f"add {COMMUNITY_FLAG}=true to alloy.extraArgs of the HelmRelease values"
        return f"set alloy.stabilityLevel: {spec.stability} in the HelmRelease values"
    flag = f"{COMMUNITY_FLAG}=true" if spec.community else f"{STABILITY_FLAG}={spec.stability}"
    return f"add {flag} to the args of the container that runs alloy"


_FAILING = """
        -- alloy/helmrelease.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: alloy
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: alloy
              version: 1.5.1
              sourceRef:
                kind: HelmRepository
                name: grafana
          values:
            alloy:
              configMap:
                content: |
                  otelcol.receiver.otlp "default" {
                    grpc { }
                    output {
                      traces = [otelcol.exporter.debug.default.input]
                    }
                  }

                  otelcol.exporter.debug "default" { }
    """


@rule(
    "ALLOY009",
    "alloy-component-not-enabled",
    "warning",
    "An Alloy component below the stability level Alloy runs at, or a community component not enabled",
    basis=Basis.ASSUMPTION,
    why="""
        Alloy loads experimental and public-preview components only when `--stability.level` is
        lowered to their level, and community components only with
        `--feature.community-components.enabled`; otherwise it refuses the whole config ("component
        ... is at stability level "experimental", which is below the minimum allowed stability level
        "generally-available""). The grafana/alloy chart passes `alloy.stabilityLevel` (default
        generally-available) and `alloy.extraArgs`. Reported where obslint reads how Alloy is run (the
        HelmRelease, or a workload that mounts the ConfigMap) and the flag is certainly not set. A
        warning: the stability levels are those of one Alloy commit, and a component's level rises
        over releases.
    """,
    failing=_FAILING,
    passing=_FAILING.replace(
        "alloy:\n              configMap:",
        "alloy:\n              stabilityLevel: experimental\n              configMap:",
    ),
    fix="Lower the stability level Alloy runs at (`alloy.stabilityLevel` in the grafana/alloy chart, or "
    "`--stability.level` in the container args), enable community components with "
    "`--feature.community-components.enabled=true`, or use a generally-available component.",
)
def alloy_component_not_enabled(ctx: RuleContext) -> Iterator[Finding]:
    flags_of: dict[int, list[RunFlags]] = {}
    configs: dict[int, AlloyConfig] = {}
    for graph in alloy_graphs(ctx.index):
        for comp in graph.components:
            spec = comp.spec
            if comp.kind != "builtin" or spec is None or not spec.gated:
                continue
            key = id(comp.config)
            if key not in flags_of:
                configs[key] = comp.config  # keeps the config alive while its id is a key
                flags_of[key] = run_flags(ctx.index, comp.config)
            for flags in flags_of[key]:
                if flags.allows(spec.stability, spec.community) is False:
                    yield Finding(comp.loc(), f"{gate(spec)}, and {_missing(flags, spec)}", _hint(flags, spec))
