"""Where controllers that copy Secrets and ConfigMaps between namespaces put their copies.

A Secret made in one namespace is often read in others, copied there by a controller that
watches annotations on the source:

- emberstack/kubernetes-reflector: `reflection-allowed: "true"` with `reflection-auto-enabled:
  "true"` creates mirrors in the namespaces of `reflection-auto-namespaces`, else of
  `reflection-allowed-namespaces`, else in every namespace. Entries are comma-separated and may be
  regular expressions (kubernetes-reflector README, "Automatic mirror creation"; annotation names
  from src/ES.Kubernetes.Reflector/Mirroring/Core/Annotations.cs).
- mittwald/kubernetes-replicator: `replicate-to: "ns1,ns2"` pushes copies to those namespaces
  (entries may be patterns); `replicate-to-matching: <label selector>` to the namespaces whose
  labels match (kubernetes-replicator README, "Push-based replication").

The annotations sit on the Secret itself, or on whatever writes it: an ExternalSecret's
`spec.target.template.metadata.annotations`, a cert-manager Certificate's
`spec.secretTemplate.annotations`, and so on. So for a custom resource every `annotations`
mapping of its spec counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_REFLECTOR = "reflector.v1.k8s.emberstack.com/"
_REPLICATOR = "replicator.v1.mittwald.de/"
_PLAIN_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_MAX_NODES = 5000


@dataclass(frozen=True)
class Mirrors:
    """The namespaces copies go to; `anywhere` when a pattern or selector leaves it open."""

    namespaces: frozenset[str] = frozenset()
    anywhere: bool = False

    def __bool__(self) -> bool:
        return self.anywhere or bool(self.namespaces)

    def __or__(self, other: Mirrors) -> Mirrors:
        return Mirrors(self.namespaces | other.namespaces, self.anywhere or other.anywhere)


def _listed(value: Any) -> Mirrors:
    """A comma-separated namespace list; a non-plain entry is a pattern that may match any."""
    if not isinstance(value, str) or not value.strip():
        return Mirrors(anywhere=True)
    names = [v.strip() for v in value.split(",") if v.strip()]
    plain = frozenset(n for n in names if _PLAIN_NAMESPACE.fullmatch(n))
    return Mirrors(plain, anywhere=len(plain) < len(names))


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def mirrors_of(annotations: Any) -> Mirrors:
    """Where the annotations of one Secret/ConfigMap make a controller copy it."""
    if not isinstance(annotations, dict):
        return Mirrors()
    out = Mirrors()
    if _true(annotations.get(_REFLECTOR + "reflection-allowed")) and _true(
        annotations.get(_REFLECTOR + "reflection-auto-enabled")
    ):
        auto = annotations.get(_REFLECTOR + "reflection-auto-namespaces")
        allowed = annotations.get(_REFLECTOR + "reflection-allowed-namespaces")
        out |= _listed(auto if isinstance(auto, str) and auto.strip() else allowed)
    push = annotations.get(_REPLICATOR + "replicate-to")
    if isinstance(push, str) and push.strip():
        out |= _listed(push)
    if annotations.get(_REPLICATOR + "replicate-to-matching") is not None:
        out |= Mirrors(anywhere=True)
    return out


def spec_mirrors(spec: Any) -> Mirrors:
    """The copies asked for by any `annotations` mapping inside a custom resource's spec (the
    templates of the Secrets it writes)."""
    out = Mirrors()
    stack: list[Any] = [spec]
    seen = 0
    while stack and seen < _MAX_NODES:
        cur = stack.pop()
        seen += 1
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key == "annotations":
                    out |= mirrors_of(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))
    return out
