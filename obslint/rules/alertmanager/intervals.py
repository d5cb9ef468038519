"""Time intervals that match no date, and routes their mute/active intervals never let notify."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from obslint.findings import Finding, Loc
from obslint.model.alertmanager import AMSource, node_loc
from obslint.routing import Route
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, describe, is_null, route_loc, sources
from obslint.timeintervals import Entry, covers, entries_of, never_matches

_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
"""


def _entry_text(entry: Entry) -> str:
    """The fields of an entry as written (`months: [february], days_of_month: ["30:31"]`)."""
    node = entry.node
    parts = []
    for key in ("weekdays", "days_of_month", "daysOfMonth", "months", "years", "times"):
        value = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(value, list) and key != "times":
            parts.append(f"{key}: [{', '.join(str(v) for v in value)}]")
        elif isinstance(value, list):
            parts.append(f"{key}: {len(value)} range{'s' if len(value) != 1 else ''}")
    return ", ".join(parts) or "no fields"


@rule(
    "AM019",
    "time-interval-never-matches",
    "warning",
    "A time interval (or one of its entries) matches no moment at all",
    basis=Basis.CERTAIN,
    why="""
        An entry of a time interval matches an instant when every field it sets matches
        (timeinterval/timeinterval.go `ContainsTime`). Alertmanager refuses ranges that are
        always empty, but not combinations of fields that no date satisfies: `days_of_month`
        30 or 31 with `months: [february]`, 31 with April, June, September or November, a
        `weekdays: []` (set and empty: it matches no day), or a named interval without entries.
        Such an interval never applies: used in `mute_time_intervals` it mutes nothing, in
        `active_time_intervals` the route never notifies (see AM020).
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="warning"]
              mute_time_intervals: [month-end-freeze]
        time_intervals:
          - name: month-end-freeze
            time_intervals:
              - months: [february]
                days_of_month: ["30:31"]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="warning"]
              mute_time_intervals: [month-end-freeze]
        time_intervals:
          - name: month-end-freeze
            time_intervals:
              - days_of_month: ["-2:-1"]
"""
    + _RECEIVERS,
    fix="""
        Write the dates Alertmanager can see: negative `days_of_month` count from the end of each
        month (`-1` is the last day), and a range is evaluated within each month it applies to.
    """,
)
def time_interval_never_matches(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        for name, node in src.config.time_intervals.items():
            entries = entries_of(node)
            if entries is None:
                continue  # refused at load: AM014
            if not entries:
                loc = node_loc(node, None, src.anchor)
                if loc not in seen:
                    seen.add(loc)
                    yield Finding(loc, f'time interval "{name}" has no entries: it never matches', _USE_HINT)
                continue
            dead = [e for e in entries if never_matches([e]) is True]
            for entry in dead:
                loc = node_loc(entry.node, None, src.anchor)
                if loc in seen:
                    continue
                seen.add(loc)
                whole = len(dead) == len(entries)
                what = f'time interval "{name}"' if whole else f'an entry of time interval "{name}"'
                yield Finding(
                    loc,
                    f"{what} matches no date ({_entry_text(entry)})" + (": it never applies" if whole else ""),
                    _USE_HINT,
                )


_USE_HINT = "no date has these fields together; negative days_of_month count from each month's end"


def _named_entries(src: AMSource, names: tuple[str, ...]) -> list[Entry] | None:
    """Every entry of the named intervals; None when one is undefined (AM011) or refused (AM014)."""
    out: list[Entry] = []
    for name in names:
        node: Any = src.config.time_intervals.get(name)
        entries = entries_of(node) if node is not None else None
        if entries is None:
            return None
        out.extend(entries)
    return out


def _names(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(names) + "]"


def _why_silent(route: Route, active: list[Entry] | None, mute: list[Entry]) -> tuple[str, str] | None:
    """(the key to point at, why the route never notifies), or None when it can notify."""
    if active is not None and never_matches(active) is True:
        names = _names(route.active_time_intervals)
        return "active_time_intervals", f"its active_time_intervals {names} match no moment"
    if mute and covers(None, mute) is True:
        return "mute_time_intervals", f"its mute_time_intervals {_names(route.mute_time_intervals)} match every moment"
    if active is not None and mute and covers(active, mute) is True:
        return (
            "mute_time_intervals",
            f"its mute_time_intervals {_names(route.mute_time_intervals)} match every moment its "
            f"active_time_intervals {_names(route.active_time_intervals)} do",
        )
    return None


@rule(
    "AM020",
    "route-never-notifies",
    "error",
    "A route whose mute and active time intervals never let it notify",
    basis=Basis.CERTAIN,
    why="""
        A route notifies only while one of its `active_time_intervals` matches (when it has
        any) and none of its `mute_time_intervals` does (notify/notify.go `TimeActiveStage` and
        `TimeMuteStage` drop the alerts otherwise). When the active intervals match no moment
        (an impossible date, see AM019), when the mute intervals match every moment (e.g.
        every weekday, or weekdays and weekends as two entries), or when the mute intervals
        cover every moment the active ones match (active on business hours, muted on
        weekdays), every alert the route takes is silently dropped: the route still catches
        the alerts, so they do not reach the routes after it either. Intervals in different
        time zones are compared only where the zone cannot change the answer.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
              active_time_intervals: [business-hours]
              mute_time_intervals: [weekdays]
        time_intervals:
          - name: business-hours
            time_intervals:
              - weekdays: ["monday:friday"]
                times: [{start_time: "09:00", end_time: "17:00"}]
          - name: weekdays
            time_intervals:
              - weekdays: ["monday:friday"]
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
              active_time_intervals: [business-hours]
              mute_time_intervals: [holidays]
        time_intervals:
          - name: business-hours
            time_intervals:
              - weekdays: ["monday:friday"]
                times: [{start_time: "09:00", end_time: "17:00"}]
          - name: holidays
            time_intervals:
              - months: [december]
                days_of_month: ["24:26"]
"""
    + _RECEIVERS,
    fix="Fix the intervals so that some moment is active and not muted, or remove the route.",
)
def route_never_notifies(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        for route in src.route.walk():
            if not (route.active_time_intervals or route.mute_time_intervals) or is_null(src, route.receiver):
                continue
            mute = _named_entries(src, route.mute_time_intervals)
            active = _named_entries(src, route.active_time_intervals) if route.active_time_intervals else []
            if mute is None or active is None:
                continue
            found = _why_silent(route, active if route.active_time_intervals else None, mute)
            if found is None:
                continue
            key, reason = found
            loc = route_loc(src, route, key)
            if loc in seen:
                continue
            seen.add(loc)
            yield Finding(
                loc,
                f"{describe(route)} never notifies: {reason}; every alert it takes is dropped",
                f"receiver {route.receiver} gets nothing from this route; fix the intervals or remove the route",
            )
