"""ALLOY001-ALLOY007: syntax, references, pipelines, cycles, component schema, endpoints."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from urllib.parse import urlsplit

from obslint.alloy.ast import Array, Attribute, Binary, Block, iter_blocks, static_value
from obslint.alloy.components import BlockSpec, did_you_mean, knowledge_base
from obslint.alloy.configs import AlloyConfig, alloy_configs
from obslint.alloy.graph import Component, UnitGraph, alloy_graphs, strongly_connected
from obslint.findings import Finding, cluster_names
from obslint.model.services import check_url
from obslint.rules import Basis, RuleContext, rule


def _configs(ctx: RuleContext) -> list[AlloyConfig]:
    return alloy_configs(ctx.index)


def _graphs(ctx: RuleContext) -> list[UnitGraph]:
    return alloy_graphs(ctx.index)


# --- ALLOY001 ------------------------------------------------------------------------------


@rule(
    "ALLOY001",
    "alloy-syntax-error",
    "error",
    "An Alloy (River) config does not parse",
    basis=Basis.CERTAIN,
    why="""
        Alloy refuses to load a config with a syntax error: on a fresh pod it never starts, on a
        running one the reload fails and the old pipeline keeps running while the change you
        shipped does nothing. The error points at the exact token, also inside a ConfigMap or
        HelmRelease values.
    """,
    failing="""
        -- alloy/config.alloy --
        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }

        loki.source.api "push" {
          forward_to = [loki.write.default.receiver
        }
    """,
    passing="""
        -- alloy/config.alloy --
        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }

        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }
    """,
    fix="Fix the syntax at the reported position: close blocks, put commas after every element of a "
    "multi-line list or object, use double quotes, one statement per line.",
)
def alloy_syntax_error(ctx: RuleContext) -> Iterator[Finding]:
    for config in _configs(ctx):
        for d in config.diagnostics:
            yield Finding(
                config.loc((d.line, d.col)),
                f"Alloy syntax error: {d.message}",
                "Alloy will not load this config; fix the syntax at this position",
            )


# --- ALLOY002 ------------------------------------------------------------------------------


@rule(
    "ALLOY002",
    "alloy-undefined-reference",
    "error",
    "A reference to an Alloy component, export or module argument that does not exist",
    basis=Basis.CERTAIN,
    why="""
        `forward_to = [loki.write.defualt.receiver]` names a component that is not declared, or
        an export the component does not have. Alloy rejects the whole config at load time
        ("component ... does not exist or is out of scope"), so no logs or metrics flow at all
        after the change is deployed.
    """,
    failing="""
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.defualt.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    passing="""
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    fix="Reference a component that is declared in the same config (or module) by `name.label.export`.",
)
def alloy_undefined_reference(ctx: RuleContext) -> Iterator[Finding]:
    for graph in _graphs(ctx):
        for ref in graph.refs:
            if ref.problem:
                yield Finding(ref.loc(), ref.problem, ref.hint)


# --- ALLOY003 ------------------------------------------------------------------------------


def _reaches_writer(graph: UnitGraph, start: Component, edges: dict) -> bool | None:
    """True when data from `start` reaches a writer (or leaves through a module boundary);
    None when that cannot be known statically."""
    seen = {start}
    queue = deque([start])
    while queue:
        comp = queue.popleft()
        if comp is not start and comp.role in ("writer", "module"):
            return True
        for ref in graph.refs_from(comp):
            if ref.external or ref.problem or (ref.target is not None and ref.target.role == "module"):
                return None  # leaves through a module boundary, or already reported
        for attr in comp.block.attributes():
            if attr.name == "forward_to" and not isinstance(attr.value, Array):
                return None
        for nxt in edges.get(comp, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


@rule(
    "ALLOY003",
    "alloy-dead-end",
    "warning",
    "An Alloy source or processor whose data reaches no writer, or a writer nothing feeds",
    basis=Basis.CERTAIN,
    why="""
        A `loki.source.*`, `prometheus.scrape` or `loki.process` whose `forward_to` is empty or
        leads only to other processors collects data and throws it away: the logs you think are
        shipped never arrive, and nothing in Alloy reports it. A `loki.write` or
        `prometheus.remote_write` that no component forwards to is the other half of the same
        broken wiring.
    """,
    failing="""
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.process.app.receiver]
        }

        loki.process "app" {
          stage.static_labels {
            values = { cluster = "home" }
          }
          forward_to = []
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    passing="""
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.process.app.receiver]
        }

        loki.process "app" {
          stage.static_labels {
            values = { cluster = "home" }
          }
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    fix="Forward the pipeline to a writer (`forward_to = [loki.write.default.receiver]`), or remove the "
    "unused components.",
)
def alloy_dead_end(ctx: RuleContext) -> Iterator[Finding]:
    kb = knowledge_base()
    for graph in _graphs(ctx):
        if not graph.parsed:
            continue
        edges = graph.data_edges()
        for comp in graph.components:
            if comp.kind != "builtin" or comp.in_template or comp.duplicate:
                continue
            role = comp.role
            if role in ("source", "processor"):
                if _reaches_writer(graph, comp, edges) is False:
                    yield Finding(
                        comp.loc(),
                        f"{comp.id} sends its data nowhere: no writer is reachable from it",
                        "forward it to a loki.write / prometheus.remote_write / exporter "
                        "(forward_to = [...] or output { ... })",
                    )
            elif role == "writer":
                fed = any(r.export in kb.consumer_exports for r in graph.refs_to(comp))
                if not fed and not graph.is_module:
                    yield Finding(
                        comp.loc(),
                        f"nothing forwards data to {comp.id}",
                        f"reference {comp.id}.receiver in a forward_to list, or remove the component",
                    )


# --- ALLOY004 ------------------------------------------------------------------------------


@rule(
    "ALLOY004",
    "alloy-cycle",
    "error",
    "Alloy components reference each other in a cycle",
    basis=Basis.CERTAIN,
    why="""
        Alloy evaluates components in dependency order and refuses a config whose references
        form a cycle ("cycle detected") or where a component references itself: nothing loads.
    """,
    failing="""
        -- alloy/config.alloy --
        prometheus.relabel "a" {
          forward_to = [prometheus.relabel.b.receiver]
        }

        prometheus.relabel "b" {
          forward_to = [prometheus.relabel.a.receiver, prometheus.remote_write.default.receiver]
        }

        prometheus.remote_write "default" {
          endpoint {
            url = "http://mimir.example.com/api/v1/push"
          }
        }
    """,
    passing="""
        -- alloy/config.alloy --
        prometheus.relabel "a" {
          forward_to = [prometheus.relabel.b.receiver]
        }

        prometheus.relabel "b" {
          forward_to = [prometheus.remote_write.default.receiver]
        }

        prometheus.remote_write "default" {
          endpoint {
            url = "http://mimir.example.com/api/v1/push"
          }
        }
    """,
    fix="Break the loop: data must flow one way, from sources through processors to writers.",
)
def alloy_cycle(ctx: RuleContext) -> Iterator[Finding]:
    for graph in _graphs(ctx):
        deps: dict[Component, set[Component]] = {}
        for ref in graph.refs:
            if ref.owner is not None and ref.target is not None:
                deps.setdefault(ref.owner, set()).add(ref.target)
        for members in strongly_connected(deps, graph.components):
            members.sort(key=lambda c: (c.config.describe(), c.block.line, c.block.col))
            first = members[0]
            if len(members) == 1:
                yield Finding(first.loc(), f"{first.id} references itself", "a component cannot reference self")
            else:
                names = ", ".join(c.id for c in members)
                yield Finding(first.loc(), f"cycle detected: {names}", "remove one of the references in the loop")


# --- ALLOY005 ------------------------------------------------------------------------------


def _basis(suggestion: str | None) -> Basis | None:
    """An unknown name close to a known one is a typo Alloy rejects. One close to nothing may be
    new in an Alloy release later than the component reference obslint knows: an assumption."""
    return None if suggestion else Basis.ASSUMPTION


# Families where new components appear in most releases: an unknown name there is only reported
# when it is close to a known one (a typo), so newer Alloy versions do not cause false alarms.
FAST_GROWING = ("otelcol.", "prometheus.exporter.", "database_observability.", "pyroscope.", "beyla.")


@rule(
    "ALLOY005",
    "alloy-unknown-component",
    "error",
    "An Alloy block names a component that does not exist",
    basis=Basis.CERTAIN,
    why="""
        `loki.source.kubernetes_pods "x" { }` is not a component: Alloy fails to load the config
        ("cannot find the definition of component name"). Custom components from `declare` in
        the same config are known; components of imported modules are not judged. A name close
        to a known one is an error (a typo); a name close to none is a warning, as it may come
        from an Alloy release newer than the component reference obslint knows.
    """,
    failing="""
        -- alloy/config.alloy --
        loki.source.kubernets "pods" {
          targets    = []
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    passing="""
        -- alloy/config.alloy --
        loki.source.kubernetes "pods" {
          targets    = []
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.example.com/loki/api/v1/push"
          }
        }
    """,
    fix="Use the component name from the Alloy reference "
    "(https://grafana.com/docs/alloy/latest/reference/components/).",
)
def alloy_unknown_component(ctx: RuleContext) -> Iterator[Finding]:
    kb = knowledge_base()
    for graph in _graphs(ctx):
        for block, config, scope in graph.unknown_blocks:
            declared = scope.declared_names()
            candidates = set(kb.names) | set(kb.config_blocks) | set(declared)
            fast = block.name.startswith(FAST_GROWING)
            # In fast-growing families only a near-identical known name counts as a typo.
            suggestion = did_you_mean(block.name, candidates, 0.92 if fast else 0.8)
            if suggestion is None and fast:
                continue  # a newer component of a family that grows every release: not judged
            hint = f"did you mean {suggestion}?" if suggestion else "not an Alloy component, nor declared here"
            yield Finding(config.loc(block), f'unknown component "{block.name}"', hint, basis=_basis(suggestion))


# --- ALLOY006 ------------------------------------------------------------------------------


def _check_body(
    config: AlloyConfig, comp_name: str, where: str, body: list, spec: BlockSpec, exact: bool = False
) -> Iterator[Finding]:
    """Attributes and blocks `spec` does not accept. `exact`: the spec is all there is (a `declare`d
    component's arguments), not the component reference of some Alloy release."""
    stack: list[tuple[str, list, BlockSpec]] = [(where, body, spec)]
    while stack:
        path, stmts, s = stack.pop()
        for stmt in stmts:
            if isinstance(stmt, Attribute):
                if s.arguments is None or stmt.name in s.arguments:
                    continue
                if s.blocks and stmt.name in s.blocks:
                    yield Finding(
                        config.loc(stmt),
                        f'"{stmt.name}" in {path} must be a block, but is used as an attribute',
                        f"write {stmt.name} {{ ... }}",
                    )
                    continue
                guess = did_you_mean(stmt.name, s.arguments, 0.7)
                yield Finding(
                    config.loc(stmt),
                    f'unknown attribute "{stmt.name}" in {path}',
                    f"did you mean {guess}?" if guess else f"{comp_name} does not take it: see the component reference",
                    basis=None if exact else _basis(guess),
                )
            elif isinstance(stmt, Block):
                if s.blocks is None:
                    continue
                if stmt.name not in s.blocks:
                    if s.arguments and stmt.name in s.arguments:
                        yield Finding(
                            config.loc(stmt),
                            f'"{stmt.name}" in {path} must be an attribute, but is used as a block',
                            f"write {stmt.name} = ...",
                        )
                        continue
                    guess = did_you_mean(stmt.name, s.blocks, 0.7)
                    yield Finding(
                        config.loc(stmt),
                        f'unknown block "{stmt.name}" in {path}',
                        f"did you mean {guess}?" if guess else f"{comp_name} has no such block",
                        basis=None if exact else _basis(guess),
                    )
                    continue
                inner = s.blocks[stmt.name]
                if inner is not None:
                    stack.append((f"{path}/{stmt.name}", stmt.body, inner))


def _scope_blocks(body: list) -> Iterator[Block]:
    """Blocks at statement level of a config: the top, declare bodies and foreach templates."""
    stack = [body]
    while stack:
        for stmt in stack.pop():
            if not isinstance(stmt, Block):
                continue
            yield stmt
            if stmt.name == "declare":
                stack.append(stmt.body)
            elif stmt.name == "foreach":
                stack.extend(t.body for t in stmt.blocks("template"))


@rule(
    "ALLOY006",
    "alloy-unknown-attribute",
    "error",
    "An attribute or block that the Alloy component does not accept",
    basis=Basis.CERTAIN,
    why="""
        A misspelt argument (`forward-to`, `tenantid`) or a block in the wrong place makes Alloy
        reject the config ("unrecognized attribute name"): the pipeline does not load. Checked for
        every component of Alloy, in nested blocks too, against the arguments and blocks Alloy's own
        source declares (generated from its component registry). A name close
        to a known one, or an argument a `declare`d component does not define, is an error; a name
        close to none is a warning, as a newer Alloy release may have added it.
    """,
    failing="""
        -- alloy/config.alloy --
        loki.write "default" {
          endpoint {
            url      = "http://loki.example.com/loki/api/v1/push"
            tenantid = "home"
          }
        }

        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }
    """,
    passing="""
        -- alloy/config.alloy --
        loki.write "default" {
          endpoint {
            url       = "http://loki.example.com/loki/api/v1/push"
            tenant_id = "home"
          }
        }

        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }
    """,
    fix="Use the argument and block names from the component's reference page.",
)
def alloy_unknown_attribute(ctx: RuleContext) -> Iterator[Finding]:
    kb = knowledge_base()
    for config in _configs(ctx):
        for block in _scope_blocks(config.ast.body):
            spec = kb.config_block_specs.get(block.name)
            if spec is not None:
                yield from _check_body(config, block.name, block.id, block.body, spec)
    for graph in _graphs(ctx):
        for comp in graph.components:
            if comp.kind == "builtin" and comp.spec is not None:
                yield from _check_body(comp.config, comp.name, comp.id, comp.block.body, comp.spec.body)
            elif comp.kind == "declared":
                decl = comp.scope.declared_names().get(comp.name)
                if decl is None:
                    continue
                # A custom component takes exactly the arguments its declare block defines.
                args = frozenset(b.label for b in decl.blocks("argument") if b.label)
                spec = BlockSpec(args, {})
                yield from _check_body(comp.config, comp.name, comp.id, comp.block.body, spec, exact=True)


# --- ALLOY007 ------------------------------------------------------------------------------

LOKI_PUSH_PATH = "/loki/api/v1/push"
LOKI_GRPC_PORT = 9095
# Prometheus remote-write receivers: Prometheus /api/v1/write, Mimir/Cortex /api/v1/push, Cortex and
# Grafana Cloud legacy /api/prom/push, Thanos receive /api/v1/receive.
# https://grafana.com/docs/mimir/latest/references/http-api/#distributor ,
# https://prometheus.io/docs/prometheus/latest/querying/api/#remote-write-receiver
REMOTE_WRITE_PATHS = ("/api/v1/write", "/api/v1/push", "/api/prom/push", "/api/v1/receive")


def _path_problem(component: str, url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        path, port = parts.path, parts.port
    except ValueError:
        return None
    trimmed = path.rstrip("/")
    if component == "loki.write" and port == LOKI_GRPC_PORT:
        # Loki's default server.grpc_listen_port; the push API is served over HTTP (3100).
        # https://grafana.com/docs/loki/latest/configure/#server
        return (
            f"loki.write endpoint URL uses port {port}, Loki's gRPC port; loki.write pushes over HTTP",
            "use the HTTP port of the Loki Service (3100 by default)",
        )
    if component == "loki.write":
        if trimmed.endswith(LOKI_PUSH_PATH):
            return None
        if "/otlp" in trimmed:
            why = "an OTLP endpoint (loki.write speaks the Loki push API, not OTLP)"
        elif trimmed.endswith("/api/prom/push"):
            why = "the legacy push path removed in Loki 3"
        elif not trimmed:
            why = "no path"
        else:
            why = f"path {path}"
        return (
            f"loki.write endpoint URL has {why}; Loki receives pushes on {LOKI_PUSH_PATH}",
            f"use {LOKI_PUSH_PATH}",
        )
    if component == "prometheus.remote_write":
        if trimmed.endswith(REMOTE_WRITE_PATHS) and "/loki/" not in trimmed:
            return None
        if "/loki/" in trimmed or "/otlp" in trimmed or not trimmed:
            what = "no path" if not trimmed else f"path {path}, which is not a remote-write receiver"
            return (
                f"prometheus.remote_write endpoint URL has {what}",
                "use /api/v1/write (Prometheus) or /api/v1/push (Mimir)",
            )
    return None


# Where each writer keeps its destination: (block, attribute).
# https://grafana.com/docs/alloy/latest/reference/components/otelcol/otelcol.exporter.otlp/ (client > endpoint)
ENDPOINT_ATTRS = {
    "loki.write": ("endpoint", "url"),
    "prometheus.remote_write": ("endpoint", "url"),
    "otelcol.exporter.otlp": ("client", "endpoint"),
    "otelcol.exporter.otlphttp": ("client", "endpoint"),
}


def _literal_suffix(expr) -> str | None:
    """The constant string that ends a `+` concatenation, if any."""
    if isinstance(expr, Binary) and expr.op == "+":
        right = static_value(expr.right)
        return right if isinstance(right, str) else None
    return None


@rule(
    "ALLOY007",
    "alloy-endpoint-unreachable",
    "error",
    "A loki.write / prometheus.remote_write / OTLP exporter endpoint points at a missing Service, wrong port or "
    "wrong API path",
    basis=Basis.CERTAIN,
    why="""
        Alloy accepts any URL and only logs failed pushes: if the Service does not exist, listens
        on another port, or the path is not the push API (`/loki/api/v1/push` for Loki,
        `/api/v1/write` or `/api/v1/push` for Prometheus and Mimir), every log line or sample is
        retried and then dropped while the pipeline looks healthy. A wrong port or path is an
        error. A Service nothing in the repository creates is a warning: it may come from outside
        (installed by hand, by another repository, by an operator); URLs into namespaces that
        something obslint cannot read fills are not judged.
    """,
    failing="""
        -- loki/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: loki
          namespace: monitoring
        spec:
          ports:
            - name: http
              port: 3100
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.monitoring.svc.cluster.local:3100/otlp/v1/logs"
          }
        }
    """,
    passing="""
        -- loki/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: loki
          namespace: monitoring
        spec:
          ports:
            - name: http
              port: 3100
        -- alloy/config.alloy --
        loki.source.api "push" {
          http {
            listen_port = 3500
          }
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"
          }
        }
    """,
    fix="Point the endpoint at a Service the repo creates, on its port, with the push path of the backend.",
)
def alloy_endpoint_unreachable(ctx: RuleContext) -> Iterator[Finding]:
    for graph in _graphs(ctx):
        for comp in graph.components:
            key = ENDPOINT_ATTRS.get(comp.name)
            if key is None:
                continue
            block_name, attr_name = key
            for _path, block in iter_blocks(comp.block.body):
                if block.name != block_name:
                    continue
                attr = block.attr(attr_name)
                if attr is None:
                    continue
                url = static_value(attr.value)
                if not isinstance(url, str) or not url.strip():
                    # `env("LOKI_URL") + "/loki/api/v1/push"`: the path is still known
                    suffix = _literal_suffix(attr.value)
                    if suffix and suffix.startswith("/"):
                        problem = _path_problem(comp.name, "http://host" + suffix)
                        if problem:
                            yield Finding(comp.config.loc(attr.value), problem[0], problem[1])
                    continue
                problem = _path_problem(comp.name, url)
                if problem:
                    yield Finding(comp.config.loc(attr.value), problem[0], problem[1])
                cluster = comp.config.cluster
                found = check_url(ctx.index, url, from_namespace=comp.config.namespace, cluster=cluster)
                if found is not None:
                    yield Finding(
                        comp.config.loc(attr.value),
                        f"{comp.id}: {found.message}",
                        found.hint,
                        clusters=cluster_names(cluster),
                        basis=found.basis,
                    )


# --- ALLOY008 ------------------------------------------------------------------------------


@rule(
    "ALLOY008",
    "alloy-duplicate-block",
    "error",
    "Two Alloy blocks with the same name and label in one config or module",
    basis=Basis.CERTAIN,
    why="""
        Component ids (`name.label`) must be unique, and configuration blocks such as `logging`
        or `http` may appear once: Alloy refuses to load the config ("block ... already
        declared"). Copy-pasted pipelines hit this when only the body is edited.
    """,
    failing="""
        -- alloy/config.alloy --
        discovery.kubernetes "pods" {
          role = "pod"
        }

        discovery.kubernetes "pods" {
          role = "node"
        }
    """,
    passing="""
        -- alloy/config.alloy --
        discovery.kubernetes "pods" {
          role = "pod"
        }

        discovery.kubernetes "nodes" {
          role = "node"
        }
    """,
    fix="Give each component its own label (and update the references), or merge the two blocks.",
)
def alloy_duplicate_block(ctx: RuleContext) -> Iterator[Finding]:
    for graph in _graphs(ctx):
        for block, config, first, first_config in graph.duplicates:
            where = first_config.loc(first)
            yield Finding(
                config.loc(block),
                f"block {block.id} already declared at {where}",
                "labels must be unique per component name; rename one of them",
            )
