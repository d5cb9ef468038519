"""Loki configurations the repository deploys, with positions: provider `"loki.configs"`.

Origins:

* HelmReleases of the `loki` chart (5.x/6.x): the config the chart renders from values
  (`loki.auth_enabled`, `loki.limits_config`, `loki.compactor`, `loki.schemaConfig`,
  `loki.commonConfig`, `loki.storage_config`, `loki.rulerConfig`), overridden by
  `loki.structuredConfig` (merged over the rendered config), with chart 6.46.0 defaults for what
  is not written (../shared/oracles/charts/KEYS.md: auth_enabled true, limits_config without
  retention_period, compactor `{}`, storage type s3, deploymentMode SimpleScalable,
  singleBinary.persistence enabled 10Gi, ruler.enabled true).
  `loki-stack` (values `loki.config` as a mapping, `loki.persistence`) and `loki-simple-scalable` /
  `loki-distributed` (values `loki.structuredConfig`, `loki.config` as YAML text) are read the same
  way.
* Plain Loki config files: a YAML document with top-level Loki sections (`schema_config`,
  `limits_config`, `compactor`, `storage_config`, `common`...), as a file or as a `*.yaml` key of a
  ConfigMap/Secret.

`LokiConfig.get(section, key, ...)` answers with the effective value and where it is written
(`Setting`), searching the layers in precedence order: structuredConfig, values, chart defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from obslint.alloy.configs import alloy_configs
from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import SourceFile, YMap, YSeq
from obslint.model.chart_facts import release_default
from obslint.model.config_documents import config_documents
from obslint.model.helm import HelmReleaseView, chart_ref_source, releases_of_chart, values_bool
from obslint.model.services import parse_cluster_host, service_catalogue, split_host
from obslint.model.storage import Volume
from obslint.model.vector_toml import vector_toml
from obslint.model.workload_images import command_flags, image_major, mounting_workloads
from obslint.objects import Cluster, K8sObject, dig, loc_of
from obslint.units import try_duration, try_quantity_bytes

LOKI_CHARTS = ("loki", "loki-stack", "loki-simple-scalable", "loki-distributed")
LOKI_SECTIONS = frozenset(
    {
        "auth_enabled", "schema_config", "limits_config", "compactor", "storage_config", "common", "ingester",
        "server", "ruler", "querier", "query_range", "distributor", "memberlist", "table_manager", "frontend",
        "chunk_store_config", "query_scheduler", "runtime_config", "analytics", "ingester_client",
    }
)  # fmt: skip
# A document is a Loki config when it has one of these, plus another Loki section.
LOKI_ANCHORS = frozenset({"schema_config", "storage_config", "limits_config", "compactor"})
OBJECT_STORES = ("s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos")

# Chart 6.46.0 values (tests/data/charts/loki-6.46.0/values.yaml), as Loki config sections.
CHART_DEFAULTS: dict[str, Any] = {
    "auth_enabled": True,
    "limits_config": {
        "reject_old_samples": True,
        "reject_old_samples_max_age": "168h",
        "max_cache_freshness_per_query": "10m",
        "split_queries_by_interval": "15m",
        "query_timeout": "300s",
        "volume_enabled": True,
    },
    "common": {"path_prefix": "/var/loki", "replication_factor": 3},
    "ruler": {"wal": {"dir": "/var/loki/ruler-wal"}},
}
# Loki-side defaults (../shared/oracles/loki/RETENTION.md; configuration reference v3.5.7).
LOKI_DEFAULT_AUTH_ENABLED = True  # `auth_enabled` defaults to true in Loki itself
LOKI_DEFAULT_SM_ALLOWED_V3 = True  # limits_config.allow_structured_metadata, Loki 3.x


@dataclass
class Setting:
    value: Any
    loc: Loc
    declared: bool  # written in the repo (False: a chart/Loki default)
    layer: str = ""  # "structuredConfig", "values", "file", "default"


@dataclass
class _Layer:
    name: str
    root: Any  # YMap / dict
    paths: dict[str, tuple] | None  # Loki top-level key -> path in root (None: identity)

    def path_of(self, top: str) -> tuple | None:
        if self.paths is None:
            return (top,)
        return self.paths.get(top)


# deploymentMode values that run Loki as one binary (`Monolithic` is the grafana-community chart's new name for it,
# `SingleBinary<->SimpleScalable` migrations keep the single binary's volume)
SINGLE_BINARY_MODES = ("SingleBinary", "Monolithic")


@dataclass(eq=False)
class LokiConfig:
    name: str
    namespace: str | None
    origin: K8sObject | SourceFile
    via: str  # "helm" | "file" | "configmap"
    loc: Loc  # the values / the document
    layers: list[_Layer] = field(default_factory=list)
    helm: HelmReleaseView | None = None
    chart: str = ""
    # Loki major version (chart 6.x -> 3; 5.x and older charts -> 2; a plain config: the image of the
    # workload that mounts it), None when not known
    loki_major: int | None = 3
    # flags the Loki container runs with (`compactor.delete-request-store`): they win over the config file
    # (grafana/loki pkg/util/cfg/cfg.go DefaultUnmarshal: defaults, then the file, then the flags)
    command_flags: set[str] = field(default_factory=set)
    deployment_mode: str = "SingleBinary"
    deployment_mode_loc: Loc | None = None
    storage_type: str | None = None  # "filesystem", "s3", ... (None: unknown)
    storage_type_loc: Loc | None = None
    single_binary_replicas: int | None = None
    single_binary_replicas_loc: Loc | None = None
    volume: Volume | None = None  # where chunks live when storage is the filesystem
    cluster: Cluster | None = None

    # --- lookups -----------------------------------------------------------------------
    def get(self, *path: str) -> Setting | None:
        """The effective value at a Loki config path (`"limits_config", "retention_period"`)."""
        for layer in self.layers:
            base = layer.path_of(path[0])
            if base is None:
                continue
            full = (*base, *path[1:])
            value = dig(layer.root, *full, default=_MISSING)
            if value is _MISSING:
                continue
            if layer.name == "default":
                return Setting(value, self.loc, False, "default")
            return Setting(
                value, loc_of(layer.root, *full) if isinstance(layer.root, dict) else self.loc, True, layer.name
            )
        return None

    def value(self, *path: str, default: Any = None) -> Any:
        s = self.get(*path)
        return default if s is None else s.value

    def where(self, *path: str) -> Loc:
        """Where a setting is written, else where it belongs (the deepest existing section)."""
        s = self.get(*path)
        if s is not None and s.declared:
            return s.loc
        for i in range(len(path) - 1, 0, -1):
            s = self.get(*path[:i])
            if s is not None and s.declared:
                return s.loc
        return self.loc

    def ref(self) -> str:
        if self.via == "helm":
            ns = f"{self.namespace}/" if self.namespace else ""
            return f"Loki (HelmRelease {ns}{self.name})"
        return f"Loki config {self.name}"

    # --- derived facts -----------------------------------------------------------------
    @property
    def auth_enabled(self) -> bool:
        return values_bool(self.value("auth_enabled"), LOKI_DEFAULT_AUTH_ENABLED)

    def retention_period(self) -> tuple[float | None, Setting | None]:
        s = self.get("limits_config", "retention_period")
        if s is None:
            return None, None
        return try_duration(s.value), s

    def retention_streams(self) -> list[tuple[float | None, Any, Loc]]:
        """(period seconds, selector, loc) of each `limits_config.retention_stream` entry."""
        s = self.get("limits_config", "retention_stream")
        if s is None or not isinstance(s.value, list):
            return []
        out = []
        for entry in s.value:
            if isinstance(entry, dict):
                loc = loc_of(entry, "period") if isinstance(entry, YMap) else s.loc
                out.append((try_duration(entry.get("period")), entry.get("selector"), loc))
        return out

    def tenant_retentions(self) -> list[tuple[str, float | None, Loc]]:
        """(tenant, seconds, loc) of per-tenant `retention_period` / `retention_stream` overrides
        (chart values `loki.runtimeConfig.overrides`, rendered into the runtime config file)."""
        if self.helm is None:
            return []
        overrides = self.helm.value("loki", "runtimeConfig", "overrides")
        if not isinstance(overrides, dict):
            return []
        out: list[tuple[str, float | None, Loc]] = []
        for tenant, limits in overrides.items():
            if not isinstance(limits, dict):
                continue
            if "retention_period" in limits:
                loc = loc_of(limits, "retention_period") if isinstance(limits, YMap) else self.loc
                out.append((str(tenant), try_duration(limits["retention_period"]), loc))
            streams = limits.get("retention_stream")
            for entry in streams if isinstance(streams, list) else []:
                if isinstance(entry, dict):
                    loc = loc_of(entry, "period") if isinstance(entry, YMap) else self.loc
                    out.append((str(tenant), try_duration(entry.get("period")), loc))
        return out

    def max_retention(self) -> float | None:
        """The longest retention any stream gets (None: nothing configured = kept forever)."""
        period, _ = self.retention_period()
        streams = [p for p, _, _ in self.retention_streams()]
        tenants = [p for _, p, _ in self.tenant_retentions()]
        values = [p for p in (period, *streams, *tenants) if p]
        return max(values) if values else None

    @property
    def retention_enabled(self) -> bool:
        return values_bool(self.value("compactor", "retention_enabled"), False)

    def schema_configs(self) -> list[tuple[dict, Loc]]:
        s = self.get("schema_config", "configs")
        if s is None or not isinstance(s.value, list):
            return []
        out = []
        for i, entry in enumerate(s.value):
            if isinstance(entry, dict):
                out.append((entry, s.value.loc(i) if isinstance(s.value, YSeq) else s.loc))
        return out

    @property
    def loki3(self) -> bool:
        """Loki 3 or later for certain (what Loki 3 refuses to start with is judged only then)."""
        return self.loki_major is not None and self.loki_major >= 3

    @property
    def structured_metadata_allowed(self) -> bool:
        return values_bool(self.value("limits_config", "allow_structured_metadata"), self.loki3)


_MISSING = object()


def _major(text: Any) -> int | None:
    m = re.match(r"\s*[v^~>=<]*\s*(\d+)", str(text)) if text is not None else None
    return int(m.group(1)) if m else None


# --- HelmRelease -----------------------------------------------------------------------

_VALUES_PATHS = {
    "auth_enabled": ("loki", "auth_enabled"),
    "limits_config": ("loki", "limits_config"),
    "compactor": ("loki", "compactor"),
    "schema_config": ("loki", "schemaConfig"),
    "common": ("loki", "commonConfig"),
    "storage_config": ("loki", "storage_config"),
    "ruler": ("loki", "rulerConfig"),
    "server": ("loki", "server"),
    "ingester": ("loki", "ingester"),
    "querier": ("loki", "querier"),
    "query_range": ("loki", "query_range"),
    "distributor": ("loki", "distributor"),
}


def _from_helm(index: Index, hr: HelmReleaseView) -> LokiConfig | None:
    values = hr.values if isinstance(hr.values, dict) else {}
    loki = values.get("loki")
    loki = loki if isinstance(loki, dict) else {}
    base_loc = hr.obj.loc("spec", "values") if "values" in hr.obj.spec else hr.obj.loc("spec")
    cfg = LokiConfig(
        hr.obj.name, hr.namespace, hr.obj, "helm", base_loc, helm=hr, chart=hr.chart, cluster=hr.obj.cluster
    )
    version_major = _major(hr.version if hr.version is not None else _chart_ref_version(index, hr))
    tag_major = _major(dig(loki, "image", "tag"))
    if tag_major is not None:
        cfg.loki_major = tag_major
    elif hr.chart == "loki" and version_major is not None:
        cfg.loki_major = 3 if version_major >= 6 else 2
    elif hr.chart != "loki":
        cfg.loki_major = 2
    layers: list[_Layer] = []
    sc = loki.get("structuredConfig")
    if isinstance(sc, dict) and sc:
        layers.append(_Layer("structuredConfig", values, {k: ("loki", "structuredConfig", k) for k in sc}))
    if hr.chart == "loki-stack":
        conf = loki.get("config")
        if isinstance(conf, dict):
            layers.append(_Layer("values", values, {k: ("loki", "config", k) for k in conf}))
    else:
        conf = loki.get("config")
        if isinstance(conf, str) and "{{" not in conf and isinstance(loki, YMap):
            emb = index.embedded_yaml(loki, "config")
            if emb is not None and isinstance(emb.data, dict):
                layers.append(_Layer("values", emb.data, None))
        if hr.chart == "loki":
            paths = dict(_VALUES_PATHS)
            if values_bool(dig(loki, "useTestSchema"), False) and not isinstance(dig(loki, "schemaConfig"), dict):
                paths["schema_config"] = ("loki", "testSchemaConfig")
            layers.append(_Layer("values", values, paths))
            # The ruler block is only rendered when ruler.enabled (default true).
            if not values_bool(dig(values, "ruler", "enabled"), True):
                for layer in layers:
                    if layer.paths is not None and "ruler" in layer.paths and layer.name == "values":
                        layer.paths.pop("ruler")
            defaults = dict(CHART_DEFAULTS)
            if values_bool(dig(loki, "useTestSchema"), False):
                defaults["schema_config"] = {
                    "configs": [{"from": "2024-04-01", "store": "tsdb", "schema": "v13", "index": {"period": "24h"}}]
                }
            layers.append(_Layer("default", defaults, None))
    cfg.layers = layers
    if version_major is None and tag_major is None and cfg.get("compactor", "shared_store") is not None:
        cfg.loki_major = 2  # version unknown; compactor.shared_store was removed in Loki 3.0

    if hr.chart == "loki":
        mode = dig(values, "deploymentMode")
        # the pinned version's default: SimpleScalable in Grafana's 6.x, Monolithic (the single binary) in the
        # grafana-community chart from 12.0.0
        default = release_default(index, hr, "deploymentMode", "SimpleScalable")
        cfg.deployment_mode = str(mode) if isinstance(mode, str) else str(default)
        cfg.deployment_mode_loc = hr.loc("deploymentMode") if mode is not None else None
        st = dig(loki, "storage", "type")
        cfg.storage_type = str(st) if isinstance(st, str) else "s3"
        cfg.storage_type_loc = hr.loc("loki", "storage", "type") if st is not None else base_loc
        rep = dig(values, "singleBinary", "replicas")
        cfg.single_binary_replicas = rep if isinstance(rep, int) and not isinstance(rep, bool) else 0
        cfg.single_binary_replicas_loc = hr.loc("singleBinary", "replicas") if rep is not None else None
        cfg.volume = _chart_volume(
            hr, ("singleBinary",) if cfg.deployment_mode.startswith(SINGLE_BINARY_MODES) else ("write",)
        )
    elif hr.chart == "loki-stack":
        cfg.deployment_mode = "SingleBinary"
        cfg.volume = _chart_volume(hr, ("loki",), default_enabled=False)
    else:
        cfg.deployment_mode = "SimpleScalable" if hr.chart == "loki-simple-scalable" else "Distributed"
    # Storage given in the config itself wins over the chart's storage.type.
    own = _config_storage_type(cfg)
    if own is not None:
        cfg.storage_type, cfg.storage_type_loc = own
    return cfg


def _chart_ref_version(index: Index, hr: HelmReleaseView) -> str | None:
    """The chart version of a `chartRef` to an OCIRepository (its `spec.ref.tag` or `semver`)."""
    repo = chart_ref_source(index, hr.obj)
    if repo is None or repo.kind != "OCIRepository":
        return None
    tag = dig(repo.spec, "ref", "tag") or dig(repo.spec, "ref", "semver")
    return str(tag) if tag is not None else None


def _chart_volume(hr: HelmReleaseView, component: tuple, default_enabled: bool = True) -> Volume:
    enabled = hr.value(*component, "persistence", "enabled")
    on = values_bool(enabled, default_enabled)
    where = hr.loc(*component, "persistence")
    if not on:
        return Volume("emptyDir", hr.loc(*component, "persistence", "enabled") if enabled is not None else where,
                      declared=enabled is not None)  # fmt: skip
    raw = hr.value(*component, "persistence", "size")
    vol = Volume("pvc", where, declared=enabled is not None or raw is not None)
    vol.size_text = str(raw) if raw is not None else "10Gi"
    vol.size = try_quantity_bytes(vol.size_text)
    vol.size_loc = hr.loc(*component, "persistence", "size") if raw is not None else where
    return vol


def _config_storage_type(cfg: LokiConfig) -> tuple[str, Loc] | None:
    for section in (("common", "storage"), ("storage_config",)):
        s = cfg.get(*section)
        if s is None or not s.declared or not isinstance(s.value, dict):
            continue
        for key in ("filesystem", *OBJECT_STORES):
            if isinstance(s.value.get(key), dict) or (key in s.value and key != "filesystem"):
                return key, loc_of(s.value, key) if isinstance(s.value, YMap) else s.loc
    stores = [e.get("object_store") for e, _ in cfg.schema_configs()]
    if stores and isinstance(stores[-1], str):
        return stores[-1], cfg.schema_configs()[-1][1]
    return None


# --- plain files -----------------------------------------------------------------------


def _is_loki_doc(data: Any) -> bool:
    if not isinstance(data, dict) or "apiVersion" in data or "kind" in data:
        return False
    keys = set(data)
    return bool(keys & LOKI_ANCHORS) and len(keys & LOKI_SECTIONS) >= 2


def _from_doc(
    index: Index,
    data: YMap,
    name: str,
    origin: K8sObject | SourceFile,
    via: str,
    ns: str | None,
    loc: Loc,
    cluster: Cluster | None,
) -> LokiConfig:
    cfg = LokiConfig(name, ns, origin, via, loc, cluster=cluster)
    cfg.layers = [_Layer("file", data, None)]
    workloads = mounting_workloads(index, origin) if isinstance(origin, K8sObject) else []
    cfg.loki_major = _doc_major(data, workloads)
    for workload in workloads:
        cfg.command_flags |= command_flags(workload, "grafana/loki")
    cfg.deployment_mode = "SingleBinary"
    own = _config_storage_type(cfg)
    if own is not None:
        cfg.storage_type, cfg.storage_type_loc = own
    return cfg


def _doc_major(data: YMap, workloads: list[K8sObject]) -> int | None:
    """The Loki major of a plain config: the `grafana/loki` image the workloads mounting its ConfigMap run
    (when they agree), else 2 when it sets compactor.shared_store (removed in Loki 3.0), else unknown."""
    majors: set[int | None] = set()
    for workload in workloads:
        runs, major = image_major(workload, "grafana/loki")
        if runs:
            majors.add(major)  # None: a tag that does not say, which leaves the version unknown
    if len(majors) == 1:
        return next(iter(majors))
    if dig(data, "compactor", "shared_store") is not None:
        return 2
    return None


@memoised
def loki_configs(index: Index) -> list[LokiConfig]:
    out: list[LokiConfig] = []
    for hr in releases_of_chart(index, *LOKI_CHARTS):
        cfg = _from_helm(index, hr)
        if cfg is not None:
            out.append(cfg)
    for data, desc, ns, source, anchor, origin, cluster in config_documents(index, "limits_config", "schema_config"):
        if _is_loki_doc(data):
            out.append(_from_doc(index, data, desc, source, origin, ns, anchor, cluster))
    return out


# --- log writers (who pushes to Loki) ----------------------------------------------------------


@dataclass(eq=False)
class LogWriter:
    """A client pushing logs to Loki: an Alloy `loki.write` endpoint, a Promtail client, a Vector sink."""

    kind: str  # "alloy" | "promtail" | "vector"
    description: str  # "Alloy loki.write.default in alloy/config.alloy", ...
    url: str | None
    url_loc: Loc
    tenant: str | None  # the static tenant; None when no tenant is sent
    tenant_loc: Loc | None  # where the tenant is set
    tenant_dynamic: bool = False  # set by an expression / pipeline stage: cannot be judged
    namespace: str | None = None
    origin: Any = None
    cluster: Cluster | None = None
    extra: dict = field(default_factory=dict)  # e.g. vector `path`


def _header_tenant(headers: Any) -> Any:
    if isinstance(headers, dict):
        for k, v in headers.items():
            if str(k).lower() == "x-scope-orgid":
                return v
    return None


def _promtail_clients(
    doc: Any, describe: str, ns: str | None, origin: Any, fallback: Loc, cluster: Cluster | None
) -> list[LogWriter]:
    out: list[LogWriter] = []
    clients = doc.get("clients") if isinstance(doc, dict) else None
    stage_tenant = _promtail_has_tenant_stage(doc)
    if isinstance(clients, list):
        for i, client in enumerate(clients):
            if not isinstance(client, dict):
                continue
            url = client.get("url")
            tenant = client.get("tenant_id")
            key = "tenant_id"
            if tenant is None and _header_tenant(client.get("headers")) is not None:
                tenant, key = _header_tenant(client.get("headers")), "headers"
            url_loc = loc_of(client, "url") if isinstance(client, YMap) else fallback
            out.append(
                LogWriter(
                    "promtail", f"Promtail client {i + 1} in {describe}", url if isinstance(url, str) else None,
                    url_loc, str(tenant) if tenant is not None else None,
                    loc_of(client, key) if tenant is not None and isinstance(client, YMap) else None,
                    tenant_dynamic=stage_tenant, namespace=ns, origin=origin, cluster=cluster,
                )
            )  # fmt: skip
    return out


def _promtail_has_tenant_stage(doc: Any) -> bool:
    for sc in doc.get("scrape_configs") or [] if isinstance(doc, dict) else []:
        stages = sc.get("pipeline_stages") if isinstance(sc, dict) else None
        if isinstance(stages, list) and any(isinstance(s, dict) and "tenant" in s for s in stages):
            return True
    return False


def _vector_sinks(
    sinks: Any, describe: str, ns: str | None, origin: Any, fallback: Loc, cluster: Cluster | None
) -> list[LogWriter]:
    out: list[LogWriter] = []
    if not isinstance(sinks, dict):
        return out
    for name, sink in sinks.items():
        if not isinstance(sink, dict) or sink.get("type") != "loki":
            continue
        url = sink.get("endpoint")
        tenant = sink.get("tenant_id")
        key = "tenant_id"
        headers = dig(sink, "request", "headers")
        if tenant is None and _header_tenant(headers) is not None:
            tenant, key = _header_tenant(headers), "request"
        out.append(
            LogWriter(
                "vector", f"Vector sink {name} in {describe}", url if isinstance(url, str) else None,
                loc_of(sink, "endpoint") if isinstance(sink, YMap) else fallback,
                str(tenant) if tenant is not None else None,
                loc_of(sink, key) if tenant is not None and isinstance(sink, YMap) else None,
                tenant_dynamic=isinstance(tenant, str) and "{{" in tenant, namespace=ns, origin=origin,
                cluster=cluster, extra={"path": sink.get("path", "/loki/api/v1/push")},
            )
        )  # fmt: skip
    return out


def _alloy_writers(index: Index) -> list[LogWriter]:
    from obslint.alloy.ast import UNKNOWN, iter_blocks, static_value

    configs = alloy_configs(index)
    out: list[LogWriter] = []
    for cfg in configs:
        blocks = list(iter_blocks(cfg.ast.body))
        # A `stage.tenant` in any loki.process sets the tenant per entry: not judged statically.
        dynamic = any(b.name == "stage.tenant" for _, b in blocks)
        for _, block in blocks:
            if block.name != "loki.write":
                continue
            for endpoint in block.blocks("endpoint"):
                url_attr = endpoint.attr("url")
                url = static_value(url_attr.value) if url_attr is not None else None
                tenant_attr = endpoint.attr("tenant_id")
                tenant = static_value(tenant_attr.value) if tenant_attr is not None else None
                tenant_node = tenant_attr
                headers_attr = endpoint.attr("headers")
                if tenant_attr is None and headers_attr is not None:
                    hv = static_value(headers_attr.value)
                    if hv is UNKNOWN or _header_tenant(hv) is not None:
                        tenant, tenant_node = (UNKNOWN if hv is UNKNOWN else _header_tenant(hv)), headers_attr
                out.append(
                    LogWriter(
                        "alloy", f"Alloy {block.id} in {cfg.describe()}", url if isinstance(url, str) else None,
                        cfg.loc(url_attr or endpoint), tenant if isinstance(tenant, str) else None,
                        cfg.loc(tenant_node) if tenant_node is not None else None,
                        tenant_dynamic=dynamic or (tenant_node is not None and not isinstance(tenant, str)),
                        namespace=cfg.namespace, origin=cfg, cluster=cfg.cluster,
                    )
                )  # fmt: skip
    return out


def _is_promtail_doc(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("clients"), list)
        and ("scrape_configs" in data or "positions" in data or "server" in data)
    )


def _is_vector_doc(data: Any) -> bool:
    return (
        isinstance(data, dict) and isinstance(data.get("sinks"), dict) and ("sources" in data or "transforms" in data)
    )


@memoised
def log_writers(index: Index) -> list[LogWriter]:
    """Every Alloy loki.write endpoint, Promtail client and Vector loki sink in the repo."""
    out = _alloy_writers(index)
    for hr in releases_of_chart(index, "promtail"):
        conf = hr.value("config")
        if isinstance(conf, dict):
            desc = f"HelmRelease {hr.obj.name} values config.clients"
            out.extend(_promtail_clients(conf, desc, hr.namespace, hr.obj, hr.loc("config"), hr.obj.cluster))
    for hr in releases_of_chart(index, "vector", "vector-agent", "vector-aggregator"):
        desc = f"HelmRelease {hr.obj.name} values customConfig.sinks"
        sinks = hr.value("customConfig", "sinks")
        out.extend(_vector_sinks(sinks, desc, hr.namespace, hr.obj, hr.loc("customConfig"), hr.obj.cluster))
    for data, desc, ns, source, anchor, _origin, cluster in config_documents(index, "clients", "sinks"):
        if _is_promtail_doc(data):
            out.extend(_promtail_clients(data, desc, ns, source, anchor, cluster))
        elif _is_vector_doc(data):
            out.extend(_vector_sinks(data.get("sinks"), desc, ns, source, anchor, cluster))
    for data, desc, ns, source, anchor, _origin, cluster in vector_toml(index).documents:
        out.extend(_vector_sinks(data.get("sinks"), desc, ns, source, anchor, cluster))
    return out


def loki_for_url(
    index: Index, url: str | None, from_namespace: str | None, cluster: Cluster | None = None
) -> LokiConfig | None:
    """The Loki configuration of `cluster` that a push/query URL reaches, when the repo deploys it."""
    if not isinstance(url, str):
        return None
    configs = [c for c in loki_configs(index) if c.cluster == cluster]
    if not configs:
        return None
    split = split_host(url)
    if split is None:
        return None
    cat = service_catalogue(index).clusters[cluster]
    parsed = parse_cluster_host(split[1], cat.managed_namespaces)
    if parsed is None:  # not an in-cluster Service URL
        return None
    name, ns = parsed
    for entry in cat.lookup(name, ns or from_namespace):
        for cfg in configs:
            if cfg.helm is not None and cfg.helm.obj is entry.obj:
                return cfg
    # A single Loki in the repo and a Service named after it (e.g. a plain-manifest Loki).
    if len(configs) == 1 and "loki" in name:
        return configs[0]
    return None
