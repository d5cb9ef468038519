"""The vocabulary of the Alertmanager configuration schema: models, version ranges, value formats, rules.

Each section of the configuration is a pydantic model whose fields are the YAML keys Alertmanager reads
(`alias` when the key is not a Python name). A field's metadata says which Alertmanager versions have it
(`Since`/`Until`) and what its value must look like (`Fmt`). Model-level rules (`checks`) state what the
section's `UnmarshalYAML` (prometheus/alertmanager config/notifiers.go) and `Config.UnmarshalYAML`
(config/config.go) refuse: a required value missing, two values that exclude each other.

Alertmanager loads its configuration with `yaml.UnmarshalStrict` (config/config.go `Load`), so any key
its version does not know makes the whole configuration fail to load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

AMVersion = tuple[int, int]  # (0, 30): the patch level never changes the configuration schema

# The newest release whose configuration every model here describes completely; fields of newer releases
# are the ones their upstream fixtures show, so a key unknown to a newer release may still be valid there.
DESCRIBED_UNTIL: AMVersion = (0, 30)
OLDEST: AMVersion = (0, 25)


@dataclass(frozen=True)
class Since:
    """The field exists from this Alertmanager release on."""

    version: AMVersion


@dataclass(frozen=True)
class Until:
    """The field was removed in this Alertmanager release."""

    version: AMVersion


class Fmt(Enum):
    """Formats Alertmanager checks when it loads a value."""

    URL = "url"  # config.URL / SecretURL: http or https with a host (config/config.go parseURL)
    GO_DURATION = "go-duration"  # time.Duration: `1h30m`, no `d`/`w`
    DURATION = "duration"  # prometheus model.Duration: `5m`, `1d`, `1w`
    HOSTPORT = "hostport"  # config.HostPort: `host:port`
    TLS_VERSION = "tls-version"  # prometheus/common TLSVersion


@dataclass(frozen=True)
class OneOfValues:
    """The value must be one of these (case-sensitive, as Alertmanager compares them)."""

    values: tuple[str, ...]


def is_set(value: Any) -> bool:
    """Whether Alertmanager sees a value: Go's zero values (empty string, null, empty list or map) are unset."""
    if value is None or value is False or isinstance(value, bool):
        return value is True
    return value not in ("", 0, [], {})


@dataclass(frozen=True)
class Violation:
    """A model-level rule broken: `key` is where to point (None: the section itself)."""

    message: str
    key: str | None = None
    missing: bool = False  # a required value absent, rather than values in conflict


Check = Callable[[Mapping, Mapping], "Violation | None"]  # (section, global section) -> violation


def required(*keys: str, globals_: tuple[str, ...] = (), message: str) -> Check:
    """At least one of `keys` set here, or one of `globals_` in `global:` (the inherited default)."""

    def check(section: Mapping, glob: Mapping) -> Violation | None:
        if any(is_set(section.get(k)) for k in keys) or any(is_set(glob.get(g)) for g in globals_):
            return None
        return Violation(message, missing=True)

    check.keys = keys  # type: ignore[attr-defined]
    return check


def at_most_one(first: str, second: str, message: str | None = None) -> Check:
    """`first` and `second` (typically `x` and `x_file`) exclude each other."""

    def check(section: Mapping, glob: Mapping) -> Violation | None:
        if is_set(section.get(first)) and is_set(section.get(second)):
            return Violation(message or f"at most one of {first} & {second} must be configured", second)
        return None

    return check


class Section(BaseModel):
    """A mapping of the Alertmanager configuration. Unknown keys are refused (strict YAML loading)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    checks: ClassVar[tuple[Check, ...]] = ()
    # Where upstream declares it, for messages: `pushover_config`.
    what: ClassVar[str] = ""
    # Whether the whole section exists only from (or until) some release.
    since: ClassVar[AMVersion | None] = None
    # Accepted whole: a section newer than the releases these models describe.
    opaque: ClassVar[bool] = False
    # Sections whose values (and shape) obslint.routing checks already: only their keys are checked here.
    shape_checked_elsewhere: ClassVar[bool] = False
