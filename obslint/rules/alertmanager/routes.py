"""Dead routes and unreachable receivers: what the route tree can never deliver, or delivers nowhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, Field

from obslint.findings import Finding
from obslint.model.alertmanager import AMSource, KnownAlert, can_reach, key_loc, possible_routes
from obslint.routing import Route, implies, unsatisfiable
from obslint.rules import RuleContext, rule
from obslint.rules.alertmanager.common import (
    alerts_for,
    describe,
    is_null,
    non_root_routes,
    receiver_loc,
    route_loc,
    routed_sources,
    sources,
)
from obslint.rules.alertmanager.config import _HR

_RULE = """\
-- monitoring/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: app
      rules:
        - alert: AppDown
          expr: up{job="app"} == 0
          labels:
            severity: critical
        - alert: AppSlow
          expr: rate(app_latency_seconds_sum[5m]) > 1
          labels:
            severity: warning
"""


@rule(
    "AM002",
    "unused-receiver",
    "warning",
    "A receiver no route leads to",
    why="""
        A receiver that no route names (and no route inherits) never gets a notification. It
        is usually the remains of a rename, or a route that was meant to use it and names
        another receiver: someone believes alerts go there.
    """,
    failing=_HR
    + """\
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    passing=_HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    fix="Route alerts to it, or delete it.",
)
def unused_receiver(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        used = {r.receiver for r in src.route.walk()}
        for name, rec in src.config.receivers.items():
            if name in used or rec.index < 0:  # AlertmanagerConfig receivers: checked per object below
                continue
            yield Finding(key_loc(rec.data, "name", src.anchor), f'receiver "{name}" is not used by any route')
        for amc in src.amconfigs:
            for full, short in amc.receivers.items():
                if full not in used:
                    rec = src.config.receivers.get(full)
                    loc = key_loc(rec.data, "name", amc.obj.loc()) if rec else amc.obj.loc()
                    yield Finding(loc, f'receiver "{short}" of {amc.obj.ref()} is not used by its route')


class DroppedOptions(BaseModel):
    allow: list[str] = Field(
        default_factory=lambda: ["Watchdog", "InfoInhibitor"],
        description="alert names that may go to a receiver without integrations on purpose",
    )


@rule(
    "AM003",
    "alert-dropped",
    "error",
    "An alert the repository defines can only reach receivers without integrations",
    why="""
        A receiver with no `*_configs` (the conventional `"null"`) discards what it gets. An
        alert whose every possible route ends at such a receiver is evaluated, fires, and is
        never notified: the outage nobody hears about. Typical causes: the default receiver is
        `"null"` and no route matches the alert's severity (e.g. `info`, or a typo such as
        `critcal`), or a catch-all route to `"null"` placed before the real ones. The check
        considers every value the alert's unknown labels could take: it reports only alerts
        that cannot reach anything else. Watchdog and InfoInhibitor are allowed by default
        (option `allow`).
    """,
    failing=_RULE
    + _HR
    + """\
        route:
          receiver: "null"
          routes:
            - matchers: [severity="critical"]
              receiver: pager
        receivers:
          - name: "null"
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    passing=_RULE
    + _HR
    + """\
        route:
          receiver: "null"
          routes:
            - matchers: [severity=~"critical|warning"]
              receiver: pager
        receivers:
          - name: "null"
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    fix="Route the alert (or its severity) to a receiver that notifies, or make the default receiver a real one.",
    options=DroppedOptions,
)
def alert_dropped(ctx: RuleContext) -> Iterator[Finding]:
    allow = set(ctx.options.allow) if ctx.options else {"Watchdog", "InfoInhibitor"}
    for src in routed_sources(ctx.index):
        root = src.route
        assert root is not None
        chart_groups: dict[tuple, list[KnownAlert]] = defaultdict(list)
        for alert in alerts_for(ctx.index, src):
            if alert.labels.get("alertname") in allow:
                continue
            reach = possible_routes(root, alert)
            if not reach or not all(is_null(src, r.receiver) for r in reach):
                continue
            if alert.loc is not None:
                names = ", ".join(sorted({f'"{r.receiver}"' for r in reach}))
                yield Finding(
                    alert.loc,
                    f"alert {alert.name} can only reach receiver {names} (no integration) via "
                    f"{', '.join(describe(r) for r in reach)} of {src.description}",
                    "route it to a receiver that notifies, or allow it in the rule options if intended",
                )
            else:
                chart_groups[tuple(reach)].append(alert)
        for reach, alerts in chart_groups.items():
            by_sev: dict[str, list[str]] = defaultdict(list)
            for a in alerts:
                by_sev[a.labels.get("severity", "<none>")].append(a.name)
            parts = [
                f"severity={sev}: {len(names)} ({', '.join(sorted(set(names))[:3])}...)"
                for sev, names in sorted(by_sev.items())
            ]
            route = reach[0]
            yield Finding(
                receiver_loc(src, route),
                f"{len(alerts)} kube-prometheus-stack default alerts can only reach receiver "
                f'"{route.receiver}" (no integration) via {describe(route)}: {"; ".join(parts)}',
                "add a route for these severities, or disable the rules in defaultRules",
            )


@rule(
    "AM004",
    "shadowed-route",
    "error",
    "A route no alert can reach because an earlier sibling without `continue` takes all its alerts",
    why="""
        Alertmanager tries sibling routes in order and stops at the first that matches unless
        that route has `continue: true`. When an earlier sibling matches every alert the later
        route could match, the later route (and its receiver) never receives anything: a dead
        route, usually from appending a more specific route below a catch-all one. Subsumption
        is decided soundly: the finding is only reported when it is certain.
    """,
    failing=_HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity=~"critical|warning"]
              receiver: team
            - matchers: [severity="critical", team="db"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    passing=_HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical", team="db"]
              receiver: pager
            - matchers: [severity=~"critical|warning"]
              receiver: team
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    fix="Move the specific route above the general one, or give the earlier one `continue: true`.",
)
def shadowed_route(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        for route in non_root_routes(src):
            parent = route.parent
            assert parent is not None
            if route.unsupported or unsatisfiable(route.path_matchers()):
                continue
            context = route.path_matchers()
            for sibling in parent.routes[: route.index]:
                if sibling.continue_ or sibling.unsupported:
                    continue
                if implies(context, sibling.matchers):
                    yield Finding(
                        route_loc(src, route),
                        f"{describe(route)} (receiver {route.receiver}) is never reached: the earlier sibling "
                        f"{describe(sibling)} at line {route_loc(src, sibling).line} matches every alert it "
                        "would match and has no `continue: true`",
                        "move this route above it, or set `continue: true` on the earlier route",
                    )
                    break


@rule(
    "AM005",
    "contradictory-route",
    "error",
    "A route whose matchers (with its parents') can never all match",
    why="""
        An alert reaches a nested route only if it matches the route's matchers and all its
        parents'. Matchers that contradict each other (`severity="critical"` under a parent
        with `severity="warning"`, or `=` and `!=` on the same value) make the route dead: its
        receiver never gets anything.
    """,
    failing=_HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="warning"]
              receiver: team
              routes:
                - matchers: [severity="critical"]
                  receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    passing=_HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity=~"warning|critical"]
              receiver: team
              routes:
                - matchers: [severity="critical"]
                  receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    fix="Fix the matcher, or move the route to the parent whose alerts it is meant for.",
)
def contradictory_route(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        for route in non_root_routes(src):
            if route.unsupported:
                continue
            why = unsatisfiable(route.path_matchers())
            if why is None or (route.parent is not None and unsatisfiable(route.parent.path_matchers())):
                continue
            pair = why if isinstance(why, tuple) else (why,)
            text = " and ".join(str(m) for m in pair)
            yield Finding(
                route_loc(src, route),
                f"{describe(route)} can never match: {text} cannot both hold (matchers of the route and its parents)",
                "fix the matcher or move the route",
            )


class NoKnownAlertOptions(BaseModel):
    external_alerts: bool = Field(
        default=False, description="alerts also come from sources outside this repository: do not report"
    )


@rule(
    "AM006",
    "route-matches-no-known-alert",
    "warning",
    "A route that no alert defined in the repository can reach",
    why="""
        obslint knows the alerts this repository produces (its PrometheusRules, the chart
        default rules the values enable, Loki ruler alerts, Flux events sent to Alertmanager)
        with their fixed labels. A route whose matchers reject every one of them is dead for
        this repository: typically a misspelled severity or alert name. Labels the alerts get
        from their series are treated as unknown, so only certain mismatches are reported. Turn
        on `external_alerts` when other systems send alerts to this Alertmanager.
    """,
    failing=_RULE
    + _HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critcal"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    passing=_RULE
    + _HR
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
""",
    fix="Fix the matcher so it matches the alerts it is meant for, or delete the route.",
    options=NoKnownAlertOptions,
)
def route_matches_no_known_alert(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.options is not None and ctx.options.external_alerts:
        return
    for src in routed_sources(ctx.index):
        alerts = alerts_for(ctx.index, src)
        if not alerts:
            continue
        dead: set[int] = set()
        for route in non_root_routes(src):
            if route.unsupported or (route.parent is not None and id(route.parent) in dead):
                if route.parent is not None and id(route.parent) in dead:
                    dead.add(id(route))
                continue
            if unsatisfiable(route.path_matchers()):
                continue  # contradictory-route reports it
            if any(can_reach(route, a) for a in alerts):
                continue
            dead.add(id(route))
            yield Finding(
                route_loc(src, route),
                f"{describe(route)} (receiver {route.receiver}) matches none of the {len(alerts)} alerts "
                "this repository defines",
                _closest_hint(route, alerts),
            )


def _closest_hint(route: Route, alerts: list[KnownAlert]) -> str:
    for m in route.matchers:
        if m.op in ("=", "=~"):
            values = sorted({a.labels[m.name] for a in alerts if m.name in a.labels})
            if values:
                shown = ", ".join(values[:8]) + (" ..." if len(values) > 8 else "")
                return f"known values of {m.name}: {shown}"
    return "set option external_alerts if alerts come from outside this repository"


__all__ = ["AMSource"]
