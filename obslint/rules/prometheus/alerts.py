"""Alert hygiene: severity, annotations, always-firing expressions, `for` on flappy signals.

PROM004 alert-missing-severity, PROM005 alert-missing-annotations, PROM007 always-firing,
PROM010 alert-for-too-short.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import promql_parser as pp
from pydantic import Field

from obslint.findings import Finding
from obslint.index import Index
from obslint.load import YMap
from obslint.model.promql import func_name, has_filter, metric_names, op_name, selectors, walk
from obslint.model.rulegroups import RuleEntry, all_rules
from obslint.model.scrape_interval import scrape_interval
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.rules.examples import APP_DOWN, RULES_HEAD
from obslint.suggest import closest
from obslint.units import format_duration, try_duration


def _alerts(ctx: RuleContext, engine: str | None = None) -> Iterator[RuleEntry]:
    for entry in all_rules(ctx.index, engine):
        if entry.kind == "alert" and entry.name and "alert" in entry.data and "record" not in entry.data:
            yield entry


def _group_labels(entry: RuleEntry) -> dict:
    labels = entry.group.data.get("labels")  # Prometheus 3 group-level labels apply to every rule
    return labels if isinstance(labels, dict) else {}


# --- PROM004 alert-missing-severity ---------------------------------------------------------------


class SeverityOptions(RuleOptions):
    label: str = "severity"
    # When set, the label's value must be one of these (what the Alertmanager routes expect).
    allowed: list[str] | None = None


SEVERITY_FAIL = (
    RULES_HEAD
    + """\
        - alert: AppDown
          expr: up{job="app"} == 0
          for: 5m
          annotations:
            summary: app is down
            description: "{{ $labels.instance }} has not answered scrapes for 5 minutes."
"""
)

SEVERITY_PASS = SEVERITY_FAIL.replace(
    "          for: 5m\n", "          for: 5m\n          labels:\n            severity: critical\n"
)


@rule(
    "PROM004",
    "alert-missing-severity",
    "warning",
    "An alerting rule without a severity label",
    basis=Basis.ASSUMPTION,
    why="""
    Alertmanager routes, inhibition rules and notification templates key on `severity`: the
    kube-prometheus-stack defaults inhibit `warning` by `critical`, and most route trees send
    `critical` to a pager and `warning` to chat. An alert without the label falls through to the
    default receiver (often a quiet channel or `null`) and is never inhibited, so it is either lost
    or noisy. Group-level labels (Prometheus 3) count.
    """,
    failing=SEVERITY_FAIL,
    passing=SEVERITY_PASS,
    fix="Add `labels: {severity: critical|warning|info}` to the alert.",
    options=SeverityOptions,
)
def alert_missing_severity(ctx: RuleContext) -> Iterator[Finding]:
    opts: SeverityOptions = ctx.options
    for entry in _alerts(ctx, None):
        labels = {**_group_labels(entry), **entry.labels}
        value = labels.get(opts.label)
        if value is None or (isinstance(value, str) and not value.strip()):
            loc = entry.loc_of("labels") if "labels" in entry.data else entry.loc
            # a misspelt key (`serverity`, `Severity`) is the likeliest cause: point at it
            typo = closest(opts.label, [k for k in entry.labels if isinstance(k, str) and k != opts.label])
            if typo:
                yield Finding(
                    entry.loc_of("labels", typo[0]),
                    f"alert {entry.name!r} has a {typo[0]!r} label but no {opts.label!r} (did you mean {opts.label}?)",
                    hint=f"rename labels.{typo[0]} to {opts.label} so Alertmanager can route and inhibit it",
                )
                continue
            yield Finding(
                loc,
                f"alert {entry.name!r} has no {opts.label!r} label",
                hint=f"add labels.{opts.label} so Alertmanager can route and inhibit it",
            )
        elif opts.allowed is not None and str(value) not in opts.allowed and "{{" not in str(value):
            yield Finding(
                entry.loc_of("labels", opts.label),
                f"alert {entry.name!r} has {opts.label}={value!r}, not one of {', '.join(opts.allowed)}",
                hint="use one of the severities the Alertmanager routes expect",
            )


# --- PROM005 alert-missing-annotations ------------------------------------------------------------


# Annotation names notification templates read (kube-prometheus-stack's rules, the usual Slack,
# Pushover and Discord templates); a key within MISSPELLING_CUTOFF of one of them is a typo.
WELL_KNOWN_ANNOTATIONS = ("summary", "description", "message", "runbook_url")
MISSPELLING_CUTOFF = 0.8


class AnnotationOptions(RuleOptions):
    # Each entry names an annotation that must be present; `a|b` accepts either. The default asks for
    # a human-readable text under any of the usual names (kube-prometheus' older `message` included);
    # `required: [summary, description]` asks for both.
    required: list[str] = Field(default_factory=lambda: ["summary|description|message"])
    require_runbook_url: bool = False


ANNOT_FAIL = RULES_HEAD + APP_DOWN

ANNOT_PASS = (
    ANNOT_FAIL
    + """\
          annotations:
            summary: app is down
            description: "{{ $labels.instance }} has not answered scrapes for 5 minutes."
"""
)


@rule(
    "PROM005",
    "alert-missing-annotations",
    "warning",
    "An alerting rule without summary/description annotations (runbook_url when configured)",
    basis=Basis.ASSUMPTION,
    why="""
    The notification is all the on-call person sees at 3 a.m.: without a `summary` or `description`
    it says only the alert name and labels. kube-prometheus-stack's own rules and the usual
    Alertmanager templates (Slack, Pushover, Discord) render these annotations. By default one of
    them is required; `required: [summary, description]` asks for both, and teams that keep
    runbooks can require `runbook_url` with the option `require_runbook_url: true`. A key that is
    a misspelling of one of these names (`sumamry`, `Description`, `runbook_uri`) is reported as
    such: templates reading the real name get nothing.
    """,
    failing=ANNOT_FAIL,
    passing=ANNOT_PASS,
    fix="Add `annotations: {summary: ..., description: ...}` (and `runbook_url` when required).",
    options=AnnotationOptions,
)
def alert_missing_annotations(ctx: RuleContext) -> Iterator[Finding]:
    opts: AnnotationOptions = ctx.options
    required = list(opts.required) + (["runbook_url"] if opts.require_runbook_url else [])
    wanted = {alt for r in required for alt in r.split("|")} | set(WELL_KNOWN_ANNOTATIONS)
    for entry in _alerts(ctx, None):
        present = {str(k) for k, v in entry.annotations.items() if v not in (None, "")}
        misspelt = _misspelt_annotations(present, wanted)
        for key, meant in misspelt.items():
            yield Finding(
                entry.annotations.key_loc(key) if isinstance(entry.annotations, YMap) else entry.loc,
                f"annotation {key!r} of alert {entry.name!r} is not {meant!r}: notification templates that read "
                f"{meant} get nothing",
                hint=f"rename it to {meant}",
            )
        present |= set(misspelt.values())  # reported above: one cause, one finding
        missing = [r.replace("|", " or ") for r in required if not any(alt in present for alt in r.split("|"))]
        if missing:
            loc = entry.loc_of("annotations") if "annotations" in entry.data else entry.loc
            yield Finding(
                loc,
                f"alert {entry.name!r} has no {', '.join(missing)} annotation" + ("s" if len(missing) > 1 else ""),
                hint="notifications show the annotations; say what broke and what to do",
            )


def _misspelt_annotations(present: set[str], wanted: set[str]) -> dict[str, str]:
    """Annotation keys that are a misspelling (or another case) of a wanted one that is absent."""
    out: dict[str, str] = {}
    for key in sorted(present - wanted):
        meant = closest(key, wanted, cutoff=MISSPELLING_CUTOFF)
        if meant and meant[0] not in present:
            out[key] = meant[0]
    return out


# --- PROM007 always-firing ------------------------------------------------------------------------


class AlwaysFiringOptions(RuleOptions):
    # Alerts that fire all the time on purpose (dead man's switch, inhibitor helpers).
    allow: list[str] = Field(default_factory=lambda: ["Watchdog", "DeadMansSwitch", "InfoInhibitor"])


ALWAYS_FAIL = (
    RULES_HEAD
    + """\
        # no comparison: one alert per series, always
        - alert: AppErrorRateHigh
          expr: sum by (job) (rate(http_requests_total{job="app", code=~"5.."}[5m]))
          for: 10m
          labels:
            severity: warning
          annotations:
            summary: app answers with errors
            description: "{{ $labels.job }} returns 5xx responses."
"""
)

ALWAYS_PASS = ALWAYS_FAIL.replace("[5m]))\n", "[5m])) > 1\n").replace(
    "        # no comparison: one alert per series, always\n", ""
)


@rule(
    "PROM007",
    "always-firing",
    "warning",
    "An alert expression with no comparison or absent()-style filter: it fires for every series",
    basis=Basis.ASSUMPTION,
    why="""
    An alert fires for every series its expression returns. Without a comparison (`> 0.05`,
    `== 0`), a set filter (`and`, `unless`) or `absent()`, the expression returns a series as soon
    as the metric exists, so the alert fires permanently and trains everyone to ignore it (or,
    silenced, hides the real incident). The check walks the PromQL AST along the output path:
    comparisons under aggregations and functions count, `bool` comparisons and scalar arguments do
    not. Deliberate always-on alerts (Watchdog) are allowed by name with the `allow` option.
    """,
    failing=ALWAYS_FAIL,
    passing=ALWAYS_PASS,
    fix="Add the threshold the alert is about (`> 1`, `== 0`), or turn it into a recording rule.",
    options=AlwaysFiringOptions,
)
def always_firing(ctx: RuleContext) -> Iterator[Finding]:
    opts: AlwaysFiringOptions = ctx.options
    for entry in _alerts(ctx):
        if entry.name in opts.allow:
            continue
        ast = entry.ast
        if ast is None or has_filter(ast):
            continue
        yield Finding(
            entry.expr_loc,
            f"alert {entry.name!r} has no comparison or filter in its expression: it fires for every series "
            "the expression returns, all the time",
            hint="add the threshold the alert is about (e.g. `> 0.05`), or make it a recording rule",
        )


# --- PROM010 alert-for-too-short ------------------------------------------------------------------

# Signals that blip: scrape health and probes go to 0 for one failed scrape, restart counters and
# state metrics change with every pod restart or rollout.
FLAPPY_METRICS = frozenset(
    {
        "up",
        "probe_success",
        "scrape_samples_scraped",
        "scrape_duration_seconds",
        "scrape_series_added",
        "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_waiting_reason",
        "kube_pod_container_status_terminated_reason",
        "kube_pod_container_status_last_terminated_reason",
        "kube_pod_container_status_ready",
        "kube_pod_status_ready",
        "kube_pod_status_phase",
    }
)
FLAPPY_FUNCTIONS = frozenset({"changes", "resets"})
COUNTER_FUNCTIONS = frozenset({"increase", "rate", "irate", "delta", "idelta", "changes", "resets"})


class ForOptions(RuleOptions):
    min_for: str | None = Field(
        default=None,
        description="a fixed minimum `for` (default: two scrape intervals of the Prometheus that evaluates the "
        "rule; where that Prometheus is not known, only a missing `for` is reported)",
    )


FOR_FAIL = (
    RULES_HEAD
    + """\
        # one failed scrape pages someone
        - alert: AppDown
          expr: up{job="app"} == 0
          labels:
            severity: critical
          annotations:
            summary: app is down
            description: "{{ $labels.instance }} failed its last scrape."
"""
)

FOR_PASS = FOR_FAIL.replace(
    '          expr: up{job="app"} == 0\n', '          expr: up{job="app"} == 0\n          for: 5m\n'
).replace("        # one failed scrape pages someone\n", "")


def _flappy_reason(ast, min_for: timedelta) -> str | None:
    """Why the expression reads a flappy signal, or None (smoothed signals do not count)."""
    for node in walk(ast):
        name = func_name(node)
        # changes()/resets() over a window at least min_for long is an event alert held for that
        # window (`changes(x[30m]) > 4`), like a restart counter compared over one
        if name in FLAPPY_FUNCTIONS and _range_of(node.args[0] if node.args else None) < min_for:
            return f"{name}() over a short window counts every change"
    reach = {id(r.selector): r for r in selectors(ast)}
    # the right side of `and`/`unless` only filters what the left side returns: a blip there can only
    # hold an alert back, never raise one
    filters = {
        id(sel)
        for node in walk(ast)
        if isinstance(node, pp.BinaryExpr) and op_name(node) in ("and", "unless")
        for sel in walk(node.rhs)
    }
    window: dict[str, timedelta] = {}  # per flappy metric: the longest window it is read over
    for metric, sel in metric_names(ast):
        if id(sel) in filters:
            continue
        restarts = "restart" in metric
        if metric not in FLAPPY_METRICS and not restarts:
            continue
        r = reach.get(id(sel))
        span = (r.lookback if restarts else r.range) if r is not None else timedelta(0)
        window[metric] = max(window.get(metric, timedelta(0)), span)
    for metric, span in window.items():
        # A state signal averaged over a window at least min_for long is already smoothed; a restart
        # counter compared over such a window (`increase(x[15m])`, `x - x offset 10m`) is an
        # event alert that holds for that window.
        if span < min_for:
            return f"it reads {metric}, which blips with single scrapes or restarts"
    return None


def _range_of(arg: Any) -> timedelta:
    """The range a matrix argument reads (`x[30m]`, a subquery `[1h:1m]`), 0 for anything else."""
    while isinstance(arg, pp.ParenExpr):
        arg = arg.expr
    if isinstance(arg, (pp.MatrixSelector, pp.SubqueryExpr)) and isinstance(arg.range, timedelta):
        return arg.range
    return timedelta(0)


@rule(
    "PROM010",
    "alert-for-too-short",
    "warning",
    "An alert over a flappy signal (up, probes, restarts) with no or a too short `for`",
    basis=Basis.ASSUMPTION,
    why="""
    `up == 0`, `probe_success == 0` and restart counters change with a single failed scrape, a node
    drain or a rollout. Without `for` (or with less than two scrape intervals of it) every blip
    becomes a notification and a resolve a minute later: alert fatigue, and the real outage is lost
    in the noise. The check recognises flappy signals from the PromQL AST (scrape-health and probe metrics,
    kube-state-metrics restart/readiness/phase metrics, `changes()`/`resets()`); a state metric
    averaged over a window at least as long as the minimum (`avg_over_time(up[10m])`) counts as
    smoothed, and so does a restart counter or `changes()` compared over such a window
    (`increase(...[15m])`, `x - x offset 10m`, `changes(x[30m]) > 4`), which holds the alert for
    that window. A failed scrape's sample is the latest one for a whole scrape interval, so the minimum
    is two scrape intervals of the Prometheus that evaluates the rule (its `scrapeInterval`, the
    operator's default 30s, or `server.global.scrape_interval` of the prometheus chart): one failed
    scrape, or two in a row, cannot notify. Where that Prometheus is not known (rule files), only a
    missing `for` is reported. The option `min_for` sets a fixed minimum instead.
    """,
    failing=FOR_FAIL,
    passing=FOR_PASS,
    fix="Add `for: 5m` (or longer) so the condition must hold before the alert fires.",
    options=ForOptions,
)
def alert_for_too_short(ctx: RuleContext) -> Iterator[Finding]:
    opts: ForOptions = ctx.options
    fixed = try_duration(opts.min_for) if opts.min_for else None
    minimums: dict[int, tuple[float | None, str]] = {}  # by rule set: its alerts share one Prometheus
    for entry in _alerts(ctx):
        ast = entry.ast
        if ast is None or isinstance(ast, pp.NumberLiteral):
            continue
        current = try_duration(entry.for_) if entry.for_ else 0.0
        if current is None:
            continue
        key = id(entry.group.ruleset)
        if key not in minimums:
            minimums[key] = _minimum_for(ctx.index, entry, fixed)
        minimum, why = minimums[key]
        if current >= (minimum or 1e-9):  # not known: only a missing `for` is certain to let a blip notify
            continue
        reason = _flappy_reason(ast, timedelta(seconds=minimum or SMOOTHING_WINDOW))
        if reason is None:
            continue
        loc = entry.loc_of("for") if "for" in entry.data else entry.loc
        what = f"`for: {entry.for_}` (below {why})" if entry.for_ else "no `for`"
        wanted = format_duration(minimum) if minimum else "2m"
        yield Finding(
            loc,
            f"alert {entry.name!r} has {what} but {reason}: short blips notify",
            hint=f"set `for: {wanted}` or longer",
        )


# Where the scrape interval is not known, a state signal averaged over a window this long (two scrapes at
# Prometheus's default scrape_interval of 1m) counts as smoothed.
SMOOTHING_WINDOW = 120.0


def _minimum_for(index: Index, entry: RuleEntry, fixed: float | None) -> tuple[float | None, str]:
    """(the shortest `for` that rides out a blip, how it is known), or (None, "") when it is not known."""
    if fixed:
        return fixed, format_duration(fixed)
    interval = scrape_interval(index, entry.group.ruleset)
    if interval is None:
        return None, ""
    return 2 * interval, f"two {format_duration(interval)} scrape intervals"
