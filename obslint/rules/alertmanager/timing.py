"""Route timings whose order defeats their purpose: repeat_interval below group_interval, group_wait above it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from obslint.findings import Finding
from obslint.model.alertmanager import from_chart_default
from obslint.routing import Route, format_duration
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, describe, is_null, route_loc, sources

_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
"""


def _where_decided(route: Route, broken: Callable[[Route], bool], keys: tuple[str, ...]) -> str | None:
    """The key of `route` that makes it broken when its parent is not (the one place to report a
    pair of inherited timings), or None."""
    if not broken(route) or (route.parent is not None and broken(route.parent)):
        return None
    data = route.data
    own = [k for k in keys if hasattr(data, "get") and data.get(k) is not None]
    if route.parent is not None and not own:
        return None
    return own[0] if own else keys[0]


def _decided_routes(ctx: RuleContext, broken: Callable[[Route], bool], keys: tuple[str, ...]) -> Iterator:
    """(source, route, key) where `broken` starts to hold on a route that notifies."""
    for src in sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        for route in src.route.walk():
            key = _where_decided(route, broken, keys)
            if key is None or from_chart_default(route.data):
                continue
            if all(is_null(src, r.receiver) for r in route.walk() if broken(r)):
                continue
            yield src, route, key


def _repeat_below_group(r: Route) -> bool:
    return 0 < r.repeat_interval < r.group_interval


@rule(
    "AM017",
    "repeat-interval-below-group-interval",
    "warning",
    "A route's repeat_interval is shorter than its group_interval: notifications cannot repeat that often",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager looks at an alert group only every `group_interval` (dispatch/dispatch.go
        `aggrGroup.run` resets its timer to it), and the notification stage re-sends an unchanged
        group once `repeat_interval` has passed since the last send (notify/notify.go
        `DedupStage.needsUpdate`). A `repeat_interval` shorter than `group_interval` therefore
        repeats every `group_interval` at the earliest: a reminder meant for every 1m comes every
        5m. Alertmanager logs the same thing at load ("repeat_interval is less than
        group_interval. Notifications will not repeat until the next group_interval.",
        cmd/alertmanager/main.go). Usually the values were swapped, or `repeat_interval` was
        meant in hours. The interval is inherited: it is reported where the pair is set.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_interval: 5m
          repeat_interval: 1m
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_interval: 5m
          repeat_interval: 4h
"""
    + _RECEIVERS,
    fix="Make repeat_interval a multiple of group_interval (hours, typically), or lower group_interval.",
)
def repeat_below_group(ctx: RuleContext) -> Iterator[Finding]:
    for src, route, key in _decided_routes(ctx, _repeat_below_group, ("repeat_interval", "group_interval")):
        gi, ri = format_duration(route.group_interval), format_duration(route.repeat_interval)
        yield Finding(
            route_loc(src, route, key),
            f"{describe(route)}: repeat_interval {ri} is shorter than group_interval {gi}: Alertmanager sends "
            f"only at group_interval ticks, so notifications repeat every {gi} at the earliest",
            f"set repeat_interval to at least {gi} (a multiple of it), or lower group_interval",
        )


def _wait_above_group(r: Route) -> bool:
    return r.group_wait > r.group_interval


@rule(
    "AM018",
    "group-wait-above-group-interval",
    "info",
    "A route's group_wait is longer than its group_interval: the first notification waits longest",
    basis=Basis.STYLE,
    why="""
        `group_wait` delays the first notification of a new alert group (to collect the alerts
        of one incident, and let an inhibiting alert arrive); `group_interval` is the delay
        between later notifications of the same group (dispatch/dispatch.go `aggrGroup.run`:
        the first flush after `group_wait`, then every `group_interval`). With `group_wait`
        longer, a new incident is announced later than any change to an ongoing one: the
        values are usually swapped (e.g. `group_wait: 5m`, `group_interval: 30s`). The values
        are inherited: it is reported where the pair is set.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_wait: 5m
          group_interval: 30s
          repeat_interval: 4h
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 4h
"""
    + _RECEIVERS,
    fix="Make group_wait short (seconds to a minute) and group_interval the longer of the two.",
)
def wait_above_group(ctx: RuleContext) -> Iterator[Finding]:
    for src, route, key in _decided_routes(ctx, _wait_above_group, ("group_wait", "group_interval")):
        gw, gi = format_duration(route.group_wait), format_duration(route.group_interval)
        yield Finding(
            route_loc(src, route, key),
            f"{describe(route)}: group_wait {gw} is longer than group_interval {gi}: a new alert group is "
            f"notified after {gw}, later than any update to an ongoing one",
            "swap them if that was not meant (group_wait is usually the shorter)",
        )
