"""Helpers for the regression tests: a bootstrapped cluster and the findings of one rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

from obslint.findings import Finding
from tests.conftest import check

# What `flux bootstrap --path=clusters/home` leaves: the sync source and a Kustomization that
# applies its own directory, so clusters/home is the cluster root.
BOOTSTRAP = """\
-- clusters/home/flux-system.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: "ssh://git@example.com/me/repo", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 10m, path: ./clusters/home, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""


def findings(path: Path, rule: str | None = None) -> list[Finding]:
    """The findings of a check (of one rule when given); a run with internal errors fails."""
    result = check(path)
    assert not result.errors, result.errors
    return [f for f in result.findings if rule is None or f.rule == rule]


def detail(found: list[Finding]) -> str:
    return "\n".join(f"{f.loc}: {f.rule} {f.message} {sorted(f.clusters)}" for f in found)


def rules_of(path: Path) -> list[str]:
    """The rules that fire, once per finding."""
    return sorted(f.rule for f in findings(path))


def swap(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced once; the variant must really differ from the case."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def kustomization(name: str, path: str, *spec: str, namespace: str | None = "flux-system", source: str = "") -> str:
    """A Flux Kustomization document; `spec` lines (unindented) are added to its spec."""
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    source = source or "{kind: GitRepository, name: flux-system}"
    lines = ["interval: 10m", f"path: {path}", "prune: true", f"sourceRef: {source}", *spec]
    body = "".join(textwrap.indent(line, "  ") + "\n" for line in lines)
    return f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {meta}\nspec:\n{body}"


def fixed(repo, case: str, rule: str, old: str, new: str, *, clean: bool = True) -> Finding:
    """The reported case gives no `rule` finding (no finding at all when `clean`); the variant
    that replaces `old` by `new` gives exactly one, returned for further checks."""
    found = findings(repo(case))
    assert not [f for f in found if clean or f.rule == rule], detail(found)
    variant = findings(repo(swap(case, old, new)), rule)
    assert len(variant) == 1, detail(variant)
    return variant[0]


def kps_release(namespace: str | None = None) -> str:
    """A kube-prometheus-stack 80.6.0 HelmRelease without values (append `  values:` or `valuesFrom`)."""
    meta = f"{{name: kube-prometheus-stack, namespace: {namespace}}}" if namespace else "{name: kube-prometheus-stack}"
    return f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {meta}
spec:
  interval: 1h
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
      sourceRef: {{kind: HelmRepository, name: prometheus-community}}
"""
