"""Grouping that floods or lumps notifications."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding
from obslint.fix.edits import MISSING, AddItem, Fix, SetKey, fix_at
from obslint.load import YMap
from obslint.routing import Route
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, describe, is_null, route_loc, sources

_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
"""


@rule(
    "AM012",
    "group-by-all",
    "warning",
    "`group_by: ['...']` on a route that notifies: every alert becomes its own notification",
    basis=Basis.ASSUMPTION,
    why="""
        `...` groups by all labels, which disables grouping: each distinct label set (every
        pod, every instance) is notified separately. During an incident that is a flood of
        pages, and a noisy alert can exhaust a paging quota. It is fine for a receiver that
        discards, or for a receiver that deduplicates itself.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_by: ["..."]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_by: [alertname, namespace]
"""
    + _RECEIVERS,
    fix="Group by the labels that identify one problem, e.g. [alertname, namespace].",
)
def group_by_all(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        for route in src.route.walk():
            gb = route.data.get("group_by") if hasattr(route.data, "get") else None
            if not isinstance(gb, list) or "..." not in gb:
                continue
            notifying = [r for r in route.walk() if r.group_by_all and not is_null(src, r.receiver)]
            if notifying:
                yield Finding(
                    route_loc(src, route, "group_by"),
                    f"{describe(route)} groups by all labels (`...`): every alert is notified on its own "
                    f"(receiver {notifying[0].receiver})",
                    "group by [alertname, namespace] (or the labels that identify one problem)",
                )


@rule(
    "AM013",
    "missing-alertname-grouping",
    "info",
    "A notifying route groups without `alertname`: different alerts are batched into one notification",
    basis=Basis.STYLE,
    why="""
        Alertmanager batches alerts that share the `group_by` labels into one notification.
        Without `alertname` among them (e.g. the chart default `group_by: [namespace]`), an
        unrelated warning and a critical alert of the same namespace arrive as one message whose
        title names only one of them, and a new alert joining an existing group waits for
        `group_interval`. Grouping by `alertname` (plus `namespace` or `cluster`) keeps one
        notification per problem.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_by: [namespace]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_by: [alertname, namespace]
"""
    + _RECEIVERS,
    fix="""
        Add `alertname` to `group_by` (e.g. [alertname, namespace]). `obslint check --fix` adds it
        (first) to the route's `group_by`, or sets `group_by` with it on a root route that inherits
        the default (not inside a config written as a string).
    """,
    fixable=True,
)
def missing_alertname_grouping(ctx: RuleContext) -> Iterator[Finding]:
    for src in sources(ctx.index):
        if src.route is None:
            continue
        for route in src.route.walk():
            if route.group_by_all or "alertname" in route.group_by or is_null(src, route.receiver):
                continue
            # report where the grouping is decided: a route setting group_by, or the root
            sets = hasattr(route.data, "get") and isinstance(route.data.get("group_by"), list)
            if not sets and route.parent is not None:
                continue
            if route.parent is not None and any(
                r.group_by == route.group_by and "alertname" not in r.group_by for r in route.ancestors()
            ):
                continue
            shown = ", ".join(route.group_by) or "nothing"
            yield Finding(
                route_loc(src, route, "group_by" if sets else None),
                f"{describe(route)} groups by [{shown}] without alertname: different alerts share one notification",
                "add alertname to group_by",
                fix=_alertname_fix(route),
            )


def _alertname_fix(route: Route) -> Fix | None:
    """alertname first in the route's own group_by, or a group_by of its own that adds it to the
    grouping it inherits."""
    data = route.data
    summary = f"add alertname to group_by of {describe(route)}"
    if isinstance(data, YMap) and data.has_pos("group_by") and data.src_of("group_by") is data.src:
        return fix_at(data, AddItem("group_by", "alertname", at=0), summary=summary)
    return fix_at(data, SetKey("group_by", ["alertname", *route.group_by], expect=MISSING, flow=True), summary=summary)
