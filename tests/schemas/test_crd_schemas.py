"""Our CRD schema subsets against the upstream CRDs (tests/data/crds): accept, reject, no drift."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from obslint.model.schemas import crd_validator, fast_validator
from tests.schemas.upstream import example, key_of, our_schema_files, resolve, upstream_versions

FILES = our_schema_files()
IDS = [f"{p.parent.name}/{p.stem}" for p in FILES]
# v2beta1 HelmRelease is no longer served by any release in tests/data/crds: its schema is lenient (no strict
# objects) and only checked for being a valid JSON Schema.
# HTTPRoute is lenient (strict only for parentRefs/backendRefs) and has no upstream CRD in tests/data/crds.
NO_UPSTREAM = {
    ("helm.toolkit.fluxcd.io", "HelmRelease", "v2beta1"),
    ("gateway.networking.k8s.io", "HTTPRoute", "v1"),
    ("gateway.networking.k8s.io", "HTTPRoute", "v1beta1"),
}
# Fields the API server checks itself (ObjectMeta) or that we require on purpose although upstream's root does not
# (a Flux object without `spec` is accepted by the API server and then fails in the controller).
OUR_ROOT_EXTRAS = {"metadata", "spec", "apiVersion", "kind"}


def _upstreams(path):
    key = key_of(path)
    if key in NO_UPSTREAM:
        pytest.skip("no upstream CRD serves this version any more")
    ups = upstream_versions().get(key)
    assert ups, f"no upstream CRD in tests/data/crds for {key}"
    return key, ups


def test_every_brief_kind_has_a_schema():
    have = {key_of(p) for p in FILES}
    wanted = {
        ("source.toolkit.fluxcd.io", k, v)
        for k in ("GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket")
        for v in ("v1", "v1beta2")
    }
    wanted |= {("kustomize.toolkit.fluxcd.io", "Kustomization", v) for v in ("v1", "v1beta2")}
    wanted |= {("helm.toolkit.fluxcd.io", "HelmRelease", v) for v in ("v2", "v2beta1", "v2beta2")}
    wanted |= {("notification.toolkit.fluxcd.io", k, v) for k in ("Provider", "Alert") for v in ("v1beta2", "v1beta3")}
    wanted |= {("notification.toolkit.fluxcd.io", "Receiver", v) for v in ("v1", "v1beta2")}
    wanted |= {
        ("monitoring.coreos.com", k, "v1")
        for k in ("PrometheusRule", "ServiceMonitor", "PodMonitor", "Probe", "Prometheus", "Alertmanager")
    }
    wanted |= {("monitoring.coreos.com", k, "v1alpha1") for k in ("AlertmanagerConfig", "ScrapeConfig")}
    assert wanted <= have, sorted(wanted - have)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_schema_is_valid_json_schema(path):
    import json

    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    assert crd_validator(*key_of(path)) is not None


# --- no drift: every path we declare exists upstream with a compatible type; strict where upstream is --------
def _upstream_type(schema: dict) -> set[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return {"integer", "string"}
    if "type" in schema:
        return {schema["type"]}
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return {"object", "array", "string", "integer", "number", "boolean"}
    return {"object", "array", "string", "integer", "number", "boolean"}  # untyped: anything


def _our_types(schema: dict) -> set[str] | None:
    t = schema.get("type")
    if t is None:
        return None
    return set(t) if isinstance(t, list) else {t}


def _walk(ours: dict, ups: list[dict], path: str, problems: list[str]) -> None:
    ours = resolve(ours)
    ups = [u for u in ups if u is not None]
    if not ups:
        problems.append(f"{path}: declared by us, absent upstream")
        return
    our_t = _our_types(ours)
    up_t = set().union(*(_upstream_type(u) for u in ups))
    if our_t is not None and not (our_t & up_t):
        problems.append(f"{path}: type {sorted(our_t)} but upstream {sorted(up_t)}")
    int_or_string = any(u.get("x-kubernetes-int-or-string") for u in ups)
    if our_t is not None and int_or_string and not {"integer", "string"} <= our_t:
        problems.append(f"{path}: upstream is int-or-string, ours {sorted(our_t)}")
    if "enum" in ours:
        for u in ups:
            if "enum" in u and not set(u["enum"]) <= set(ours["enum"]):
                problems.append(f"{path}: upstream enum values missing: {sorted(set(u['enum']) - set(ours['enum']))}")
    if "const" in ours:
        return
    # our required fields must be required upstream (by every release we cover)
    for req in ours.get("required", []):
        if path != "" and not all(req in u.get("required", []) for u in ups):
            problems.append(f"{path}: we require {req!r}, upstream does not")
    props = ours.get("properties") or {}
    for name, sub in props.items():
        if path == "" and name in ("metadata", "status"):
            continue  # ObjectMeta: validated by the API server itself, upstream CRDs only say `object`
        _walk(sub, [(u.get("properties") or {}).get(name) for u in ups], f"{path}.{name}", problems)
    if ours.get("additionalProperties") is False:
        if any(u.get("x-kubernetes-preserve-unknown-fields") for u in ups):
            problems.append(f"{path}: strict here, but upstream preserves unknown fields")
        for u in ups:
            missing = set(u.get("properties") or {}) - set(props)
            if missing:
                problems.append(f"{path}: strict but does not declare upstream fields {sorted(missing)}")
    elif isinstance(ours.get("additionalProperties"), dict):
        up_values = [u["additionalProperties"] for u in ups if isinstance(u.get("additionalProperties"), dict)]
        _walk(ours["additionalProperties"], up_values or [{}], f"{path}.*", problems)
    if "items" in ours:
        _walk(ours["items"], [u.get("items") for u in ups], f"{path}[]", problems)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_drift_from_upstream(path):
    import json

    _, ups = _upstreams(path)
    ours = json.loads(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    _walk(ours, ups, "", problems)
    assert not problems, "\n".join(sorted(set(problems)))


# --- upstream examples are accepted -------------------------------------------------------------------------
def _errors(key, obj) -> list[str]:
    """The reporting validator's errors; the fast validator (jsonschema-rs) must agree on validity."""
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in crd_validator(*key).iter_errors(obj)]
    fast = fast_validator(("crd", *key))
    if fast is not None:
        assert fast.is_valid(obj) == (not errors), f"jsonschema-rs and jsonschema disagree: {errors}"
    return errors


@pytest.mark.parametrize("full", [True, False], ids=["every-field", "required-only"])
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_accepts_upstream_examples(path, full):
    key, ups = _upstreams(path)
    for schema in ups:
        obj = example(*key, schema, full=full)
        assert _errors(key, obj) == []


# --- malformed objects are rejected -------------------------------------------------------------------------
def _leaves(ours: dict, instance: Any, path: tuple = ()):
    """(path, our subschema) of every value of the instance that our schema describes."""
    ours = resolve(ours)
    yield path, ours
    if isinstance(instance, dict):
        for k, v in instance.items():
            sub = (ours.get("properties") or {}).get(k)
            if sub is None and isinstance(ours.get("additionalProperties"), dict):
                sub = ours["additionalProperties"]
            if sub is not None:
                yield from _leaves(sub, v, (*path, k))
    elif isinstance(instance, list) and isinstance(ours.get("items"), dict):
        for i, v in enumerate(instance):
            yield from _leaves(ours["items"], v, (*path, i))


def _set(obj: Any, path: tuple, value: Any) -> Any:
    obj = copy.deepcopy(obj)
    node = obj
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return obj


def _delete(obj: Any, path: tuple) -> Any:
    obj = copy.deepcopy(obj)
    node = obj
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return obj


WRONG = {"string": {"a": 1}, "integer": "ten", "boolean": "yes", "array": {"a": 1}, "object": ["a"], "number": "x"}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_rejects_malformed(path):
    import json

    key, ups = _upstreams(path)
    ours = json.loads(path.read_text(encoding="utf-8"))
    obj = example(*key, ups[0], full=True)
    accepted: list[str] = []
    checked = 0
    for p, sub in _leaves(ours, obj):
        value = obj
        for k in p:
            value = value[k]
        cases = []
        if sub.get("additionalProperties") is False and isinstance(value, dict):
            cases.append(("unknown field", _set(obj, (*p, "obslintUnknownField"), "x")))
            for req in sub.get("required", []):
                if req in value and (p or req == "spec"):
                    cases.append((f"missing required {req}", _delete(obj, (*p, req))))
        if "enum" in sub:
            cases.append(("bad enum", _set(obj, p, "NotAnAllowedValue")))
        elif "pattern" in sub:
            cases.append(("bad pattern", _set(obj, p, "not valid!")))
        types = _our_types(sub)
        if p and types and len(types) == 1:
            cases.append((f"wrong type for {next(iter(types))}", _set(obj, p, WRONG[next(iter(types))])))
        for what, bad in cases:
            checked += 1
            if not _errors(key, bad):
                accepted.append(f"{what} at {list(p)}")
    assert checked > 5
    assert not accepted, accepted


def test_hand_written_malformed_objects_are_rejected():
    key = ("kustomize.toolkit.fluxcd.io", "Kustomization", "v1")
    good = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {
            "interval": "10m",
            "prune": True,
            "path": "./apps",
            "sourceRef": {"kind": "GitRepository", "name": "x"},
        },
    }
    assert _errors(key, good) == []
    assert _errors(key, _set(good, ("spec", "interval"), "1d"))  # Flux durations have no days
    assert _errors(key, _set(good, ("spec", "prune"), "yes"))
    assert _errors(key, _delete(good, ("spec", "sourceRef")))
    assert _errors(key, _set(good, ("spec", "sourceRef", "kind"), "HelmRepository"))
    assert _errors(key, _set(good, ("spec", "dependson"), [{"name": "x"}]))
    assert _errors(key, _set(good, ("metadata", "name"), "Apps_1"))
    rule_key = ("monitoring.coreos.com", "PrometheusRule", "v1")
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "r"},
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}]},
    }
    assert _errors(rule_key, rule) == []
    assert _errors(rule_key, _set(rule, ("spec", "groups", 0, "rules", 0, "for"), "5 minutes"))
    assert _errors(rule_key, _delete(rule, ("spec", "groups", 0, "name")))
    assert _errors(rule_key, _set(rule, ("spec", "groups", 0, "rules", 0, "annotation"), {"summary": "x"}))


def test_httproute_refs():
    key = ("gateway.networking.k8s.io", "HTTPRoute", "v1")
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "grafana", "namespace": "monitoring"},
        "spec": {
            "parentRefs": [{"name": "internal", "namespace": "network", "sectionName": "https"}],
            "hostnames": ["grafana.example.com"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": "grafana", "port": 80, "weight": 1}],
                    "sessionPersistence": {"type": "Cookie"},
                }
            ],
        },
    }
    assert _errors(key, route) == []
    assert _errors(key, _set(route, ("spec", "rules", 0, "backendRefs", 0, "servicePort"), 80))
    assert _errors(key, _delete(route, ("spec", "parentRefs", 0, "name")))
    assert _errors(key, _set(route, ("spec", "rules", 0, "backendRefs", 0, "port"), "http"))
    assert _errors(key, _set(route, ("spec", "hostnames", 0), "Grafana.Example.com"))
