"""NET002 target-port-unnamed: a Service's named targetPort that no container of its pods declares."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Basis, Finding, Related, cluster_names
from obslint.index import Index
from obslint.model.services import namespace_of, service_catalogue
from obslint.objects import K8sObject
from obslint.rules import RuleContext, rule
from obslint.rules.network.backends import SERVICE

WORKLOADS = (("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"))


def _pod_template(obj: K8sObject) -> tuple[dict, list] | None:
    """(labels, containers) of a workload's pod template."""
    template = obj.get("spec", "template")
    if not isinstance(template, dict):
        return None
    meta, spec = template.get("metadata"), template.get("spec")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(labels, dict) or not isinstance(containers, list):
        return None
    return labels, containers


def _port_names(containers: list) -> set[str]:
    return {
        str(p["name"])
        for c in containers
        if isinstance(c, dict) and isinstance(c.get("ports"), list)
        for p in c["ports"]
        if isinstance(p, dict) and p.get("name")
    }


def _selected(index: Index, svc: K8sObject, selector: dict) -> list[tuple[K8sObject, set[str]]]:
    ns = namespace_of(index, svc)
    out = []
    for group, kind in WORKLOADS:
        for obj in index.of_kind(kind, group=group):
            if obj.cluster != svc.cluster or namespace_of(index, obj) != ns:
                continue
            pod = _pod_template(obj)
            if pod is not None and all(k in pod[0] and str(pod[0][k]) == str(v) for k, v in selector.items()):
                out.append((obj, _port_names(pod[1])))
    return out


FAILING = (
    SERVICE
    + """\
-- apps/uptime-kuma/deployment.yaml --
apiVersion: apps/v1
kind: Deployment
metadata:
  name: uptime-kuma
  namespace: monitoring
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: uptime-kuma
  template:
    metadata:
      labels:
        app.kubernetes.io/name: uptime-kuma
    spec:
      containers:
        - name: uptime-kuma
          image: docker.io/louislam/uptime-kuma:1.23.16
          ports:
            # the Service's targetPort says http
            - name: web
              containerPort: 3001
"""
)
PASSING = FAILING.replace(
    "            # the Service's targetPort says http\n            - name: web", "            - name: http"
)


@rule(
    "NET002",
    "target-port-unnamed",
    "error",
    "A Service's targetPort names a port that no container of the pods it selects declares",
    basis=Basis.CERTAIN,
    why="""
        A Service whose `targetPort` is a name sends traffic to the container port of that name
        in each selected pod; the EndpointSlice controller leaves out every pod where the name
        resolves to nothing (Kubernetes docs, Service "Port definitions"). When no pod of the
        workloads it selects declares the name, the Service has no endpoints: Ingresses,
        HTTPRoutes, Prometheus scrapes and Grafana datasources through it all fail, while
        every object applies cleanly. Judged for Services whose selector matches the pod
        template of a Deployment, StatefulSet, DaemonSet or ReplicaSet in the repository (same
        cluster and namespace); numeric targetPorts are not judged (a container need not
        declare the ports it listens on).
    """,
    failing=FAILING,
    passing=PASSING,
    fix="Name the container port as the Service's targetPort says, or point targetPort at the port's name or number.",
)
def target_port_unnamed(ctx: RuleContext) -> Iterator[Finding]:
    catalogue = service_catalogue(ctx.index)
    for svc in ctx.index.of_kind("Service", group=""):
        selector, ports = svc.get("spec", "selector"), svc.get("spec", "ports")
        if not isinstance(selector, dict) or not selector or not isinstance(ports, list):
            continue
        selected = None
        for i, port in enumerate(ports):
            target = port.get("targetPort") if isinstance(port, dict) else None
            if not isinstance(target, str) or not target.strip() or target.isdigit() or "${" in target:
                continue
            if selected is None:
                selected = _selected(ctx.index, svc, selector)
            if not selected or any(target in names for _obj, names in selected):
                continue
            ns = namespace_of(ctx.index, svc)
            workload = selected[0][0]
            declared = sorted({n for _obj, names in selected for n in names})
            yield Finding(
                svc.loc("spec", "ports", i, "targetPort"),
                f"{svc.ref()} targetPort {target} names no container port of {workload.ref()}: "
                "the Service has no endpoints",
                hint=f"container ports named there: {', '.join(declared) or 'none'}",
                related=tuple(Related(obj.loc("spec", "template"), "pods the Service selects") for obj, _ in selected),
                clusters=cluster_names(svc.cluster),
                # a chart or a remote base obslint cannot read may run more pods with those labels
                basis=Basis.ASSUMPTION if ns is not None and catalogue.of(svc).is_opaque(ns) else None,
            )
