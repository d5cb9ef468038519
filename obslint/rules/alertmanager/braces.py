"""Matcher values whose last character Alertmanager's matcher parser strips: a trailing `}`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from obslint.findings import Finding, Loc
from obslint.model.alertmanager import node_loc
from obslint.routing import MatcherError, UnsupportedGoRegex, parse_matchers
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, sources

_KEYS = ("matchers", "source_matchers", "target_matchers")
_RECEIVERS = """\
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
"""


def _lists(src: Any) -> Iterator[Any]:
    """Every `matchers`-style list of the config's routes and inhibit rules, as written."""
    nodes = [r.data for r in src.route.walk()] if src.route is not None else []
    nodes += [r.data for r in src.config.inhibit_rules]
    for node in nodes:
        for key in _KEYS:
            value = node.get(key) if isinstance(node, Mapping) else None
            if isinstance(value, list):
                yield value


def stripped_brace(line: str) -> str | None:
    """The last matcher as Alertmanager reads it, when the `}` ending `line` belonged to its
    unquoted value (pkg/labels/parse.go `ParseMatchers` trims one `{` prefix and one `}` suffix
    before splitting; without the `{` the `}` is not a closing brace). None otherwise: braces that
    pair up, or a `}` after a quoted value (it is dropped, and the value is intact)."""
    if not line.endswith("}") or line.startswith("{"):
        return None
    try:
        parsed = parse_matchers(line)
    except (MatcherError, UnsupportedGoRegex):
        return None  # refused (AM014) or not evaluated here
    if not parsed:
        return None
    rest = line[:-1].rstrip()
    if rest.endswith(('"', ",")):
        return None  # a quoted value (an unquoted one cannot end with a quote) or no last matcher
    return str(parsed[-1])


@rule(
    "AM022",
    "matcher-trailing-brace",
    "warning",
    "A matcher's unquoted value ends with `}`, which Alertmanager strips",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager's matcher parser removes one leading `{` and one trailing `}` from each
        `matchers` entry before reading it (pkg/labels/parse.go `ParseMatchers`, `TrimPrefix` /
        `TrimSuffix`), so that `{a="b", c="d"}` can be written. A `}` that ends an unquoted value
        is removed too: `instance=~host-[0-9]{2}` is read as `instance=~"host-[0-9]{2"`, which
        matches the literal text `{2` and none of the hosts. Alertmanager 0.27+ keeps the classic
        reading when its newer parser disagrees or fails (matchers/compat/parse.go
        `FallbackMatchersParser`), so every version matches the stripped value.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - receiver: pager
              matchers:
                - instance=~db-[0-9]{2}
"""
    + _RECEIVERS,
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          routes:
            - receiver: pager
              matchers: ['instance=~"db-[0-9]{2}"']
"""
    + _RECEIVERS,
    fix='Quote the value (`label=~"value}"`), which keeps the `}` inside it.',
)
def matcher_trailing_brace(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        for seq in _lists(src):
            for k, line in enumerate(seq):
                read = stripped_brace(line) if isinstance(line, str) else None
                if read is None:
                    continue
                loc = node_loc(seq, k, src.anchor)
                if loc in seen:
                    continue
                seen.add(loc)
                yield Finding(
                    loc,
                    f"matcher {line!r} loses its trailing '}}': Alertmanager reads {read}",
                    "quote the value to keep the brace in it",
                )
