"""What must hold for a series to come out of a PromQL expression: which series must exist, which
must not, and what its label values satisfy. Two alerting rules whose facts contradict can never
fire for the same series (`disjoint`).

For each node the analysis derives `Facts` about any output series o:

* `requires`: (selector S, labels K) - a series matching S exists now and agrees with o on K. An
  instant selector requires itself; vector matching (`and`, `* on(K) x`, `+ on(K) group_left x`,
  one-to-one arithmetic and filters) requires the other side on the matching labels;
* `forbids`: (S, K) - no series matching S agrees with o on K (`unless on(K) S`; `absent(S)` with
  K empty: no series of S at all);
* `constraints`: label -> matchers o's value of that label satisfies (the selector's matchers on
  labels that reach the output).

Every node says on which labels its output agrees with the input it derives from (`by (G)` keeps
G, `on(K)` one-to-one keeps K, `group_left(extra)` overwrites extra, `label_replace` rewrites its
target...): requirements narrow their K to those labels, forbids and constraints survive only when
they lie within them. Range selectors and subqueries read the past, not the present, so they
require nothing; `or` keeps what both sides have. Whatever is not understood yields no facts, so
`disjoint` answers True only when the contradiction is certain.

Semantics: Prometheus engine VectorBinop/resultMetric (one-to-one `on` keeps only the matching
labels, `ignoring` drops them, group_left copies the include labels from the one side), VectorAnd,
VectorUnless and VectorOr (matching signatures), https://prometheus.io/docs/prometheus/latest/querying/operators/#vector-matching
and /querying/functions/#absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import promql_parser as pp

from obslint.goregex import UnsupportedGoRegex
from obslint.model.promql import func_name, is_scalar, op_name, parse
from obslint.routing import Matcher, MatcherError, implies, unsatisfiable

# --- label sets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSet:
    """A set of label names (never `__name__`); `co`: every label except `names`."""

    names: frozenset[str] = frozenset()
    co: bool = False

    def __and__(self, other: LabelSet) -> LabelSet:
        if not self.co and not other.co:
            return LabelSet(self.names & other.names)
        if self.co and other.co:
            return LabelSet(self.names | other.names, True)
        finite, co = (self, other) if not self.co else (other, self)
        return LabelSet(finite.names - co.names)

    def __le__(self, other: LabelSet) -> bool:
        if not self.co:
            return self.names <= other.names if not other.co else not (self.names & other.names)
        return other.co and other.names <= self.names

    def __contains__(self, name: str) -> bool:
        return (name in self.names) != self.co


ALL = LabelSet(frozenset(), True)
NO_LABELS = LabelSet()


def _labels(names: Iterable[str]) -> LabelSet:
    return LabelSet(frozenset(names) - {"__name__"})


def _all_but(names: Iterable[str]) -> LabelSet:
    return LabelSet(frozenset(names) - {"__name__"}, True)


# --- facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[Matcher, ...]  # every matcher, `__name__` included when written so
    shifted: str  # offset/@ modifiers: a shifted selector reads another time

    def within(self, other: Selector) -> bool:
        """Every series this selector matches, `other` matches too (sound, not complete)."""
        return (
            self.name == other.name
            and self.shifted == other.shifted
            and implies(list(self.matchers), list(other.matchers))
        )


@dataclass(frozen=True)
class Presence:
    selector: Selector
    on: LabelSet  # the labels on which that series agrees with the output


Constraints = tuple[tuple[str, tuple[Matcher, ...]], ...]


@dataclass(frozen=True)
class Facts:
    requires: frozenset[Presence] = frozenset()
    forbids: frozenset[Presence] = frozenset()
    constraints: Constraints = ()

    def through(self, kept: LabelSet) -> Facts:
        """The facts of an input, seen from an output that agrees with it on `kept` labels."""
        return Facts(
            frozenset(Presence(p.selector, p.on & kept) for p in self.requires),
            frozenset(p for p in self.forbids if p.on <= kept),
            tuple((name, ms) for name, ms in self.constraints if name in kept),
        )

    def __or__(self, other: Facts) -> Facts:
        """Both hold (the conjunction)."""
        merged: dict[str, tuple[Matcher, ...]] = dict(self.constraints)
        for name, ms in other.constraints:
            merged[name] = tuple(dict.fromkeys(merged.get(name, ()) + ms))
        return Facts(self.requires | other.requires, self.forbids | other.forbids, tuple(sorted(merged.items())))

    def common(self, other: Facts) -> Facts:
        """What holds whichever of the two is the case (`a or b`)."""
        mine = dict(self.constraints)
        return Facts(
            self.requires & other.requires,
            self.forbids & other.forbids,
            tuple((n, ms) for n, ms in other.constraints if mine.get(n) == ms),
        )


NOTHING = Facts()

_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def _shift(node: Any) -> str:
    offset = node.offset if isinstance(node.offset, timedelta) else timedelta(0)
    return f"{offset.total_seconds()}@{node.at or ''}"


def _selector(node: Any) -> tuple[Selector, tuple[Matcher, ...]] | None:
    """The selector and its matchers on output labels; None when a matcher cannot be evaluated
    the way Prometheus does (it then neither requires nor constrains anything)."""
    if node.matchers.or_matchers:
        return None  # `{a="x" or b="y"}`: alternatives, not a conjunction
    matchers: list[Matcher] = []
    for m in node.matchers.matchers:
        op = _OPS.get(str(m.op))
        if op is None:
            return None
        try:
            matchers.append(Matcher.make(m.name, op, m.value))
        except (MatcherError, UnsupportedGoRegex):
            return None
    own = tuple(m for m in matchers if m.name != "__name__")
    return Selector(node.name or "", tuple(sorted(matchers, key=lambda m: m.sort_key)), _shift(node)), own


def _constraints(matchers: Iterable[Matcher]) -> Constraints:
    by_name: dict[str, list[Matcher]] = {}
    for m in matchers:
        by_name.setdefault(m.name, []).append(m)
    return tuple(sorted((n, tuple(ms)) for n, ms in by_name.items()))


# Functions whose output series keeps the labels of its (first vector) argument, `__name__` aside.
# Others (`info`, unknown ones) are judged to keep nothing.
_KEEP_LABELS = frozenset(
    {
        "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil",
        "changes", "clamp", "clamp_max", "clamp_min", "count_over_time", "cos", "cosh", "day_of_month",
        "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "double_exponential_smoothing",
        "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_stddev",
        "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate",
        "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time", "minute",
        "month", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round",
        "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt",
        "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "timestamp", "year",
        "ts_of_max_over_time", "ts_of_min_over_time", "ts_of_last_over_time",
    }
)  # fmt: skip


def _vector_args(node: Any) -> list[Any]:
    return [a for a in node.args if not is_scalar(a) and not isinstance(a, pp.StringLiteral)]


def _call(node: Any) -> Facts:
    name = func_name(node)
    args = _vector_args(node)
    if name in ("absent", "absent_over_time"):
        # one series labelled with the selector's equality matchers, when nothing matches; an
        # instant absent() forbids the selector now (absent_over_time looks at a range: it only labels)
        arg = _strip(args[0]) if args else None
        ranged = isinstance(arg, pp.MatrixSelector)
        arg = arg.vector_selector if ranged else arg
        found = _selector(arg) if isinstance(arg, pp.VectorSelector) else None
        if found is None:
            return NOTHING
        sel, own = found
        equal = _constraints(m for m in own if m.op == "=")
        return Facts(constraints=equal) if ranged else Facts(frozenset(), frozenset({Presence(sel, NO_LABELS)}), equal)
    if not args:
        return NOTHING
    inner = facts(args[0])
    if name in ("label_replace", "label_join") and len(node.args) >= 2 and isinstance(node.args[1], pp.StringLiteral):
        return inner.through(_all_but({node.args[1].val}))
    if name == "histogram_quantile":
        return inner.through(_all_but({"le"}))
    if name in _KEEP_LABELS:
        return inner
    return inner.through(NO_LABELS)


def _strip(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _aggregate(node: Any) -> Facts:
    inner = facts(node.expr)
    op = op_name(node)
    if op in ("topk", "bottomk", "limitk", "limit_ratio"):
        return inner  # the selected series pass through unchanged
    mod = node.modifier
    if mod is None:
        kept = NO_LABELS
    elif str(mod.type).endswith("By"):
        kept = _labels(mod.labels)
    else:
        kept = _all_but(mod.labels)
    if op == "count_values" and isinstance(node.param, pp.StringLiteral):
        kept = kept & _all_but({node.param.val})
    return inner.through(kept)


def _matching(mod: Any) -> LabelSet:
    """The labels two matched series agree on (on/ignoring; default: all)."""
    matching = mod.matching if mod is not None else None
    if matching is None:
        return ALL
    if str(matching.type).endswith("Include"):
        return _labels(matching.labels)
    return _all_but(matching.labels)


def _required(side: Any, on: LabelSet) -> Facts:
    """The other side of a vector match, seen from the output: it exists and agrees on `on`."""
    return facts(side).through(on)


def _binary(node: Any) -> Facts:
    lhs, rhs = node.lhs, node.rhs
    ls, rs = is_scalar(lhs), is_scalar(rhs)
    if ls and rs:
        return NOTHING
    if ls or rs:
        return facts(rhs if ls else lhs)  # vector-scalar: the vector's series, labels kept
    mod = node.modifier
    fill = getattr(mod, "fill_values", None) if mod is not None else None
    if fill is not None and (fill.lhs is not None or fill.rhs is not None):
        return NOTHING  # fill(): a missing side is filled in, nothing is required
    op = op_name(node)
    on = _matching(mod)
    if op == "or":
        return facts(lhs).common(facts(rhs))
    if op == "and":
        return facts(lhs) | _required(rhs, on)
    if op == "unless":
        found = _selector(_strip(rhs)) if isinstance(_strip(rhs), pp.VectorSelector) else None
        forbid = Facts(forbids=frozenset({Presence(found[0], on)})) if found is not None else NOTHING
        return facts(lhs) | forbid
    card = str(mod.card) if mod is not None else ""
    if card.endswith("ManyToOne") or card.endswith("OneToMany"):
        many, one = (lhs, rhs) if card.endswith("ManyToOne") else (rhs, lhs)
        extra = _labels(mod.group_labels or ())
        copied = LabelSet(on.names | extra.names, on.co) if not on.co else _all_but(on.names - extra.names)
        return facts(many).through(_all_but(extra.names)) | _required(one, copied)
    # one-to-one: the output keeps only the matching labels (on) or drops the ignored ones
    return facts(lhs).through(on) | _required(rhs, on)


def facts(node: Any) -> Facts:
    """What holds for every series the expression returns."""
    node = _strip(node)
    if isinstance(node, pp.UnaryExpr):
        return facts(node.expr)
    if isinstance(node, pp.VectorSelector):
        found = _selector(node)
        if found is None:
            return NOTHING
        sel, own = found
        return Facts(requires=frozenset({Presence(sel, ALL)}), constraints=_constraints(own))
    if isinstance(node, pp.MatrixSelector):
        # a range reads the past: it requires nothing now, but its series' labels still flow
        return Facts(constraints=facts(node.vector_selector).constraints)
    if isinstance(node, pp.SubqueryExpr):
        return Facts(constraints=facts(node.expr).constraints)
    if isinstance(node, pp.Call):
        return _call(node)
    if isinstance(node, pp.AggregateExpr):
        return _aggregate(node)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node)
    return NOTHING


@lru_cache(maxsize=8192)
def expr_facts(expr: str) -> Facts:
    ast = parse(expr)[0]
    return facts(ast) if ast is not None else NOTHING


def _absence_contradicts(have: Facts, lack: Facts, overridden: LabelSet) -> Presence | None:
    """A series `have` requires that `lack` forbids, for outputs that agree outside `overridden`."""
    same = LabelSet(overridden.names, True) if not overridden.co else LabelSet(overridden.names)
    for need in have.requires:
        for gone in lack.forbids:
            if gone.on <= need.on and gone.on <= same and need.selector.within(gone.selector):
                return gone
    return None


def disjoint(a: str, b: str, overridden: Iterable[str] = ()) -> str | None:
    """Why two expressions can never return the same series at the same time, else None.

    `overridden`: labels whose series values do not count (an alert's static labels replace them)."""
    fa, fb = expr_facts(a), expr_facts(b)
    static = _labels(overridden)
    for have, lack in ((fa, fb), (fb, fa)):
        gone = _absence_contradicts(have, lack, static)
        if gone is not None:
            what = gone.selector.name or "a selector"
            return f"one needs a {what} series that the other requires to be absent"
    cb = dict(fb.constraints)
    for name, ms in fa.constraints:
        if name in static or name not in cb:
            continue
        if unsatisfiable(list(ms) + list(cb[name])) is not None:
            return f"their selectors give the label {name} values that exclude each other"
    return None
