"""What the repository knows about the cluster and the CRDs charts install: the CRD kinds a chart
installs, and the API groups and namespaces every cluster has. (Chart values, Services and naming:
obslint.model.chart_facts.)

Chart facts come from the chart templates at the pinned versions; each table entry cites its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- objects the cluster or the Flux bootstrap create -------------------------------------

CLUSTER_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "flux-system"})

# API groups that need no CRD from the repo: Kubernetes built-ins and the Flux toolkit
# (installed by `flux bootstrap` with the controllers).
BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "node.k8s.io",
        "discovery.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "certificates.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "resource.k8s.io",
        "storagemigration.k8s.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "internal.apiserver.k8s.io",
        "metrics.k8s.io",
        "kustomize.config.k8s.io",  # kustomization.yaml itself, never applied
        "kustomize.toolkit.fluxcd.io",
        "source.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
    }
)


def is_builtin_group(group: str) -> bool:
    return group in BUILTIN_GROUPS or (group.endswith(".k8s.io") and not group.endswith(".x-k8s.io"))


# --- charts ---------------------------------------------------------------------

PROMETHEUS_OPERATOR_KINDS = (
    "Alertmanager",
    "AlertmanagerConfig",
    "PodMonitor",
    "Probe",
    "Prometheus",
    "PrometheusAgent",
    "PrometheusRule",
    "ScrapeConfig",
    "ServiceMonitor",
    "ThanosRuler",
)


@dataclass(frozen=True)
class ChartCRDs:
    """CRD kinds a chart installs, and the values switch that turns them on."""

    kinds: tuple[tuple[str, str], ...]  # (group, kind)
    switches: tuple[tuple[tuple[str, ...], bool], ...] = ()  # any switch true => installed
    in_crds_dir: bool = False  # shipped in a crds/ directory: `install.crds: Skip` drops them


def _kinds(group: str, *kinds: str) -> tuple[tuple[str, str], ...]:
    return tuple((group, k) for k in kinds)


CHART_CRDS: dict[str, ChartCRDs] = {
    # kube-prometheus-stack 80.6.0: `crds.enabled: true` installs the subchart charts/crds whose
    # crds/ directory holds the operator v0.87.1 CRDs (oracles/charts/kube-prometheus-stack-80.6.0/values.yaml).
    "kube-prometheus-stack": ChartCRDs(
        _kinds("monitoring.coreos.com", *PROMETHEUS_OPERATOR_KINDS), ((("crds", "enabled"), True),), True
    ),
    # prometheus-community/helm-charts charts/prometheus-operator-crds: CRDs as templates, always.
    "prometheus-operator-crds": ChartCRDs(_kinds("monitoring.coreos.com", *PROMETHEUS_OPERATOR_KINDS)),
    # cert-manager: CRDs are templates gated by `crds.enabled` (>= 1.15) or the older
    # `installCRDs`, both false by default (cert-manager/cert-manager deploy/charts/cert-manager/values.yaml).
    "cert-manager": ChartCRDs(
        _kinds("cert-manager.io", "Certificate", "CertificateRequest", "Issuer", "ClusterIssuer")
        + _kinds("acme.cert-manager.io", "Order", "Challenge"),
        ((("crds", "enabled"), False), (("installCRDs",), False)),
    ),
    # alloy 1.5.1: `crds.create: true` installs PodLogs (monitoring.grafana.com) from the crds subchart.
    "alloy": ChartCRDs(_kinds("monitoring.grafana.com", "PodLogs"), ((("crds", "create"), True),), True),
    # grafana/helm-charts charts/grafana-operator: CRDs in crds/.
    "grafana-operator": ChartCRDs(
        _kinds(
            "grafana.integreatly.org",
            "Grafana",
            "GrafanaDashboard",
            "GrafanaDatasource",
            "GrafanaFolder",
            "GrafanaAlertRuleGroup",
            "GrafanaContactPoint",
            "GrafanaNotificationPolicy",
            "GrafanaNotificationTemplate",
            "GrafanaMuteTiming",
            "GrafanaLibraryPanel",
        ),
        (),
        True,
    ),
    # external-secrets/external-secrets deploy/charts: `installCRDs: true` by default.
    "external-secrets": ChartCRDs(
        _kinds(
            "external-secrets.io",
            "ExternalSecret",
            "SecretStore",
            "ClusterSecretStore",
            "ClusterExternalSecret",
            "PushSecret",
        ),
        ((("installCRDs",), True),),
    ),
}

# Custom resources a chart always renders, in the release namespace, for an operator to act on.
CHART_CUSTOM_RESOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    # rook/rook deploy/charts/rook-ceph-cluster/templates/cephcluster.yaml: one CephCluster, unconditionally,
    # in `.Release.Namespace`.
    "rook-ceph-cluster": (("ceph.rook.io", "CephCluster"),),
}

# Remote kustomize resources that install well-known CRDs (matched on the URL).
REMOTE_CRD_PATTERNS: tuple[tuple[re.Pattern[str], tuple[tuple[str, str], ...]], ...] = (
    (re.compile(r"cert-manager.*crds?\b", re.I), CHART_CRDS["cert-manager"].kinds),
    (re.compile(r"prometheus-operator.*(crd|bundle)", re.I), CHART_CRDS["prometheus-operator-crds"].kinds),
    # grafana/grafana-operator releases publish crds.yaml with every release
    (re.compile(r"grafana-operator.*crds?\b", re.I), CHART_CRDS["grafana-operator"].kinds),
    (re.compile(r"external-secrets.*crds?\b", re.I), CHART_CRDS["external-secrets"].kinds),
)
# controller-gen names a CRD file `<group>_<plural>.yaml` (kubernetes-sigs/controller-tools
# pkg/crd/gen.go), so a URL of one such file installs that one kind only.
_CRD_FILE = re.compile(r"/([a-z0-9.-]{1,253})_([a-z0-9]{1,63})\.ya?ml(?:[?#].*)?$")


def remote_crd_kinds(url: str) -> set[tuple[str, str]]:
    """The CRD kinds a remote resource (a URL kustomize or kubectl fetches) installs, as far as
    REMOTE_CRD_PATTERNS know it; one kind when the URL names a single CRD file."""
    found: set[tuple[str, str]] = set()
    for pattern, kinds in REMOTE_CRD_PATTERNS:
        if pattern.search(url):
            found.update(kinds)
    m = _CRD_FILE.search(url)
    if m is None or not found:
        return found
    group, plural = m.groups()
    return {(g, k) for g, k in found if g == group and plural in _plurals(k)}


def _plurals(kind: str) -> tuple[str, ...]:
    low = kind.lower()
    return (low + "s", low + "es", low[:-1] + "ies") if low.endswith("y") else (low + "s", low + "es")
