"""Schema validation of Kubernetes objects: CRDs with `schemas/`, core kinds with kubernetes-validate.

* CRD kinds (Flux, prometheus-operator) are checked against the JSON Schemas written in this
  project under `schemas/crds/<group>/<Kind>_<version>.json` (subsets of the upstream CRDs:
  required fields, types, enums, patterns, and `additionalProperties: false` where the API server
  is strict, so typos are caught). A kind without a schema file is not checked.
* Core kinds (apps/v1 Deployment, v1 Service, networking.k8s.io/v1 Ingress, RBAC, ...) are checked
  against the strict JSON Schemas that the `kubernetes-validate` package ships for each Kubernetes
  minor version. `kubernetes_validate.validate()` re-reads its 1.5 MB definitions file on every call,
  so we load the same schema files once and compile one validator per (version, kind).

Schemas are loaded lazily (only for the kinds present) and validators are compiled once per process.

Where the schemas live: `schemas/` at the repository top level is the source; the package
reaches it as `obslint/schemas` (a symlink in the source tree, real files in a built wheel
through `[tool.setuptools.package-data]`), with a fallback to `<repo>/schemas` for a checkout
where the symlink is not materialised.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from obslint.objects import K8sObject

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

DEFAULT_KUBERNETES_VERSION = "1.33"


def schemas_dir() -> Path:
    here = Path(__file__).resolve().parent.parent  # the obslint package
    packaged = here / "schemas"
    if (packaged / "crds").is_dir():
        return packaged
    return here.parent / "schemas"


# --- the reporting validator ----------------------------------------------------------------------
# jsonschema (~0.1 s to import) is only needed when jsonschema-rs finds an object invalid (or is
# missing), so it is imported on first use, not with this module.
def _is_string(_checker: Any, instance: Any) -> bool:
    # YAML gives dates and timestamps where Kubernetes sees strings
    return isinstance(instance, (str, _dt.date, _dt.datetime))


@cache
def _validator_class() -> Any:
    import jsonschema

    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("string", _is_string)
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)


# --- CRD schemas (ours) --------------------------------------------------------------------------
@cache
def _crd_defs() -> dict:
    return json.loads((schemas_dir() / "crds" / "_defs.json").read_text(encoding="utf-8"))


@cache
def _crd_registry() -> Registry:
    from referencing import Registry, Resource

    defs = _crd_defs()
    return Registry().with_resource("_defs.json", Resource.from_contents(defs)).crawl()


def crd_schema_path(group: str, kind: str, version: str) -> Path:
    return schemas_dir() / "crds" / group / f"{kind}_{version}.json"


@cache
def crd_schema(group: str, kind: str, version: str) -> dict | None:
    """Our schema for this CRD kind, or None when we have none."""
    if not group or "/" in group or ".." in group or "/" in kind or "/" in version:
        return None
    path = crd_schema_path(group, kind, version)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def crd_validator(group: str, kind: str, version: str) -> Any | None:
    """The compiled (reporting) validator of our schema for this CRD kind, or None when we have none."""
    schema = crd_schema(group, kind, version)
    return None if schema is None else _validator_class()(schema, registry=_crd_registry())


# --- core kinds (kubernetes-validate's schemas) ---------------------------------------------------
# *.k8s.io groups that are CRDs or not API objects at all (kustomization.yaml is kustomize.config.k8s.io).
_NOT_BUILTIN = {
    "gateway.networking.k8s.io",
    "snapshot.storage.k8s.io",
    "metrics.k8s.io",
    "kustomize.config.k8s.io",
    "cluster.x-k8s.io",
}


def is_core_group(group: str) -> bool:
    """Groups built into Kubernetes: '' (core/v1), dot-less groups (apps, batch, policy, ...; a CRD
    group always has a dot) and *.k8s.io groups, except those served by CRDs (Gateway API, ...)."""
    return "." not in group or (group.endswith(".k8s.io") and group not in _NOT_BUILTIN)


def _kv_base() -> Path | None:
    # Only the package's data is used: locate it without importing it (its import costs ~0.1 s).
    from importlib.util import find_spec

    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.origin:  # pragma: no cover - declared dependency
        return None
    return Path(spec.origin).resolve().parent / "kubernetes-json-schema"


@cache
def kubernetes_schema_dir(version: str) -> Path | None:
    """kubernetes-validate's strict schema directory for the newest release not newer than `version`."""
    base = _kv_base()
    if base is None or not base.is_dir():
        return None
    want = _minor(version)
    best: tuple[tuple[int, int], Path] | None = None
    for d in base.iterdir():
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", d.name)
        if m:
            v = (int(m.group(1)), int(m.group(2)))
            if (want is None or v <= want) and (best is None or v > best[0]):
                best = (v, d)
    return best[1] if best else None


def _minor(version: str) -> tuple[int, int] | None:
    m = re.match(r"^v?(\d+)\.(\d+)", str(version).strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


@cache
def _kubernetes_definitions(schema_dir: Path) -> dict:
    return json.loads((schema_dir / "_definitions.json").read_text(encoding="utf-8"))


@cache
def _kubernetes_registry(schema_dir: Path) -> Registry:
    from referencing import Registry, Resource

    defs = _kubernetes_definitions(schema_dir)
    return Registry().with_resource("_definitions.json", Resource.from_contents(defs)).crawl()  # once, not per lookup


@cache
def core_schema(version: str, api_version: str, kind: str) -> tuple[dict, Path] | None:
    """kubernetes-validate's strict schema of a core kind (and its directory), or None."""
    schema_dir = kubernetes_schema_dir(version)
    if schema_dir is None:
        return None
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1, apps/v1 -> apps-v1, v1 -> v1
    suffix = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    if "/" in suffix or not re.match(r"^[A-Za-z0-9]+$", kind):
        return None
    path = schema_dir / f"{kind.lower()}-{suffix}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")), schema_dir


@cache
def core_validator(version: str, api_version: str, kind: str) -> Any | None:
    found = core_schema(version, api_version, kind)
    if found is None:
        return None
    schema, schema_dir = found
    return _validator_class()(schema, registry=_kubernetes_registry(schema_dir))


# --- fast path: jsonschema-rs answers "valid?" ~50x faster; jsonschema reports the errors -------------------
try:
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover - optional speed-up
    _rs = None


@cache
def _rs_registry(name: str, schema_dir: Path | None) -> Any:
    """The shared definitions as a jsonschema-rs registry, converted once (not once per kind)."""
    defs = _crd_defs() if schema_dir is None else _kubernetes_definitions(schema_dir)
    return _rs.Registry([(f"{_RS_BASE}{name}", defs)])


_RS_BASE = "file:///obslint/schemas/"


@cache
def fast_validator(key: tuple) -> Any | None:
    """A jsonschema-rs validator for ("crd", group, kind, version) or ("core", k8s version, apiVersion, kind)."""
    if _rs is None:
        return None
    try:
        if key[0] == "crd":
            schema = crd_schema(*key[1:])
            registry = _rs_registry("_defs.json", None) if schema is not None else None
        else:
            found = core_schema(*key[1:])
            schema = found[0] if found else None
            registry = _rs_registry("_definitions.json", found[1]) if found else None
        if schema is None:
            return None
        return _rs.validator_for(schema, registry=registry, base_uri=f"{_RS_BASE}kind.json")
    except Exception:  # an unsupported construct: the reporting validator alone is used
        return None


# --- validation ----------------------------------------------------------------------------------
@dataclass
class SchemaProblem:
    path: tuple  # path of the offending value below the object (keys and list indexes)
    message: str
    source: str  # "obslint schema <file>" or "Kubernetes <version> (kubernetes-validate)"
    known: tuple[str, ...] = ()  # for an unknown field: the field names allowed there
    unknown_key: bool = False  # path ends with the unknown key itself
    validator: str = ""  # the JSON Schema keyword that failed (required, type, enum, ...)
    value: str | None = None  # the offending string (an enum value, an unknown key) for a did-you-mean
    detail: str = ""  # what the message leaves out (the pattern a value must match)


_SUBST = re.compile(r"\$\{[^}]*\}")
# flux-operator ResourceSet templates, `<< inputs.id >>`: left in place when the inputs are not known
# (inputsFrom a ResourceSetInputProvider). https://fluxcd.control-plane.io/operator/resourcesets/introduction/
_RSET = re.compile(r"<<-?\s*[^<>]*?-?>>")


def _has_substitution(value: Any) -> bool:
    """True when value is, or contains, a Flux post-build `${VAR}` (resolved only at apply time),
    a Helm/Go template expression, or a ResourceSet template whose inputs are unknown."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if ("${" in v and _SUBST.search(v)) or "{{" in v or ("<<" in v and _RSET.search(v)):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _is_sops_value(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[") and value.endswith("]")


def format_path(path: Any) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_SENSITIVE_KEY = re.compile(r"(?i)(address|url|token|password|secret|webhook|credential|auth|apikey|api_key)")
_SENSITIVE_EXACT = {"data", "stringData", "binaryData", "key", "value"}


def _scalar(value: Any) -> str:
    """A value as YAML writes it (never a Python repr)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def _shown(error: jsonschema.ValidationError) -> str:
    """The offending value for the message, only when short and not possibly sensitive."""
    value = error.instance
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return f"{_scalar(value)} "
    if isinstance(value, str):
        keys = [str(p) for p in error.absolute_path if not isinstance(p, int)]
        sensitive = any(k in _SENSITIVE_EXACT or _SENSITIVE_KEY.search(k) for k in keys)
        if len(value) <= 40 and "@" not in value and not sensitive:
            return f"{_scalar(value)} "
        return "the value "
    if isinstance(value, dict):
        return "a mapping "
    if isinstance(value, list):
        return "a list "
    return "the value "


def _types(value: Any) -> str:
    names = [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return " or ".join(names)


def _describe(error: jsonschema.ValidationError) -> str:
    """A one-line message that never echoes a long or possibly sensitive value."""
    v = error.validator
    path = format_path(error.absolute_path) or "(object)"
    if v == "additionalProperties":
        extra = (
            sorted(str(k) for k in error.instance if k not in (error.schema.get("properties") or {}))
            if isinstance(error.instance, dict)
            else []
        )
        return f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(extra)} in {path}"
    if v == "required":
        missing = error.validator_value
        names = [m for m in missing if isinstance(error.instance, dict) and m not in error.instance]
        return f"{path}: {', '.join(map(str, names or missing))} is required"
    if v in ("oneOf", "anyOf") and error.context and all(e.validator == "required" for e in error.context):
        names = sorted({str(n) for e in error.context for n in e.validator_value})
        if v == "oneOf" and isinstance(error.instance, dict) and sum(n in error.instance for n in names) > 1:
            return f"{path}: only one of {', '.join(names)} may be set"
        return f"{path}: {'exactly' if v == 'oneOf' else 'at least'} one of {', '.join(names)} is required"
    if v == "enum":
        options = list(error.validator_value)
        allowed = ", ".join(_scalar(x) for x in options[:6]) + (" ..." if len(options) > 6 else "")
        return f"{path}: {_shown(error)}is not one of {allowed}"
    if v == "const":
        return f"{path}: {_shown(error)}is not {_scalar(error.validator_value)}"
    if v == "type":
        return f"{path}: {_shown(error)}is not of type {_types(error.validator_value)}"
    if v == "pattern":
        return f"{path}: {_shown(error)}does not match the pattern of the field"
    words = {
        "minLength": "is shorter than",
        "maxLength": "is longer than",
        "minimum": "is less than",
        "maximum": "is greater than",
        "minItems": "has fewer items than",
        "maxItems": "has more items than",
    }
    if v in words:
        return f"{path}: {_shown(error)}{words[v]} {error.validator_value}"
    return f"{path}: does not satisfy the schema's {v}"


def _deepest(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For oneOf/anyOf, report the errors of the best-matching branch instead of the combinator."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        if (
            best is not None
            and best.validator not in ("required",)
            and len(best.absolute_path) > len(error.absolute_path)
        ):
            return _deepest(best)
    return [error]


def _offending_path(error: jsonschema.ValidationError) -> tuple:
    """Where to point: the first unknown key for additionalProperties, else the value's path."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        props = error.schema.get("properties") or {}
        for key in error.instance:
            if key not in props:
                return (*path, key)
    return path


def _prepare(data: dict) -> dict:
    """The object as the API server validates it: without the SOPS metadata block, and without
    fields set to null - an empty `postBuild:` - which the API server drops before validation
    (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
    #defaulting-and-nullable: "null values ... will be pruned before defaulting"; a core type's
    JSON decoding leaves a null field unset)."""
    if "sops" in data and isinstance(data.get("sops"), dict):
        data = {k: v for k, v in data.items() if k != "sops"}
    return _without_nulls(data)


def _without_nulls(node: Any) -> Any:
    """`node` with null mapping values dropped at every depth; the same object when it has none."""
    if isinstance(node, dict):
        out = None
        for k, v in node.items():
            new = _without_nulls(v) if isinstance(v, (dict, list)) else v
            if v is None or new is not v:
                if out is None:
                    out = {kk: vv for kk, vv in node.items()}
                if v is None:
                    del out[k]
                else:
                    out[k] = new
        return node if out is None else out
    if isinstance(node, list):
        items = [_without_nulls(v) if isinstance(v, (dict, list)) else v for v in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    return node


def validate_object(obj: K8sObject, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION) -> Iterator[SchemaProblem]:
    """Schema problems of one object of the index; nothing when no schema is known for its kind."""
    return validate_data(obj.data, kubernetes_version, sops=obj.sops)


def has_schema(api_version: str, kind: str, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION) -> bool:
    group, _, version = api_version.rpartition("/")
    if is_core_group(group):
        return core_schema(kubernetes_version, api_version, kind) is not None
    return crd_schema(group, kind, version) is not None


def validate_data(
    data: dict, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION, *, sops: bool = False
) -> Iterator[SchemaProblem]:
    """Schema problems of one object given as a mapping (apiVersion and kind read from it)."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return
    group, _, version = api_version.rpartition("/")
    validator = None
    source = ""
    core = is_core_group(group)
    fast = fast_validator(("core", kubernetes_version, api_version, kind) if core else ("crd", group, kind, version))
    if fast is not None:
        try:
            if fast.is_valid(_prepare(data)):
                return
        except Exception:  # values jsonschema-rs cannot take (YAML dates): the reporting validator decides
            pass
    if core:
        validator = core_validator(kubernetes_version, api_version, kind)
        schema_dir = kubernetes_schema_dir(kubernetes_version)
        minor = schema_dir.name.split("-")[0].lstrip("v").rsplit(".", 1)[0] if schema_dir else kubernetes_version
        source = f"Kubernetes {minor} schema (kubernetes-validate)"
    else:
        validator = crd_validator(group, kind, version)
        source = f"schemas/crds/{group}/{kind}_{version}.json"
    if validator is None:
        return
    sops = sops or isinstance(data.get("sops"), dict)
    data = _prepare(data)
    try:
        errors = list(validator.iter_errors(data))
    except (TypeError, re.error, RecursionError):  # e.g. non-string keys where a pattern applies
        return
    seen: set[tuple] = set()
    for top in errors:
        for error in _deepest(top):
            instance = error.instance
            if _is_sops_value(instance) or (sops and error.validator in ("type", "pattern", "enum", "format")):
                continue  # encrypted values: the plaintext is checked by nobody but the API server
            if _has_substitution(instance) and error.validator != "additionalProperties":
                continue  # `${VAR}` resolved by Flux post-build substitution before apply
            path = _offending_path(error)
            key = (path, error.validator)
            if key in seen:
                continue
            seen.add(key)
            known: tuple[str, ...] = ()
            value = None
            if error.validator == "additionalProperties":
                known = tuple(str(k) for k in (error.schema.get("properties") or {}))
                value = str(path[-1]) if len(path) > len(error.absolute_path) else None
            elif error.validator == "enum" and isinstance(instance, str):
                known = tuple(str(k) for k in error.validator_value)
                value = instance
            yield SchemaProblem(
                path,
                _describe(error),
                source,
                known,
                len(path) > len(error.absolute_path),
                str(error.validator),
                value,
                f"the pattern is `{error.validator_value}`" if error.validator == "pattern" else "",
            )
