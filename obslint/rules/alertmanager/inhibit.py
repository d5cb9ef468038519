"""Inhibit rules that mute more than intended, match nothing, or mute each other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

from obslint.findings import Finding, Loc
from obslint.model.alertmanager import (
    AMSource,
    KnownAlert,
    from_chart_default,
    matchers_verdict,
    node_loc,
    possible_routes,
)
from obslint.routing import InhibitRule, Matcher, finite_values, implies, unsatisfiable
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import (
    HR_EXAMPLE,
    RULE_EXAMPLE,
    alert_groups_for,
    alerts_for,
    is_null,
    routed_sources,
    sources,
)
from obslint.rules.alertmanager.routes import NoKnownAlertOptions, unknown_alertname_is_typo

_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
"""


@rule(
    "AM009",
    "inhibit-rule-overlap",
    "warning",
    "An inhibit rule whose source and target match the same alerts, so it never mutes anything",
    basis=Basis.CERTAIN,
    why="""
        An inhibit rule mutes an alert matching the target while an alert matching the source
        fires (with the same values of the `equal` labels). Alertmanager never lets an alert that
        matches both sides mute a target that matches both sides: such a target can only be muted
        by an alert matching the source alone (prometheus/alertmanager inhibit/inhibit.go, `hasEqual`
        and its `excludeTwoSidedMatch`). When the source and the target accept exactly the same
        alerts, there is no such alert, and the rule mutes nothing: typically a rule meant to keep
        one alert of a kind and mute its repeats, which Alertmanager does not do (grouping does).
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity="warning"]
            target_matchers: [severity="warning"]
            equal: [alertname, namespace]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, namespace]
"""
    + _RECEIVERS,
    fix="""
        Give the source what distinguishes the cause (a higher severity, the alert that explains
        the others) so that it matches alerts the target does not; to collapse repeats of one
        alert, group them with the route's `group_by` instead.
    """,
)
def inhibit_overlap(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        for rule_ in src.config.inhibit_rules:
            if not rule_.source or not rule_.target or rule_.unsupported or from_chart_default(rule_.data):
                continue
            if unsatisfiable(rule_.source + rule_.target) is not None:
                continue
            # `implies` is sound: both directions True means the two sides accept the same alerts
            if implies(rule_.source, rule_.target) and implies(rule_.target, rule_.source):
                yield Finding(
                    node_loc(rule_.data, None, src.anchor),
                    "inhibit rule: source and target match the same alerts, and Alertmanager never lets an "
                    "alert matching both sides mute another: the rule mutes nothing",
                    "make the source match the cause only (e.g. a higher severity); repeats of one alert are "
                    "collapsed by group_by, not by inhibition",
                )


@rule(
    "AM010",
    "inhibit-rule-matches-no-known-alert",
    "warning",
    "An inhibit rule whose source or target matches none of the alerts the repository defines",
    basis=Basis.ASSUMPTION,
    why="""
        An inhibit rule only acts when an alert matching its source fires and an alert matching
        its target is muted. If no alert the repository defines can match one side (a
        misspelled alert name or severity), the rule does nothing, and the noise it was written
        to suppress keeps paging. Turn on `external_alerts` when alerts also come from outside
        the repository.
    """,
    failing=RULE_EXAMPLE
    + HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [alertname="AppDwn"]
            target_matchers: [alertname="AppSlow"]
            equal: [namespace]
"""
    + _RECEIVERS,
    passing=RULE_EXAMPLE
    + HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [alertname="AppDown"]
            target_matchers: [alertname="AppSlow"]
            equal: [namespace]
"""
    + _RECEIVERS,
    fix="Fix the matchers so they match the alerts they are meant for, or delete the rule.",
    options=NoKnownAlertOptions,
)
def inhibit_no_known_alert(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.options.external_alerts:
        return
    for src in routed_sources(ctx.index):
        groups = alert_groups_for(ctx.index, src)
        if not groups or src.unmodelled_alerts:
            continue
        reps = [g[0] for g in groups]  # alike for every matcher below
        for rule_ in src.config.inhibit_rules:
            if rule_.unsupported or from_chart_default(rule_.data):
                continue
            for side, ms in (("source", rule_.source), ("target", rule_.target)):
                if not ms or unsatisfiable(ms) is not None:
                    continue
                if all(matchers_verdict(ms, a) is False for a in reps):
                    others = [m for m in ms if m.name != "alertname"]
                    by_labels = all(matchers_verdict(others, a) is False for a in reps)
                    alerts = [a for g in groups for a in g]
                    if not by_labels and unknown_alertname_is_typo(ms, alerts) is not True:
                        continue
                    text = ",".join(str(m) for m in ms)
                    key = f"{side}_matchers" if f"{side}_matchers" in rule_.data else f"{side}_match"
                    yield Finding(
                        node_loc(rule_.data, key, src.anchor),
                        f"inhibit rule {side} {{{text}}} matches none of the {len(alerts)} alerts "
                        "this repository defines",
                        "check the alert names and label values",
                    )


# --- mutual inhibition ----------------------------------------------------------------------
_OTHER = "obslint-other-value"  # a value no matcher names
MAX_WITNESSES = 20_000  # label-set pairs tried per pair of rules before giving up (no finding)


def _pool(name: str, matchers: list[Matcher]) -> list[str]:
    """Values worth trying for a label: absent, every value a matcher names, and one no matcher names."""
    values = {"", _OTHER}
    for m in matchers:
        if m.name == name:
            finite = finite_values(m) if m.op in ("=", "=~") else {m.value}
            values |= finite or set()
    return sorted(values)


def _witness(r1: InhibitRule, r2: InhibitRule) -> tuple[dict[str, str], dict[str, str]] | None:
    """Two alerts a, b that silence each other: a is a source of r1 and a target of r2, b a target
    of r1 and a source of r2, equal on both rules' `equal` labels, and neither discounted by
    Alertmanager's two-sided exclusion (inhibit/inhibit.go `Mutes`: a target that also matches the
    source side is not inhibited by a source that also matches the target side). An alert that is
    inhibited still inhibits others: the source cache holds every alert matching the source side
    (inhibit.go `Inhibitor.run` / `processAlert`), muted or not. None when no pair is found."""
    everything = [*r1.source, *r1.target, *r2.source, *r2.target]
    names = sorted({m.name for m in everything})
    equal = set(r1.equal) | set(r2.equal)
    shared = [n for n in names if n in equal]
    own = [n for n in names if n not in equal]
    choices = [[(v, v) for v in _pool(n, everything)] for n in shared]
    choices += [[(x, y) for x in _pool(n, everything) for y in _pool(n, everything)] for n in own]
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_WITNESSES:
        return None
    order = shared + own
    for combo in product(*choices):
        a = {n: v[0] for n, v in zip(order, combo, strict=True)}
        b = {n: v[1] for n, v in zip(order, combo, strict=True)}
        if not (_all(r1.source, a) and _all(r2.target, a) and _all(r1.target, b) and _all(r2.source, b)):
            continue
        if (_all(r1.source, b) and _all(r1.target, a)) or (_all(r2.source, a) and _all(r2.target, b)):
            continue  # the two-sided exclusion spares one of them
        return a, b
    return None


def _may_be_notified(matchers: list[Matcher], known: list[KnownAlert], src: AMSource) -> bool:
    """False when the matchers name alerts (by `alertname`) that the repository defines, and none
    of those with labels that fit can reach a receiver that notifies (muting it changes nothing):
    e.g. `alertname="InfoInhibitor", severity="info"` (the chart's InfoInhibitor has `severity:
    none`), or a maintenance signal routed to "null". True otherwise, incl. alerts defined elsewhere."""
    names: set[str] | None = None
    for m in matchers:
        if m.name == "alertname" and m.op in ("=", "=~"):
            values = finite_values(m)
            if values is not None:
                names = values if names is None else names & values
    if names is None or src.route is None:
        return True
    defined = [a for a in known if a.name in names]
    if {a.name for a in defined} != names:
        return True
    fitting = [a for a in defined if matchers_verdict(matchers, a) is not False]
    return any(not all(is_null(src, r.receiver) for r in possible_routes(src.route, a)) for a in fitting)


def _all(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def _labels_text(labels: dict[str, str]) -> str:
    shown = [f'{k}="{v}"' for k, v in sorted(labels.items()) if v and v != _OTHER]
    return "{" + ", ".join(shown) + "}"


@rule(
    "AM021",
    "mutual-inhibition",
    "warning",
    "Two inhibit rules inhibit each other's alerts: when both alerts fire, neither is notified",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager mutes an alert that matches a rule's target while an alert matching its
        source fires with the same `equal` labels, and an alert that is itself inhibited still
        inhibits others (inhibit/inhibit.go: the source cache holds every firing alert matching
        the source side; `Mutes` does not ask whether that alert is muted). So when rule 1 lets
        alert A mute alert B and rule 2 lets B mute A (e.g. critical mutes warning and warning
        mutes critical, with the same `equal`), both are silent while both fire: the incident
        is not notified at all. Alertmanager spares only an alert matching both sides of one
        rule (its two-sided exclusion), which does not help across two rules. A pair is not
        reported when the alerts one side needs are named by `alertname`, defined in the
        repository, and none of them both has labels that fit and reaches a receiver that
        notifies (the chart's InfoInhibitor has `severity: none`, so it is never one of the
        `info` alerts it inhibits; a maintenance signal routed to "null" loses nothing by being
        muted). Rules without
        source or target matchers (the chart's InfoInhibitor rules) and pairs of chart default
        rules are not reported.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, namespace]
          - source_matchers: [severity="warning"]
            target_matchers: [severity="critical"]
            equal: [alertname, namespace]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, namespace]
          - source_matchers: [severity="warning"]
            target_matchers: [severity="info"]
            equal: [alertname, namespace]
"""
    + _RECEIVERS,
    fix="Keep one direction: the more severe or more specific alert inhibits the other, never both ways.",
)
def mutual_inhibition(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        rules = [r for r in src.config.inhibit_rules if r.source and r.target and not r.unsupported]
        for j, r2 in enumerate(rules):
            for r1 in rules[:j]:
                if from_chart_default(r1.data) and from_chart_default(r2.data):
                    continue
                found = _witness(r1, r2)
                if found is None:
                    continue
                known = alerts_for(ctx.index, src)
                a_side, b_side = [*r1.source, *r2.target], [*r1.target, *r2.source]
                if not (_may_be_notified(a_side, known, src) and _may_be_notified(b_side, known, src)):
                    continue  # one side's alerts are defined here and none of them would be notified anyway
                at = r1 if from_chart_default(r2.data) else r2
                loc = node_loc(at.data, None, src.anchor)
                if loc in seen:
                    continue
                seen.add(loc)
                a, b = found
                same = ", ".join(sorted(set(r1.equal) | set(r2.equal))) or "nothing"
                yield Finding(
                    loc,
                    f"inhibit rules {r1.index + 1} and {r2.index + 1} inhibit each other: alerts "
                    f"{_labels_text(a)} and {_labels_text(b)} with the same [{same}] mute each other, "
                    "so neither is notified while both fire",
                    "keep one direction (the more severe alert inhibits the other)",
                )
