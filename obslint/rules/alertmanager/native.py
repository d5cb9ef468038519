"""Alertmanager configurations checked natively against the schema of the release that loads them
(obslint.model.alertmanager.schema): unknown keys here (AM023); required values, exclusive values and value
formats are reported by AM014 (obslint.rules.alertmanager.config)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from obslint.findings import Finding
from obslint.index import Index
from obslint.model.alertmanager import key_loc, node_loc
from obslint.model.alertmanager.schema import (
    INVALID,
    MISSING,
    TOO_NEW,
    UNKNOWN,
    Release,
    SchemaProblem,
    release_of,
    validate,
)
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, sources

_MEMO = "alertmanager-native"


def checked(index: Index, option: str | None = None) -> list[tuple[Any, Release | None, list[SchemaProblem]]]:
    """(source, the release that loads it, its schema problems) for every configuration written in the
    repository, once per run and option."""
    memo = index.memo.setdefault(_MEMO, {})
    if option not in memo:
        out = []
        for src in sources(index):
            if src.defaults_only or src.data is None:
                continue
            if src.obj is not None and src.obj.kind == "AlertmanagerConfig":
                continue  # written in the CR's own schema (camelCase, secret references), not Alertmanager's
            release = release_of(index, src, option)
            version = release.version if release is not None else None
            out.append((src, release, validate(src.data, version, release.describe() if release else "")))
        memo[option] = out
    return memo[option]


def _values_open(src: Any) -> bool:
    """Whether values the repository does not hold may complete this config (HelmRelease valuesFrom)."""
    rel = src.release
    return rel is not None and (rel.values_open("alertmanager", "config") or bool(rel.obj.spec.get("valuesFrom")))


def invalid_findings(index: Index) -> Iterator[tuple[Any, SchemaProblem, Finding]]:
    """AM014's native part: required values, exclusive values, malformed values."""
    for src, _release, problems in checked(index):
        for p in problems:
            if p.kind == MISSING and _values_open(src):
                continue  # a values source outside the repository may supply it
            if p.kind in (INVALID, MISSING):
                loc = node_loc(p.node, p.key, src.anchor)
                yield src, p, Finding(loc, f"{p.text()} in {src.description}", "Alertmanager keeps the previous config")


class UnknownFieldOptions(RuleOptions):
    alertmanager_version: str | None = Field(
        default=None,
        alias="alertmanager-version",
        description="the Alertmanager release (e.g. v0.30.0) when the repository does not say which runs",
    )


@rule(
    "AM023",
    "alertmanager-config-unknown-field",
    "error",
    "An Alertmanager config has a key its Alertmanager release does not know",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager loads its config strictly (`yaml.UnmarshalStrict`, config/config.go `Load`): one
        unknown key, such as `repeat_intervall` or `send_resolve`, and the whole config is refused, so
        no change to routes or receivers takes effect. A key that only a newer release knows (pushover
        `ttl` before 0.27, `msteamsv2_configs` before 0.28) is refused the same way. The release is the
        Alertmanager image tag the values set, else the one the pinned kube-prometheus-stack version
        deploys, else the option `alertmanager-version`; when nothing says, a key any release 0.25+
        knows is accepted. A key close to no known one and a key of another release rest on which
        release runs, and are warnings.
    """,
    failing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          repeat_intervall: 4h
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    passing=HR_EXAMPLE
    + """\
        route:
          receiver: team
          repeat_interval: 4h
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/team"}]
""",
    fix="Fix the key's spelling, or upgrade Alertmanager (the chart) to a release that has it.",
    options=UnknownFieldOptions,
)
def unknown_field(ctx: RuleContext) -> Iterator[Finding]:
    opts: UnknownFieldOptions = ctx.options
    for src, _release, problems in checked(ctx.index, opts.alertmanager_version):
        for p in problems:
            if p.kind not in (UNKNOWN, TOO_NEW):
                continue
            yield Finding(
                key_loc(p.node, p.key, src.anchor),
                f"{p.text()} of {src.description}",
                p.hint,
                basis=None if p.certain else Basis.ASSUMPTION,
            )
