"""Inhibit rules that mute more than intended, or match nothing."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding
from obslint.model.alertmanager import from_chart_default, matchers_verdict, node_loc
from obslint.routing import unsatisfiable
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import (
    HR_EXAMPLE,
    RULE_EXAMPLE,
    alert_groups_for,
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
    "An inhibit rule whose source and target match the same alerts, without `equal`",
    basis=Basis.CERTAIN,
    why="""
        An inhibit rule mutes every alert matching the target while an alert matching the
        source fires, restricted to alerts that agree on the `equal` labels. When the source
        and target matchers can match the same alert and `equal` is empty, one firing alert of
        that kind mutes all the others cluster-wide (e.g. source `severity=~"critical|warning"`,
        target `severity="warning"`: any warning anywhere mutes every other warning). Usually
        `equal: [alertname, namespace]` or disjoint severities were meant. A rule without
        source matchers (the chart's InfoInhibitor rule) is deliberate and not reported.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity=~"critical|warning"]
            target_matchers: [severity="warning"]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
        inhibit_rules:
          - source_matchers: [severity=~"critical|warning"]
            target_matchers: [severity="warning"]
            equal: [alertname, namespace]
"""
    + _RECEIVERS,
    fix="Add `equal:` labels that tie the muted alert to its cause, or make source and target disjoint.",
)
def inhibit_overlap(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        for rule_ in src.config.inhibit_rules:
            if rule_.equal or not rule_.source or not rule_.target or rule_.unsupported:
                continue
            if from_chart_default(rule_.data):
                continue
            if unsatisfiable(rule_.source + rule_.target) is not None:
                continue
            yield Finding(
                node_loc(rule_.data, None, src.anchor),
                "inhibit rule: source and target can match the same alert and `equal` is empty, so one "
                "firing alert mutes every other matching alert in the whole cluster",
                "add `equal:` (e.g. [alertname, namespace]) or make source and target disjoint",
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
        if not groups:
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
