"""AM032 template-label-absent: a notification template prints a label no alert reaching the receiver has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from obslint.findings import Finding, Loc, Related
from obslint.index import Index
from obslint.model.alertmanager import AMSource, KnownAlert
from obslint.model.alertmanager.alert_labels import certainly_absent
from obslint.model.gotemplate import Path, Ref
from obslint.routing import Route
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, alerts_for, is_null, routed_sources
from obslint.rules.alertmanager.templates import (
    KV_METHODS,
    TemplateText,
    alerts_by_route,
    notifying_routes,
    reached_refs,
    receiver_templates,
    template_files,
)

_LITERAL_NAMES = re.compile(r"[A-Za-z0-9_:]+(\|[A-Za-z0-9_:]+)*\Z")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# `.Alerts`, `.Alerts.Firing`, `.Alerts.Resolved`: ranging over them sets dot to one alert.
_ALERT_LISTS = ((), ("Firing",), ("Resolved",))


@dataclass(frozen=True)
class Printed:
    label: str
    root: str  # CommonLabels | Labels (of one alert)
    via: TemplateText | None  # the template file whose define prints it


def _label_of(path: Path | None) -> tuple[str, str] | None:
    """(root, label) when the path is `.CommonLabels.x` or `.Labels.x` of an alert of `.Alerts`."""
    if path is None or not path or not _LABEL.match(path[-1]) or path[-1] in KV_METHODS:
        return None
    if len(path) == 2 and path[0] == "CommonLabels":
        return "CommonLabels", path[1]
    if len(path) >= 4 and path[0] == "Alerts" and path[-3:-1] == ("[]", "Labels") and path[1:-3] in _ALERT_LISTS:
        return "Labels", path[-1]
    return None


def _printed(refs: tuple[Ref, ...], define: str | None, via: TemplateText | None) -> Iterator[Printed]:
    for ref in refs:
        if ref.test or ref.guarded or ref.define != define:
            continue
        found = _label_of(ref.path)
        if found is not None:
            yield Printed(found[1], found[0], via)


def printed_labels(field: TemplateText, files: list[TemplateText]) -> Iterator[Printed]:
    """Labels a receiver field prints, following `{{ template "n" P }}` into the template files."""
    for refs, define, via in reached_refs(field, files):
        yield from _printed(refs, define, via)


def route_alertnames(route: Route) -> set[str] | None:
    """The alert names a route accepts when its matchers (and its parents') list them; None when
    any name may reach it."""
    names: set[str] | None = None
    for m in route.path_matchers():
        if m.name != "alertname":
            continue
        if m.op == "=":
            values = {m.value}
        elif m.op == "=~" and _LITERAL_NAMES.match(m.value):
            values = set(m.value.split("|"))
        else:
            continue
        names = values if names is None else names & values
    return names


def _alerts_lacking(index: Index, route: Route, reaching: list[KnownAlert], known: set[str], label: str) -> bool:
    """Whether every alert that can reach the route is known and none carries the label."""
    names = route_alertnames(route)
    if not names or not names <= known or not reaching:
        return False
    return all(certainly_absent(index, alert, label) for alert in reaching)


FAILING = (
    """\
-- monitoring/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
  namespace: monitoring
spec:
  groups:
    - name: app
      rules:
        - alert: AppErrorsHigh
          expr: sum by (namespace, job) (rate(http_requests_total{code=~"5.."}[5m])) > 1
          labels:
            severity: warning
"""
    + HR_EXAMPLE
    + """\
        route:
          receiver: "null"
          routes:
            - receiver: app
              matchers: ['alertname = "AppErrorsHigh"']
        receivers:
          - name: "null"
          - name: app
            slack_configs:
              - api_url_file: /etc/alertmanager/secrets/slack/url
                channel: "#app"
                # the alert is summed by namespace and job: it has no pod label
                text: '{{ range .Alerts }}{{ .Labels.job }} on {{ .Labels.pod }} {{ end }}'
"""
)

PASSING = FAILING.replace(" on {{ .Labels.pod }}", " in {{ .Labels.namespace }}").replace(
    "                # the alert is summed by namespace and job: it has no pod label\n", ""
)


@rule(
    "AM032",
    "template-label-absent",
    "warning",
    "A notification template prints .CommonLabels.x or .Labels.x, and no alert that reaches the receiver has x",
    basis=Basis.ASSUMPTION,
    why="""
        Alertmanager renders templates with `missingkey=zero` (template/template.go), so a label
        the alerts do not carry prints as an empty string, with no error: the Slack text reads
        "app on " and the reader never learns the pod. obslint reports a printed `.CommonLabels.x`,
        or `.Labels.x` of an alert inside `{{ range .Alerts }}`, when the routes to the receiver
        name their alerts (`alertname` matchers), those alerts are rules of the repository, and
        none of them can carry x: not among its rule labels, not returned by its expression
        (`sum by (namespace, job)` keeps only those), not an external label of the one
        kube-prometheus-stack Prometheus of its cluster. Alerts whose labels are open (chart
        default rules, plain selectors, Prometheus servers configured elsewhere) are never
        reported. It assumes alerts of those names come from the repository's rules only.
        https://prometheus.io/docs/alerting/latest/notifications/#data
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Print a label the alerts carry, keep the label in the expression (`sum by (..., pod)`) or set it
        in the rule's `labels:`, or guard it (`{{ with .Labels.pod }}on {{ . }}{{ end }}`).
    """,
)
def template_label_absent(ctx: RuleContext) -> Iterator[Finding]:
    reported: set[tuple[Loc, str, str]] = set()
    for src in routed_sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        yield from _source(ctx, src, reported)


def _source(ctx: RuleContext, src: AMSource, reported: set[tuple[Loc, str, str]]) -> Iterator[Finding]:
    files = template_files(src)
    reaching: dict[int, list[KnownAlert]] | None = None
    known: set[str] = set()
    for name in src.config.receivers:
        if is_null(src, name):
            continue
        routes = [r for r in notifying_routes(src, name) if route_alertnames(r)]
        if not routes:
            continue
        for field in receiver_templates(src, name):
            for use in printed_labels(field, files):
                key = (field.loc, use.root, use.label)
                if key in reported:
                    continue
                if reaching is None:
                    reaching = alerts_by_route(ctx, src)
                    known = {a.name for a in alerts_for(ctx.index, src) if a.origin == "rule"}
                if not all(
                    _alerts_lacking(ctx.index, r, reaching.get(id(r), []), known, use.label)
                    for r in notifying_routes(src, name)
                ):
                    continue
                reported.add(key)
                alerts = sorted({a.name for r in routes for a in reaching.get(id(r), [])})
                shown = ", ".join(alerts[:3]) + (f" and {len(alerts) - 3} more" if len(alerts) > 3 else "")
                printed = f".{use.root}.{use.label}" if use.root == "CommonLabels" else f".Labels.{use.label}"
                through = f" (in a define of {use.via.what})" if use.via is not None else ""
                related = (Related(use.via.loc, f"the define that prints {printed}"),) if use.via is not None else ()
                yield Finding(
                    field.loc,
                    f'receiver "{name}" {field.what} prints {printed}{through}, but none of the alerts that '
                    f"reach it ({shown}) has a {use.label} label: it always renders empty",
                    hint=f"print a label these alerts carry, or add {use.label} to their rules",
                    related=related,
                )
