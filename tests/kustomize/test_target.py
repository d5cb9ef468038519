"""Patch targets: kustomize api/types/selector.go, api/resmap/reswrangler.go Select, and label
selectors as k8s.io/apimachinery pkg/labels/selector.go parses and matches them."""

from __future__ import annotations

import pytest

from obslint.kustomize.resource import Resource
from obslint.kustomize.target import Requirement, Selector, SelectorError, Target, matches, parse_selector
from tests.kustomize.helpers import doc


def res(text: str, previous=()) -> Resource:
    return Resource(doc(text), previous)


DEPLOY = res(
    """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: grafana
      namespace: monitoring
      labels: {app.kubernetes.io/name: grafana, tier: "2", enabled: true}
      annotations: {team: obs}
    """
)
NO_NAMESPACE = res("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n")
CLUSTER_ROLE = res("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n")
HELMRELEASE = res("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: loki\n")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (Target(), True),  # an empty target selects everything
        (Target(kind="Deployment"), True),
        (Target(kind="Deploy"), False),  # anchored at both ends
        (Target(kind="Deploy.*"), True),
        (Target(kind="deployment"), False),
        (Target(group="apps", version="v1"), True),
        (Target(group="app"), False),
        (Target(name="loki|grafana"), True),  # ^(?:loki|grafana)$: the alternation is grouped
        (Target(name="graf|loki"), False),
        (Target(name="x)|(fana"), True),  # ^(?:x)|(fana)$ and MatchString, a search: "fana" ends the name
        (Target(namespace="monitor.*"), True),
        (Target(namespace="default"), False),
        (Target(label_selector="app.kubernetes.io/name=grafana"), True),
        (Target(label_selector="tier in (1, 2), enabled==true"), True),
        (Target(label_selector="tier>1,tier<3"), True),
        (Target(label_selector="tier>2"), False),
        (Target(label_selector="!tier"), False),
        (Target(label_selector="missing!=x"), True),  # != selects objects without the key
        (Target(label_selector="missing notin (x)"), True),
        (Target(label_selector="missing"), False),
        (Target(annotation_selector="team=obs"), True),
        (Target(annotation_selector="team=other"), False),
    ],
)
def test_matches(target, expected):
    assert matches(DEPLOY, target) is expected


def test_effective_namespace():
    """An object without a namespace is in `default`; a cluster-scoped kind has no namespace."""
    assert matches(NO_NAMESPACE, Target(namespace="default"))
    assert not matches(CLUSTER_ROLE, Target(namespace="default"))
    assert matches(CLUSTER_ROLE, Target(kind="ClusterRole"))
    assert matches(HELMRELEASE, Target(namespace="default"))  # custom kinds count as namespaced


def test_original_or_current_identity():
    renamed = res("apiVersion: v1\nkind: Service\nmetadata:\n  name: prod-web\n  namespace: prod\n", [("web", None)])
    assert matches(renamed, Target(name="web", namespace="default"))
    assert matches(renamed, Target(name="prod-web", namespace="prod"))
    assert not matches(renamed, Target(name="other"))


def test_invalid_regex_selects_nothing_with_a_problem():
    selector = Selector(Target(name="web-(", kind="Deployment"))
    assert not selector.valid and selector.select([DEPLOY]) == []
    (p,) = selector.problems
    assert p.kind == "invalid-patch-target" and p.certain and "name" in p.message
    assert not matches(DEPLOY, Target(name="(?=x)"))  # Python-only syntax: Go refuses it


def test_unsupported_regex_is_uncertain():
    (p,) = Selector(Target(name=r"\p{Greek}+")).problems
    assert not p.certain


def test_invalid_selector_selects_nothing():
    selector = Selector(Target(label_selector="a in x"))
    assert selector.select([DEPLOY]) == [] and selector.problems[0].certain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("a", (Requirement("a", "exists"),)),
        (" !a ", (Requirement("a", "!"),)),
        ("a=b", (Requirement("a", "=", frozenset({"b"})),)),
        ("a==b", (Requirement("a", "=", frozenset({"b"})),)),
        ("a=", (Requirement("a", "=", frozenset({""})),)),
        ("a in ()", (Requirement("a", "in", frozenset({""})),)),  # parseValues: `()` holds ""
        ("a in (x,)", (Requirement("a", "in", frozenset({"x", ""})),)),
        ("a=in", (Requirement("a", "=", frozenset({"in"})),)),  # keywords are values here
        ("x.io/a-b_c.d=v1", (Requirement("x.io/a-b_c.d", "=", frozenset({"v1"})),)),
    ],
)
def test_parse_selector(text, expected):
    assert parse_selector(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        ",a",
        "a,",
        "a b",
        "a in x",
        "a in (x y",
        "a>b",
        "!a=b",
        "in",
        "-a",
        "a=-b",
        "a=b_",
        "X.IO/a=b",
        "a/b/c",
        "a=" + "x" * 64,
    ],
)
def test_parse_selector_refuses(text):
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_target_from_mapping():
    target = Target.from_mapping(
        doc("kind: HelmRelease\nname: loki\nlabelSelector: a=b\nannotationSelector: c\nversion: 2\n")
    )
    assert target == Target(version="2", kind="HelmRelease", name="loki", label_selector="a=b", annotation_selector="c")
