"""NET001 backend-unresolved: Ingress and Gateway API route backends that reach no Service port."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Basis, Finding, Related, cluster_names
from obslint.model.backends import Backend, backends, reference_granted
from obslint.model.charts import CLUSTER_NAMESPACES
from obslint.model.services import ClusterServices, ServiceEntry, service_catalogue
from obslint.rules import RuleContext, rule

SERVICE = """\
-- apps/uptime-kuma/service.yaml --
apiVersion: v1
kind: Service
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  selector:
    app.kubernetes.io/name: uptime-kuma
  ports:
    - name: http
      port: 80
      targetPort: http
"""

ROUTE = """\
-- apps/uptime-kuma/httproute.yaml --
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  parentRefs:
    - name: internet
      namespace: gateway
  hostnames: [status.example.org]
  rules:
    - backendRefs:
        - name: uptime-kuma
          port: 3001
"""

FAILING = SERVICE + ROUTE.replace(
    "    - backendRefs:", "    # the Service listens on 80 (3001 is the container's port)\n    - backendRefs:"
)
PASSING = SERVICE + ROUTE.replace("port: 3001", "port: 80")


def _port_problem(backend: Backend, found: list[ServiceEntry]) -> str | None:
    port = backend.port
    if isinstance(port, int):
        if any(not e.ports or port in e.ports for e in found):
            return None
        ports = sorted({p for e in found for p in e.ports})
        return f"has no port {port}, only {', '.join(map(str, ports))}"
    if isinstance(port, str):
        if any(e.port_names is None or port in e.port_names for e in found):
            return None
        names = sorted({n for e in found for n in e.port_names or ()})
        return f"has no port named {port}" + (f", only {', '.join(names)}" if names else ": its ports have no names")
    return None


def _service_missing(cat: ClusterServices, name: str, ns: str) -> bool:
    """Whether "no such Service" means something: a namespace the repository manages, where nothing
    obslint cannot see into (a chart it does not know, an operator, a remote base) could name a
    Service so."""
    return not cat.may_exist_unseen(name, ns) and (ns in cat.managed_namespaces or ns in CLUSTER_NAMESPACES)


@rule(
    "NET001",
    "backend-unresolved",
    "error",
    "An Ingress or Gateway API route sends traffic to a Service port that does not exist",
    basis=Basis.CERTAIN,
    why="""
        An Ingress backend names a Service of its own namespace and a port by number or name; a
        Gateway API backendRef (HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, UDPRoute) names a Service
        (kind Service and the core group are the defaults) in the route's namespace unless it says
        another, and must give the Service port: the CRD's validation rejects a Service backendRef
        without one. A port the Service does not have (the container port 3001 instead of the
        Service's 80, a port name the Service does not declare) gets no endpoints: the controller
        answers 503 or drops the backend, while everything applies cleanly. A backendRef into
        another namespace is only allowed by a ReferenceGrant in that namespace; without one the
        route's ResolvedRefs condition is RefNotPermitted and the backend gets no traffic. Services
        come from manifests and the charts obslint knows (kube-prometheus-stack, loki, grafana,
        alloy, uptime-kuma); a Service or ReferenceGrant nothing in the repository creates may be
        made outside it, so those findings are warnings.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Use a port the Service declares (its `port`, not the `targetPort`/container port, or one
        of its port names), give backendRefs to Services a `port`, and add a ReferenceGrant in the
        Service's namespace for a route in another namespace.
    """,
)
def backend_unresolved(ctx: RuleContext) -> Iterator[Finding]:
    catalogue = service_catalogue(ctx.index)
    for backend in backends(ctx.index):
        owner = backend.owner
        clusters = cluster_names(owner.cluster)
        what = f"{owner.ref()} backend {backend.service}"
        if owner.kind != "Ingress" and backend.port is None:
            yield Finding(
                backend.loc,
                f"{what} names a Service without a port: the API server rejects the route",
                hint="add `port:` with the Service's port (required for Service backendRefs)",
                clusters=clusters,
            )
        ns = backend.namespace
        if ns is None:
            continue
        if backend.cross_namespace and not reference_granted(ctx.index, backend):
            yield Finding(
                backend.loc,
                f"{what} is in namespace {ns}, and no ReferenceGrant there lets {owner.kind}s of "
                f"{owner.namespace} refer to it",
                hint=f"add a ReferenceGrant in {ns}: from {{group: gateway.networking.k8s.io, kind: {owner.kind}, "
                f"namespace: {owner.namespace}}}, to {{group: '', kind: Service}}",
                clusters=clusters,
                basis=Basis.ASSUMPTION,
            )
        cat = catalogue.clusters[owner.cluster]
        found = cat.lookup(backend.service, ns)
        if not found:
            if _service_missing(cat, backend.service, ns) and cat.in_namespace(ns):
                here = sorted({e.name for e in cat.in_namespace(ns)})
                yield Finding(
                    backend.loc,
                    f"{what}: nothing in the repository creates Service {backend.service} in namespace {ns}",
                    hint=f"Services in {ns}: {', '.join(here[:4])}",
                    clusters=clusters,
                    basis=Basis.ASSUMPTION,
                )
            continue
        problem = _port_problem(backend, found)
        if problem is None:
            continue
        yield Finding(
            backend.loc,
            f"{what}: Service {backend.service} in namespace {ns} {problem}",
            hint=f"use a port of the Service (created by {found[0].origin})",
            related=(Related(found[0].loc, "the Service"),),
            clusters=clusters,
            basis=Basis.ASSUMPTION if cat.is_opaque(ns) else None,
        )
