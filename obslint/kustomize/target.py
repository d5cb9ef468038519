"""Which objects a kustomize patch target selects.

A target (kustomize api/types/selector.go Selector; Flux's `spec.patches[].target` is the same
type) has `group`, `version`, `kind`, `name`, `namespace`, `labelSelector` and
`annotationSelector`; an empty field matches everything. The first five are Go regular expressions
anchored at both ends (`^(?:re)$`, types.NewSelectorRegex). Name and namespace match the object's
original or current identity, the namespace as kustomize's effective namespace (`default` for a
namespaced object without one; a cluster-scoped kind has none, so a namespace pattern never selects
it): api/resmap/reswrangler.go Select.

Label and annotation selectors use the Kubernetes syntax (k8s.io/apimachinery
pkg/labels/selector.go Parse): comma-separated requirements `k`, `!k`, `k=v`, `k==v`, `k!=v`,
`k in (a,b)`, `k notin (a)`, `k>1`, `k<1`; keys must be qualified names and values label values
even for annotations (kustomize parses both with labels.Parse). `!=` and `notin` also select
objects without the key.

A target kustomize refuses (a regular expression Go rejects, a malformed selector) fails the build:
it selects nothing and comes with a certain Problem. A valid Go expression obslint cannot evaluate
selects nothing with an uncertain one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from obslint.findings import Loc
from obslint.goregex import GoRegexError, GoRegexp, InvalidGoRegex, compile_go
from obslint.kustomize.problem import Problem
from obslint.kustomize.resource import Resource, label_text

_FIELDS = ("group", "version", "kind", "name", "namespace")


@dataclass(frozen=True)
class Target:
    group: str = ""
    version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    label_selector: str = ""
    annotation_selector: str = ""

    @classmethod
    def from_mapping(cls, target: Mapping) -> Target:
        def text(key: str) -> str:
            value = target.get(key)
            return "" if value is None else label_text(value)

        return cls(
            *(text(key) for key in _FIELDS),
            label_selector=text("labelSelector"),
            annotation_selector=text("annotationSelector"),
        )


# --- label selectors ------------------------------------------------------------------------------

_LABEL_VALUE = re.compile(r"(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
_NAME_PART = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\Z")
_TOKEN = re.compile(r"[ \t\r\n]*(?:(!=|==|=|!|\(|\)|,|<|>)|([^ \t\r\n=!(),<>]+))")
_KEYWORDS = frozenset({"in", "notin"})
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # exists, !, =, !=, in, notin, >, <
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!":
            return value is None
        if self.op in ("=", "in"):
            return value in self.values
        if self.op in ("!=", "notin"):
            return value not in self.values
        if value is None or not _INTEGER.match(value):
            return False
        (bound,) = self.values
        return int(value) > int(bound) if self.op == ">" else int(value) < int(bound)


def _check_key(key: str) -> None:
    prefix, slash, name = key.rpartition("/")
    if key in _KEYWORDS or len(name) > 63 or not _NAME_PART.match(name):
        raise SelectorError(f"invalid label key {key!r}")
    if slash and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise SelectorError(f"invalid label key {key!r}")


def _check_value(value: str) -> None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise SelectorError(f"invalid label value {value!r}")


class _Parser:
    """labels.Parse: tokens are symbols (`!= == = ! ( ) , < >`) or identifiers (anything else up
    to whitespace or a symbol); `in` and `notin` are keywords where an operator is expected."""

    def __init__(self, text: str):
        self.tokens: list[tuple[bool, str]] = []  # (is identifier, text)
        pos = 0
        while (m := _TOKEN.match(text, pos)) is not None:
            self.tokens.append((m.group(2) is not None, m.group(1) or m.group(2)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[bool, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else (False, "")

    def take(self) -> tuple[bool, str]:
        token = self.peek()
        self.i += 1
        return token

    def requirements(self) -> tuple[Requirement, ...]:
        reqs: list[Requirement] = []
        while self.peek()[1]:
            reqs.append(self.requirement())
            if self.peek()[1]:
                if self.take()[1] != ",":
                    raise SelectorError("expected ',' between requirements")
                if not self.peek()[1]:
                    raise SelectorError("expected a requirement after ','")
        return tuple(reqs)

    def requirement(self) -> Requirement:
        negated = self.peek() == (False, "!")
        self.i += negated
        is_ident, key = self.take()
        if not is_ident:
            raise SelectorError(f"found {key!r}, expected a label key")
        _check_key(key)
        if negated or self.peek()[1] in ("", ","):
            return Requirement(key, "!" if negated else "exists")
        is_ident, op = self.take()
        if is_ident and op in _KEYWORDS:
            return Requirement(key, op, self.value_set())
        if is_ident or op not in ("=", "==", "!=", "<", ">"):
            raise SelectorError(f"found {op!r}, expected an operator after {key!r}")
        is_ident, value = self.peek()
        if is_ident:
            self.i += 1
        elif value not in ("", ","):
            raise SelectorError(f"found {value!r}, expected a value after {op!r}")
        else:
            value = ""
        if op in ("<", ">"):
            if not _INTEGER.match(value) or abs(int(value)) >= 1 << 63:
                raise SelectorError(f"{value!r} is not an integer for {op!r}")
        else:
            _check_value(value)
        return Requirement(key, "=" if op == "==" else op, frozenset({value}))

    def value_set(self) -> frozenset[str]:
        if self.take() != (False, "("):
            raise SelectorError("expected '(' after in or notin")
        values: set[str] = set()
        expect_value = True
        while True:
            is_ident, token = self.take()
            if is_ident and expect_value:
                _check_value(token)
                values.add(token)
                expect_value = False
            elif token in (",", ")") and not is_ident:
                if expect_value:
                    values.add("")  # `()`, `(,a)` and `(a,)` hold the empty value
                if token == ")":
                    return frozenset(values)
                expect_value = True
            else:
                raise SelectorError(f"found {token!r} in a set of values")


def parse_selector(text: str) -> tuple[Requirement, ...]:
    """The requirements of a label selector (none: it selects everything); SelectorError when
    Kubernetes refuses it."""
    return _Parser(text).requirements()


# --- selection ------------------------------------------------------------------------------------


class Selector:
    """A target compiled once; `problems` say why it selects nothing (when it cannot)."""

    def __init__(self, target: Target, where: Loc | None = None):
        self.target = target
        self.where = where
        self.problems: list[Problem] = []
        self._patterns: dict[str, GoRegexp] = {}
        for attr in _FIELDS:
            pattern = getattr(target, attr)
            if not pattern:
                continue
            try:
                self._patterns[attr] = compile_go(pattern, anchored=True)
            except GoRegexError as exc:
                certain = isinstance(exc, InvalidGoRegex)
                verb = "kustomize refuses" if certain else "obslint cannot evaluate"
                self._problem(f"{verb} the {attr} pattern {pattern!r} of the patch target: {exc}", certain)
        self._labels = self._requirements(target.label_selector, "labelSelector")
        self._annotations = self._requirements(target.annotation_selector, "annotationSelector")

    def _problem(self, message: str, certain: bool = True) -> None:
        self.problems.append(Problem("invalid-patch-target", message, self.where, certain))

    def _requirements(self, text: str, field: str) -> tuple[Requirement, ...]:
        try:
            return parse_selector(text)
        except SelectorError as exc:
            self._problem(f"kustomize refuses the {field} of the patch target: {exc}")
            return ()

    @cached_property
    def valid(self) -> bool:
        return not self.problems

    def _match(self, attr: str, value: str) -> bool:
        pattern = self._patterns.get(attr)
        return pattern is None or pattern.search(value) is not None  # Go's MatchString searches

    def matches(self, res: Resource) -> bool:
        if not self.valid:
            return False
        (org_name, org_ns), (name, ns) = res.ids[0], res.ids[-1]
        namespaces = (res.effective_namespace(org_ns), res.effective_namespace(ns))
        return (
            any(self._match("namespace", n) for n in namespaces)
            and (self._match("name", org_name) or self._match("name", name))
            and self._match("group", res.group)
            and self._match("version", res.version)
            and self._match("kind", res.kind)
            and all(r.matches(res.labels) for r in self._labels)
            and all(r.matches(res.annotations) for r in self._annotations)
        )

    def select(self, resources: Sequence[Resource]) -> list[int]:
        """The indices of the resources the target selects."""
        return [i for i, res in enumerate(resources) if self.matches(res)] if self.valid else []


def matches(res: Resource, target: Target) -> bool:
    """Whether kustomize's target selects the resource (never, for a target it refuses)."""
    return Selector(target).matches(res)
