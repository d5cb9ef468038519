"""LOKI: where Loki's writers, its ruler and Grafana's datasources point, and whose tenant they use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from obslint.findings import Finding, Loc, cluster_names
from obslint.index import Index
from obslint.model.loki import LogWriter, LokiConfig, log_writers, loki_configs, loki_for_url
from obslint.model.services import check_url, resolve_url, safe_url, split_host
from obslint.model.storage import values_hidden
from obslint.model.vector import VectorConfig, listening_source, sink_urls, vector_configs
from obslint.objects import Cluster
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.storage.grafana import datasource_entries
from obslint.rules.storage.loki import SCHEMA_V13, loki_example

PUSH_PATH = "/loki/api/v1/push"
LEGACY_PUSH_PATH = "/api/prom/push"


def _writers(index: Index) -> list[LogWriter]:
    return log_writers(index)


def _path(url: str) -> str:
    try:
        text = url if "://" in url else "//" + url
        return urlsplit(text).path or ""
    except ValueError:
        return ""


def _gateway_auth(cfg: LokiConfig) -> bool:
    """The chart's gateway sets the tenant from basic auth users (loki.tenants)."""
    if cfg.helm is None:
        return False
    auth = cfg.helm.value("gateway", "basicAuth", "enabled")
    return auth is True or (isinstance(auth, str) and auth.lower() == "true")


ALLOY_HEAD = """
-- monitoring/alloy/config.alloy --
"""

ALLOY_WRITE = """\
loki.write "default" {
  endpoint {
    url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"
TENANT
  }
}
"""


@rule(
    "LOKI005",
    "loki-tenant-mismatch",
    "error",
    "A log writer sends no tenant to a multi-tenant Loki, or a tenant that single-tenant Loki ignores",
    basis=Basis.CERTAIN,
    why="""
        With `auth_enabled: true` (the Loki and chart default) Loki rejects every push without an
        `X-Scope-OrgID` tenant ("no org id", HTTP 401): the shipper retries, buffers, then drops
        the logs. Alloy's `loki.write` endpoint, Promtail clients and Vector's loki sink send one
        only when `tenant_id` (or the header) is set. The reverse is quieter but as confusing:
        with `auth_enabled: false` Loki files every stream under the tenant `fake`, whatever the
        writer sends, so per-tenant limits, retention overrides and Grafana's tenant header do
        nothing. The first is an error; the second a warning, as nothing is lost unless something
        relies on the tenant.
    """,
    failing=loki_example(SCHEMA_V13 + "auth_enabled: true\n") + ALLOY_HEAD + ALLOY_WRITE.replace("TENANT\n", ""),
    passing=loki_example(SCHEMA_V13 + "auth_enabled: true\n")
    + ALLOY_HEAD
    + ALLOY_WRITE.replace("TENANT", '    tenant_id = "homelab"'),
    fix="""
        Set the writer's tenant (`tenant_id` in Alloy `loki.write` endpoints, Promtail clients and
        Vector loki sinks) to the tenant you query with, or set `auth_enabled: false` for a
        single-tenant Loki (and drop the writers' tenant).
    """,
)
def loki_tenant_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    for w in _writers(ctx.index):
        if w.tenant_dynamic:
            continue
        cfg = loki_for_url(ctx.index, w.url, w.namespace, w.cluster)
        if cfg is None:
            continue
        auth = cfg.get("auth_enabled")
        hidden = values_hidden(cfg.helm, "loki.auth_enabled", "loki.structuredConfig.auth_enabled", index=ctx.index)
        if (auth is None or not auth.declared) and hidden:
            continue
        if cfg.auth_enabled and w.tenant is None and not _gateway_auth(cfg):
            yield ctx.finding(
                w.url_loc,
                f"{w.description} sends no tenant, but {cfg.ref()} has auth_enabled true: "
                "every push is rejected (401 no org id)",
                hint="set tenant_id on the writer, or auth_enabled: false in Loki",
            )
        elif not cfg.auth_enabled and w.tenant is not None and w.tenant != "fake":
            yield ctx.finding(
                w.tenant_loc or w.url_loc,
                f"{w.description} sends tenant {w.tenant!r}, but {cfg.ref()} has auth_enabled false: "
                "Loki ignores it (every stream goes to tenant fake)",
                hint="drop the tenant from the writer, or enable auth_enabled in Loki to be multi-tenant",
                # Nothing is lost: it matters only if something relies on the tenant to separate logs.
                basis=Basis.ASSUMPTION,
            )


@dataclass
class Endpoint:
    url: str
    loc: Loc
    description: str
    namespace: str | None
    path_problem: str | None  # what is wrong with the path, if anything
    cluster: Cluster | None = None
    protocol_problem: str | None = None  # the port reached speaks another protocol


def _path_problem_for_datasource(kind: str, url: str) -> str | None:
    path = _path(url)
    if kind == "loki" and "/loki/api/" in path:
        return "Grafana appends /loki/api/v1/... itself: the datasource URL must be Loki's base URL"
    if kind == "prometheus" and "/api/v1" in path:
        return "Grafana appends /api/v1/... itself: the datasource URL must be Prometheus' base URL"
    if kind == "alertmanager" and "/api/v" in path:
        return "Grafana appends /api/v2/... itself: the datasource URL must be Alertmanager's base URL"
    return None


def _endpoints(ctx: RuleContext) -> Iterator[Endpoint]:
    index = ctx.index
    for cfg in loki_configs(index):
        s = cfg.get("ruler", "alertmanager_url")
        if s is None or not s.declared or not isinstance(s.value, str):
            continue
        discovery = cfg.value("ruler", "enable_alertmanager_discovery")
        if discovery is True or str(discovery).lower() == "true":
            continue
        for url in s.value.split(","):
            url = url.strip()
            if not url:
                continue
            problem = None
            if "/api/v2/alerts" in _path(url) or "/api/v1/alerts" in _path(url):
                problem = "the ruler appends /api/v2/alerts itself: use Alertmanager's base URL"
            yield Endpoint(url, s.loc, f"{cfg.ref()} ruler alertmanager_url", cfg.namespace, problem, cfg.cluster)
    for ds in datasource_entries(index):
        if ds.url:
            problem = _path_problem_for_datasource(ds.type, ds.url)
            yield Endpoint(ds.url, ds.url_loc, f"Grafana {ds.description}", ds.namespace, problem, ds.cluster)
    for w in _writers(index):
        if w.kind == "alloy" or not w.url:  # Alloy endpoints are the Alloy family's
            continue
        path = _path(w.url)
        problem = None
        if w.kind == "promtail" and not path.rstrip("/").endswith((PUSH_PATH, LEGACY_PUSH_PATH)):
            problem = f"Promtail posts to the URL as given: it must end with {PUSH_PATH}"
        if w.kind == "vector" and PUSH_PATH in path and w.extra.get("path") == PUSH_PATH:
            problem = f"Vector appends `path` ({PUSH_PATH}) to the endpoint: the endpoint must be Loki's base URL"
        yield Endpoint(w.url, w.url_loc, w.description, w.namespace, problem, w.cluster)
    yield from _vector_endpoints(index)


def _vector_endpoints(index: Index) -> Iterator[Endpoint]:
    """Vector sinks other than `loki` (those are log writers above): `vector` sinks to an
    aggregator, `http`, `elasticsearch`, `prometheus_remote_write` sinks to in-cluster Services."""
    for cfg in vector_configs(index):
        for sink in cfg.of_kind("sinks"):
            if sink.type == "loki":
                continue
            for url, loc in sink_urls(sink):
                protocol = _vector_protocol_problem(index, url, cfg) if sink.type == "vector" else None
                description = f"Vector sink {sink.id} in {cfg.description}"
                yield Endpoint(url, loc, description, cfg.namespace, None, cfg.cluster, protocol)


def _vector_protocol_problem(index: Index, url: str, cfg: VectorConfig) -> str | None:
    """A `vector` sink speaks Vector's gRPC protocol, which only a `vector` source accepts
    (vector.dev/docs/reference/configuration/sinks/vector): the aggregator port it reaches must be one."""
    split = split_host(url)
    if split is None or split[2] is None:
        return None
    port = split[2]
    for entry in resolve_url(index, url, from_namespace=cfg.namespace, cluster=cfg.cluster):
        for target in vector_configs(index):
            if target.helm is None or target.helm.obj is not entry.obj or not target.complete:
                continue
            source = listening_source(target, port)
            if source is not None and source.type != "vector":
                return (
                    f"port {port} of Service {entry.name} is the {source.type} source {source.id} of "
                    f"{target.description}, not a vector source: every batch is refused"
                )
    return None


@rule(
    "LOKI006",
    "endpoint-unreachable",
    "error",
    "A Loki ruler, Grafana datasource or log shipper URL points at a Service nothing creates, a wrong port or path",
    basis=Basis.CERTAIN,
    why="""
        In-cluster URLs are strings: nothing checks them until the component runs. A Loki ruler
        whose `alertmanager_url` names a Service that does not exist drops every log-based alert;
        a Grafana datasource at a wrong port shows "Bad Gateway" exactly when someone needs it; a
        Promtail client without `/loki/api/v1/push` or a Vector sink with it (Vector appends the
        path itself) gets 404 on every push and buffers logs until it drops them; a Vector agent's
        `vector` sink sends Vector's own gRPC protocol, which only a `vector` source of the
        aggregator accepts, so a port of another of its sources refuses every batch. A wrong port or
        path is an error. A Service nothing in the repository creates is a warning: it may come
        from outside (installed by hand, by another repository, by an operator); URLs into
        namespaces that something obslint cannot read fills are not judged.
    """,
    failing=loki_example(
        SCHEMA_V13 + "rulerConfig:\n  alertmanager_url: http://alertmanager-operated.monitoring.svc:9093\n"
    ),
    passing=loki_example(
        SCHEMA_V13 + "rulerConfig:\n  alertmanager_url: http://alertmanager-main.monitoring.svc:9093\n"
    )
    + """
-- monitoring/alertmanager-service.yaml --
apiVersion: v1
kind: Service
metadata:
  name: alertmanager-main
  namespace: monitoring
spec:
  ports:
    - {name: web, port: 9093}
""",
    fix="""
        Point the URL at a Service the repository creates (name, namespace and port as rendered,
        e.g. `kube-prometheus-stack-alertmanager.monitoring.svc:9093`), with the API path the
        client expects.
    """,
)
def endpoint_unreachable(ctx: RuleContext) -> Iterator[Finding]:
    for ep in _endpoints(ctx):
        problem = check_url(ctx.index, ep.url, from_namespace=ep.namespace, cluster=ep.cluster)
        if problem is not None:
            yield Finding(
                ep.loc,
                f"{ep.description}: {problem.message}",
                problem.hint,
                clusters=cluster_names(ep.cluster),
                basis=problem.basis,
            )
        elif ep.protocol_problem:
            yield ctx.finding(
                ep.loc,
                f"{ep.description}: {ep.protocol_problem}",
                hint="send to the address of a `vector` source of the aggregator (type: vector)",
            )
        elif ep.path_problem:
            yield ctx.finding(
                ep.loc,
                f"{ep.description}: wrong API path in {_safe(ep.url)}: {ep.path_problem}",
                hint="fix the path of the URL",
            )


def _safe(url: str) -> str:
    return safe_url(url)
