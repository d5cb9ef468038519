"""One object of a kustomize build: its tree and the identities it had earlier in the build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from obslint.load.yamlfile import YMap

# Kinds kustomize knows to be cluster-scoped: the built-in kinds its OpenAPI document marks so
# (kustomize api/resid/gvk.go IsNamespaceableKind, which asks kyaml/openapi IsNamespaceScoped;
# a kind it has no schema for, such as any custom resource, counts as namespaced).
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("policy", "PodSecurityPolicy"),
    }
)


def split_api_version(api_version: str) -> tuple[str, str]:
    """(group, version): `apps/v1` is ('apps', 'v1'), the core `v1` is ('', 'v1')."""
    group, _, version = api_version.rpartition("/")
    return group, version


def effective_namespace(group: str, kind: str, namespace: str | None) -> str:
    """kustomize's ResId.EffectiveNamespace: 'default' for a namespaced object without one, a
    marker that no namespace pattern matches for a cluster-scoped kind."""
    if (group, kind) in CLUSTER_SCOPED:
        return "_non_namespaceable_"
    return namespace or "default"


def label_text(value: Any) -> str:
    """A label or annotation value as Kubernetes reads it (a string map)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): label_text(v) for k, v in value.items()}


@dataclass(frozen=True, eq=False)
class Resource:
    """An object as kustomize tracks it. `previous` holds the (name, namespace) pairs it had before
    a transformer renamed it (a name prefix, a namespace, a patch allowed to rename): kustomize
    selects patch targets by the original and the current identity (api/resmap/reswrangler.go
    Select and GetMatchingResourcesByAnyId)."""

    data: YMap
    previous: tuple[tuple[str, str | None], ...] = ()

    @cached_property
    def _meta(self) -> Mapping:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    def _top(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    @cached_property
    def api_version(self) -> str:
        return self._top("apiVersion")

    @property
    def group(self) -> str:
        return split_api_version(self.api_version)[0]

    @property
    def version(self) -> str:
        return split_api_version(self.api_version)[1]

    @cached_property
    def kind(self) -> str:
        return self._top("kind")

    @cached_property
    def name(self) -> str:
        return label_text(self._meta.get("name"))

    @cached_property
    def namespace(self) -> str | None:
        value = self._meta.get("namespace")
        return None if value in (None, "") else label_text(value)

    @cached_property
    def labels(self) -> dict[str, str]:
        return _string_map(self._meta.get("labels"))

    @cached_property
    def annotations(self) -> dict[str, str]:
        return _string_map(self._meta.get("annotations"))

    def effective_namespace(self, namespace: str | None) -> str:
        return effective_namespace(self.group, self.kind, namespace)

    @property
    def ids(self) -> tuple[tuple[str, str | None], ...]:
        """Every (name, namespace) the object had, the original first and the current last."""
        return (*self.previous, (self.name, self.namespace))
