"""NET001 backend-unresolved and NET002 target-port-unnamed: Ingress/HTTPRoute -> Service -> pods."""

from __future__ import annotations

import textwrap

from obslint.findings import Severity
from tests.conftest import REFERENCE_STACK, check

SERVICE = textwrap.dedent("""\
    apiVersion: v1
    kind: Service
    metadata: {name: uptime-kuma, namespace: monitoring}
    spec:
      selector: {app: kuma}
      ports:
        - {name: http, port: 80, targetPort: http}
    """)


def ingress(port: str, service: str = "uptime-kuma") -> str:
    return textwrap.dedent(f"""\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {{name: kuma, namespace: monitoring}}
        spec:
          rules:
            - host: status.example.org
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: {service}
                        port: {{{port}}}
        """)


def route(backend: str, namespace: str = "monitoring") -> str:
    return textwrap.dedent(f"""\
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {{name: kuma, namespace: {namespace}}}
        spec:
          parentRefs: [{{name: internet, namespace: gateway}}]
          rules:
            - backendRefs:
                - {{{backend}}}
        """)


def grant(from_ns: str, to_ns: str = "monitoring", name: str = "") -> str:
    target = f", name: {name}" if name else ""
    return textwrap.dedent(f"""\
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {{name: routes, namespace: {to_ns}}}
        spec:
          from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {from_ns}}}]
          to: [{{group: "", kind: Service{target}}}]
        """)


def found(repo, files, rule="NET001"):
    result = check(repo(files), select=[rule])
    assert not result.errors, result.errors
    return result.findings


def test_ingress_port_by_number_and_name(repo):
    assert found(repo, {"svc.yaml": SERVICE, "ing.yaml": ingress("number: 80")}) == []
    assert found(repo, {"svc.yaml": SERVICE, "ing.yaml": ingress("name: http")}) == []
    (f,) = found(repo, {"svc.yaml": SERVICE, "ing.yaml": ingress("number: 3001")})
    assert "Service uptime-kuma in namespace monitoring has no port 3001, only 80" in f.message
    assert f.severity == Severity.ERROR and (f.loc.path, f.loc.line) == ("ing.yaml", 13)
    (f,) = found(repo, {"svc.yaml": SERVICE, "ing.yaml": ingress("name: web")})
    assert "has no port named web, only http" in f.message


def test_ingress_to_a_service_nothing_creates_is_a_warning(repo):
    (f,) = found(repo, {"svc.yaml": SERVICE, "ing.yaml": ingress("number: 80", "kuma")})
    assert "nothing in the repository creates Service kuma in namespace monitoring" in f.message
    assert f.severity == Severity.WARNING and "uptime-kuma" in f.hint


def test_httproute_port_required_and_checked(repo):
    assert found(repo, {"svc.yaml": SERVICE, "r.yaml": route("name: uptime-kuma, port: 80")}) == []
    (f,) = found(repo, {"svc.yaml": SERVICE, "r.yaml": route("name: uptime-kuma")})
    assert "without a port" in f.message and f.severity == Severity.ERROR
    (f,) = found(repo, {"svc.yaml": SERVICE, "r.yaml": route("name: uptime-kuma, port: 3001")})
    assert "has no port 3001" in f.message
    # other kinds of backend are the implementation's business
    assert (
        found(repo, {"svc.yaml": SERVICE, "r.yaml": route("name: x, kind: Backend, group: gateway.envoyproxy.io")})
        == []
    )


def test_cross_namespace_backend_needs_a_reference_grant(repo):
    files = {
        "svc.yaml": SERVICE,
        "r.yaml": route("name: uptime-kuma, namespace: monitoring, port: 80", namespace="gateway"),
        "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: gateway}\n",
    }
    (f,) = found(repo, files)
    assert "no ReferenceGrant there lets HTTPRoutes of gateway refer to it" in f.message
    assert f.severity == Severity.WARNING
    assert found(repo, {**files, "g.yaml": grant("gateway")}) == []
    assert found(repo, {**files, "g.yaml": grant("gateway", name="uptime-kuma")}) == []
    assert len(found(repo, {**files, "g.yaml": grant("gateway", name="grafana")})) == 1
    assert len(found(repo, {**files, "g.yaml": grant("apps")})) == 1


def test_uptime_kuma_chart_service(repo):
    hr = textwrap.dedent("""\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: uptime-kuma, namespace: monitoring}
        spec:
          chart:
            spec:
              chart: uptime-kuma
              version: 2.24.0
              sourceRef: {kind: HelmRepository, name: uptime-kuma, namespace: flux-system}
          values: {}
        """)
    repo_src = textwrap.dedent("""\
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata: {name: uptime-kuma, namespace: flux-system}
        spec: {url: https://dirsigler.github.io/uptime-kuma-helm}
        """)
    files = {"hr.yaml": hr, "repo.yaml": repo_src}
    assert found(repo, {**files, "ing.yaml": ingress("number: 3001")}) == []
    assert found(repo, {**files, "ing.yaml": ingress("name: http")}) == []
    (f,) = found(repo, {**files, "ing.yaml": ingress("number: 80")})
    assert "has no port 80, only 3001" in f.message and "chart uptime-kuma" in f.hint
    custom = hr.replace("values: {}", "values: {service: {port: 8080}}")
    assert found(repo, {**files, "hr.yaml": custom, "ing.yaml": ingress("number: 8080")}) == []
    # another publisher's chart of the same name: its Service is not known
    other = repo_src.replace("https://dirsigler.github.io/uptime-kuma-helm", "oci://ghcr.io/pascaliske/helm-charts")
    assert found(repo, {**files, "repo.yaml": other, "ing.yaml": ingress("number: 80")}) == []


DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: kuma, namespace: monitoring}
    spec:
      selector: {matchLabels: {app: kuma}}
      template:
        metadata: {labels: {app: kuma, tier: web}}
        spec:
          containers:
            - name: kuma
              image: louislam/uptime-kuma:1
              ports: [{name: http, containerPort: 3001}]
    """)


def test_named_target_port_must_be_declared_by_the_selected_pods(repo):
    assert found(repo, {"svc.yaml": SERVICE, "d.yaml": DEPLOYMENT}, "NET002") == []
    renamed = DEPLOYMENT.replace("name: http,", "name: web,")
    (f,) = found(repo, {"svc.yaml": SERVICE, "d.yaml": renamed}, "NET002")
    assert "targetPort http names no container port of Deployment monitoring/kuma" in f.message
    assert "web" in f.hint and f.severity == Severity.ERROR and (f.loc.path, f.loc.line) == ("svc.yaml", 7)
    # pods the repository does not hold (other labels, another namespace): not judged
    assert found(repo, {"svc.yaml": SERVICE, "d.yaml": renamed.replace("app: kuma,", "app: other,")}, "NET002") == []
    elsewhere = renamed.replace("namespace: monitoring", "namespace: apps")
    assert found(repo, {"svc.yaml": SERVICE, "d.yaml": elsewhere}, "NET002") == []
    numeric = SERVICE.replace("targetPort: http", "targetPort: 3001")
    assert found(repo, {"svc.yaml": numeric, "d.yaml": renamed}, "NET002") == []


def test_reference_stack_uptime_kuma_is_clean():
    result = check(REFERENCE_STACK, select=["NET", "SEC005", "LOKI008"])
    assert result.findings == [] and not result.errors
