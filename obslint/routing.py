"""Alertmanager routing, as Alertmanager's dispatcher does it.

A self-contained engine other families can use:

* matchers: the `matchers:` syntax (`name op "value"`, `{a="b",c=~"d"}`, quoting and escapes
  exactly as Alertmanager's classic parser, pkg/labels/parse.go), the legacy `match` /
  `match_re` maps, and regexes with Go RE2 semantics (obslint.goregex), anchored as
  Alertmanager anchors them (`^(?:re)$`, matched against the whole value);
* the route tree: receiver, group_by (incl. `...`), group_wait/group_interval/repeat_interval
  and time intervals inherited from the parent; `continue`; the default route;
* `Route.match(labels)`: Alertmanager's dispatch/route.go `Match`: a route matches when all
  its matchers match (an absent label is the empty string); its children are tried in order;
  the first one that matches stops the scan unless it has `continue: true`; when no child
  matched, the route itself is the result;
* `load_config(data)`: the route tree, receivers, inhibit rules and time intervals of an
  alertmanager.yml mapping, with the validation errors Alertmanager reports (same texts);
* matcher-set reasoning used by the linter: `implies` (sound subsumption) and `satisfiable`.

Version: matchers are parsed as Alertmanager 0.25's classic parser does (amtool 0.25 is the
oracle the tests compare with). Alertmanager 0.27+ tries a stricter UTF-8 parser first and falls
back to the classic one, so configs valid for both behave the same; later features (route
`labels`, explicit empty `group_by: []`) are not modelled.

Nodes keep a reference to the mapping they came from (`Route.data`), so callers holding YAML
with positions (obslint.load.YMap) can point at the right line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from obslint.goregex import GoRegexp, InvalidGoRegex, UnsupportedGoRegex, compile_go

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

# pkg/labels/parse.go (Alertmanager 0.25): one matcher, value taken verbatim (unquoted later).
_MATCHER_RE = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)
OPS = ("=", "!=", "=~", "!~")


class MatcherError(ValueError):
    pass


def compile_regex(value: str) -> GoRegexp:
    """A matcher's Go regex as Alertmanager compiles it (`^(?:value)$`, see obslint.goregex).

    Raises MatcherError where Go rejects it and UnsupportedGoRegex where the value is valid Go
    that cannot be evaluated faithfully here: callers then mark the route `unsupported` and the
    rules decline to judge it rather than guess."""
    try:
        return compile_go(value, anchored=True)
    except InvalidGoRegex as exc:
        raise MatcherError(str(exc)) from None


# --- matchers ------------------------------------------------------------------------------
def _escape_value(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    regex: GoRegexp | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def make(cls, name: str, op: str, value: str) -> Matcher:
        if op not in OPS:
            raise MatcherError(f"unknown match type {op!r}")
        regex = compile_regex(value) if op in ("=~", "!~") else None
        return cls(name, op, value, regex)

    def matches_value(self, v: str) -> bool:
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        hit = self.regex.search(v) is not None  # type: ignore[union-attr]
        return hit if self.op == "=~" else not hit

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.matches_value(labels.get(self.name, ""))

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{_escape_value(self.value)}"'

    @property
    def sort_key(self) -> tuple:
        return (self.name, self.value, OPS.index(self.op))


def parse_matcher(s: str) -> Matcher:
    """One matcher as Alertmanager's classic parser reads it (`name op value`, value optionally quoted)."""
    m = _MATCHER_RE.match(s)
    if not m:
        raise MatcherError(f"bad matcher format: {s}")
    name, op, raw = m.groups()
    expect_quote = raw.startswith('"')
    if expect_quote:
        raw = raw[1:]
    value: list[str] = []
    escaped = False
    for k, ch in enumerate(raw):
        if escaped:
            escaped = False
            if ch == "n":
                value.append("\n")
            elif ch in '"\\':
                value.append(ch)
            else:
                value.append("\\" + ch)
            continue
        if ch == "\\":
            if k < len(raw) - 1:
                escaped = True
                continue
            value.append("\\")
        elif ch == '"':
            if not expect_quote or k < len(raw) - 1:
                raise MatcherError(f"matcher value contains unescaped double quote: {m.group(3)}")
            expect_quote = False
        else:
            value.append(ch)
    if expect_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {m.group(3)}")
    return Matcher.make(name, op, "".join(value))


def parse_matchers(s: str) -> list[Matcher]:
    """A comma-separated list of matchers, optionally in braces (`{a="b", c=~"d|e"}`)."""
    s = s[1:] if s.startswith("{") else s
    s = s[:-1] if s.endswith("}") else s
    tokens: list[str] = []
    token: list[str] = []
    inside = escaped = False
    for ch in s:
        if ch == "," and not inside:
            tokens.append("".join(token))
            token = []
            continue
        if ch == '"':
            if not escaped:
                inside = not inside
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        elif ch != ",":
            escaped = False
        token.append(ch)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return [parse_matcher(t) for t in tokens]


def format_matchers(matchers: list[Matcher]) -> str:
    return "{" + ",".join(str(m) for m in matchers) + "}"


def scalar_str(v: Any) -> str:
    """A YAML scalar as Go's yaml.v2 decodes it into a string field."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# --- durations (prometheus/common model.Duration) -------------------------------------------
_DUR_UNITS = (
    ("y", 365 * 86400_000),
    ("w", 7 * 86400_000),
    ("d", 86400_000),
    ("h", 3600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)
_DUR_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")


def parse_duration(s: Any) -> int | None:
    """Milliseconds, or None when not a valid Prometheus duration."""
    s = scalar_str(s)
    if s == "0":
        return 0
    m = _DUR_RE.match(s)
    if not s or not m:
        return None
    return sum(int(g) * mult for g, (_, mult) in zip(m.groups(), _DUR_UNITS, strict=True) if g)


def format_duration(ms: int) -> str:
    if ms == 0:
        return "0s"
    out = []
    for unit, mult in _DUR_UNITS:
        if ms >= mult:
            out.append(f"{ms // mult}{unit}")
            ms %= mult
    return "".join(out)


# --- route tree ----------------------------------------------------------------------------
DEFAULT_GROUP_WAIT = 30_000
DEFAULT_GROUP_INTERVAL = 300_000
DEFAULT_REPEAT_INTERVAL = 4 * 3600_000


@dataclass
class Problem:
    """A configuration error: message as Alertmanager words it, and the node/key it is about."""

    message: str
    node: Any = None
    key: Any = None


@dataclass(eq=False)
class Route:
    data: Mapping
    parent: Route | None
    matchers: list[Matcher]
    receiver: str  # effective (inherited); "" when nothing above names one
    own_receiver: Any  # as written (None when unset)
    group_by: tuple[str, ...]
    group_by_all: bool
    group_wait: int
    group_interval: int
    repeat_interval: int
    continue_: bool
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    routes: list[Route] = field(default_factory=list)
    index: int = 0  # position among its siblings
    problems: list[Problem] = field(default_factory=list)
    unsupported: bool = False  # a matcher could not be evaluated here (see problems)

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The routes an alert with these labels is dispatched to, in order (dispatch/route.go)."""
        if not all(m.matches(labels) for m in self.matchers):
            return []
        found: list[Route] = []
        for child in self.routes:
            hit = child.match(labels)
            found.extend(hit)
            if hit and not child.continue_:
                break
        return found or [self]

    def receivers(self, labels: Mapping[str, str]) -> list[str]:
        return [r.receiver for r in self.match(labels)]

    def walk(self) -> Iterator[Route]:
        """Pre-order, iteratively."""
        stack: list[Route] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.routes))

    @property
    def depth(self) -> int:
        d, p = 0, self.parent
        while p is not None:
            d, p = d + 1, p.parent
        return d

    def ancestors(self) -> list[Route]:
        out, p = [], self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out

    def path_matchers(self) -> list[Matcher]:
        """Every matcher an alert must satisfy to reach this route (own and ancestors')."""
        out = list(self.matchers)
        for a in self.ancestors():
            out.extend(a.matchers)
        return out

    def key(self) -> str:
        own = format_matchers(self.matchers)
        return own if self.parent is None else f"{self.parent.key()}/{own}"

    def slug(self) -> str:
        return format_matchers(self.matchers) if self.matchers else "default-route"

    def describe(self) -> str:
        """A short human name: `route {severity="critical"} -> pushover`."""
        return f"route {self.slug()} (receiver {self.receiver})"


def _str_list(v: Any) -> list[str]:
    return [scalar_str(x) for x in v] if isinstance(v, list) else []


def route_matchers(data: Mapping, problems: list[Problem]) -> tuple[list[Matcher], bool]:
    """(matchers, unsupported) of a route or inhibit-rule node's match/match_re/matchers keys."""
    return _matchers_of(data, "match", "match_re", "matchers", problems)


def _matchers_of(
    data: Mapping, k_eq: str, k_re: str, k_new: str, problems: list[Problem]
) -> tuple[list[Matcher], bool]:
    out: list[Matcher] = []
    unsupported = False
    eq = data.get(k_eq)
    if isinstance(eq, Mapping):
        for name, value in eq.items():
            name = scalar_str(name)
            if not LABEL_NAME_RE.match(name):
                problems.append(Problem(f'invalid label name "{name}" in {k_eq}', data, k_eq))
                continue
            out.append(Matcher(name, "=", scalar_str(value)))
    elif eq is not None:
        problems.append(Problem(f"{k_eq} must be a map of label names to values", data, k_eq))
    rx = data.get(k_re)
    if isinstance(rx, Mapping):
        for name, value in rx.items():
            name = scalar_str(name)
            if not LABEL_NAME_RE.match(name):
                problems.append(Problem(f'invalid label name "{name}" in {k_re}', data, k_re))
                continue
            if value is None:
                problems.append(Problem(f"invalid_label: regexp for {name} is null", rx, name))
                continue
            # legacy regexes are stored anchored, then anchored again by the matcher
            anchored = f"^(?:{scalar_str(value)})$"
            try:
                out.append(Matcher.make(name, "=~", anchored))
            except UnsupportedGoRegex as exc:
                unsupported = True
                problems.append(Problem(f"regex of {name}: {exc}", rx, name))
            except MatcherError as exc:
                problems.append(Problem(str(exc), rx, name))
    elif rx is not None:
        problems.append(Problem(f"{k_re} must be a map of label names to regexes", data, k_re))
    new = data.get(k_new)
    if isinstance(new, list):
        for idx, line in enumerate(new):
            if not isinstance(line, str):
                problems.append(Problem(f"{k_new} entries must be strings", new, idx))
                continue
            try:
                out.extend(parse_matchers(line))
            except UnsupportedGoRegex as exc:
                unsupported = True
                problems.append(Problem(f"matcher {line!r}: {exc}", new, idx))
            except MatcherError as exc:
                problems.append(Problem(str(exc), new, idx))
    elif new is not None:
        problems.append(Problem(f"{k_new} must be a list of strings", data, k_new))
    out.sort(key=lambda m: m.sort_key)
    return out, unsupported


def build_route(data: Any, parent: Route | None = None, index: int = 0) -> Route:
    """The route tree of a `route:` mapping with options inherited (iterative, any depth)."""
    root = _node(data if isinstance(data, Mapping) else {}, parent, index)
    stack = [root]
    while stack:
        node = stack.pop()
        children = node.data.get("routes")
        if isinstance(children, list):
            for k, child in enumerate(children):
                if isinstance(child, Mapping):
                    node.routes.append(_node(child, node, k))
                else:
                    node.problems.append(Problem("a route must be a mapping", children, k))
            stack.extend(node.routes)
        elif children is not None:
            node.problems.append(Problem("routes must be a list", node.data, "routes"))
    return root


def _node(data: Mapping, parent: Route | None, index: int) -> Route:
    problems: list[Problem] = []
    matchers, unsupported = route_matchers(data, problems)
    own = data.get("receiver")
    receiver = scalar_str(own) if own is not None and own != "" else (parent.receiver if parent else "")
    group_by = parent.group_by if parent else ()
    group_by_all = parent.group_by_all if parent else False
    gb = data.get("group_by")
    if isinstance(gb, list):
        names = _str_list(gb)
        if "..." in names:
            if len(names) > 1:
                problems.append(
                    Problem("cannot have wildcard group_by (`...`) and other labels at the same time", data, "group_by")
                )
            group_by_all = True  # dispatch keeps the inherited group_by set
        else:
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    problems.append(Problem(f'duplicated label "{name}" in group_by', data, "group_by"))
                if not LABEL_NAME_RE.match(name):
                    problems.append(Problem(f'invalid label name "{name}" in group_by list', data, "group_by"))
                seen.add(name)
            if names or parent is None:
                group_by, group_by_all = tuple(sorted(set(names))), False
    timings = {}
    for key, default in (
        ("group_wait", DEFAULT_GROUP_WAIT),
        ("group_interval", DEFAULT_GROUP_INTERVAL),
        ("repeat_interval", DEFAULT_REPEAT_INTERVAL),
    ):
        inherited = getattr(parent, key) if parent else default
        raw = data.get(key)
        if raw is None:
            timings[key] = inherited
            continue
        ms = parse_duration(raw)
        if ms is None:
            problems.append(Problem(f'not a valid duration string: "{scalar_str(raw)}"', data, key))
            timings[key] = inherited
        else:
            if ms == 0 and key != "group_wait":
                problems.append(Problem(f"{key} cannot be zero", data, key))
            timings[key] = ms
    return Route(
        data=data,
        parent=parent,
        matchers=matchers,
        receiver=receiver,
        own_receiver=own,
        group_by=group_by,
        group_by_all=group_by_all,
        continue_=data.get("continue") is True,
        mute_time_intervals=tuple(_str_list(data.get("mute_time_intervals"))),
        active_time_intervals=tuple(_str_list(data.get("active_time_intervals"))),
        index=index,
        problems=problems,
        unsupported=unsupported,
        **timings,
    )


# --- whole config --------------------------------------------------------------------------
INTEGRATION_KEYS = (
    "discord_configs",
    "email_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "opsgenie_configs",
    "pagerduty_configs",
    "pushover_configs",
    "slack_configs",
    "sns_configs",
    "telegram_configs",
    "victorops_configs",
    "webex_configs",
    "webhook_configs",
    "wechat_configs",
    "jira_configs",
    "rocketchat_configs",
    "mattermost_configs",
    "incidentio_configs",
)


@dataclass(eq=False)
class Receiver:
    name: str
    data: Mapping
    index: int

    @property
    def integrations(self) -> list[tuple[str, int, Any]]:
        """(kind, position, config) of every notification integration configured."""
        out = []
        for key, value in self.data.items():
            if isinstance(key, str) and key.endswith("_configs") and isinstance(value, list):
                out.extend((key, k, item) for k, item in enumerate(value))
        return out

    @property
    def is_null(self) -> bool:
        return not self.integrations


@dataclass(eq=False)
class InhibitRule:
    data: Mapping
    index: int
    source: list[Matcher]
    target: list[Matcher]
    equal: tuple[str, ...]
    unsupported: bool = False


@dataclass(eq=False)
class AMConfig:
    data: Mapping
    route: Route | None
    receivers: dict[str, Receiver]
    inhibit_rules: list[InhibitRule]
    time_intervals: dict[str, Any]  # name -> node (time_intervals and mute_time_intervals)
    problems: list[Problem]

    def routes_to(self, labels: Mapping[str, str]) -> list[str]:
        return self.route.receivers(labels) if self.route else []


def load_config(data: Any) -> AMConfig:
    """Read an alertmanager.yml mapping; `problems` lists what Alertmanager would refuse to load."""
    from obslint.timeintervals import entries_of  # it builds on this module's Problem

    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        problems.append(Problem("no route provided in config" if data is None else "config must be a mapping", data))
        data = {}
    receivers: dict[str, Receiver] = {}
    recv_list = data.get("receivers")
    if isinstance(recv_list, list):
        for k, item in enumerate(recv_list):
            if not isinstance(item, Mapping):
                problems.append(Problem("a receiver must be a mapping", recv_list, k))
                continue
            name = item.get("name")
            if name is None or name == "":
                problems.append(Problem("missing name in receiver", item, "name"))
                continue
            name = scalar_str(name)
            if name in receivers:
                problems.append(Problem(f'notification config name "{name}" is not unique', item, "name"))
                continue
            receivers[name] = Receiver(name, item, k)
    intervals: dict[str, Any] = {}
    for key in ("mute_time_intervals", "time_intervals"):
        lst = data.get(key)
        if isinstance(lst, list):
            for item in lst:
                if not isinstance(item, Mapping):
                    continue
                name = item.get("name")
                if name is None or name == "":
                    problems.append(Problem("missing name in time interval", item, "name"))
                    continue
                name = scalar_str(name)
                if name in intervals:
                    kind = "mute time interval" if key == "mute_time_intervals" else "time interval"
                    problems.append(Problem(f'{kind} "{name}" is not unique', item, "name"))
                intervals[name] = item
                entries_of(item, problems)  # the ranges Alertmanager refuses to load
    route: Route | None = None
    raw_route = data.get("route")
    if raw_route is None:
        problems.append(Problem("no routes provided", data))
    elif not isinstance(raw_route, Mapping):
        problems.append(Problem("route must be a mapping", data, "route"))
    else:
        route = build_route(raw_route)
        if route.own_receiver is None or route.own_receiver == "":
            problems.append(Problem("root route must specify a default receiver", raw_route, "receiver"))
        if route.matchers or any(raw_route.get(k) for k in ("match", "match_re", "matchers")):
            problems.append(Problem("root route must not have any matchers", raw_route))
        if raw_route.get("continue") is True:
            problems.append(Problem("cannot have continue in root route", raw_route, "continue"))
        if route.mute_time_intervals:
            problems.append(
                Problem("root route must not have any mute time intervals", raw_route, "mute_time_intervals")
            )
        if route.active_time_intervals:
            problems.append(
                Problem("root route must not have any active time intervals", raw_route, "active_time_intervals")
            )
        for node in route.walk():
            problems.extend(node.problems)
            if node.own_receiver is not None and node.own_receiver != "":
                name = scalar_str(node.own_receiver)
                if name not in receivers:
                    problems.append(Problem(f'undefined receiver "{name}" used in route', node.data, "receiver"))
            for key in ("mute_time_intervals", "active_time_intervals"):
                for k, name in enumerate(getattr(node, key)):
                    if name not in intervals:
                        problems.append(
                            Problem(f'undefined time interval "{name}" used in route', node.data.get(key), k)
                        )
    inhibit: list[InhibitRule] = []
    rules = data.get("inhibit_rules")
    if isinstance(rules, list):
        for k, item in enumerate(rules):
            if not isinstance(item, Mapping):
                continue
            p: list[Problem] = []
            src, u1 = _matchers_of(item, "source_match", "source_match_re", "source_matchers", p)
            tgt, u2 = _matchers_of(item, "target_match", "target_match_re", "target_matchers", p)
            problems.extend(p)
            equal = tuple(_str_list(item.get("equal")))
            for name in equal:
                if not LABEL_NAME_RE.match(name):
                    problems.append(Problem(f'invalid label name "{name}" in equal list', item, "equal"))
            inhibit.append(InhibitRule(item, k, src, tgt, equal, u1 or u2))
    return AMConfig(data, route, receivers, inhibit, intervals, problems)


# --- matcher-set reasoning -----------------------------------------------------------------
_LITERAL_ALT_RE = re.compile(r"^[A-Za-z0-9_\-:/ ,@]*(?:\|[A-Za-z0-9_\-:/ ,@]*)*$")


def finite_values(m: Matcher) -> set[str] | None:
    """The exact set of values a positive matcher accepts when it is finite and obvious."""
    if m.op == "=":
        return {m.value}
    if m.op == "=~":
        v = m.value
        while True:  # strip legacy anchoring ^(?:...)$ and plain (...) / (?:...) wrapping
            if v.startswith("^(?:") and v.endswith(")$"):
                v = v[4:-2]
            elif v.startswith("(?:") and v.endswith(")") and "(" not in v[3:-1] and ")" not in v[3:-1]:
                v = v[3:-1]
            elif v.startswith("(") and v.endswith(")") and "(" not in v[1:-1] and ")" not in v[1:-1]:
                v = v[1:-1]
            else:
                break
        if _LITERAL_ALT_RE.match(v):
            return set(v.split("|"))
    return None


def _matches_all(m: Matcher) -> bool:
    """Does m accept every value, including the empty one (absent label)? (newlines aside)"""
    if m.op == "=~":
        return m.value in (".*", "^(?:.*)$", "(.*)", "(?:.*)", "(?s).*", "^(?:(?s).*)$")
    return False


def implies_one(b: Matcher, a: Matcher) -> bool:
    """Every value accepted by b is accepted by a (both on the same label). Sound, not complete."""
    if _matches_all(a):
        return True
    if b.name != a.name:
        return False
    if (b.op, b.value) == (a.op, a.value):
        return True
    vals = finite_values(b)
    if vals is not None:
        try:
            return all(a.matches_value(v) for v in vals)
        except Exception:  # pragma: no cover - defensive
            return False
    if b.op == "!=" and a.op == "!=" and b.value == a.value:
        return True
    if b.op == "!~" and a.op == "!=":
        return b.regex is not None and b.regex.search(a.value) is not None
    if b.op == "!=" and a.op == "!~":
        avals = finite_values(Matcher.make(a.name, "=~", a.value))
        return avals == {b.value}
    if b.op == "!~" and a.op == "!~":
        bv = finite_values(Matcher.make(b.name, "=~", b.value))
        av = finite_values(Matcher.make(a.name, "=~", a.value))
        return bv is not None and av is not None and av <= bv
    return False


def implies(b: list[Matcher], a: list[Matcher]) -> bool:
    """Every label set matching all of `b` also matches all of `a` (sound: True is certain)."""
    by_name: dict[str, list[Matcher]] = {}
    for m in b:
        by_name.setdefault(m.name, []).append(m)
    for am in a:
        if _matches_all(am):
            continue
        candidates = by_name.get(am.name, [])
        if not candidates:
            # label unconstrained by b (may be absent): a must accept every value
            return False
        if not any(implies_one(bm, am) for bm in candidates):
            # several finite positive matchers on the same label: intersect them
            sets = [s for s in (finite_values(bm) for bm in candidates) if s is not None]
            if not sets:
                return False
            allowed = set.intersection(*sets)
            allowed = {v for v in allowed if all(bm.matches_value(v) for bm in candidates)}
            if not all(am.matches_value(v) for v in allowed):
                return False
    return True


def unsatisfiable(ms: list[Matcher]) -> tuple[Matcher, Matcher] | Matcher | None:
    """A reason why no label set can match all of `ms`: the conflicting pair (or a matcher that
    accepts nothing of the values allowed by another); None when satisfiable or unknown."""
    by_name: dict[str, list[Matcher]] = {}
    for m in ms:
        by_name.setdefault(m.name, []).append(m)
    for group in by_name.values():
        finite = [(m, finite_values(m)) for m in group]
        finite = [(m, s) for m, s in finite if s is not None]
        for fm, values in finite:
            alive = set(values)
            for other in group:
                if other is fm:
                    continue
                before = set(alive)
                alive = {v for v in alive if other.matches_value(v)}
                if not alive:
                    return (fm, other) if before else fm
    return None
