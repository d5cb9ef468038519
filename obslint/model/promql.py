"""PromQL AST helpers on top of promql-parser (the Rust PromQL parser's Python bindings).

Every semantic check of the PROM family works on the AST, never on the expression text:

* `parsed(entry)`: the AST of a rule's expression, parsed once per run;
* `walk(node)`: every node below (and including) node, depth first;
* `selectors(node)`: every VectorSelector with the furthest look-back that reaches it
  (range + offset of the enclosing matrix selectors and subqueries);
* `output_labels(node)`: which labels the expression's result series can carry;
* `has_filter(node)`: whether the result is filtered (comparison, absent(), ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import promql_parser as pp

from obslint.model.promql_nesting import nesting_problem

COMPARISON_OPS = frozenset({"==", "!=", ">", "<", ">=", "<="})
SET_OPS = frozenset({"and", "or", "unless"})
# Functions whose result only exists when a condition holds: alerts over them are filters.
FILTER_FUNCTIONS = frozenset({"absent", "absent_over_time"})


# Rule expressions repeat a lot (the same alert per cluster, per severity, generated variants), and
# a promql-parser AST costs ~15 KB of native memory: parse each distinct text once and share the
# (read-only) AST. 15,000 alert rules with 51 distinct expressions took 235 MB before. Bounded so a
# long-lived process (tests, an editor integration) does not keep every expression it ever saw.
class NotParsed(str):
    """The error of an expression obslint declined to parse (nested too deeply for promql-parser,
    see obslint.model.promql_nesting): not a verdict on the expression, a limit of obslint's."""


@lru_cache(maxsize=4096)
def parse(expr: str) -> tuple[Any, str | None]:
    """(ast, None) or (None, error message); the message is a `NotParsed` when the expression is
    too deep to parse safely."""
    too_deep = nesting_problem(expr)
    if too_deep is not None:
        return None, NotParsed(too_deep)
    try:
        return pp.parse(expr), None
    except (ValueError, TypeError, RuntimeError) as exc:
        return None, str(exc) or "invalid PromQL expression"
    except BaseException as exc:  # a panic in the Rust parser must not crash a run
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None, f"PromQL parser failed: {exc}"


def has_substitution(expr: str) -> bool:
    """Flux postBuild substitution variables (`${VAR}`) are replaced before Prometheus sees the rule."""
    return "${" in expr


_UNJUDGED: tuple[Any, str | None] = (None, None)


def parsed(entry: Any) -> tuple[Any, str | None]:
    """The AST of a RuleEntry's expression, computed once (None for LogQL, substituted or empty exprs,
    and MetricsQL expressions that are not PromQL).

    The error is None when the expression could not be judged (LogQL, Flux substitution); a
    `NotParsed` when it nests too deeply to parse, substitution or not."""
    cache = entry._parsed
    if cache is not None:
        return cache
    engine = entry.group.engine
    if engine not in ("promql", "metricsql") or not entry.expr.strip():
        result: tuple[Any, str | None] = _UNJUDGED
    else:
        result = parse(entry.expr)  # the cached tuple itself: shared by equal expressions
        if result[0] is None and has_substitution(entry.expr) and not isinstance(result[1], NotParsed):
            result = _UNJUDGED
        elif result[0] is None and engine == "metricsql":
            # MetricsQL is a superset of PromQL: what the PromQL parser refuses may be valid
            # MetricsQL (`WITH`, `rollup_*`, `default`, ...), never a parse error of the rule.
            result = _UNJUDGED
    entry._parsed = result
    return result


@lru_cache(maxsize=16384)
def _analysis(fn: Callable[[Any], Any], expr: str) -> Any:
    return fn(parse(expr)[0])


def analysis(entry: Any, fn: Callable[[Any], Any]) -> Any:
    """fn(entry.ast), computed once per distinct expression text: the AST is shared between equal
    expressions (see `parse`), so what is derived from it can be too. fn must be a module-level
    function returning an immutable value; None when the entry has no AST."""
    if parsed(entry)[0] is None:
        return None
    return _analysis(fn, entry.expr)


def metric_name_list(node: Any) -> tuple[tuple[str, Any], ...]:
    """metric_names as a tuple (for `analysis`)."""
    return tuple(metric_names(node))


def children(node: Any) -> list[Any]:
    if isinstance(node, pp.AggregateExpr):
        return [c for c in (node.expr, node.param) if c is not None]
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, (pp.SubqueryExpr, pp.ParenExpr, pp.UnaryExpr)):
        return [node.expr]
    return []


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def op_name(node: Any) -> str:
    """The operator of a BinaryExpr/AggregateExpr as text ("sum", ">", "and")."""
    return str(node.op).strip().lower()


def func_name(node: Any) -> str:
    return node.func.name if isinstance(node, pp.Call) else ""


def _td(value: Any) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(0)


@dataclass
class Reach:
    selector: Any  # VectorSelector
    lookback: timedelta  # how far before evaluation time the selector reads
    range: timedelta  # the range part (matrix selectors and subqueries)
    offset: timedelta  # the offset part


def selectors(node: Any) -> Iterator[Reach]:
    """Every VectorSelector with how far back it reads: sum of ranges and offsets above it."""
    stack: list[tuple[Any, timedelta, timedelta]] = [(node, timedelta(0), timedelta(0))]
    while stack:
        n, rng, off = stack.pop()
        if isinstance(n, pp.VectorSelector):
            o = off + max(_td(n.offset), timedelta(0))
            yield Reach(n, rng + o, rng, o)
            continue
        if isinstance(n, pp.MatrixSelector):
            stack.append((n.vector_selector, rng + _td(n.range), off))
            continue
        if isinstance(n, pp.SubqueryExpr):
            stack.append((n.expr, rng + _td(n.range), off + max(_td(n.offset), timedelta(0))))
            continue
        for c in children(n):
            stack.append((c, rng, off))


def metric_names(node: Any) -> Iterator[tuple[str, Any]]:
    """(metric name, selector) for every selector naming a metric (by name or `__name__="..."`)."""
    for n in walk(node):
        if isinstance(n, pp.VectorSelector):
            if n.name:
                yield n.name, n
            else:
                for m in n.matchers.matchers:
                    if m.name == "__name__" and str(m.op).endswith("Equal") and "Not" not in str(m.op):
                        yield m.value, n


def selector_label_names(sel: Any) -> set[str]:
    return {m.name for m in sel.matchers.matchers}


def selector_equal_labels(sel: Any) -> dict[str, str]:
    return {m.name: m.value for m in sel.matchers.matchers if str(m.op) == "MatchOp.Equal"}


def is_comparison(node: Any) -> bool:
    return isinstance(node, pp.BinaryExpr) and op_name(node) in COMPARISON_OPS and not _returns_bool(node)


def _returns_bool(node: Any) -> bool:
    mod = node.modifier
    return bool(mod is not None and mod.return_bool)


def is_scalar(node: Any) -> bool:
    while isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
        node = node.expr
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return True
    if isinstance(node, pp.Call):
        return str(node.func.return_type) == "ValueType.Scalar"
    if isinstance(node, pp.BinaryExpr):
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    return False


def has_filter(node: Any) -> bool:
    """Whether the result vector is filtered by a condition, so the alert does not fire always.

    Filters: a comparison without `bool` on the output path (also below aggregations and functions
    that pass series through: `sum(x > 1)` is empty when nothing exceeds 1), `absent()`-style
    functions and the `and`/`unless` set operators. Arguments that are scalars do not count."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, pp.ParenExpr):
            stack.append(n.expr)
        elif isinstance(n, pp.BinaryExpr):
            op = op_name(n)
            if op in COMPARISON_OPS and not _returns_bool(n):
                return True
            if op in ("and", "unless"):
                return True
            stack.extend([n.lhs, n.rhs])
        elif isinstance(n, pp.Call):
            name = func_name(n)
            if name in FILTER_FUNCTIONS:
                return True
            # functions that pass series through keep the filter of their vector argument
            stack.extend(a for a in n.args if not is_scalar(a))
        elif isinstance(n, pp.AggregateExpr):
            # an aggregation of a filtered vector is empty when nothing passes the filter
            # (except count_values/quantile on a scalar param); sum(x > 1) is empty when no x > 1
            stack.append(n.expr)
        elif isinstance(n, pp.SubqueryExpr):
            stack.append(n.expr)
        elif isinstance(n, pp.VectorSelector) and _state_selector(n):
            return True
    return False


# Labels whose value is a state: an instant selector matching on them returns series only while the
# state holds (`kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}`,
# `gotk_resource_info{ready="False"}`), which filters like a comparison does.
STATE_LABELS = frozenset(
    {"ready", "status", "state", "phase", "condition", "reason", "alertstate", "health", "suspended", "result"}
)
STATE_METRICS = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


def _state_selector(sel: Any) -> bool:
    if sel.name in STATE_METRICS:
        return True
    return any(m.name in STATE_LABELS for m in sel.matchers.matchers)


# --- output label sets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Labels a result series can carry: `known` names, plus any others when `open`.

    `open` = the selector's full label set is not known statically (a bare selector keeps every
    label of the scraped series); `dropped` names are certainly absent even when open."""

    known: frozenset[str] = frozenset()
    open: bool = True
    dropped: frozenset[str] = frozenset()
    maybe: frozenset[str] = frozenset()  # present on some result series only (`a or b`)

    def has(self, name: str) -> bool | None:
        """True: certainly present; False: certainly absent; None: unknown (depends on the data)."""
        if name in self.known:
            return True
        if name in self.maybe:
            return None
        if name in self.dropped or not self.open:
            return False
        return None


OPEN = Labels()
NONE = Labels(frozenset(), False)


def _without(lbls: Labels, names: set[str]) -> Labels:
    return Labels(lbls.known - names, lbls.open, lbls.dropped | names, lbls.maybe - names)


# functions that keep their vector argument's labels (apart from __name__); most do
_LABEL_REPLACE = {"label_replace", "label_join"}
_NO_LABELS = {"vector", "time", "scalar", "pi"}


def output_labels(node: Any) -> Labels:
    """The labels of the series the expression returns, as far as the AST tells."""
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
        return output_labels(node.expr)
    if isinstance(node, pp.VectorSelector):
        return Labels(frozenset(selector_equal_labels(node)) - {"__name__"}, True)
    if isinstance(node, pp.MatrixSelector):
        return output_labels(node.vector_selector)
    if isinstance(node, pp.SubqueryExpr):
        return output_labels(node.expr)
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return NONE
    if isinstance(node, pp.AggregateExpr):
        inner = output_labels(node.expr)
        mod = node.modifier
        op = op_name(node)
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner  # keep the selected series as they are
        if mod is None:
            base = NONE
        elif str(mod.type).endswith("By"):
            names = frozenset(mod.labels)
            base = Labels(
                names & inner.known,
                False,
                maybe=frozenset(n for n in names if inner.has(n) is None),
            )
        else:  # without
            base = _without(inner, set(mod.labels))
        if op == "count_values" and isinstance(node.param, pp.StringLiteral):
            base = Labels(base.known | {node.param.val}, base.open, base.dropped - {node.param.val}, base.maybe)
        return base
    if isinstance(node, pp.Call):
        name = func_name(node)
        if name in _NO_LABELS:
            return NONE
        if name in ("absent", "absent_over_time"):
            # absent() returns one series with the equality matchers of its selector as labels
            arg = node.args[0] if node.args else None
            while isinstance(arg, (pp.ParenExpr, pp.MatrixSelector)):
                arg = arg.expr if isinstance(arg, pp.ParenExpr) else arg.vector_selector
            if isinstance(arg, pp.VectorSelector):
                return Labels(frozenset(selector_equal_labels(arg)) - {"__name__"}, False)
            return NONE
        vec_args = [a for a in node.args if not is_scalar(a) and not isinstance(a, pp.StringLiteral)]
        base = output_labels(vec_args[0]) if vec_args else NONE
        if name in _LABEL_REPLACE and len(node.args) >= 2 and isinstance(node.args[1], pp.StringLiteral):
            dst = node.args[1].val
            base = Labels(base.known | {dst}, base.open, base.dropped - {dst}, base.maybe)
        return base
    if isinstance(node, pp.BinaryExpr):
        lhs, rhs = output_labels(node.lhs), output_labels(node.rhs)
        ls, rs = is_scalar(node.lhs), is_scalar(node.rhs)
        if ls and rs:
            return NONE
        if ls:
            return rhs
        if rs:
            return lhs
        op = op_name(node)
        if op == "or":
            maybe = (lhs.known | rhs.known | lhs.maybe | rhs.maybe) - (lhs.known & rhs.known)
            return Labels(lhs.known & rhs.known, lhs.open or rhs.open, lhs.dropped & rhs.dropped, maybe)
        if op in ("and", "unless"):
            return lhs
        mod = node.modifier
        card = str(mod.card) if mod is not None else ""
        side = rhs if card.endswith("OneToMany") else lhs  # group_right: the right side's labels
        if card.endswith("ManyToOne") or card.endswith("OneToMany"):
            extra = frozenset(mod.group_labels or ())
            return Labels(side.known | extra, side.open, side.dropped - extra, side.maybe)
        # one-to-one: the result has the lhs labels (comparison) or the matched label set
        # one-to-one (Prometheus engine resultMetric, also for filtering comparisons): `on` keeps
        # only the matching labels, `ignoring` drops them, otherwise the lhs labels stay.
        matching = mod.matching if mod is not None else None
        if matching is not None and str(matching.type).endswith("Include"):
            names = frozenset(matching.labels)
            return Labels(names & side.known, False, maybe=frozenset(n for n in names if side.has(n) is None))
        if matching is not None:
            return _without(side, set(matching.labels))
        return side
    return OPEN
