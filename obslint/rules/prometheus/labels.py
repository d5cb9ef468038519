"""PROM006 label-aggregated-away: an alert uses a label its expression no longer returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.findings import Finding, Loc, Related
from obslint.index import Index
from obslint.model.alertmanager import alertmanager_configs, node_loc
from obslint.model.gotemplate import analyse, label_refs
from obslint.model.promql import Labels, analysis, output_labels
from obslint.model.rulegroups import RuleEntry, all_rules
from obslint.objects import dig
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.examples import RULES_HEAD

# --- Go template label references ---------------------------------------------------------------

# Prometheus expands alert labels and annotations with these variables defined in front of the
# text (rules/alerting.go; https://prometheus.io/docs/prometheus/latest/configuration/template_reference/
# "Alert field templates"): `$labels` is the alert's `.Labels` wherever it is used, while `.Labels`
# is the alert's only where dot is still the template's data, not inside `{{ range query "..." }}`
# or `{{ with query "..." }}`, where dot is a query result sample
# (https://prometheus.io/docs/prometheus/latest/configuration/template_examples/).
PROMETHEUS_VARIABLES: dict[str, tuple[str, ...] | None] = {
    "$labels": ("Labels",),
    "$externalLabels": ("ExternalLabels",),
    "$externalURL": ("ExternalURL",),
    "$value": ("Value",),
}


@dataclass(frozen=True)
class LabelRef:
    name: str
    offset: int  # character offset in the template text
    guarded: bool  # inside an `if`/`with`/`range` that tests that label


def template_label_refs(text: str) -> tuple[LabelRef, ...]:
    """Every printed reference to one of the alert's labels (`$labels.x`, `.Labels.x` where dot is
    the alert, `$.Labels.x`, `index $labels "x"`, a variable holding `$labels`), with if/with guards.
    Conditions, declarations and arguments of test functions (`or`, `eq`, ...) are not uses."""
    analysis = analyse(text, PROMETHEUS_VARIABLES)
    return tuple(LabelRef(name, ref.offset, ref.guarded) for name, ref in label_refs(analysis.refs, "Labels"))


# --- the rule -------------------------------------------------------------------------------------

FAILING = (
    RULES_HEAD
    + """\
        # sum by (job) keeps only `job`: the summary names an empty namespace and pod
        - alert: AppErrors
          expr: sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 1
          for: 10m
          labels:
            severity: warning
          annotations:
            summary: Errors in {{ $labels.namespace }}/{{ $labels.pod }}
            description: "{{ $labels.job }} answers with more than 1 error per second."
"""
)

PASSING = FAILING.replace("sum by (job)", "sum by (job, namespace, pod)").replace(
    "        # sum by (job) keeps only `job`: the summary names an empty namespace and pod\n", ""
)


def _alertmanager_routes(index: Index) -> dict[Any, list[tuple[Any, Loc]]]:
    """Every route of every Alertmanager config, with where it is written, by the config's cluster."""
    try:
        configs = alertmanager_configs(index)
    except (ImportError, KeyError):
        return {}
    routes: dict[Any, list[tuple[Any, Loc]]] = {}
    for src in configs:
        root = getattr(src, "route", None)
        if root is not None:
            bucket = routes.setdefault(getattr(src, "cluster", None), [])
            bucket.extend((route, node_loc(route.data, None, src.anchor)) for route in root.walk())
    return routes


def _routes_for(routes: dict[Any, list[tuple[Any, Loc]]], cluster: Any) -> list[tuple[Any, Loc]]:
    """The routes an alert of `cluster` may be sent through: its own cluster's and those of configs
    no cluster applies; every route when the alert's cluster is unknown. Looking only there keeps
    the work linear in the number of clusters."""
    if cluster is None:
        return [r for bucket in routes.values() for r in bucket]
    return routes.get(cluster, []) + routes.get(None, [])


def _external_labels(index: Index) -> set[str]:
    """Labels a Prometheus of the repo may add to every alert (external labels)."""
    try:
        from obslint.model.alertmanager import external_labels
        from obslint.model.helm import releases_of_chart
    except ImportError:
        return set()
    out: set[str] = set()
    for rel in releases_of_chart(index, "kube-prometheus-stack"):
        fixed, dynamic = external_labels(rel)
        out |= set(fixed) | set(dynamic)
    for obj in index.of_kind("Prometheus", group="monitoring.coreos.com"):
        ext = obj.spec.get("externalLabels")
        if isinstance(ext, dict):
            out |= {str(k) for k in ext}
        out.add("prometheus")
    # vmalert adds `-external.label` (VMAlert spec.externalLabels, or the flag in extraArgs) to every
    # alert it generates (VictoriaMetrics/operator api/operator/v1beta1/vmalert_types.go)
    for obj in index.of_kind("VMAlert", group="operator.victoriametrics.com"):
        ext = obj.spec.get("externalLabels")
        if isinstance(ext, dict):
            out |= {str(k) for k in ext}
        flag = dig(obj.spec, "extraArgs", "external.label")
        if isinstance(flag, str):
            out |= {pair.split("=", 1)[0].strip() for pair in flag.split(",") if "=" in pair}
    return out


def _value_for(name: str, out: Labels, static: dict, external: set[str]) -> str | None:
    """The alert's value of a label when certain ('' = certainly absent), else None."""
    if name in static:
        value = static[name]
        return None if "{{" in str(value) else str(value)
    if name in external or name == "alertname":
        return None
    return "" if out.has(name) is False else None


def _rule_namespace(index: Index, entry: RuleEntry) -> str | None:
    from obslint.model.prometheus import effective_namespace
    from obslint.objects import K8sObject

    rs = entry.group.ruleset
    if isinstance(rs.source, K8sObject) and rs.origin == "prometheusrule":
        return effective_namespace(index, rs.source)
    return rs.namespace


def _missed_route(
    entry: RuleEntry, out: Labels, external: set[str], routes: list[tuple[Any, Loc]], namespace: str | None
) -> tuple[str, Any, Loc] | None:
    """(label, route, where) for a route the alert was written for but cannot take.

    Only `namespace` has an intended value we can know: the namespace of the PrometheusRule that
    defines the alert. A route whose namespace matcher accepts that namespace (often the matcher
    prometheus-operator injects into AlertmanagerConfig routes), whose other matchers accept the
    alert, is a route written for this alert; when the expression aggregates `namespace` away, the
    alert can never take it."""
    if namespace is None or out.has("namespace") is not False:
        return None
    static = {**{str(k): v for k, v in entry.labels.items()}, "alertname": entry.name}
    if "namespace" in static or "namespace" in external:
        return None
    for route, where in routes:
        if getattr(route, "unsupported", False):
            continue
        path = route.path_matchers()
        ns_matchers = [m for m in path if m.name == "namespace"]
        if not ns_matchers or any(m.matches_value("") for m in ns_matchers):
            continue
        if not all(m.matches_value(namespace) for m in ns_matchers):
            continue
        possible = True
        for m in path:
            if m.name == "namespace":
                continue
            value = _value_for(m.name, out, static, external)
            if value is not None and not m.matches_value(value):
                possible = False
                break
        if possible:
            return "namespace", route, where
    return None


@rule(
    "PROM006",
    "label-aggregated-away",
    "warning",
    "An alert whose expression drops a label that its annotations or the Alertmanager routes use",
    basis=Basis.CERTAIN,
    why="""
    Aggregations keep only the labels they group by: `sum by (job) (...)` returns series with a `job`
    label and nothing else, `on(...)` keeps the matching labels, `absent()` keeps only its equality
    matchers. An annotation that says `{{ $labels.namespace }}` then renders empty, and an
    Alertmanager route written for the alert (`severity="critical", namespace="prod"`) can never
    match it, so it goes to the default receiver. obslint computes the label set the expression
    returns from the PromQL AST (aggregations with by/without, vector matching with
    on/ignoring/group_left/group_right, label_replace, absent, count_values) and compares it with the
    labels the annotation and label templates use (`$labels.x`, `.Labels.x`, `index $labels "x"`,
    except under an `if`/`with` on that label) and with the Alertmanager routes written for the
    alert. Templates are read with Go's scoping: inside `{{ range query "..." }}` or
    `{{ with query "..." }}` dot is a query result, so `.Labels.x` there is the sample's label
    (`$labels.x` and `$.Labels.x` still name the alert's). Routes: a route whose `namespace`
    matcher accepts the namespace of the PrometheusRule (as the matcher prometheus-operator adds to
    AlertmanagerConfig routes does) is never taken by an alert whose expression drops `namespace`.
    External labels and the rule's own static labels count for routing, not for `$labels`
    (Prometheus expands templates with the series labels only).
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
    Keep the label in the aggregation (`sum by (job, namespace) (...)`), or stop using it in the
    template/route; a constant can go into the rule's `labels:` instead.
    """,
)
def label_aggregated_away(ctx: RuleContext) -> Iterator[Finding]:
    routes: dict[Any, list[tuple[Any, Loc]]] | None = None
    external: set[str] | None = None
    namespaces: dict[int, str | None] = {}  # per rule set
    for entry in all_rules(ctx.index):
        if entry.kind != "alert" or entry.ast is None:
            continue
        out = analysis(entry, output_labels)
        if out.open and not out.dropped:
            continue  # a plain selector keeps every label: nothing certainly dropped
        reported: set[str] = set()
        for section in ("annotations", "labels"):
            mapping = entry.data.get(section)
            if not isinstance(mapping, dict):
                continue
            for key, text in mapping.items():
                if not isinstance(text, str) or "{{" not in text:
                    continue
                for ref in template_label_refs(text):
                    if ref.guarded or ref.name in reported or out.has(ref.name) is not False:
                        continue
                    reported.add(ref.name)
                    yield Finding(
                        mapping.loc(key),
                        f"{section[:-1]} {key!r} of alert {entry.name!r} uses $labels.{ref.name}, but the "
                        f"expression does not return a {ref.name!r} label ({_keeps(out)}): it renders empty",
                        hint=f"keep {ref.name!r} in the aggregation (by/on/group_left), or drop it from the template",
                    )
        if routes is None:
            routes = _alertmanager_routes(ctx.index)
            external = _external_labels(ctx.index)
        if not routes:
            continue
        rs = entry.group.ruleset
        if id(rs) not in namespaces:
            namespaces[id(rs)] = _rule_namespace(ctx.index, entry)
        near = _routes_for(routes, entry.group.cluster)
        missed = _missed_route(entry, out, external or set(), near, namespaces[id(rs)])
        if missed is not None and missed[0] not in reported:
            label, route, where = missed
            yield Finding(
                entry.expr_loc,
                f"alert {entry.name!r} can never take the Alertmanager route {route.slug()}: it matches on "
                f"{label!r}, which the expression does not return",
                f"keep {label!r} in the aggregation, or set it as a static label of the alert: {_keeps(out)}",
                related=(Related(where, f"{route.describe()} matches on {label!r}"),),
            )


def _keeps(out: Labels) -> str:
    if out.open:
        return f"it drops {', '.join(sorted(out.dropped))}"
    kept = out.known | out.maybe
    if not kept:
        return "it returns no labels"
    return f"it keeps only {', '.join(sorted(kept))}"
