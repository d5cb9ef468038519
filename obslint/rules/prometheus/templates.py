"""PROM011 template-in-string-literal: `{{ ... }}` written inside a string argument never expands."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding
from obslint.model.gotemplate import analyse, lex
from obslint.model.rulegroups import all_rules
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.examples import RULES_HEAD
from obslint.rules.prometheus.labels import PROMETHEUS_VARIABLES

FAILING = (
    RULES_HEAD
    + """\
        - alert: AppInstanceDown
          expr: up{job="app"} == 0
          for: 5m
          labels:
            severity: warning
          annotations:
            summary: "{{ $labels.instance }} is down"
            # the inner {{ $labels.job }} is part of the query text: it is never expanded
            description: >-
              Instances of the job still up:
              {{ range query "up{job='{{ $labels.job }}'} == 1" }}{{ .Labels.instance }} {{ end }}
"""
)

PASSING = FAILING.replace(
    """{{ range query "up{job='{{ $labels.job }}'} == 1" }}""",
    """{{ range printf "up{job='%s'} == 1" $labels.job | query }}""",
).replace("            # the inner {{ $labels.job }} is part of the query text: it is never expanded\n", "")


def _inner_action(value: str) -> str | None:
    """The first action of a string's text that refers to data (`{{ $labels.job }}`), if any."""
    for action in lex(value):
        if any(t.kind in ("field", "var", "dot") for t in action.tokens):
            text = value[action.start : action.end]
            return text if len(text) <= 60 else text[:57] + "..."
    return None


@rule(
    "PROM011",
    "template-in-string-literal",
    "warning",
    'A template action written inside a string argument (`query "...{{ $labels.x }}..."`) is never expanded',
    basis=Basis.CERTAIN,
    why="""
    Go templates do not nest. Inside an action, `"..."` is a string literal: the template engine
    hands its text to the function as it is written, and a `{{ $labels.job }}` in it stays those
    characters. `{{ query "up{job='{{ $labels.job }}'}" }}` therefore asks Prometheus for the job
    literally named `{{ $labels.job }}`: the query returns nothing (or fails to parse), and the
    annotation that was meant to list related series is empty. The same holds for any function
    (printf, reReplaceAll, ...). The string must be built with `printf` from the value instead.
    Applies to the annotations and labels of every alerting rule (Prometheus and Loki ruler).
    https://pkg.go.dev/text/template (Arguments) and
    https://prometheus.io/docs/prometheus/latest/configuration/template_examples/
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
    Build the argument with printf and pass it on: `{{ range printf "up{job='%s'}" $labels.job | query }}`
    or `{{ query (printf "up{job='%s'}" $labels.job) }}`.
    """,
)
def template_in_string_literal(ctx: RuleContext) -> Iterator[Finding]:
    for entry in all_rules(ctx.index, None):
        if entry.kind != "alert":
            continue
        for section in ("annotations", "labels"):
            mapping = entry.data.get(section)
            if not isinstance(mapping, dict):
                continue
            for key, text in mapping.items():
                if not isinstance(text, str) or text.count("{{") < 2:
                    continue
                for arg in analyse(text, PROMETHEUS_VARIABLES).strings:
                    inner = _inner_action(arg.value)
                    if inner is None:
                        continue
                    effect = (
                        "the query runs with that text literally"
                        if arg.func == "query"
                        else f"{arg.func} gets that text literally"
                    )
                    yield Finding(
                        mapping.loc(key),
                        f"{section[:-1]} {key!r} of alert {entry.name!r} writes {inner} inside a string passed "
                        f"to {arg.func}: templates do not nest, so {effect}",
                        hint="build the string with printf, e.g. `printf \"up{job='%s'}\" $labels.job | query`",
                    )
                    break
