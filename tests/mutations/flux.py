"""Mutations for the FLUX family (the Flux tree and its dependency graph)."""

from tests.mutations import StackCopy, mutation

CLUSTER = "clusters/home/monitoring.yaml"


def _kustomization(docs: list, name: str) -> dict:
    return next(d for d in docs if d and d["metadata"]["name"] == name)


@mutation("helmrepository-renamed", {"FLUX001"})
def helmrepository_renamed(stack: StackCopy) -> None:
    """The alloy HelmRelease names a HelmRepository that does not exist."""
    stack.replace(
        "infrastructure/monitoring/alloy/helmrelease.yaml",
        "        kind: HelmRepository\n        name: grafana\n",
        "        kind: HelmRepository\n        name: grafana-charts\n",
    )


@mutation("alloy-without-depends-on", {"FLUX002"})
def alloy_without_depends_on(stack: StackCopy) -> None:
    """Alloy no longer waits for Loki (whose push endpoint it writes to) nor for the repositories."""
    stack.edit_yaml(CLUSTER, lambda docs: _kustomization(docs, "alloy")["spec"].pop("dependsOn"))


@mutation("kube-prometheus-stack-kustomization-does-not-wait", {"FLUX003"})
def kps_no_wait(stack: StackCopy) -> None:
    """The Kustomization that installs kube-prometheus-stack is Ready before the chart (and its CRDs)
    is, so the dependsOn of the Kustomizations applying PrometheusRules orders nothing."""
    stack.edit_yaml(
        CLUSTER, lambda docs: _kustomization(docs, "kube-prometheus-stack")["spec"].__setitem__("wait", False)
    )


@mutation("depends-on-cycle", {"FLUX004"})
def depends_on_cycle(stack: StackCopy) -> None:
    """The first Kustomization of the chain depends on the last one."""
    stack.edit_yaml(
        CLUSTER,
        lambda docs: _kustomization(docs, "monitoring-namespace-and-repos")["spec"].__setitem__(
            "dependsOn", [{"name": "alloy"}]
        ),
    )


@mutation("kustomization-path-typo", {"FLUX005"})
def kustomization_path_typo(stack: StackCopy) -> None:
    """The uptime-kuma Kustomization points at a directory that does not exist."""
    stack.replace(
        CLUSTER, "path: ./infrastructure/monitoring/uptime-kuma\n", "path: ./infrastructure/monitoring/uptimekuma\n"
    )


@mutation("kustomize-resource-missing", {"FLUX006"})
def kustomize_resource_missing(stack: StackCopy) -> None:
    """uptime-kuma's kustomization.yaml lists a file that was never added."""
    stack.append("infrastructure/monitoring/uptime-kuma/kustomization.yaml", "  - servicemonitor.yaml\n")


@mutation("orphan-manifest", {"FLUX007"})
def orphan_manifest(stack: StackCopy) -> None:
    """A ConfigMap added next to uptime-kuma's manifests but not to its kustomization.yaml."""
    stack.write(
        "infrastructure/monitoring/uptime-kuma/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: uptime-kuma-settings\n  namespace: monitoring\n"
        "data:\n  TZ: UTC\n",
    )


@mutation("old-loki-kept-beside-the-new", {"FLUX010"})
def old_loki_kept(stack: StackCopy) -> None:
    """The previous Loki setup kept in archive/, an `interval` written twice in it: no
    Kustomization applies it, so it is one unapplied tree, and the duplicate key folds into it."""
    for name in ("kustomization.yaml", "helmrelease.yaml", "grafana-datasource.yaml", "ruler-rules.yaml"):
        stack.write(f"archive/loki-old/{name}", stack.read(f"infrastructure/monitoring/loki/{name}"))
    stack.replace("archive/loki-old/helmrelease.yaml", "  interval: 30m\n", "  interval: 30m\n  interval: 1h\n")


@mutation("chart-version-range", {"FLUX008"})
def chart_version_range(stack: StackCopy) -> None:
    """Alloy's chart follows a version range."""
    stack.replace("infrastructure/monitoring/alloy/helmrelease.yaml", "version: 1.5.1", 'version: ">=1.5.0 <2.0.0"')


@mutation("kustomize-duplicate-resource", {"FLUX009"})
def kustomize_duplicate_resource(stack: StackCopy) -> None:
    """uptime-kuma's kustomization.yaml lists the same manifest twice: kustomize refuses to build."""
    stack.append("infrastructure/monitoring/uptime-kuma/kustomization.yaml", "  - service.yaml\n")
