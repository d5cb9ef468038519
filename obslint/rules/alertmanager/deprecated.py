"""Deprecated Alertmanager syntax that still loads: `match` and `match_re`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from obslint.findings import Finding, Loc
from obslint.fix.edits import Fix, ReplaceKeys, fix_at
from obslint.load import YMap
from obslint.routing import LABEL_NAME_RE, scalar_str
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, sources

# (the deprecated keys, the key replacing them) of a route and of an inhibit rule's two sides.
# https://prometheus.io/docs/alerting/latest/configuration/#route: "match: DEPRECATED: Use
# matchers below." (and match_re, source_match(_re), target_match(_re) the same way).
_KEYS = {
    "route": ((("match", "="), ("match_re", "=~")), "matchers"),
    "source": ((("source_match", "="), ("source_match_re", "=~")), "source_matchers"),
    "target": ((("target_match", "="), ("target_match_re", "=~")), "target_matchers"),
}

_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
"""


@rule(
    "AM016",
    "deprecated-match",
    "info",
    "A route or inhibit rule uses the deprecated `match` / `match_re` instead of `matchers`",
    basis=Basis.STYLE,
    why="""
        Since Alertmanager 0.22 `match`, `match_re` (and `source_match`, `target_match` and their
        `_re` forms of inhibit rules) are deprecated in favour of `matchers`, which also express
        `!=` and `!~` and are what amtool, the documentation and the chart defaults use. A config
        mixing both is harder to read: an alert must satisfy `match` and `matchers` together.
        The old keys still load, so this is a matter of style.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - receiver: pager
              match:
                severity: critical
              match_re:
                team: db|storage
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - receiver: pager
              matchers:
                - severity="critical"
                - team=~"db|storage"
"""
    + _RECEIVERS,
    fix="""
        Write each `label: value` of `match` as `label="value"` and each of `match_re` as
        `label=~"regex"` under `matchers` (`source_matchers`, `target_matchers` for inhibit rules):
        both anchor a regex the same way. `obslint check --fix` rewrites them (not a value holding
        a quote or a backslash, and not inside a config written as a string).
    """,
    fixable=True,
)
def deprecated_match(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        raw = src.raw
        if not isinstance(raw, Mapping):
            continue
        for node, sides in _matching_nodes(raw):
            present = [k for side in sides for k, _op in _KEYS[side][0] if k in node]
            if not present:
                continue
            loc = node.loc(present[0]) if isinstance(node, YMap) else src.anchor
            if loc in seen:
                continue
            seen.add(loc)
            what = "route" if sides == ("route",) else "inhibit rule"
            keys = " and ".join(f"`{k}`" for k in present)
            news = " and ".join(f"`{_KEYS[side][1]}`" for side in sides if any(k in node for k, _ in _KEYS[side][0]))
            yield Finding(
                loc,
                f"{what} of {src.description} uses the deprecated {keys}",
                f'write them as {news} (e.g. `{_KEYS[sides[0]][1]}: [severity="critical"]`)',
                fix=_matchers_fix(node, sides),
            )


def _matching_nodes(raw: Mapping) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """(mapping, its sides) of every route below `route` and of every inhibit rule."""
    stack = [raw.get("route")]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, Mapping):
            continue
        yield cur, ("route",)
        routes = cur.get("routes")
        if isinstance(routes, list):
            stack.extend(reversed(routes))
    inhibit = raw.get("inhibit_rules")
    for item in inhibit if isinstance(inhibit, list) else []:
        if isinstance(item, Mapping):
            yield item, ("source", "target")


def _matchers_fix(node: Any, sides: tuple[str, ...]) -> Fix | None:
    """`matchers` for the deprecated keys, when each of them converts exactly: label names that
    need no quoting, values without a quote, a backslash or a line break (which the matcher
    syntax would have to escape)."""
    edits: list[ReplaceKeys] = []
    for side in sides:
        old, new = _KEYS[side]
        items: list[str] = []
        for key, op in old:
            pairs = node.get(key)
            if pairs is None:
                continue
            if not isinstance(pairs, Mapping):
                return None
            for name, value in pairs.items():
                text = scalar_str(value)
                if not LABEL_NAME_RE.match(scalar_str(name)) or value is None or any(c in text for c in '"\\\n'):
                    return None
                items.append(f'{name}{op}"{text}"')
        keys = tuple(k for k, _op in old)
        if any(k in node for k in keys):
            edits.append(ReplaceKeys(keys, new, tuple(items)))
    summary = "rewrite " + " and ".join(f"{' and '.join(e.old)} as {e.new}" for e in edits)
    return fix_at(node, *edits, summary=summary)
