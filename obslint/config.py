"""Project configuration: `.obslint.yaml` at the root, or `[tool.obslint]` in pyproject.toml.

```yaml
exclude: ["charts/**", "*.tmpl.yaml"]   # globs on paths relative to the root
disable: [AM006, route-matches-no-known-alert]
severity: {unused-receiver: error}
fail-on: warning                         # error | warning | info
max-file-size-mb: 8
options:                                 # per-rule options, validated by the rule
  alert-dropped: {allow: [Watchdog, InfoInhibitor]}
```
Rules are named by id or by name everywhere.
"""

from __future__ import annotations

import math
import os
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from obslint.config_files import CONFIG_NAMES, config_base
from obslint.findings import Severity
from obslint.load.yamlfile import YAMLLoadError, load_text
from obslint.suggest import did_you_mean

DEFAULT_MAX_FILE_SIZE_MB = 8.0
# The checked repository is untrusted, its configuration included: it may lower the file-size cap,
# or raise it up to this ceiling (an 8 MB manifest file costs ~170 MB of memory to load and check).
# Beyond it only the person running obslint decides: --max-file-size-mb or this variable.
REPOSITORY_MAX_FILE_SIZE_MB = 32.0
MAX_FILE_SIZE_ENV = "OBSLINT_MAX_FILE_SIZE_MB"
# A configuration file larger than this is no configuration (and is not read into memory whole).
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the problem."""


class Config(BaseModel):
    # defer_build: without a configuration file the validator is never needed (see load_config)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    exclude: list[str] = Field(default_factory=list)
    select: list[str] | None = None
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, str] = Field(default_factory=dict)
    fail_on: str = Field(default="warning", alias="fail-on")
    max_file_size_mb: float = Field(default=DEFAULT_MAX_FILE_SIZE_MB, alias="max-file-size-mb", gt=0)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    source: str = Field(default="", exclude=True)

    @field_validator("fail_on")
    @classmethod
    def _fail_on(cls, v: str) -> str:
        Severity.parse(v)
        return v.lower()

    @field_validator("severity")
    @classmethod
    def _severities(cls, v: dict[str, str]) -> dict[str, str]:
        for level in v.values():
            Severity.parse(level)
        return v

    @property
    def max_file_size(self) -> int:
        """The file-size cap in bytes this configuration gives when the runner sets none."""
        return self.file_size_cap()[0]

    def file_size_cap(self, runner_mb: float | None = None) -> tuple[int, str | None]:
        """(the largest file read, in bytes; a notice when this configuration asked for more than it
        may). `runner_mb` is the cap the person running obslint set (command line or environment):
        it replaces the default and the ceiling, and the configuration may still lower it."""
        ceiling = runner_mb if runner_mb is not None else REPOSITORY_MAX_FILE_SIZE_MB
        if "max_file_size_mb" not in self.model_fields_set:
            mb = runner_mb if runner_mb is not None else DEFAULT_MAX_FILE_SIZE_MB
            return int(mb * 1024 * 1024), None
        if self.max_file_size_mb <= ceiling:
            return int(self.max_file_size_mb * 1024 * 1024), None
        who = "the command line or environment" if runner_mb is not None else "a repository's configuration"
        notice = (
            f"{self.source or 'configuration'}: max-file-size-mb {self.max_file_size_mb:g} is above the "
            f"{ceiling:g} {who} allows; files up to {ceiling:g} MB are read "
            f"(raise it with --max-file-size-mb or {MAX_FILE_SIZE_ENV})"
        )
        return int(ceiling * 1024 * 1024), notice


def runner_file_size_mb(flag: float | None) -> float | None:
    """The file-size cap in MB the person running obslint set: the command-line flag, else the
    environment variable; None when neither is set. Raises ConfigError for a value that is no
    positive finite number."""
    if flag is not None:
        return _positive_mb(flag, "--max-file-size-mb")
    raw = os.environ.get(MAX_FILE_SIZE_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{MAX_FILE_SIZE_ENV}={raw!r}: not a number of megabytes") from None
    return _positive_mb(value, MAX_FILE_SIZE_ENV)


def _positive_mb(value: float, where: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{where}: {value:g} is not a positive number of megabytes")
    return value


def field_spellings(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, in their documented spelling (the alias where there is one)."""
    return [f.alias or name for name, f in model.model_fields.items() if not f.exclude]


def validation_problems(exc: ValidationError, model: type[BaseModel]) -> str:
    """pydantic's errors as `where: problem; ...`, with a did-you-mean for a misspelt top-level key."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        if err["type"] == "extra_forbidden":
            top_level = len(err["loc"]) == 1
            parts.append(f"{where}: unknown key{did_you_mean(where, field_spellings(model)) if top_level else ''}")
        else:
            parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _format_error(path: str, exc: ValidationError) -> str:
    return f"{path}: invalid configuration: {validation_problems(exc, Config)}"


def parse_config(data: Any, path: str) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: configuration must be a mapping")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(path, exc)) from None
    cfg.source = path
    return cfg


def load_config(root: str, explicit: str | None = None) -> Config:
    """The configuration for a checked root: --config, else .obslint.yaml, else pyproject.toml."""
    if explicit:
        return _load_file(explicit)
    base = config_base(root)
    for name in CONFIG_NAMES:
        candidate = os.path.join(base, name)
        if os.path.isfile(candidate):
            return _load_file(candidate)
    pyproject = os.path.join(base, "pyproject.toml")
    if os.path.isfile(pyproject):
        try:
            raw = _read_capped(pyproject)
        except OSError as exc:
            raise ConfigError(f"{pyproject}: cannot read: {exc}") from None
        # A pyproject.toml that does not parse is somebody else's business unless it names our table:
        # a broken one in a pull request must not stop the run.
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            if b"tool.obslint" not in raw:
                return Config.model_construct()
            raise ConfigError(f"{pyproject}: cannot read: {exc}") from None
        except RecursionError:
            if b"tool.obslint" not in raw:
                return Config.model_construct()
            raise ConfigError(f"{pyproject}: cannot read: nested too deeply") from None
        section = data.get("tool", {}).get("obslint")
        if section is not None:
            return parse_config(section, f"{pyproject} [tool.obslint]")
    return Config.model_construct()  # the defaults, without building the validator


def _load_file(path: str) -> Config:
    try:
        text = _read_capped(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if path.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{path}: nested too deeply") from None
        return parse_config(data.get("tool", {}).get("obslint", data), path)
    # the repository's own configuration is as untrusted as the rest of it: the capped loader
    try:
        docs = load_text(text, path)
    except YAMLLoadError as exc:
        raise ConfigError(f"{path}:{exc.line}: not valid YAML ({exc.message})") from None
    if len(docs) > 1:
        raise ConfigError(f"{path}: not valid YAML (several documents; the configuration is one)")
    return parse_config(docs[0] if docs else None, path)


def _read_capped(path: str) -> bytes:
    """The file's bytes; OSError when it is larger than MAX_CONFIG_BYTES (never read whole)."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise OSError(f"larger than {MAX_CONFIG_BYTES // 1024} KB; no configuration is that large")
    return data
