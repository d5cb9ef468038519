"""Alertmanager configs that Alertmanager (and amtool) would refuse to load, and YAML traps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from obslint.findings import Finding
from obslint.fix.edits import Fix, SetKey, fix_at
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.alertmanager import node_loc
from obslint.model.alertmanager.admission import amconfig_webhook, refused_routes
from obslint.routing import scalar_str
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, route_loc, sources
from obslint.rules.alertmanager.native import invalid_findings
from obslint.suggest import closest
from obslint.tools import prefetch
from obslint.tools.amtool import AmtoolCheck, collect, start_check


@rule(
    "AM001",
    "undefined-receiver",
    "error",
    "A route names a receiver that is not defined",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager refuses to load a config whose route tree names a receiver missing from
        `receivers:` (`undefined receiver "x" used in route`). The operator or the chart keeps
        the previous config running, so the change silently never takes effect. In an
        AlertmanagerConfig the receiver must be one of the object's own receivers; where the
        repository registers prometheus-operator's AlertmanagerConfig admission webhook, an
        object no Alertmanager selects is refused at apply too (the Kustomization fails).
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    passing=HR_EXAMPLE
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
    fix="Define the receiver under `receivers:` or fix the name in the route.",
)
def undefined_receiver(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.route is None:
            continue
        known = src.config.receivers
        for route in src.route.walk():
            own = route.own_receiver
            if own is None or own == "":
                continue
            name = scalar_str(own)
            if name in known:
                continue
            near = _near_receiver(name, list(known))
            hint = f"did you mean {near!r}?" if near else f"defined receivers: {', '.join(sorted(known)) or 'none'}"
            if isinstance(route.data, YMap) and not route.data.has_pos("receiver"):
                hint = (
                    f"the route sets no receiver, so the chart's default `receiver: {name!r}` applies; "
                    "set one or define that receiver"
                )
            yield Finding(
                route_loc(src, route, "receiver"),
                f'undefined receiver "{name}" used in route of {src.description}',
                hint,
            )
    yield from _refused_by_webhook(ctx.index)


def _refused_by_webhook(index: Index) -> Iterator[Finding]:
    """AlertmanagerConfig objects no Alertmanager here selects, refused at apply by the operator's
    admission webhook when the repository registers it (obslint.model.alertmanager.admission)."""
    merged = {id(amc.obj) for src in sources(index) for amc in src.amconfigs}
    for obj in index.of_kind("AlertmanagerConfig", group="monitoring.coreos.com"):
        if id(obj) in merged:
            continue
        webhook = amconfig_webhook(index, obj.cluster)
        if webhook is None:
            continue
        for refused in refused_routes(obj):
            node = refused.node
            loc = node.loc("receiver") if isinstance(node, YMap) and "receiver" in node else obj.loc("spec", "route")
            defined = [scalar_str(r.get("name")) for r in obj.spec.get("receivers") or [] if isinstance(r, Mapping)]
            near = closest(refused.receiver, defined) if refused.receiver else []
            yield Finding(
                loc,
                f'receiver "{refused.receiver}" not found in {obj.ref()}: the admission webhook of '
                f"{webhook.ref()} refuses the object, so the Kustomization applying it fails",
                f"did you mean {near[0]!r}?" if near else f"defined receivers: {', '.join(sorted(defined)) or 'none'}",
            )


def _near_receiver(name: str, known: list[str]) -> str | None:
    """The defined receiver a name most likely meant: the same name under another
    AlertmanagerConfig prefix (`<ns>/<config>/<name>`), else a close spelling."""
    by_short: dict[str, str] = {}
    for n in known:
        by_short.setdefault(n.rpartition("/")[2], n)
    short = name.rpartition("/")[2]
    if short in by_short:
        return by_short[short]
    near = closest(name, known) or closest(short, by_short)
    return by_short.get(near[0], near[0]) if near else None


@rule(
    "AM011",
    "undefined-time-interval",
    "error",
    "A route mutes or activates on a time interval that is not defined",
    basis=Basis.CERTAIN,
    why="""
        `mute_time_intervals` and `active_time_intervals` name entries of `time_intervals:` (or
        the older `mute_time_intervals:`). Alertmanager refuses a config naming one that does not
        exist (`undefined time interval "x" used in route`).
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="warning"]
              mute_time_intervals: [nights]
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="warning"]
              mute_time_intervals: [nights]
        time_intervals:
          - name: nights
            time_intervals:
              - times: [{start_time: "22:00", end_time: "24:00"}]
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    fix="Define the interval under `time_intervals:` or fix its name.",
)
def undefined_time_interval(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.route is None:
            continue
        intervals = src.config.time_intervals
        for route in src.route.walk():
            for key in ("mute_time_intervals", "active_time_intervals"):
                for k, name in enumerate(getattr(route, key)):
                    if name not in intervals:
                        node = route.data.get(key) if isinstance(route.data, Mapping) else None
                        loc = node_loc(node, k, route_loc(src, route, key))
                        known = ", ".join(sorted(intervals)) or "none"
                        yield Finding(
                            loc, f'undefined time interval "{name}" used in route', f"defined intervals: {known}"
                        )


_COVERED = ("undefined receiver", "undefined time interval")


def _amtool_can_judge(src: Any) -> bool:
    """Configs amtool sees as Alertmanager will: not built from AlertmanagerConfig objects, not
    completed at deploy time (HelmRelease valuesFrom, Flux `${VAR}` substitution), and free of the
    errors obslint reports itself."""
    if src.config.problems or src.defaults_only or (src.obj is not None and src.obj.kind == "AlertmanagerConfig"):
        return False
    if src.release is not None and src.release.obj.spec.get("valuesFrom"):
        return False
    # `${VAR}`: Flux substitution; `{{ ... }}` in a URL: rendered by another tool (ExternalSecret
    # templates) or a templated URL, which only Alertmanager 0.31+ accepts
    return not any(
        isinstance(v, str) and ("${" in v or ("{{" in v and "url" in str(k).lower())) for k, v in _strings(src.data)
    )


def _strings(node: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) of every scalar below node (list items get their list's key)."""
    stack: list[tuple[Any, Any]] = [(None, node)]
    while stack:
        parent_key, cur = stack.pop()
        items = (
            cur.items() if isinstance(cur, Mapping) else ((parent_key, v) for v in cur) if isinstance(cur, list) else ()
        )
        for k, v in items:
            if isinstance(v, (Mapping, list)):
                stack.append((k, v))
            else:
                yield k, v


@memoised
def amtool_batch(index: Index) -> tuple[list[Any], AmtoolCheck | None]:
    """Receiver integration settings: amtool, once over every config without errors of our own,
    started in the background (see obslint.tools.PREFETCH)."""
    clean = [s for s in sources(index) if _amtool_can_judge(s)]
    return clean, (start_check(index, [s.data for s in clean]) if clean else None)


prefetch("AM014", amtool_batch)


@rule(
    "AM014",
    "alertmanager-config-invalid",
    "error",
    "An Alertmanager config that Alertmanager would refuse to load",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager validates its whole config on (re)load and keeps the old one when anything
        is wrong: a root route without a default receiver or with matchers or `continue`,
        duplicate receiver names, a receiver without a name, matchers that do not parse,
        invalid regexes, `...` mixed with other labels in `group_by`, zero intervals, and
        receiver settings: a required value missing for any integration (a webhook without `url`
        or `url_file`, a Slack receiver without an API URL here or in `global:`), two values that
        exclude each other (`x` and `x_file`), a malformed URL, duration or `host:port`, a value of
        the wrong kind. These are checked natively, at the key; `amtool check-config` (when
        installed, once per run) adds what the native check does not cover, and its errors about
        fields it is too old to know are ignored (unknown keys are AM023). The change never takes
        effect and nothing in the repository says so.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: ['severity=~"(critical"']
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: ['severity=~"(critical|warning)"']
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    fix="Correct the config; `obslint routes show` prints the tree Alertmanager would build.",
)
def config_invalid(ctx: RuleContext) -> Iterator[Finding]:
    all_sources = sources(ctx.index)
    native: dict[int, list[str]] = {}
    for src, problem, finding in invalid_findings(ctx.index):
        native.setdefault(id(src), []).append(problem.message)
        yield finding
    clean, batch = amtool_batch(ctx.index)
    rejected = (collect(ctx.index, batch) if batch is not None else None) or {}
    for k, error in sorted(rejected.items()):
        src = clean[k]
        first, _, rest = error.partition("\n")
        if any(message in error for message in native.get(id(src), ())):
            continue  # the native check reports the same problem, at its key
        yield Finding(
            src.anchor,
            f"amtool check-config rejects {src.description}: {first}",
            rest.strip() or "Alertmanager keeps the previous config",
        )
    for src in all_sources:
        for p in src.config.problems:
            if p.message.startswith(_COVERED):
                continue
            if src.defaults_only:
                continue
            loc = node_loc(p.node, p.key, src.anchor) if p.node is not None else src.anchor
            yield Finding(loc, f"{p.message} in {src.description}", "Alertmanager keeps the previous config")
        for amc in src.amconfigs:
            if amc.route is None:
                continue
            for route in amc.route.walk():
                for p in route.problems:
                    yield Finding(node_loc(p.node, p.key, amc.obj.loc()), f"{p.message} in {amc.obj.ref()}")


def _null_receivers(node: Any, path: str) -> Iterator[tuple[Any, str]]:
    """(mapping, description) of every route mapping below node with `receiver:` = YAML null."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, Mapping):
            continue
        if "receiver" in cur and cur["receiver"] is None:
            yield cur, path
        routes = cur.get("routes")
        if isinstance(routes, list):
            stack.extend(reversed(routes))


@rule(
    "AM007",
    "yaml-null-receiver",
    "error",
    '`receiver: null` unquoted is YAML null, not the receiver named "null"',
    basis=Basis.CERTAIN,
    why="""
        The conventional discard receiver is named `"null"`. Written without quotes,
        `receiver: null` is a YAML null: Alertmanager reads "no receiver", and the route
        silently inherits its parent's receiver, so the alerts meant to be discarded are
        notified (or, at the root of chart values, Helm deletes the default receiver). A
        receiver declared as `- name: null` has no name at all.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [alertname="Watchdog"]
              receiver: null
        receivers:
          - name: "null"
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [alertname="Watchdog"]
              receiver: "null"
        receivers:
          - name: "null"
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    fix="""
        Quote it: `receiver: "null"` (and `- name: "null"`). `obslint check --fix` adds the quotes
        (not inside a config written as a string, e.g. a Secret's `alertmanager.yaml: |`).
    """,
    fixable=True,
)
def yaml_null_receiver(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[tuple] = set()
    for src in sources(ctx.index):
        raw = src.raw
        if not isinstance(raw, Mapping):
            continue
        for node, _ in _null_receivers(raw.get("route"), "route"):
            loc = node.loc("receiver") if isinstance(node, YMap) else src.anchor
            if (loc.path, loc.line, loc.col) in seen:
                continue
            seen.add((loc.path, loc.line, loc.col))
            yield Finding(
                loc,
                "`receiver: null` is YAML null: this route inherits its parent's receiver",
                'write "null"',
                fix=_quote_null(node, "receiver"),
            )
        receivers = raw.get("receivers")
        for item in receivers if isinstance(receivers, list) else []:
            if isinstance(item, YMap) and "name" in item and item["name"] is None:
                loc = item.loc("name")
                if (loc.path, loc.line, loc.col) not in seen:
                    seen.add((loc.path, loc.line, loc.col))
                    message = "receiver `name: null` is YAML null: the receiver has no name"
                    yield Finding(loc, message, 'write "null"', fix=_quote_null(item, "name"))
    for obj in ctx.index.of_kind("AlertmanagerConfig", group="monitoring.coreos.com"):
        for node, _ in _null_receivers(obj.spec.get("route"), "spec.route"):
            loc = node.loc("receiver") if isinstance(node, YMap) else obj.loc()
            yield Finding(
                loc, f"`receiver: null` is YAML null in {obj.ref()}", 'write "null"', fix=_quote_null(node, "receiver")
            )


def _quote_null(node: Any, key: str) -> Fix | None:
    return fix_at(node, SetKey(key, "null", expect=None), summary=f'quote {key} "null"')
