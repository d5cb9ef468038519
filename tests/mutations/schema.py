"""Mutations for the schema rules of the FLUX family (FLUX050 schema-invalid, FLUX051 helm-values-unknown-key,
FLUX052 helm-values-key-removed)."""

from tests.mutations import StackCopy, mutation

CLUSTER = "clusters/home/monitoring.yaml"
KPS = "infrastructure/monitoring/kube-prometheus-stack/helmrelease.yaml"
KUMA = "infrastructure/monitoring/uptime-kuma/deployment.yaml"


@mutation("flux-interval-in-days", {"FLUX050"})
def flux_interval_in_days(stack: StackCopy) -> None:
    """A Kustomization interval written as `1d`: Flux durations stop at hours, the API server rejects it."""
    stack.replace(
        CLUSTER,
        "  name: monitoring-namespace-and-repos\n  namespace: flux-system\nspec:\n  interval: 30m\n",
        "  name: monitoring-namespace-and-repos\n  namespace: flux-system\nspec:\n  interval: 1d\n",
    )


@mutation("deployment-field-typo", {"FLUX050"})
def deployment_field_typo(stack: StackCopy) -> None:
    """`image:` misspelt `imagee:` in the Uptime Kuma Deployment: unknown field, and the required image is gone."""
    stack.replace(KUMA, "          image: docker.io", "          imagee: docker.io")


@mutation("kps-values-key-typo", {"FLUX051"})
def kps_values_key_typo(stack: StackCopy) -> None:
    """A misspelt kube-prometheus-stack value (walCompresion): Helm ignores it, the default stays."""
    stack.replace(
        KPS,
        "      prometheusSpec:\n",
        "      prometheusSpec:\n        walCompresion: true\n",
    )


@mutation("kps-values-key-removed", {"FLUX052"})
def kps_values_key_removed(stack: StackCopy) -> None:
    """`defaultRules.rules.k8s`, split into k8sContainer* switches after 54.1.0, kept after the bump to 80.6.0:
    Helm ignores it and the rule group it meant to switch off is back."""
    stack.replace(
        KPS,
        "    defaultRules:\n      create: true\n",
        "    defaultRules:\n      create: true\n      rules:\n        k8s: false\n",
    )
