"""FLUX050 schema-invalid."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from obslint.findings import Finding
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.objects import dig, loc_of
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.suggest import closest

# ------------------------------------------------------------------------------------------------
# Partial manifests: kustomize patch files are not objects and must not be validated as such.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass
class Patches:
    files: set[str] = field(default_factory=set)  # files used as patches (partial objects)
    targets: list[tuple[str | None, str | None]] = field(default_factory=list)  # (kind, name regex) patched

    def targets_object(self, kind: str, name: str) -> bool:
        for t_kind, t_name in self.targets:
            if t_kind not in (None, kind):
                continue
            if t_name is None:
                return True
            try:
                if re.fullmatch(t_name, name):
                    return True
            except re.error:
                return True
        return False


def _add_target(patches: Patches, target: Any) -> None:
    if isinstance(target, dict):
        kind, name = target.get("kind"), target.get("name")
        patches.targets.append((kind if isinstance(kind, str) else None, name if isinstance(name, str) else None))


@memoised
def patch_info(index: Index) -> Patches:
    """kustomize patch files (partial objects, not validated) and the kinds/names patches target.

    A field such as a Flux Kustomization's `interval` is often added by a patch in a parent
    kustomization.yaml (or a Flux Kustomization's spec.patches), so a targeted object may lack
    required fields as written.
    """
    out = Patches()
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
                    for item in items:
                        if isinstance(item, dict):
                            refs.append(item.get("path"))
                            _add_target(out, item.get("target"))
            psm = data.get("patchesStrategicMerge")
            if isinstance(psm, list):
                refs.extend(psm)
            for ref in refs:
                if isinstance(ref, str) and "\n" not in ref:
                    out.files.add(posixpath.normpath(posixpath.join(base, ref)))
    for obj in index.of_kind("Kustomization", group="kustomize.toolkit.fluxcd.io"):
        items = obj.spec.get("patches")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    _add_target(out, item.get("target") or {})
    for rel in out.files:  # a patch file without target patches the objects it names
        sf = index.file(rel)
        for doc in sf.documents if sf else ():
            if isinstance(doc.data, dict) and isinstance(doc.data.get("kind"), str):
                name = dig(doc.data, "metadata", "name")
                out.targets.append((doc.data["kind"], re.escape(name) if isinstance(name, str) else None))
    return out


class SchemaOptions(RuleOptions):
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
    basis=Basis.CERTAIN,
    why=(
        "The API server rejects an object with a wrong type, a missing required field or a value outside "
        "an enum, and Flux stops the whole Kustomization at that object. An unknown field (a typo such as "
        "`dependson` or `retentionsize`) is worse: it is dropped and the setting silently does nothing. "
        "Core kinds are checked with the Kubernetes JSON Schemas of kubernetes-validate (option "
        "`kubernetes_version`), Flux and prometheus-operator kinds with the schemas under `schemas/crds`. "
        "Values are typed as kustomize reads them (YAML 1.2, go-yaml v3): `yes` and `on` are strings, "
        "`0o555` is an integer. "
        "Kinds without a schema are not checked; values with Flux `${VAR}` substitutions, ResourceSet "
        "`<< inputs.x >>` templates whose inputs are unknown and SOPS-encrypted values are not type-checked; "
        "files used as kustomize patches are partial and skipped."
    ),
    failing=_FAIL,
    passing=_PASS,
    fix="Correct the field named in the message; the hint lists the allowed values or the nearest known field.",
    options=SchemaOptions,
)
def schema_invalid(ctx: RuleContext) -> Iterator[Finding]:
    from obslint.model.schemas import kubernetes_schema_dir, validate_object

    opts: SchemaOptions = ctx.options
    if kubernetes_schema_dir(opts.kubernetes_version) is None:
        ctx.index.notice(
            f"schema-invalid: kubernetes-validate has no schemas for Kubernetes {opts.kubernetes_version}; "
            "core kinds are not schema-checked"
        )
    skip = set(opts.skip_kinds)
    patches: Patches = patch_info(ctx.index)
    for obj in ctx.index.objects:
        if obj.kind in skip or obj.file.rel in patches.files:
            continue
        patched = None
        for problem in validate_object(obj, opts.kubernetes_version):
            if problem.validator == "required":
                if patched is None:
                    patched = patches.targets_object(obj.kind, obj.name)
                if patched:
                    continue  # a kustomize patch may supply it
            loc = loc_of(obj.data, *problem.path)
            hint = (
                f"{problem.detail}; checked against {problem.source}"
                if problem.detail
                else (f"checked against {problem.source}")
            )
            if problem.unknown_key:
                parent = dig(obj.data, *problem.path[:-1])
                if isinstance(parent, YMap):
                    loc = parent.key_loc(problem.path[-1])
            if problem.value is not None and problem.known:
                close = closest(problem.value, problem.known, cutoff=0.6)
                if close:
                    hint = f"did you mean {close[0]!r}? Checked against {problem.source}"
            yield ctx.finding(loc, f"{obj.kind} {obj.name}: {problem.message}", hint)
