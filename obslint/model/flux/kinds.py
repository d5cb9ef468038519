"""Names the Flux model shares: API groups, cluster-scoped kinds, path helpers."""

from __future__ import annotations

import bisect
import posixpath
import re

KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
HELMRELEASE_GROUP = "helm.toolkit.fluxcd.io"
NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io"
ARTIFACT_GROUP = "source.extensions.fluxcd.io"  # ArtifactGenerator (Flux 2.7 source-watcher)
OPERATOR_GROUP = "fluxcd.controlplane.io"  # flux-operator: FluxInstance, ResourceSet
FLUX_GROUPS = (KUSTOMIZE_GROUP, SOURCE_GROUP, HELMRELEASE_GROUP, NOTIFICATION_GROUP)

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
BOOTSTRAP_NAMESPACE = "flux-system"

# The source kinds a Flux Kustomization accepts: the enum of `.spec.sourceRef.kind` in the
# kustomize-controller CRD (v1.9.4, config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml,
# copied in tests/data/crds/flux/).
KUSTOMIZATION_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")

# Kinds without a namespace: kustomize's namespace transformer and Flux's targetNamespace leave
# them alone (Namespace objects excepted: kustomize renames them, see build.py).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "PriorityClass",
        "PersistentVolume",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "ClusterIssuer",
        "ClusterSecretStore",
        "ClusterExternalSecret",
        "IngressClass",
        "GatewayClass",
        "RuntimeClass",
        "CSIDriver",
        "VolumeSnapshotClass",
        "Node",
        "ClusterPolicy",
    }
)

REMOTE_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|//", re.I)


def is_remote(entry: str) -> bool:
    """A kustomize resource fetched over the network (a URL or a `?ref=` git reference)."""
    return bool(REMOTE_RE.search(entry))


def norm_path(path: str) -> str:
    """A Flux/kustomize path relative to the repo root, normalised ('' for the root)."""
    p = posixpath.normpath(path.strip().lstrip("/") or ".")
    return "" if p == "." else p


def inside(path: str) -> bool:
    """Whether a normalised path stays inside the repository."""
    return path != ".." and not path.startswith("../")


def below(sorted_items: list[str], prefix: str) -> list[str]:
    """Items of a sorted list that start with prefix (bisect, not a scan)."""
    if not prefix:
        return sorted_items
    i = bisect.bisect_left(sorted_items, prefix)
    out = []
    while i < len(sorted_items) and sorted_items[i].startswith(prefix):
        out.append(sorted_items[i])
        i += 1
    return out


def truthy(value: object) -> bool:
    """A boolean field as the API server reads it from YAML (true, or the string "true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
