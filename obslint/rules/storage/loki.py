"""LOKI: retention enforcement, volume, query ranges, schema and tenants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator

from obslint.findings import Finding, Loc
from obslint.model.loki import LokiConfig, loki_configs
from obslint.model.storage import values_hidden
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.rules.storage.prometheus_retention import _rate
from obslint.units import DAY, format_bytes, format_duration, try_duration

COMPACTOR_VALUES = ("loki.compactor", "loki.structuredConfig.compactor")


def _configs(ctx: RuleContext) -> list[LokiConfig]:
    return loki_configs(ctx.index)


LOKI_HEAD = """
-- monitoring/loki.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: loki
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: loki
      version: 6.46.0
      sourceRef: {kind: HelmRepository, name: grafana}
  values:
    deploymentMode: SingleBinary
    singleBinary:
      replicas: 1
      persistence: {enabled: true, size: 20Gi}
"""

SCHEMA_V13 = """
storage: {type: filesystem}
schemaConfig:
  configs:
    - from: "2024-04-01"
      store: tsdb
      object_store: filesystem
      schema: v13
      index: {prefix: index_, period: 24h}
"""


def loki_example(loki_values: str, extra: str = "") -> str:
    """A Loki HelmRelease example whose `loki:` values are `loki_values` (YAML, unindented)."""
    body = "\n".join("      " + line if line.strip() else line for line in loki_values.strip("\n").splitlines())
    return LOKI_HEAD.strip("\n") + "\n    loki:\n" + body + "\n" + extra


RETENTION_OK = """
limits_config:
  retention_period: 168h
compactor:
  retention_enabled: true
  delete_request_store: filesystem
"""


@rule(
    "LOKI001",
    "loki-retention-not-enforced",
    "error",
    "Loki retention is set, but the compactor never deletes anything (or refuses to start)",
    basis=Basis.CERTAIN,
    why="""
        `limits_config.retention_period` and `retention_stream` only take effect when the
        compactor applies them: `compactor.retention_enabled` defaults to false, and the Loki
        chart renders no `compactor:` block by default, so logs are kept forever and the volume
        or bucket grows until it is full. Loki 3 also requires `compactor.delete_request_store`
        once retention is enabled; without it Loki refuses to start ("compactor.delete-request-store
        should be configured when retention is enabled").
        https://grafana.com/docs/loki/latest/operations/storage/retention/
        Refusing to start is an error; retention that is never applied is a warning (when the
        store fills depends on how much Loki ingests).
    """,
    failing=loki_example(SCHEMA_V13 + "limits_config:\n  retention_period: 168h\n"),
    passing=loki_example(SCHEMA_V13 + RETENTION_OK),
    fix="""
        Set `compactor.retention_enabled: true` and `compactor.delete_request_store` (the object
        store of the schema, e.g. `filesystem` or `s3`) — in the chart under `loki.compactor`.
    """,
)
def loki_retention_not_enforced(ctx: RuleContext) -> Iterator[Finding]:
    for cfg in _configs(ctx):
        period, setting = cfg.retention_period()
        streams = [p for p, _, _ in cfg.retention_streams() if p]
        tenants = [(t, loc) for t, p, loc in cfg.tenant_retentions() if p]
        has_retention = bool(period) or bool(streams) or bool(tenants)
        if has_retention and not cfg.retention_enabled:
            enabled = cfg.get("compactor", "retention_enabled")
            if enabled is None and values_hidden(
                cfg.helm, "loki.compactor", "loki.structuredConfig.compactor", index=ctx.index
            ):
                continue
            loc = enabled.loc if enabled is not None and enabled.declared else None
            if loc is None and period and setting is not None and setting.declared:
                loc = setting.loc
            if loc is None and tenants and not streams:
                loc = tenants[0][1]
            if loc is None:
                loc = cfg.where("limits_config", "retention_stream")
            if period and setting is not None:
                what = f"retention_period {setting.value}"
            elif streams:
                what = "retention_stream"
            else:
                what = f"a retention override for tenant {tenants[0][0]!r}"
            yield ctx.finding(
                loc,
                f"{cfg.ref()} sets {what} but compactor.retention_enabled is not true: nothing is ever deleted",
                hint="set compactor.retention_enabled: true and compactor.delete_request_store"
                + (" (loki.compactor in the chart values)" if cfg.via == "helm" else ""),
                # Loki runs; that the store fills up first depends on how much it ingests.
                basis=Basis.ASSUMPTION,
            )
        elif cfg.retention_enabled and cfg.loki3 and "compactor.delete-request-store" not in cfg.command_flags:
            store = cfg.value("compactor", "delete_request_store")
            if isinstance(store, str) and store.strip():
                continue
            if values_hidden(cfg.helm, *COMPACTOR_VALUES, index=ctx.index):
                continue
            yield ctx.finding(
                cfg.where("compactor", "retention_enabled"),
                f"{cfg.ref()} enables compactor retention without compactor.delete_request_store: "
                "Loki 3 refuses to start",
                hint="set compactor.delete_request_store to the schema's object store (e.g. filesystem, s3)",
            )


class LokiRateOptions(RuleOptions):
    ingest_per_day: str | int | None = Field(
        default=None,
        alias="ingest-per-day",
        description="bytes of compressed chunks Loki stores per day (e.g. 500MB); the rule is off until set",
    )

    @field_validator("ingest_per_day")
    @classmethod
    def _valid(cls, v: str | int | None) -> str | int | None:
        _rate(v, "ingest-per-day")
        return v

    @property
    def per_day(self) -> int | None:
        return _rate(self.ingest_per_day, "ingest-per-day")


RATE_CONFIG = """
-- .obslint.yaml --
options:
  loki-retention-volume: {ingest-per-day: 2GB}
"""


@rule(
    "LOKI002",
    "loki-retention-volume",
    "warning",
    "Loki retention times the configured ingest per day does not fit its filesystem volume (off until set)",
    basis=Basis.ASSUMPTION,
    why="""
        With filesystem storage Loki keeps chunks, index and compactor state on its PVC. At a known
        ingest rate, the retention window needs retention x rate bytes; more than the volume means
        the disk fills before the compactor deletes anything, and ingestion stops. With no
        retention at all the volume always fills eventually. Set the option `ingest-per-day`
        (compressed bytes per day, e.g. from `sum(rate(loki_ingester_chunk_stored_bytes_total[1d])) * 86400`)
        to enable the check.
    """,
    failing=loki_example(SCHEMA_V13 + RETENTION_OK.replace("168h", "720h"), RATE_CONFIG),
    passing=loki_example(SCHEMA_V13 + RETENTION_OK, RATE_CONFIG),
    fix="Shorten retention_period, grow the volume, or move chunks to object storage.",
    options=LokiRateOptions,
)
def loki_retention_volume(ctx: RuleContext) -> Iterator[Finding]:
    per_day = ctx.options.per_day
    if not per_day:
        return
    for cfg in _configs(ctx):
        vol = cfg.volume
        if cfg.storage_type != "filesystem" or vol is None or not vol.persistent or not vol.size:
            continue
        retention = cfg.max_retention() if cfg.retention_enabled else None
        days_fit = vol.size / per_day
        if retention is None:
            _, setting = cfg.retention_period()
            loc = setting.loc if setting is not None and setting.declared else cfg.where("limits_config")
            yield ctx.finding(
                loc,
                f"{cfg.ref()} deletes nothing (no enforced retention) and writes {format_bytes(per_day)}/day "
                f"to a {vol.size_text} volume: it is full in about {days_fit:.1f} days",
                hint="set limits_config.retention_period and enable compactor retention",
            )
            continue
        need = retention / DAY * per_day
        if need <= vol.size:
            continue
        _, setting = cfg.retention_period()
        loc = setting.loc if setting is not None and setting.declared else (vol.size_loc or vol.loc)
        yield ctx.finding(
            loc,
            f"{cfg.ref()} retention {format_duration(retention)} at {format_bytes(per_day)}/day needs about "
            f"{format_bytes(need)}, more than its volume ({vol.size_text}): only about {days_fit:.1f} days fit",
            hint=f"shorten retention to at most {format_duration(int(days_fit) * DAY) if days_fit >= 1 else '1d'} "
            f"or grow the volume to at least {format_bytes(need * 1.15)}",
        )


# --- LogQL ranges ------------------------------------------------------------------------

_RANGE_RE = re.compile(r"\[\s*([0-9][0-9a-zµμ.]*)\s*(?::\s*[0-9a-zµμ.]*\s*)?\]")
_OFFSET_RE = re.compile(r"\boffset\s+(-?[0-9][0-9a-zµμ.]*)")


# A string literal ("..." with backslash escapes, `...` raw; unterminated: to the end) or a comment.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.|\\\Z)*"?|`[^`]*`?|#[^\n]*', re.DOTALL)


def _strip_strings(expr: str) -> str:
    """The expression with string literals ("...", `...`) and comments blanked out, offsets kept."""
    return _STRING_OR_COMMENT.sub(lambda m: " " * len(m.group()), expr)


def logql_lookbacks(expr: str) -> list[tuple[float, str]]:
    """(seconds, text) for each range selector (plus its offset, if any) in a LogQL expression."""
    text = _strip_strings(expr)
    offsets = [try_duration(m.group(1)) or 0.0 for m in _OFFSET_RE.finditer(text)]
    extra = max([o for o in offsets if o > 0], default=0.0)
    out = []
    for m in _RANGE_RE.finditer(text):
        seconds = try_duration(m.group(1))
        if seconds is not None:
            out.append((seconds + extra, f"[{m.group(1)}]" + (f" offset {format_duration(extra)}" if extra else "")))
    return out


def _ruler_configs(ctx: RuleContext, ruleset) -> list[LokiConfig]:
    """The Loki configs whose ruler evaluates this rule set: its release's, else those of the
    cluster that loads it (when one is known), narrowed to its namespace when there are several."""
    configs = _configs(ctx)
    release = getattr(ruleset, "release", None)
    if release is not None:
        return [c for c in configs if c.helm is not None and c.helm.obj is release.obj]
    cluster = getattr(ruleset, "cluster", None)
    if cluster is not None:
        configs = [c for c in configs if c.cluster == cluster] or configs
    if len(configs) <= 1:
        return configs
    namespace = getattr(ruleset, "namespace", None) or getattr(ruleset.source, "namespace", None)
    return [c for c in configs if c.namespace and c.namespace == namespace]


@rule(
    "LOKI003",
    "loki-query-beyond-retention",
    "warning",
    "max_query_lookback or a ruler LogQL range reaches further back than Loki keeps logs",
    basis=Basis.CERTAIN,
    why="""
        Loki deletes logs older than the retention period. A `max_query_lookback` above it lets
        users query a window that is empty (the docs advise lookback <= retention), and a ruler
        alert over `[30d]` with 7 days of retention silently evaluates over 7 days only:
        `count_over_time` thresholds and absent-style alerts then fire or stay quiet wrongly.
    """,
    failing=loki_example(SCHEMA_V13 + RETENTION_OK).replace(
        "retention_period: 168h", "retention_period: 168h\n        max_query_lookback: 720h"
    ),
    passing=loki_example(SCHEMA_V13 + RETENTION_OK).replace(
        "retention_period: 168h", "retention_period: 168h\n        max_query_lookback: 168h"
    ),
    fix="Keep max_query_lookback and rule ranges within the retention period, or raise the retention.",
)
def loki_query_beyond_retention(ctx: RuleContext) -> Iterator[Finding]:
    for cfg in _configs(ctx):
        retention = cfg.max_retention() if cfg.retention_enabled else None
        if not retention:
            continue
        lookback = cfg.get("limits_config", "max_query_lookback")
        seconds = try_duration(lookback.value) if lookback is not None else None
        if lookback is not None and lookback.declared and seconds and seconds > retention:
            yield ctx.finding(
                lookback.loc,
                f"{cfg.ref()}: max_query_lookback {lookback.value} is longer than the retention "
                f"({format_duration(retention)}): queries reach back into deleted logs",
                hint=f"set max_query_lookback to at most {format_duration(retention)}",
            )
    try:
        from obslint.model.rulegroups import all_rules
    except ImportError:  # pragma: no cover - the rule group model ships with the package
        return
    retentions: dict[int, float | None] = {}  # by id(cfg): worked out once per config, not per rule
    for entry in all_rules(ctx.index, "logql"):
        lookbacks = None
        for cfg in _ruler_configs(ctx, entry.group.ruleset):
            if id(cfg) not in retentions:
                retentions[id(cfg)] = cfg.max_retention() if cfg.retention_enabled else None
            retention = retentions[id(cfg)]
            if not retention:
                continue
            lookbacks = logql_lookbacks(entry.expr) if lookbacks is None else lookbacks
            for seconds, text in lookbacks:
                if seconds > retention:
                    yield ctx.finding(
                        entry.expr_loc,
                        f"LogQL {entry.kind} {entry.name!r} looks back {text}, beyond {cfg.ref()} retention "
                        f"({format_duration(retention)}): it only ever sees {format_duration(retention)} of logs",
                        hint="shorten the range or raise the retention",
                    )
                    break


def _schema_version(value) -> int | None:
    m = re.fullmatch(r"v(\d+)", str(value).strip()) if value is not None else None
    return int(m.group(1)) if m else None


@rule(
    "LOKI004",
    "loki-schema",
    "error",
    "Loki refuses its schema or topology: pre-v13 schema with structured metadata, >1 single binary on a filesystem",
    basis=Basis.CERTAIN,
    why="""
        Loki 3 allows structured metadata by default (`limits_config.allow_structured_metadata`),
        and then refuses to start unless the active schema period uses `store: tsdb` and
        `schema: v13` ("schema v13 is required to store Structured Metadata..."). The Loki chart
        also refuses to render more than one single-binary replica on filesystem storage ("Cannot
        run more than 1 Single Binary replica without an object storage backend"): each replica
        would keep its own, diverging copy of the logs. And the chart renders nothing without a
        schema (`loki.schemaConfig`).
    """,
    failing=loki_example(SCHEMA_V13.replace("v13", "v12") + RETENTION_OK),
    passing=loki_example(SCHEMA_V13 + RETENTION_OK),
    fix="""
        Add a new schema period (a future `from` date) with `store: tsdb` and `schema: v13`, or set
        `limits_config.allow_structured_metadata: false` until you migrate. Run one single-binary
        replica on a filesystem, or move to object storage to scale out.
    """,
)
def loki_schema(ctx: RuleContext) -> Iterator[Finding]:
    for cfg in _configs(ctx):
        periods = cfg.schema_configs()
        if not periods:
            helm = cfg.helm
            if cfg.chart == "loki" and helm is not None and not helm.obj.spec.get("valuesFrom"):
                yield ctx.finding(
                    cfg.where("schema_config"),
                    f"{cfg.ref()} has no schema (loki.schemaConfig): the chart refuses to render",
                    hint="add loki.schemaConfig with a tsdb/v13 period (see the Loki schema docs)",
                )
        elif (
            cfg.loki3
            and cfg.structured_metadata_allowed
            and "validation.allow-structured-metadata" not in cfg.command_flags
        ):
            active, loc = _active_period(periods)
            version = _schema_version(active.get("schema"))
            store = active.get("store")
            problems = []
            if version is not None and version < 13:
                problems.append(f"schema {active.get('schema')}")
            if isinstance(store, str) and store != "tsdb":
                problems.append(f"store {store}")
            if problems:
                yield ctx.finding(
                    loc,
                    f"{cfg.ref()}: the active schema period uses {' and '.join(problems)} while structured "
                    "metadata is allowed (the Loki 3 default): Loki refuses to start",
                    hint="set limits_config.allow_structured_metadata: false until a period with store: tsdb and "
                    "schema: v13 (added with a future `from`) is active",
                )
        replicas = cfg.single_binary_replicas
        if cfg.storage_type == "filesystem" and isinstance(replicas, int) and replicas > 1:
            yield ctx.finding(
                cfg.single_binary_replicas_loc or cfg.loc,
                f"{cfg.ref()} runs {replicas} single-binary replicas on filesystem storage: the chart refuses "
                "to render (each replica would hold its own copy of the logs)",
                hint="set singleBinary.replicas: 1, or use object storage (s3, gcs, azure...) to scale out",
            )


def _active_period(periods: list[tuple[Any, Loc]]) -> tuple[Any, Loc]:
    """The period Loki checks at start-up: the last one whose `from` is not after today, else the first
    (grafana/loki pkg/storage/config/schema_config.go ActivePeriodConfig, used by validateSchemaRequirements).
    A period added with a future `from` to migrate is not active yet."""
    today = datetime.now(UTC).date().isoformat()
    ordered = sorted(periods, key=lambda p: str(p[0].get("from", ""))[:10])
    started = [p for p in ordered if str(p[0].get("from", ""))[:10] <= today]
    return started[-1] if started else ordered[0]


def _external_runtime_overrides(cfg: LokiConfig) -> bool:
    """A runtime config file the repository does not show may hold per-tenant retention: Loki
    files naming `runtime_config.file`, or a chart release whose structuredConfig points elsewhere
    (the chart itself renders `loki.runtimeConfig` into the file it configures)."""
    setting = cfg.get("runtime_config", "file")
    if setting is None or not setting.declared:
        return False
    return cfg.via != "helm" or setting.layer == "structuredConfig"


@rule(
    "LOKI007",
    "loki-retention-forever",
    "warning",
    "Loki compactor retention is enabled but no retention period is set: logs are kept forever",
    basis=Basis.ASSUMPTION,
    why="""
        `compactor.retention_enabled: true` makes the compactor apply retention, but the period
        comes from `limits_config.retention_period` (and `retention_stream`, and per-tenant
        overrides in the runtime config), and its default is `0s`, which Loki reads as "keep
        forever" (since Loki 2.8; the configuration reference and code agree, one version of the
        retention page still says 744h). With neither a period nor a stream or tenant rule, the
        compactor deletes nothing and the volume or bucket grows until it is full. Releases that
        may receive limits from `valuesFrom`, and Loki configs reading a runtime config file that
        is not in the repository, are not judged.
        https://grafana.com/docs/loki/latest/operations/storage/retention/
    """,
    failing=loki_example(SCHEMA_V13 + RETENTION_OK.replace("limits_config:\n  retention_period: 168h\n", "")),
    passing=loki_example(SCHEMA_V13 + RETENTION_OK),
    fix="""
        Set `limits_config.retention_period` (e.g. `744h`; `loki.limits_config` in the chart), or
        `retention_stream` rules for the streams to delete.
    """,
)
def loki_retention_forever(ctx: RuleContext) -> Iterator[Finding]:
    for cfg in _configs(ctx):
        if not cfg.retention_enabled:
            continue
        period, setting = cfg.retention_period()
        written = setting if setting is not None and setting.declared else None
        if period or (written is None and cfg.loki_major is not None and cfg.loki_major < 3):
            continue  # before Loki 2.8 the default period was 744h; the minor version is unknown
        if any(p for p, _, _ in cfg.retention_streams()) or any(p for _, p, _ in cfg.tenant_retentions()):
            continue
        if _external_runtime_overrides(cfg) or values_hidden(
            cfg.helm,
            "loki.limits_config",
            "loki.structuredConfig.limits_config",
            "loki.runtimeConfig",
            index=ctx.index,
        ):
            continue
        what = f"sets retention_period {written.value}" if written is not None else "sets no retention_period"
        yield ctx.finding(
            written.loc if written is not None else cfg.where("compactor", "retention_enabled"),
            f"{cfg.ref()} enables compactor retention but {what} and no stream or tenant retention: "
            "0s keeps logs forever, nothing is deleted",
            hint="set limits_config.retention_period (e.g. 744h)"
            + (" under loki.limits_config in the chart values" if cfg.via == "helm" else ""),
        )
