"""A Flux Kustomization as applied in one cluster: its spec as read from the rendered object (after
its parent's patches and substitution), and what it applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obslint.load import YMap
from obslint.model.flux.kinds import BOOTSTRAP_NAMESPACE, norm_path, truthy
from obslint.model.flux.kustomize_files import PatchSpec
from obslint.objects import Cluster, K8sObject, Ref, refs_of

# kustomize.toolkit.fluxcd.io annotation/label that turns postBuild substitution off for an object
# (fluxcd/pkg kustomize/kustomize_varsub.go, substituteAnnotationKey).
SUBSTITUTE_KEY = "kustomize.toolkit.fluxcd.io/substitute"


@dataclass(eq=False)
class FluxKustomization:
    obj: K8sObject  # the Kustomization as rendered for its cluster (or made by a FluxInstance)
    cluster: Cluster | None
    name: str
    namespace: str
    path: str | None  # normalised, relative to the repository root; None: unknown (unresolved ${VAR})
    source: Ref | None
    target_namespace: str | None
    wait: bool
    health_checks: list[Ref]
    depends_on: list[Ref]
    decryption_secret: Ref | None
    decrypts: bool  # spec.decryption.provider: sops
    name_prefix: str = ""
    name_suffix: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # spec.commonMetadata.labels
    annotations: dict[str, str] = field(default_factory=dict)
    patches: list[PatchSpec] = field(default_factory=list)
    components: list[tuple[str, Any]] = field(default_factory=list)  # (entry, loc)
    substitute: dict[str, Any] = field(default_factory=dict)  # postBuild.substitute
    substitute_from: list[Ref] = field(default_factory=list)
    has_post_build: bool = False
    parent: FluxKustomization | None = None
    local: bool = False  # its source is this repository
    source_root: str = ""  # directory of the repository that is the root of its source artifact
    synthetic: bool = False  # made by a FluxInstance, not written in the repository
    # the ExternalArtifact source lacks spec.path for certain: (artifact name, generator, the paths it creates)
    missing_in: tuple[str, K8sObject, list[str]] | None = None
    applies: list[K8sObject] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"Kustomization {self.namespace}/{self.name}"

    @property
    def written(self) -> K8sObject:
        return self.obj.written

    def checks_health_of(self, kind: str, name: str, namespace: str | None) -> bool:
        return any(
            h.kind == kind and h.name == name and (h.namespace or self.namespace) == (namespace or self.namespace)
            for h in self.health_checks
        )


def _ref(container: Any, key: str, kind_default: str) -> Ref | None:
    node = container.get(key) if isinstance(container, dict) else None
    if not isinstance(node, dict):
        return None
    name = node.get("name")
    if not isinstance(name, str) or not name:
        return None
    kind = node.get("kind") if isinstance(node.get("kind"), str) else kind_default
    ns = node.get("namespace") if isinstance(node.get("namespace"), str) and node.get("namespace") else None
    return Ref(kind, name, ns, node.loc("name") if isinstance(node, YMap) else container.loc(key))


def _str_map(node: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in node.items() if v is not None} if isinstance(node, dict) else {}


def read_kustomization(obj: K8sObject, parent: FluxKustomization | None = None) -> FluxKustomization:
    """The spec of a (rendered) Flux Kustomization object."""
    spec = obj.spec
    path = spec.get("path")
    if path is None:
        npath: str | None = ""
    elif isinstance(path, str) and "${" not in path:
        npath = norm_path(path)
    else:
        npath = None
    decryption = spec.get("decryption")
    provider = decryption.get("provider") if isinstance(decryption, dict) else None
    target = spec.get("targetNamespace")
    post = spec.get("postBuild")
    meta = spec.get("commonMetadata")
    k = FluxKustomization(
        obj=obj,
        cluster=obj.cluster,
        name=obj.name,
        namespace=obj.namespace or BOOTSTRAP_NAMESPACE,
        path=npath,
        source=_ref(spec, "sourceRef", "GitRepository"),
        target_namespace=target if isinstance(target, str) and target else None,
        wait=truthy(spec.get("wait")),
        health_checks=refs_of(obj, "spec", "healthChecks", kind=""),
        depends_on=refs_of(obj, "spec", "dependsOn", kind="Kustomization"),
        decryption_secret=_ref(decryption, "secretRef", "Secret") if isinstance(decryption, dict) else None,
        decrypts=isinstance(provider, str) and provider.strip().lower() == "sops",
        name_prefix=spec.get("namePrefix") if isinstance(spec.get("namePrefix"), str) else "",
        name_suffix=spec.get("nameSuffix") if isinstance(spec.get("nameSuffix"), str) else "",
        labels=_str_map(meta.get("labels")) if isinstance(meta, dict) else {},
        annotations=_str_map(meta.get("annotations")) if isinstance(meta, dict) else {},
        parent=parent,
        has_post_build=isinstance(post, dict),
    )
    patches = spec.get("patches")
    for i, item in enumerate(patches if isinstance(patches, list) else ()):
        if isinstance(item, dict) and isinstance(item.get("patch"), str):
            target_sel = item.get("target") if isinstance(item.get("target"), dict) else None
            k.patches.append(PatchSpec("spec.patches", patches.loc(i), inline=(item, "patch"), target=target_sel))
    comps = spec.get("components")
    for i, entry in enumerate(comps if isinstance(comps, list) else ()):
        if isinstance(entry, str):
            k.components.append((entry, comps.loc(i) if hasattr(comps, "loc") else obj.loc("spec")))
    if isinstance(post, dict):
        sub = post.get("substitute")
        if isinstance(sub, dict):
            k.substitute = {str(key): v for key, v in sub.items()}
        k.substitute_from = refs_of(obj, "spec", "postBuild", "substituteFrom", kind="ConfigMap")
    return k
