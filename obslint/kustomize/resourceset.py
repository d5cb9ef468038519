"""flux-operator ResourceSet expansion (fluxcd.controlplane.io/v1): `expand_resourceset(rset)`.

Upstream: controlplaneio-fluxcd/flux-operator internal/builder/resourceset.go (BuildResourceSet,
BuildResourceSetSteps, ValidateResourceSetSpec), internal/inputs (combine.go, flattener.go,
permuter.go, provider.go), api/v1/resourceset_types.go, and the CLI's `build resourceset`, which
mirrors the controller (it adds the provider reference to inputs and the owner labels).

* Inputs: `spec.inputs` (a list of mappings; values are JSON, so numbers are float64). With the
  default `inputStrategy` Flatten each input set renders the resources once, and gets
  `provider` (apiVersion, kind, name, namespace of the ResourceSet). With Permute, each set is
  scoped under the ResourceSet's normalised name (`inputs.my_app.x`) and gets an `id` (adler32 of
  `name=index`). Inputs from `spec.inputsFrom` (ResourceSetInputProviders) are not in the
  repository: the expansion is then `partial`, and the resources are rendered once more with
  unknown inputs, giving objects whose templated values (names too) stay as written and are marked
  inexact. With no input set at all, the resources are rendered once without inputs.
* `spec.resources` (each a templated object) and `spec.resourcesTemplate` (a multi-document YAML
  template) are rendered per input set with `<< >>` delimiters (obslint.kustomize.gotemplate).
  A templated string value written as a plain scalar is re-typed after rendering, as flux-operator
  renders YAML text and parses it back (obslint.kustomize.goyaml): `<< inputs.replicas | int >>`
  is the integer 2. Objects from `resources` keep the positions of the ResourceSet's file; objects
  from `resourcesTemplate` point into the template (lines exact while rendering keeps them).
  Keys are not rendered. A `resourcesTemplate` using constructs obslint does not evaluate (if,
  range, toYaml, ...) is not rendered at all: the expansion is partial. In a single value such an
  action is kept as written and the object is inexact.
* Objects are deduplicated by group, kind, namespace and name (those of `resources` win, then the
  first), except `resources` rendered without inputs; an object annotated
  `fluxcd.controlplane.io/reconcile: disabled` is dropped (rendered with inputs, or from the
  template). `spec.commonMetadata` labels and annotations are set on every object, and the owner
  labels `resourceset.fluxcd.controlplane.io/name` and `/namespace`.
* `spec.steps` (each with its own resources and template) are rendered in order; steps exclude
  `spec.resources` and `spec.resourcesTemplate`, and an object may not come from two steps.

What flux-operator refuses (a missing input key under `missingkey=error`, rendered YAML that does
not parse, the rules above) fails the whole ResourceSet: no object, and a certain Problem.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obslint.findings import Loc
from obslint.kustomize.gotemplate import LEFT, RIGHT, UNKNOWN, TemplateError, lex, render
from obslint.kustomize.goyaml import read_back, written_plain
from obslint.kustomize.problem import Problem
from obslint.kustomize.resource import label_text, split_api_version
from obslint.kustomize.tree import rewrite_strings
from obslint.load.goresolve import YAML_V2
from obslint.load.source import EmbeddedSource
from obslint.load.yamlfile import YMap, YSeq, parse_yaml

RECONCILE_ANNOTATION = "fluxcd.controlplane.io/reconcile"
OWNER_LABELS = ("resourceset.fluxcd.controlplane.io/name", "resourceset.fluxcd.controlplane.io/namespace")


@dataclass(frozen=True)
class RenderedObject:
    data: YMap
    exact: bool  # False: some templated value (possibly the name) stayed as written
    input_index: int | None  # the input set it was rendered with (None: without, or unknown inputs)
    origin: str  # "resources" or "resourcesTemplate"
    step: str | None = None


@dataclass(frozen=True)
class Expansion:
    objects: tuple[RenderedObject, ...]
    problems: tuple[Problem, ...] = ()
    partial: bool = False  # more objects may exist than those listed (or with other names)


class _Refused(Exception):
    """flux-operator fails the ResourceSet."""

    def __init__(self, message: str, loc: Loc | None):
        super().__init__(message)
        self.message, self.loc = message, loc


@dataclass(frozen=True)
class _InputSet:
    index: int | None
    data: Any  # a mapping, or UNKNOWN for inputs from providers

    @property
    def known(self) -> bool:
        return self.data is not UNKNOWN


def _json_value(value: Any) -> Any:
    """An input value as flux-operator reads it (json.Unmarshal into any: numbers are float64)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def normalize_name(name: str) -> str:
    """permuter.go normalizeObjectName: lower case, `-` to `_`, only [a-z0-9_], no empty words."""
    name = re.sub(r"[^a-z0-9_]", "", name.lower().replace("-", "_"))
    return "_".join(word for word in name.split("_") if word)


def _input_sets(rset: Mapping, spec: Mapping) -> tuple[list[_InputSet], bool]:
    """The input sets, and whether inputs from providers (unknown) take part."""
    meta = rset.get("metadata") if isinstance(rset.get("metadata"), Mapping) else {}
    name = label_text(meta.get("name"))
    inputs = spec.get("inputs")
    static = [i for i in inputs if isinstance(i, Mapping)] if isinstance(inputs, list) else []
    from_providers = bool(spec.get("inputsFrom"))
    strategy = spec.get("inputStrategy")
    permute = isinstance(strategy, Mapping) and strategy.get("name") == "Permute"
    sets: list[_InputSet] = []
    if permute:
        scope = normalize_name(name)
        if not from_providers:  # with providers, every permutation holds unknown inputs
            for i, inp in enumerate(static):
                digest = zlib.adler32(f"{scope}={i}".encode())
                sets.append(_InputSet(i, {scope: _json_value(inp), "id": str(digest)}))
    else:
        provider = {
            "apiVersion": label_text(rset.get("apiVersion")),
            "kind": label_text(rset.get("kind")),
            "name": name,
            "namespace": label_text(meta.get("namespace")),
        }
        for i, inp in enumerate(static):
            data = _json_value(inp)
            data["provider"] = provider
            data.setdefault("id", UNKNOWN)  # providers export one; for inline inputs it is not documented
            sets.append(_InputSet(i, data))
    if from_providers:
        sets.append(_InputSet(None, UNKNOWN))
    return sets, from_providers


class _Expander:
    def __init__(self, rset: YMap):
        self.rset = rset
        spec = rset.get("spec")
        self.spec: Mapping = spec if isinstance(spec, Mapping) else {}
        self.problems: list[Problem] = []
        self.partial = False
        self.sets, from_providers = _input_sets(rset, self.spec)
        self.partial |= from_providers

    # --- one templated value of `spec.resources` ---

    def _value_renderer(self, inputs: _InputSet, state: dict):
        def render_value(value: str, container: YMap | YSeq, key: Any) -> Any:
            if LEFT not in value:
                return value
            try:
                out = render(value, inputs.data)
            except TemplateError as exc:
                raise _Refused(f"the template fails: {exc}", container.loc(key)) from None
            if out.unknown or out.unsupported:
                state["exact"] = False
                return out.text
            if out.text == value or not written_plain(value):
                return out.text
            try:
                return read_back(out.text, container, key)
            except ValueError as exc:
                raise _Refused(f"the rendered value is not valid YAML ({exc})", container.loc(key)) from None

        return render_value

    def _resources(self, templates: list, step: str | None) -> list[RenderedObject]:
        out: list[RenderedObject] = []
        for template in templates:
            if not isinstance(template, YMap):
                continue
            for inputs in self.sets or [_InputSet(None, {})]:
                state = {"exact": True}
                data = rewrite_strings(template, self._value_renderer(inputs, state))
                out.append(RenderedObject(data, state["exact"], inputs.index, "resources", step))
        return out

    # --- `spec.resourcesTemplate` ---

    def _template(self, container: Mapping, step: str | None) -> list[RenderedObject]:
        text = container.get("resourcesTemplate")
        if not isinstance(text, str) or not text.strip():
            return []
        where = _loc(container, "resourcesTemplate")
        try:
            parts = lex(text)
        except TemplateError as exc:
            raise _Refused(f"resourcesTemplate fails: {exc}", where) from None
        source = EmbeddedSource.from_value(container, "resourcesTemplate") if isinstance(container, YMap) else None
        out: list[RenderedObject] = []
        for inputs in self.sets or [_InputSet(None, {})]:
            try:
                rendered = render(text, inputs.data, parts)
            except TemplateError as exc:
                raise _Refused(f"resourcesTemplate fails: {exc}", where) from None
            if rendered.unsupported:
                self.partial = True
                self.problems.append(
                    Problem(
                        "resourceset-not-evaluated",
                        "resourcesTemplate uses template features obslint does not evaluate: its objects are unknown",
                        where,
                        certain=False,
                    )
                )
                return []
            docs = self._parse(rendered.text, source, text, where, inputs.known)
            exact = not rendered.unknown
            out.extend(RenderedObject(d, exact, inputs.index, "resourcesTemplate", step) for d in docs)
        return out

    def _parse(self, rendered: str, source: EmbeddedSource | None, text: str, where: Loc | None, known: bool) -> list:
        if source is None:
            return []
        if rendered.count("\n") != text.count("\n"):
            source = dataclasses.replace(source, exact=False)  # lines moved: point at the template
        # flux-operator parses the rendered text with sigs.k8s.io/yaml (go-yaml v2): `yes` is true
        docs, problems = parse_yaml(source, rendered, YAML_V2)
        if problems:
            if not known:
                self.partial = True  # unknown inputs kept as written may not parse: nothing to say
                return []
            raise _Refused(f"the rendered resourcesTemplate is not valid YAML: {problems[0][3]}", where)
        objects = []
        for doc, _, _ in docs:
            if doc is None:
                continue
            if not isinstance(doc, YMap) or not doc.get("kind"):
                raise _Refused("a document rendered from resourcesTemplate is not an object with a kind", where)
            objects.append(doc)
        return objects

    # --- the whole ResourceSet ---

    def _group(self, container: Mapping, step: str | None) -> list[RenderedObject]:
        resources = container.get("resources")
        from_resources = self._resources(resources if isinstance(resources, list) else [], step)
        from_template = self._template(container, step)
        seen: set[tuple[str, str, str, str]] = set()
        out: list[RenderedObject] = []
        for obj in from_resources + from_template:
            # Rendered without inputs, `resources` are neither filtered nor deduplicated.
            with_inputs = obj.origin == "resourcesTemplate" or bool(self.sets)
            if with_inputs and _annotation(obj.data, RECONCILE_ANNOTATION) == "disabled":
                continue
            key = _object_key(obj.data)
            if obj.exact and with_inputs:
                if key in seen:
                    continue
                seen.add(key)
            out.append(obj)
        return out

    def run(self) -> Expansion:
        try:
            objects = self._objects()
        except _Refused as exc:
            self.problems.append(
                Problem("resourceset-failed", f"flux-operator fails this ResourceSet: {exc.message}", exc.loc)
            )
            return Expansion((), tuple(self.problems), False)
        labels = self._common_labels()
        annotations = self._common("annotations")
        objects = [dataclasses.replace(o, data=_with_metadata(o.data, labels, annotations)) for o in objects]
        return Expansion(tuple(objects), tuple(self.problems), self.partial)

    def _objects(self) -> list[RenderedObject]:
        steps = self.spec.get("steps")
        if not isinstance(steps, list) or not steps:
            return self._group(self.spec, None)
        if self.spec.get("resources") or self.spec.get("resourcesTemplate"):
            raise _Refused("spec.steps excludes spec.resources and spec.resourcesTemplate", _loc(self.spec, "steps"))
        out: list[RenderedObject] = []
        owner: dict[tuple[str, str, str, str], str | None] = {}
        for step in steps:
            if not isinstance(step, Mapping):
                continue
            name = label_text(step.get("name"))
            for obj in self._group(step, name):
                key = _object_key(obj.data)
                if obj.exact and owner.get(key, name) != name:
                    raise _Refused(
                        f"an object of step {name!r} is already defined in step {owner[key]!r}", obj.data.loc()
                    )
                owner.setdefault(key, name)
                out.append(obj)
        return out

    def _common(self, field: str) -> list[tuple[str, Any, Any, Any]]:
        common = self.spec.get("commonMetadata")
        entries = common.get(field) if isinstance(common, Mapping) else None
        if not isinstance(entries, Mapping):
            return []
        return [(str(k), v, entries, k) for k, v in entries.items()]

    def _common_labels(self) -> list[tuple[str, Any, Any, Any]]:
        meta = self.rset.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        owner = [
            (OWNER_LABELS[0], meta.get("name"), meta, "name"),
            (OWNER_LABELS[1], meta.get("namespace"), meta, "namespace"),
        ]
        return self._common("labels") + [entry for entry in owner if entry[1] is not None]


def _loc(container: Any, key: Any) -> Loc | None:
    return container.loc(key) if isinstance(container, YMap) else None


def _annotation(data: Mapping, key: str) -> str | None:
    meta = data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    value = annotations.get(key) if isinstance(annotations, Mapping) else None
    return None if value is None else label_text(value)


def _object_key(data: Mapping) -> tuple[str, str, str, str]:
    """builder.objectKey: group, kind, namespace, name (not the version)."""
    meta = data.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    group = split_api_version(label_text(data.get("apiVersion")))[0]
    return group, label_text(data.get("kind")), label_text(meta.get("namespace")), label_text(meta.get("name"))


def _with_entries(node: Any, entries: list[tuple[str, Any, Any, Any]], anchor: YMap) -> YMap:
    """`node` (a mapping or nothing) with each (key, value, source, source key) set."""
    out = node.clone() if isinstance(node, YMap) else YMap(anchor.src, anchor.line, anchor.col)
    for key, value, source, source_key in entries:
        if isinstance(source, YMap):
            out.take(key, label_text(value), source, source_key)
        else:
            out[key] = label_text(value)
    return out


def _with_metadata(data: YMap, labels: list, annotations: list) -> YMap:
    if not labels and not annotations:
        return data
    meta = data.get("metadata")
    new_meta = meta.clone() if isinstance(meta, YMap) else YMap(data.src, data.line, data.col)
    for field, entries in (("labels", labels), ("annotations", annotations)):
        if entries:
            new_meta[field] = _with_entries(new_meta.get(field), entries, new_meta)
    out = data.clone()
    out["metadata"] = new_meta
    return out


def is_unrendered(value: Any) -> bool:
    """A value that still holds a template action obslint could not evaluate (unknown)."""
    return isinstance(value, str) and LEFT in value and RIGHT in value


def expand_resourceset(rset: YMap) -> Expansion:
    """The objects a ResourceSet makes flux-operator apply (see the module docstring)."""
    return _Expander(rset).run()
