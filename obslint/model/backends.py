"""The Service backends that Ingresses and Gateway API routes send traffic to.

Ingress (networking.k8s.io/v1): `spec.defaultBackend.service` and
`spec.rules[].http.paths[].backend.service`, `{name, port: {number | name}}`, always in the
Ingress's own namespace (Kubernetes API reference, IngressServiceBackend).

Gateway API routes (gateway.networking.k8s.io HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, UDPRoute):
`spec.rules[].backendRefs[]`, a BackendObjectReference whose `group` defaults to "" (core) and `kind`
to Service, whose `namespace` defaults to the route's, and whose `port` is required when it names a
Service (kubernetes-sigs/gateway-api apis/v1/shared_types.go, BackendObjectReference: the CRD's CEL
rule "Must have port for Service reference" rejects the route on apply). A reference into another
namespace needs a ReferenceGrant there (https://gateway-api.sigs.k8s.io/api-types/referencegrant/).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from obslint.findings import Loc
from obslint.index import Index
from obslint.model.services import namespace_of
from obslint.objects import K8sObject

GATEWAY_GROUP = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")


@dataclass(frozen=True)
class Backend:
    owner: K8sObject  # the Ingress or the route
    service: str
    namespace: str | None  # where the Service is looked up (None: not known)
    port: int | str | None  # a number, a port name (Ingress only), or None when not given
    loc: Loc
    cross_namespace: bool = False  # a route reference into another namespace (needs a ReferenceGrant)


def _port(value: object) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        return int(value) if value.strip().isdigit() else value.strip()
    return None


def _ingress_backends(index: Index, ing: K8sObject) -> Iterator[Backend]:
    ns = namespace_of(index, ing)
    spots: list[tuple[object, tuple]] = [(ing.get("spec", "defaultBackend", "service"), ("spec", "defaultBackend"))]
    rules = ing.get("spec", "rules")
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        paths = r.get("http", {}).get("paths") if isinstance(r, dict) and isinstance(r.get("http"), dict) else None
        for j, p in enumerate(paths if isinstance(paths, list) else []):
            svc = (
                p.get("backend", {}).get("service")
                if isinstance(p, dict) and isinstance(p.get("backend"), dict)
                else None
            )
            spots.append((svc, ("spec", "rules", i, "http", "paths", j, "backend")))
    for svc, path in spots:
        if not isinstance(svc, dict) or not isinstance(svc.get("name"), str):
            continue
        port = svc.get("port")
        value = (port.get("number") if "number" in port else port.get("name")) if isinstance(port, dict) else None
        yield Backend(ing, svc["name"], ns, _port(value), ing.loc(*path, "service"))


def _route_backends(index: Index, route: K8sObject) -> Iterator[Backend]:
    own = namespace_of(index, route)
    rules = route.get("spec", "rules")
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        refs = r.get("backendRefs") if isinstance(r, dict) else None
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                continue
            if ref.get("group", "") not in ("", None) or ref.get("kind", "Service") != "Service":
                continue  # another kind of backend (an implementation's own CRD)
            ns = ref.get("namespace")
            ns = ns if isinstance(ns, str) and ns else own
            yield Backend(
                route,
                ref["name"],
                ns,
                _port(ref.get("port")),
                route.loc("spec", "rules", i, "backendRefs", j),
                cross_namespace=own is not None and ns != own,
            )


def backends(index: Index) -> Iterator[Backend]:
    """Every Service backend of the repository's Ingresses and Gateway API routes."""
    for ing in index.of_kind("Ingress", group="networking.k8s.io"):
        yield from _ingress_backends(index, ing)
    for route in index.of_kind(*ROUTE_KINDS, group=GATEWAY_GROUP):
        yield from _route_backends(index, route)


def reference_granted(index: Index, backend: Backend) -> bool:
    """A ReferenceGrant in the Service's namespace (same cluster) lets the route's kind and
    namespace refer to core Services (all of them, or this one by name)."""
    route = backend.owner
    from_ns = namespace_of(index, route)
    for grant in index.of_kind("ReferenceGrant", group=GATEWAY_GROUP):
        if grant.cluster != route.cluster or namespace_of(index, grant) != backend.namespace:
            continue
        froms, tos = grant.get("spec", "from"), grant.get("spec", "to")
        allowed_from = any(
            isinstance(f, dict)
            and f.get("group") == GATEWAY_GROUP
            and f.get("kind") == route.kind
            and f.get("namespace") == from_ns
            for f in (froms if isinstance(froms, list) else [])
        )
        allowed_to = any(
            isinstance(t, dict)
            and t.get("group", "") in ("", None)
            and t.get("kind") == "Service"
            and t.get("name") in (None, "", backend.service)
            for t in (tos if isinstance(tos, list) else [])
        )
        if allowed_from and allowed_to:
            return True
    return False
