"""Reasoning about alerts whose labels are partly unknown: which matchers certainly hold or fail
for every instance of an alert, which routes it may reach, and grouping alerts that route alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from obslint.model.alertmanager.universe import KnownAlert
from obslint.routing import Route, _matches_all, finite_values


def matcher_verdict(m: Any, alert: KnownAlert) -> bool | None:
    """True/False when the matcher's outcome is certain for every instance of the alert."""
    if m.name in alert.labels:
        return m.matches_value(alert.labels[m.name])
    if _matches_all(m):
        return True
    prefix = alert.prefixes.get(m.name)
    if prefix and m.op in ("=", "=~"):
        values = finite_values(m)
        if values is not None and not any(v.startswith(prefix) for v in values):
            return False
    return None


def matchers_verdict(ms: list, alert: KnownAlert) -> bool | None:
    result: bool | None = True
    for m in ms:
        v = matcher_verdict(m, alert)
        if v is False:
            return False
        if v is None:
            result = None
    return result


def possible_routes(root: Route, alert: KnownAlert) -> list[Route]:
    """Routes the alert may be dispatched to, over every value its unknown labels may take
    (an over-approximation of Route.match)."""
    out: list[Route] = []
    stack: list[Route] = [root]
    while stack:
        node = stack.pop()
        if node.unsupported:
            out.append(node)  # cannot judge below: treat the node as reachable
            continue
        v = matchers_verdict(node.matchers, alert)
        if v is False:
            continue
        definite_child = False
        pending: list[Route] = []
        for child in node.routes:
            cv = matchers_verdict(child.matchers, alert)
            if cv is False and not child.unsupported:
                continue
            pending.append(child)
            if cv is True and not child.unsupported and not child.continue_:
                definite_child = True
                break
            if cv is True and not child.unsupported:
                definite_child = True
        if not definite_child:
            out.append(node)
        stack.extend(reversed(pending))
    return out


def group_alerts(
    matchers: Iterable[Any], alerts: Iterable[KnownAlert], scope: Callable[[KnownAlert], Any] | None = None
) -> list[list[KnownAlert]]:
    """The alerts grouped so that each of the matchers gives every member of a group the same
    verdict (matcher_verdict); members of a group therefore route alike through a tree of them.

    Rule files often hold thousands of alerts that differ only in `alertname` while the routes
    look at `severity` and `team`: routing one representative per group keeps the route checks
    proportional to the distinct verdicts, not to the number of alerts. A matcher's verdict only
    depends on the alert's value (or name prefix) for the matcher's label, so it is computed once
    per distinct value. `scope` adds a key of its own (alerts that must not share a group).
    """
    by_name: dict[str, list[Any]] = {}
    for m in dict.fromkeys(matchers):  # the same matcher in many configs is evaluated once
        by_name.setdefault(m.name, []).append(m)
    names = sorted(by_name)
    memo: dict[tuple, tuple] = {}
    groups: dict[tuple, list[KnownAlert]] = {}
    for alert in alerts:
        labels, prefixes = alert.labels, alert.prefixes
        key: list[Any] = [scope(alert)] if scope is not None else []
        for name in names:
            value = labels.get(name)
            seen = (name, value, None if value is not None else prefixes.get(name))
            verdicts = memo.get(seen)
            if verdicts is None:
                verdicts = memo[seen] = tuple(matcher_verdict(m, alert) for m in by_name[name])
            key.append(verdicts)
        groups.setdefault(tuple(key), []).append(alert)
    return list(groups.values())


def tree_matchers(root: Route) -> list[Any]:
    """Every matcher of the route tree."""
    return [m for node in root.walk() for m in node.matchers]


def can_reach(route: Route, alert: KnownAlert) -> bool:
    """False only when the alert certainly fails a matcher on the way to `route`."""
    node: Route | None = route
    while node is not None:
        if matchers_verdict(node.matchers, alert) is False and not node.unsupported:
            return False
        node = node.parent
    return True
