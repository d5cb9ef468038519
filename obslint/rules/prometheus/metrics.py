"""PROM008 removed-metric: a rule reads a metric its component no longer exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from obslint.findings import Finding
from obslint.load.yamlfile import load_text
from obslint.model.promql import analysis, metric_name_list
from obslint.model.rulegroups import all_rules
from obslint.rules import Basis, RuleContext, rule


@dataclass(frozen=True)
class Removed:
    metric: str
    replacement: str
    component: str
    removed: str
    source: str
    advice: str


@lru_cache(maxsize=1)
def knowledge_base() -> tuple[dict[str, Removed], dict[str, Removed]]:
    """(exact names, name prefixes) from obslint/data/prometheus/removed_metrics.yaml."""
    text = resources.files("obslint").joinpath("data", "prometheus", "removed_metrics.yaml").read_text("utf-8")
    data = load_text(text, "removed_metrics.yaml")[0]
    exact: dict[str, Removed] = {}
    prefixes: dict[str, Removed] = {}
    for comp in data["components"]:
        common = (comp["component"], " ".join(str(comp["removed"]).split()), comp["sources"][0], comp["advice"])
        for name, repl in (comp.get("metrics") or {}).items():
            exact[name] = Removed(name, repl, *common)
        for prefix, repl in (comp.get("prefixes") or {}).items():
            prefixes[prefix] = Removed(prefix, repl, *common)
    return exact, prefixes


def lookup(name: str) -> Removed | None:
    exact, prefixes = knowledge_base()
    if name in exact:
        return exact[name]
    for prefix, entry in prefixes.items():
        if name.startswith(prefix):
            return Removed(name, entry.replacement + name[len(prefix) :], *_rest(entry))
    return None


def _rest(e: Removed) -> tuple[str, str, str, str]:
    return e.component, e.removed, e.source, e.advice


FAILING = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: flux
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: flux
      rules:
        # current Flux controllers no longer export gotk_reconcile_condition: this never fires
        - alert: FluxReconciliationFailure
          expr: max by (namespace, name, kind) (gotk_reconcile_condition{type="Ready", status="False"}) == 1
          for: 15m
          labels:
            severity: warning
          annotations:
            summary: Flux {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.name }} is not ready
            description: The object has not been Ready for 15 minutes.
"""

PASSING = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: flux
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: flux
      rules:
        # gotk_resource_info: kube-state-metrics custom resource state (fluxcd.io/flux/monitoring/custom-metrics)
        - alert: FluxReconciliationFailure
          expr: max by (exported_namespace, name, customresource_kind) (gotk_resource_info{ready="False"}) > 0
          for: 15m
          labels:
            severity: warning
          annotations:
            summary: Flux {{ $labels.customresource_kind }} {{ $labels.name }} is not ready
            description: The object has not been Ready for 15 minutes.
"""


@rule(
    "PROM008",
    "removed-metric",
    "warning",
    "A rule queries a metric that its component no longer exports",
    basis=Basis.ASSUMPTION,
    why="""
    Exporters rename and drop metrics across major versions; a rule written against the old name
    keeps parsing and loading, returns nothing and therefore never fires. Flux's
    `gotk_reconcile_condition`/`gotk_suspend_status` were deprecated in Flux v2.1 and removed from the
    controllers (object state now comes from kube-state-metrics custom resource state metrics);
    kube-state-metrics v2 dropped its per-resource `*_cpu_cores`/`*_memory_bytes` metrics and renamed
    `kube_hpa_*`; node_exporter 0.16 renamed most metrics. obslint keeps a knowledge base of such
    removals with their sources (obslint/data/prometheus/removed_metrics.yaml) and checks every
    metric name in every rule's PromQL AST against it. An expression that also reads the replacement
    (a compatibility `or`) and metrics the repository records itself are not reported. It is a
    warning: which version of the exporter runs is not in what obslint reads (Flux is installed at
    bootstrap, an older kube-state-metrics may be pinned elsewhere).
    """,
    failing=FAILING,
    passing=PASSING,
    fix="Query the replacement metric named in the hint (the labels may differ too).",
)
def removed_metric(ctx: RuleContext) -> Iterator[Finding]:
    entries = list(all_rules(ctx.index))
    recorded = {e.name for e in entries if e.kind == "record"}
    for entry in entries:
        ast = entry.ast
        if ast is None:
            continue
        names = {name for name, _ in analysis(entry, metric_name_list)}
        reported: set[str] = set()
        for name in sorted(names):
            if name in reported or name in recorded:
                continue
            hit = lookup(name)
            if hit is None:
                continue
            replacement_name = hit.replacement.split("{", 1)[0]
            if replacement_name in names:
                continue  # written to work with both versions
            reported.add(name)
            what = f"{entry.kind} {entry.name!r}" if entry.name else "rule"
            yield Finding(
                entry.expr_loc,
                f"{what} queries {name}, which is no longer exported by {hit.component}: "
                "the expression returns nothing",
                f"use {hit.replacement}; {hit.advice}\n{hit.component}: {hit.removed}; see {hit.source}",
            )
