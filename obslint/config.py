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

import os
import tomllib
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from obslint.config_files import CONFIG_NAMES, config_base
from obslint.findings import Severity
from obslint.suggest import did_you_mean


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
    max_file_size_mb: float = Field(default=8.0, alias="max-file-size-mb", gt=0)
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
        return int(self.max_file_size_mb * 1024 * 1024)


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
            with open(pyproject, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{pyproject}: cannot read: {exc}") from None
        section = data.get("tool", {}).get("obslint")
        if section is not None:
            return parse_config(section, f"{pyproject} [tool.obslint]")
    return Config.model_construct()  # the defaults, without building the validator


def _load_file(path: str) -> Config:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if path.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        return parse_config(data.get("tool", {}).get("obslint", data), path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML") from None
    return parse_config(data, path)
