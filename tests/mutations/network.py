"""Mutations for the NET family (Uptime Kuma's Ingress -> Service -> pod chain, Gateway API routes)."""

from tests.mutations import StackCopy, mutation

KUMA = "infrastructure/monitoring/uptime-kuma"


@mutation("uptime-kuma-ingress-port-name-wrong", {"NET001"})
def ingress_port_name_wrong(stack: StackCopy) -> None:
    """The Ingress names the Service port `web`; the Service's only port is named http."""
    stack.replace(f"{KUMA}/ingress.yaml", "                  name: http", "                  name: web")


@mutation("uptime-kuma-httproute-container-port", {"NET001"})
def httproute_container_port(stack: StackCopy) -> None:
    """An HTTPRoute to Uptime Kuma on the container port 3001 instead of the Service's 80."""
    stack.write(
        f"{KUMA}/httproute.yaml",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: uptime-kuma\n"
        "  namespace: monitoring\nspec:\n  parentRefs:\n    - name: internet\n      namespace: monitoring\n"
        "  hostnames: [status.home.example.org]\n  rules:\n    - backendRefs:\n        - name: uptime-kuma\n"
        "          port: 3001\n",
    )
    stack.replace(f"{KUMA}/kustomization.yaml", "  - ingress.yaml\n", "  - ingress.yaml\n  - httproute.yaml\n")


@mutation("uptime-kuma-container-port-renamed", {"NET002"})
def container_port_renamed(stack: StackCopy) -> None:
    """The container port renamed to `web`: the Service's targetPort http resolves in no pod."""
    stack.replace(f"{KUMA}/deployment.yaml", "            - name: http\n", "            - name: web\n")
    stack.replace(f"{KUMA}/deployment.yaml", "              port: http\n", "              port: web\n", count=2)
