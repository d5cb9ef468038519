"""FLUX050 schema-invalid and FLUX051 helm-values-unknown-key."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from obslint.findings import Finding
from obslint.index import Index, dig, loc_of, provider
from obslint.load import YMap
from obslint.rules import RuleContext, rule

# ------------------------------------------------------------------------------------------------
# Partial manifests: kustomize patch files are not objects and must not be validated as such.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@provider("schema.patch_files")
def patch_files(index: Index) -> set[str]:
    """Repo-relative paths of files that a kustomization.yaml uses as patches (partial objects)."""
    out: set[str] = set()
    for sf in index.files:
        if posixpath.basename(sf.rel) not in KUSTOMIZATION_FILES:
            continue
        base = posixpath.dirname(sf.rel)
        for doc in sf.documents:
            data = doc.data
            if not isinstance(data, dict):
                continue
            refs: list[Any] = []
            for key in ("patches", "patchesJson6902"):
                items = data.get(key)
                if isinstance(items, list):
                    refs.extend(i.get("path") for i in items if isinstance(i, dict))
            psm = data.get("patchesStrategicMerge")
            if isinstance(psm, list):
                refs.extend(psm)
            for ref in refs:
                if isinstance(ref, str) and "\n" not in ref:
                    out.add(posixpath.normpath(posixpath.join(base, ref)))
    return out


class SchemaOptions(BaseModel):
    kubernetes_version: str = Field(
        "1.33",
        description="Kubernetes minor version whose core-kind schemas (kubernetes-validate) are used",
    )
    skip_kinds: list[str] = Field(default_factory=list, description="kinds never schema-checked")


_FAIL = """\
-- clusters/home/apps.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1d          # Flux durations stop at hours: 24h
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps
  dependson:            # typo: silently pruned by the API server
    - name: infrastructure
"""

_PASS = """\
-- clusters/home/apps.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 24h
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps
  dependsOn:
    - name: infrastructure
"""


@rule(
    "FLUX050",
    "schema-invalid",
    "error",
    "An object does not validate against its schema (core kinds, Flux and prometheus-operator CRDs)",
    why=(
        "The API server rejects an object with a wrong type, a missing required field or a value outside "
        "an enum, and Flux stops the whole Kustomization at that object. An unknown field (a typo such as "
        "`dependson` or `retentionsize`) is worse: it is dropped and the setting silently does nothing. "
        "Core kinds are checked with the Kubernetes JSON Schemas of kubernetes-validate (option "
        "`kubernetes_version`), Flux and prometheus-operator kinds with the schemas under `schemas/crds`. "
        "Kinds without a schema are not checked; values with Flux `${VAR}` substitutions and SOPS-encrypted "
        "values are not type-checked; files used as kustomize patches are partial and skipped."
    ),
    failing=_FAIL,
    passing=_PASS,
    fix="Correct the field named in the message; the hint lists the allowed values or the nearest known field.",
    options=SchemaOptions,
)
def schema_invalid(ctx: RuleContext) -> Iterator[Finding]:
    from obslint.model.schemas import validate_object

    opts: SchemaOptions = ctx.options
    skip = set(opts.skip_kinds)
    patches = ctx.index.get("schema.patch_files")
    for obj in ctx.index.objects:
        if obj.kind in skip or obj.file.rel in patches:
            continue
        for problem in validate_object(obj, opts.kubernetes_version):
            loc = loc_of(obj.data, *problem.path)
            hint = f"checked against {problem.source}"
            if problem.unknown_key:
                parent = dig(obj.data, *problem.path[:-1])
                if isinstance(parent, YMap):
                    loc = parent.key_loc(problem.path[-1])
                close = difflib.get_close_matches(str(problem.path[-1]), problem.known, n=1, cutoff=0.6)
                if close:
                    hint = f"did you mean {close[0]!r}? ({hint})"
            yield ctx.finding(loc, f"{obj.kind} {obj.name}: {problem.message}", hint)
