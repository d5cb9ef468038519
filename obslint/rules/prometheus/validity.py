"""PROM001 rule-invalid: what `promtool check rules` (or Prometheus's rulefmt) rejects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from obslint.findings import Finding
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.tools.promtool import RuleProblem, promtool_rules


class Options(RuleOptions):
    # Prometheus 3 validates label and annotation names as UTF-8 (any non-empty name except
    # `__name__`); Prometheus 2 and promtool 2.x only accept [a-zA-Z_][a-zA-Z0-9_]*.
    name_validation: Literal["utf8", "legacy"] = "utf8"
    # PromQL dialect of the Prometheus that loads the rules: "prometheus3" (kube-prometheus-stack
    # 80.6.0 ships Prometheus v3.8.1) or "prometheus2" (what promtool 2.x checks).
    promql: Literal["prometheus3", "prometheus2"] = "prometheus3"


FAILING = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node
  namespace: monitoring
spec:
  groups:
    - name: node
      rules:
        - alert: NodeHighCPU
          # rate() needs a range vector: Prometheus refuses the whole rule file
          expr: rate(node_cpu_seconds_total{mode="idle"}) < 0.1
          for: 15m
          labels:
            severity: warning
          annotations:
            summary: CPU busy on {{ $labels.instance }}
            description: Idle CPU below 10% for 15 minutes.
"""

PASSING = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node
  namespace: monitoring
spec:
  groups:
    - name: node
      rules:
        - alert: NodeHighCPU
          expr: avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) < 0.1
          for: 15m
          labels:
            severity: warning
          annotations:
            summary: CPU busy on {{ $labels.instance }}
            description: Idle CPU below 10% for 15 minutes.
"""


@rule(
    "PROM001",
    "rule-invalid",
    "error",
    "A Prometheus or Loki rule that the ruler rejects (promtool check rules)",
    basis=Basis.CERTAIN,
    why="""
    Prometheus loads a rule file all or nothing: one expression that does not parse, a `for` on a
    recording rule, a misspelt field or a broken annotation template makes it refuse the whole
    group file. With prometheus-operator the PrometheusRule is then rejected by the admission
    webhook or silently left out of the generated rule files, and every alert in it is gone.
    obslint extracts every PromQL rule group (PrometheusRule objects, kube-prometheus-stack
    `additionalPrometheusRulesMap`, rule ConfigMaps and files), runs `promtool check rules` once over
    all of them and maps each error back to the line of the original file; without promtool it uses
    a PromQL parser and Prometheus's rule-file validation. Loki ruler groups (LogQL) get the
    structural checks only.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
    Fix the rule as the message says; run `promtool check rules` on the extracted group to confirm.
    """,
    options=Options,
)
def rule_invalid(ctx: RuleContext) -> Iterator[Finding]:
    legacy = ctx.options.name_validation == "legacy"
    problems: list[RuleProblem] = promtool_rules(ctx.index)
    seen: set[tuple] = set()
    for p in problems:
        if not legacy and p.legacy_name_only:
            continue
        dialect = ctx.options.promql
        if (p.dialect == "newer-syntax" and dialect == "prometheus3") or (
            p.dialect == "removed-syntax" and dialect == "prometheus2"
        ):
            continue
        key = (p.loc, p.message)
        if key in seen:
            continue
        seen.add(key)
        what = f"{p.entry.kind} {p.entry.name!r}" if p.entry is not None and p.entry.name else "rule file"
        where = f" ({p.ruleset.description})" if p.ruleset.origin != "file" else ""
        if p.not_checked:
            yield Finding(
                p.loc,
                f"{what}{where} not checked: {p.message}",
                hint="no real rule nests this deeply: simplify or split the expression (no PROM rule read it)",
            )
            continue
        engine = "Loki" if p.ruleset.engine == "logql" else "Prometheus"
        yield Finding(
            p.loc,
            f"{engine} rejects {what}{where}: {p.message}",
            hint="the ruler refuses the whole rule file, so none of its rules are evaluated",
        )
