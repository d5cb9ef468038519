"""Walk a parsed Alertmanager configuration against the schema models of one Alertmanager release (or of
every release 0.25+ when the release is unknown), keeping the position of each problem: the mapping it
is in and the key.

What is reported, as Alertmanager refuses it when loading (config/config.go `Load`, `UnmarshalStrict`):

* a key no release knows (`repeat_intervall`), with the closest known key;
* a key the release in use does not know yet (pushover `ttl` before 0.27), naming the first release that
  has it;
* a required value missing (also where `global:` would supply it), two values that exclude each other
  (`x` and `x_file`), a value of the wrong kind (a list where a string goes), a malformed URL,
  duration, `host:port`, or a value outside the accepted set.

Values completed at deploy time (Flux `${VAR}` substitution) or templated (`{{ ... }}`) are not judged.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Union
from urllib.parse import urlsplit

from pydantic.fields import FieldInfo

from obslint.model.alertmanager.schema.base import (
    DESCRIBED_UNTIL,
    AMVersion,
    Fmt,
    OneOfValues,
    Section,
    Since,
    Until,
)
from obslint.model.alertmanager.schema.config import Config, Receiver
from obslint.routing import parse_duration
from obslint.suggest import closest

UNKNOWN = "unknown-field"
TOO_NEW = "field-of-another-version"
INVALID = "invalid"
MISSING = "missing"  # a required value absent (the configuration may be completed elsewhere)

_RECEIVER = Receiver
_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_TLS_VERSIONS = ("TLS10", "TLS11", "TLS12", "TLS13")


@dataclass(frozen=True)
class SchemaProblem:
    kind: str  # UNKNOWN | TOO_NEW | INVALID
    message: str
    node: Any  # the mapping the problem is in
    key: Any = None  # the key in it (None: the mapping itself)
    hint: str = ""
    certain: bool = True  # False: it rests on which release runs, or on releases newer than described
    where: str = ""  # `receiver "team" webhook_configs[0]`

    def text(self) -> str:
        return f"{self.message} in {self.where}" if self.where else self.message


def vstr(version: AMVersion) -> str:
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True)
class _Field:
    key: str
    annotation: Any
    metadata: tuple
    since: AMVersion | None
    until: AMVersion | None

    def available(self, version: AMVersion | None) -> bool:
        if version is None:
            return True
        return (self.since is None or version >= self.since) and (self.until is None or version < self.until)


def _optional_inner(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else Any
    return annotation


def _section_of(annotation: Any) -> type[Section] | None:
    inner = _optional_inner(annotation)
    if typing.get_origin(inner) is list:
        inner = typing.get_args(inner)[0]
    return inner if isinstance(inner, type) and issubclass(inner, Section) else None


def _make_field(key: str, info: FieldInfo) -> _Field:
    since = next((m.version for m in info.metadata if isinstance(m, Since)), None)
    until = next((m.version for m in info.metadata if isinstance(m, Until)), None)
    section = _section_of(info.annotation)
    if since is None and section is not None:
        since = section.since
    return _Field(key, info.annotation, tuple(info.metadata), since, until)


@cache
def fields_of(model: type[Section]) -> dict[str, _Field]:
    """The YAML keys of a section, each with its type and the releases that have it."""
    return {(info.alias or name): _make_field(info.alias or name, info) for name, info in model.model_fields.items()}


def _deferred(value: Any) -> bool:
    return isinstance(value, str) and ("${" in value or "{{" in value)


class _Walk:
    def __init__(self, version: AMVersion | None, describe: str, glob: Mapping) -> None:
        self.version = version
        self.describe = describe  # "Alertmanager 0.30 (kube-prometheus-stack 80.6.0)"
        self.glob = glob
        self.problems: list[SchemaProblem] = []

    def add(
        self, kind: str, message: str, node: Any, key: Any = None, hint: str = "", certain: bool = True, where: str = ""
    ) -> None:
        self.problems.append(SchemaProblem(kind, message, node, key, hint, certain, where))

    # --- a mapping ------------------------------------------------------------------------------
    def section(self, node: Any, model: type[Section], where: str) -> None:
        if model.opaque:
            return
        if not isinstance(node, Mapping):
            if not model.shape_checked_elsewhere:
                self.add(INVALID, f"must be a mapping, not {_kind(node)}", node, where=where)
            return
        known = fields_of(model)
        if model is _RECEIVER and isinstance(node.get("name"), str):
            where = f'receiver "{node["name"]}"'
        visible: dict = {}  # what Alertmanager would read, were the unknown keys not refused
        for key, value in node.items():
            field = known.get(key) if isinstance(key, str) else None
            if field is None:
                self._unknown(node, key, known, where)
            else:
                # a key of another release still counts as given: its one cause is reported once
                visible[key] = value
                if not field.available(self.version):
                    self._other_version(node, key, field, where)
                elif value is not None:
                    self.value(node, key, value, field, _join(where, key))
        if not model.shape_checked_elsewhere:
            for check in model.checks:
                broken = check(visible, self.glob)
                if broken is not None:
                    key = broken.key if broken.key in node else None
                    self.add(MISSING if broken.missing else INVALID, broken.message, node, key, where=where)

    def _unknown(self, node: Mapping, key: Any, known: dict[str, _Field], where: str) -> None:
        here = [k for k, f in known.items() if f.available(self.version)]
        near = closest(str(key), here)
        elsewhere = [k for k, f in known.items() if not f.available(self.version)]
        hint = f"did you mean `{near[0]}`?" if near else f"{where} accepts: {', '.join(sorted(here))}"
        if not near and closest(str(key), elsewhere):
            alt = known[closest(str(key), elsewhere)[0]]
            hint = f"`{alt.key}` needs Alertmanager {vstr(alt.since)} or later" if alt.since else hint
        # A key close to no known one may belong to a release newer than the ones described here.
        certain = bool(near) or (self.version is not None and self.version <= DESCRIBED_UNTIL)
        self.add(UNKNOWN, f"unknown field `{key}`", node, key, hint, certain, where or "the top level")

    def _other_version(self, node: Mapping, key: Any, field: _Field, where: str) -> None:
        assert self.version is not None
        if field.since is not None and self.version < field.since:
            message = f"`{key}` needs Alertmanager {vstr(field.since)} or later"
            hint = f"{self.describe}: upgrade Alertmanager or remove `{key}`"
        else:
            message = f"`{key}` was removed in Alertmanager {vstr(field.until or (0, 0))}"
            hint = f"{self.describe}: remove `{key}`"
        self.add(TOO_NEW, message, node, key, hint, False, where)

    # --- a value --------------------------------------------------------------------------------
    def value(self, node: Mapping, key: Any, value: Any, field: _Field, where: str) -> None:
        inner = _optional_inner(field.annotation)
        origin = typing.get_origin(inner)
        if inner is Any:
            return
        if isinstance(inner, type) and issubclass(inner, Section):
            self.section(value, inner, where)
            return
        if origin is list:
            item_type = typing.get_args(inner)[0]
            if not isinstance(value, list):
                self.add(INVALID, f"must be a list, not {_kind(value)}", node, key, where=where)
                return
            if isinstance(item_type, type) and issubclass(item_type, Section):
                for k, item in enumerate(value):
                    if item is not None:
                        self.section(item, item_type, f"{where}[{k}]")
            elif item_type is str:
                for item in value:
                    if isinstance(item, (Mapping, list)):
                        self.add(INVALID, "must be a list of strings", node, key, where=where)
                        break
            return
        if origin is dict or inner is dict:
            if not isinstance(value, Mapping):
                self.add(INVALID, f"must be a mapping, not {_kind(value)}", node, key, where=where)
            return
        if inner is bool:
            if not isinstance(value, bool):
                self.add(INVALID, f"must be true or false, not {value!r}", node, key, where=where)
            return
        if inner is int:
            if (isinstance(value, bool) or not isinstance(value, int)) and not _deferred(value):
                self.add(INVALID, f"must be an integer, not {value!r}", node, key, where=where)
            return
        if inner is str:
            if isinstance(value, (Mapping, list)):
                self.add(INVALID, f"must be a string, not {_kind(value)}", node, key, where=where)
                return
            if isinstance(value, str) and not _deferred(value) and value != "<secret>":
                for meta in field.metadata:
                    error = _format_error(meta, value)
                    if error:
                        self.add(INVALID, error, node, key, where=where)


def _join(where: str, key: Any) -> str:
    if not where:
        return str(key)
    return f"{where} {key}" if where.endswith('"') else f"{where}.{key}"


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}"


def _format_error(meta: Any, value: str) -> str | None:
    """Alertmanager's complaint about a string of this format, or None."""
    if isinstance(meta, OneOfValues):
        return None if value in meta.values else f"{value!r} is not one of {', '.join(v for v in meta.values if v)}"
    if meta is Fmt.URL:
        return _url_error(value)
    if meta is Fmt.GO_DURATION:
        return None if value == "0" or _GO_DURATION.match(value) else f'time: invalid duration "{value}"'
    if meta is Fmt.DURATION:
        return None if parse_duration(value) is not None else f'not a valid duration string: "{value}"'
    if meta is Fmt.HOSTPORT:
        if value == "":
            return None
        _host, sep, port = value.rpartition(":")
        if not sep:
            return f"address {value}: missing port in address"
        return None if port else f'address "{value}": port cannot be empty'
    if meta is Fmt.TLS_VERSION:
        return None if value in ("", *_TLS_VERSIONS) else f"unknown TLS version: {value}"
    return None


def _url_error(value: str) -> str | None:
    # config/config.go parseURL: url.Parse, then an http(s) scheme and a host
    try:
        parts = urlsplit(value)
    except ValueError as e:
        return f"invalid URL {value!r}: {e}"
    if parts.scheme not in ("http", "https"):
        return f'unsupported scheme "{parts.scheme}" for URL'
    if not parts.hostname:
        return "missing host for URL"
    return None


def validate(data: Any, version: AMVersion | None, describe: str = "") -> list[SchemaProblem]:
    """Every schema problem of a parsed configuration (`version` None: accepted by any release 0.25+)."""
    glob = data.get("global") if isinstance(data, Mapping) else None
    walk = _Walk(version, describe, glob if isinstance(glob, Mapping) else {})
    walk.section(data, Config, "")
    return walk.problems


def iter_unknown(problems: list[SchemaProblem]) -> Iterator[SchemaProblem]:
    return (p for p in problems if p.kind in (UNKNOWN, TOO_NEW))
