"""Who creates what, cluster by cluster, and what a reference resolves to: present, absent or unknown.

The catalogue lists, for each cluster, the namespaces, custom resource kinds, Secrets,
ConfigMaps and PersistentVolumeClaims that something in the repository creates, with the object that creates each:
manifests (as rendered), kustomize generators, Helm charts (known CRDs, `createNamespace`),
operators from their custom resources, and what the bootstrap files install (bootstrap.py).

The repository is not the whole world: operators create Secrets, charts create objects nobody
lists, things are installed by hand at bootstrap. So a lookup answers:

- PRESENT with the producers;
- UNKNOWN when something could create it that obslint cannot see into: a name holding an
  unresolved `${VAR}`, a custom resource of an operator in the same namespace that has that
  name or mentions it, a Helm release whose objects are prefixed with its name, a remote kustomize
  base or another repository's Kustomization building into that namespace, or a cluster where the
  repository creates no object of that kind at all (so it is evidently not where they come from);
- ABSENT only with evidence: the repository does create objects of that kind in that cluster,
  and nothing above could account for this one.

Rules report ABSENT; UNKNOWN is never an error.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc
from obslint.index import memoised
from obslint.model.bootstrap import Bootstrap, bootstrap
from obslint.model.charts import (
    CHART_CRDS,
    CHART_CUSTOM_RESOURCES,
    CLUSTER_NAMESPACES,
    is_builtin_group,
    remote_crd_kinds,
)
from obslint.model.flux import flux_graph
from obslint.model.flux.kinds import FLUX_GROUPS, OPERATOR_GROUP
from obslint.model.helm import helm_releases, values_bool
from obslint.model.replication import Mirrors, mirrors_of, spec_mirrors
from obslint.objects import Cluster, K8sObject, dig

if TYPE_CHECKING:
    from obslint.index import Index


class Presence(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Produced:
    """Something the repository creates and the object that creates it."""

    key: tuple[str, ...]  # ("Namespace", name) | ("Kind", group, kind) | ("Secret", ns, name) ...
    obj: K8sObject  # the manifest, the HelmRelease (chart), the custom resource, the generator output
    via: str  # manifest | chart | generator | createNamespace | operator | remote | bootstrap
    loc: Loc
    hashed: bool = False  # a kustomize generator appends a content hash to the name


@dataclass(frozen=True)
class Lookup:
    presence: Presence
    producers: tuple[Produced, ...] = ()
    reason: str = ""  # unknown: what could create it; absent: why absence is meaningful

    @property
    def present(self) -> bool:
        return self.presence is Presence.PRESENT

    @property
    def absent(self) -> bool:
        return self.presence is Presence.ABSENT


# Operators that create Secrets from their custom resources: (group, kind) -> paths of the Secret
# name in the resource ("" = the resource's own name), with name suffixes.
SECRET_OPERATORS: dict[tuple[str, str], tuple[tuple[tuple[str, ...], str], ...]] = {
    # external-secrets: spec.target.name, default the ExternalSecret's name
    # (https://external-secrets.io/latest/api/externalsecret/)
    ("external-secrets.io", "ExternalSecret"): ((("spec", "target", "name"), ""),),
    # sealed-secrets: the Secret takes the SealedSecret's name unless the template names it
    ("bitnami.com", "SealedSecret"): ((("spec", "template", "metadata", "name"), ""),),
    # cert-manager: spec.secretName (https://cert-manager.io/docs/usage/certificate/)
    ("cert-manager.io", "Certificate"): ((("spec", "secretName"), ""),),
    # CloudNativePG creates <cluster>-app, -superuser, -ca, -server, -replication
    # (https://cloudnative-pg.io/documentation/current/applications/#secrets)
    ("postgresql.cnpg.io", "Cluster"): tuple(
        ((), f"-{s}") for s in ("app", "superuser", "ca", "server", "replication")
    ),
    # Talos: a talos.dev ServiceAccount gets a Secret of its name holding the Talos API credentials
    # (https://www.talos.dev/latest/advanced/talos-api-access-from-k8s/)
    ("talos.dev", "ServiceAccount"): (((), ""),),
    # lib-bucket-provisioner (rook-ceph, noobaa): a Secret and a ConfigMap of the claim's name
    ("objectbucket.io", "ObjectBucketClaim"): (((), ""),),
    ("onepassword.com", "OnePasswordItem"): (((), ""),),
    ("secrets.hashicorp.com", "VaultStaticSecret"): ((("spec", "destination", "name"), ""),),
    ("secrets.hashicorp.com", "VaultDynamicSecret"): ((("spec", "destination", "name"), ""),),
}
# Operators that create objects of fixed names in the namespace of their custom resource: (group, kind)
# -> (kind, name). Some depend on the resource's settings, so a reference to one is unknown, not present.
FIXED_NAME_OUTPUTS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    # Rook: rook/rook pkg/operator/ceph/cluster/mon/mon.go (AppName "rook-ceph-mon", the Secret of the mon
    # keys; EndpointConfigMapName; OperatorCreds) and pkg/operator/ceph/cluster/mgr/dashboard.go
    # (dashboardPasswordName).
    ("ceph.rook.io", "CephCluster"): (
        ("Secret", "rook-ceph-mon"),
        ("Secret", "rook-ceph-operator-creds"),
        ("ConfigMap", "rook-ceph-mon-endpoints"),
        ("Secret", "rook-ceph-dashboard-password"),
    ),
}
# Groups whose resources create no Secrets or ConfigMaps of their own.
_INERT_GROUPS = frozenset({*FLUX_GROUPS, "monitoring.coreos.com", "kustomize.config.k8s.io"})
_NAME_IN_TEXT = re.compile(r"\bname:\s*['\"]?([\w.${}<>-]+)")


@dataclass
class Catalogue:
    namespaces: dict[tuple, list[Produced]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[tuple, list[Produced]] = field(default_factory=lambda: defaultdict(list))
    # (cluster, kind "Secret"|"ConfigMap", namespace or None, name) -> producers
    configs: dict[tuple, list[Produced]] = field(default_factory=lambda: defaultdict(list))
    configs_by_name: dict[tuple, list[Produced]] = field(default_factory=lambda: defaultdict(list))  # no namespace
    # (cluster, namespace, name) -> custom resources that have that name or mention it
    mentions: dict[tuple, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # (cluster, namespace, name) -> custom resources of that name whose outputs obslint does not know
    named_crs: dict[tuple, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # (cluster, kind, name) -> sources a replicating controller copies to namespaces matching a pattern
    mirrored: dict[tuple, list[K8sObject]] = field(default_factory=lambda: defaultdict(list))
    # (cluster, namespace) -> (release name, HelmRelease) there (their charts name objects after them)
    releases: dict[tuple, list[tuple[str, K8sObject]]] = field(default_factory=lambda: defaultdict(list))
    made: set[tuple] = field(default_factory=set)  # (cluster, kind) the repository creates at all
    boot: Bootstrap = field(default_factory=Bootstrap)  # what is there before Flux runs
    opaque: Any = None  # FluxGraph.is_opaque

    def namespace(self, name: str, scope: K8sObject | None) -> list[Produced]:
        return self.namespaces.get((_cluster(scope), name), [])

    def kind(self, group: str, kind: str, scope: K8sObject | None) -> list[Produced]:
        return self.kinds.get((_cluster(scope), group, kind), [])

    def preinstalled_kind(self, group: str, kind: str, scope: K8sObject | None = None) -> bool:
        return self.boot.has_kind(group, kind, _cluster(scope))

    def preinstalled_namespace(self, name: str, scope: K8sObject | None = None) -> bool:
        return name in CLUSTER_NAMESPACES or self.boot.has_namespace(name, _cluster(scope))

    def config(self, kind: str, namespace: str | None, name: str, scope: K8sObject | None) -> Lookup:
        """Where the Secret/ConfigMap/PersistentVolumeClaim `namespace/name` that `scope` refers to comes
        from (a HelmRelease's own chart never makes what its values or valuesFrom read: those exist first)."""
        cluster = _cluster(scope)
        if namespace is None:  # the referrer's namespace is not known: any namespace will do
            found = list(self.configs_by_name.get((cluster, kind, name), ()))
        else:
            found = self.configs.get((cluster, kind, namespace, name), []) + self.configs.get(
                (cluster, kind, None, name), []
            )
        # created before Flux runs (a bootstrap script, a helmfile hook): there, whoever else makes it
        found += [
            Produced((kind, i.key[1], name), i.obj, "bootstrap", i.loc)
            for i in self.boot.configs(kind, namespace, name, cluster)
            if i.obj is not None
        ]
        if found:
            return Lookup(Presence.PRESENT, tuple(found))
        if any(t in name or (namespace and t in namespace) for t in ("${", "{{", "<<")):
            return Lookup(Presence.UNKNOWN, reason="the name holds an unresolved variable")
        for cr in self.mentions.get((cluster, namespace, name), []) + self.mentions.get((cluster, None, name), []):
            return Lookup(Presence.UNKNOWN, reason=f"{cr.kind} {cr.name} may create it")
        for part in _name_parts(name):
            for cr in self.named_crs.get((cluster, namespace, part), []) + self.named_crs.get(
                (cluster, None, part), []
            ):
                return Lookup(Presence.UNKNOWN, reason=f"{cr.kind} {cr.name} may create it after its own name")
        for src in self.mirrored.get((cluster, kind, name), []):
            return Lookup(Presence.UNKNOWN, reason=f"{src.kind} {src.name} is copied to namespaces matching a pattern")
        for release, hr in self.releases.get((cluster, namespace), ()):
            if name.startswith(release) and hr is not scope:
                return Lookup(Presence.UNKNOWN, reason=f"the chart of HelmRelease {hr.name} may create it")
        if self.opaque is not None and self.opaque(cluster, namespace):
            return Lookup(Presence.UNKNOWN, reason="something outside the repository builds into that namespace")
        if (cluster, kind) not in self.made:
            return Lookup(Presence.UNKNOWN, reason=f"the repository creates no {kind} in this cluster")
        return Lookup(Presence.ABSENT, reason=f"the repository creates the {kind}s of this cluster")


def _cluster(scope: K8sObject | None) -> Cluster | None:
    return scope.cluster if scope is not None else None


def _add(table: dict, key: tuple, produced: Produced) -> None:
    table[key].append(produced)


def _add_config(cat: Catalogue, cluster: Cluster | None, kind: str, ns: str | None, name: str, p: Produced) -> None:
    cat.configs[(cluster, kind, ns, name)].append(p)
    cat.configs_by_name[(cluster, kind, name)].append(p)
    cat.made.add((cluster, kind))


def _name_parts(name: str) -> list[str]:
    """The runs of whole `-`/`.`-separated words of a name, shorter than the name: operators
    name what they write after their resource, with a prefix or suffix (pocket-id-operator:
    `<name>-oidc-credentials`; ext-postgres-operator: `<secretName>-<name>`)."""
    words = re.split(r"([-.])", name)
    out = []
    for i in range(0, len(words), 2):
        for j in range(i + 1, len(words) + 1, 2):
            part = "".join(words[i:j])
            if part and part != name:
                out.append(part)
    return out[:400]


def _add_mirrors(cat: Catalogue, src: K8sObject, kind: str, name: str, mirrors: Mirrors) -> None:
    """The copies a replicating controller makes of `kind` `name`, written by `src`."""
    for ns in sorted(mirrors.namespaces):
        _add_config(cat, src.cluster, kind, ns, name, Produced((kind, ns, name), src, "mirror", src.loc()))
    if mirrors.anywhere:
        cat.mirrored[(src.cluster, kind, name)].append(src)


def _mentions(cat: Catalogue, cr: K8sObject) -> None:
    """Index the names a custom resource has or mentions in its spec, for its namespace."""
    key = (cr.cluster, cr.namespace)
    cat.mentions[(*key, cr.name)].append(cr)
    cat.named_crs[(*key, cr.name)].append(cr)
    stack: list[Any] = [cr.spec]
    seen = 0
    while stack and seen < 5000:
        cur = stack.pop()
        items = cur.items() if isinstance(cur, dict) else enumerate(cur)
        for _k, v in items:
            seen += 1
            if isinstance(v, (dict, list)):
                stack.append(v)
            elif isinstance(v, str) and v:
                if "\n" in v:  # a template of objects (flux-operator ResourceSet resourcesTemplate)
                    for name in _NAME_IN_TEXT.findall(v):
                        cat.mentions[(*key, name)].append(cr)
                elif len(v) <= 253:
                    cat.mentions[(*key, v)].append(cr)


@memoised
def catalogue(index: Index) -> Catalogue:
    g = flux_graph(index)
    cat = Catalogue(boot=bootstrap(index), opaque=g.is_opaque)
    for obj in [*index.objects, *g.generated]:
        c = obj.cluster
        if obj.kind == "Namespace" and obj.group == "":
            _add(cat.namespaces, (c, obj.name), Produced(("Namespace", obj.name), obj, "manifest", obj.loc()))
        elif obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io":
            group, kind = obj.get("spec", "group"), obj.get("spec", "names", "kind")
            if isinstance(group, str) and isinstance(kind, str):
                _add(cat.kinds, (c, group, kind), Produced(("Kind", group, kind), obj, "manifest", obj.loc()))
        elif obj.kind in ("Secret", "ConfigMap", "PersistentVolumeClaim") and obj.group == "":
            gen = g.generated.get(obj)
            via = "generator" if gen is not None else "manifest"
            p = Produced((obj.kind, obj.namespace or "", obj.name), obj, via, obj.loc(), gen is not None and gen.hashed)
            _add_config(cat, c, obj.kind, obj.namespace, obj.name, p)
            if obj.kind != "PersistentVolumeClaim":
                _add_mirrors(cat, obj, obj.kind, obj.name, mirrors_of(obj.get("metadata", "annotations")))
        elif not is_builtin_group(obj.group) and obj.group not in _INERT_GROUPS:
            _operator_outputs(cat, obj)
    for k in g.kustomizations:  # the namespace of a Kustomization object exists when it is applied
        _add(
            cat.namespaces,
            (k.cluster, k.namespace),
            Produced(("Namespace", k.namespace), k.obj, "manifest", k.obj.loc()),
        )
        built = g.builds.get(k)
        for e in built.remote if built is not None else ():
            for gk in remote_crd_kinds(e.value):
                _add(cat.kinds, (k.cluster, *gk), Produced(("Kind", *gk), k.obj, "remote", e.loc))
    for rel in helm_releases(index):
        c = rel.obj.cluster
        spec = rel.obj.spec
        cat.releases[(c, rel.namespace)].append((rel.release_name, rel.obj))
        for gk in CHART_CUSTOM_RESOURCES.get(rel.chart, ()):  # the operator acts on what the chart renders
            for _kind, name in FIXED_NAME_OUTPUTS.get(gk, ()):
                cat.mentions[(c, rel.namespace, name)].append(rel.obj)
        crds = CHART_CRDS.get(rel.chart)
        if crds is not None:
            on = not crds.switches or any(values_bool(dig(rel.values, *p), d) for p, d in crds.switches)
            policy = dig(spec, "install", "crds")
            if crds.in_crds_dir and isinstance(policy, str) and policy == "Skip":
                on = False
            if on:
                for gk in crds.kinds:
                    _add(cat.kinds, (c, *gk), Produced(("Kind", *gk), rel.obj, "chart", rel.obj.loc("spec", "chart")))
        if dig(spec, "install", "createNamespace") is True and rel.namespace:
            _add(
                cat.namespaces,
                (c, rel.namespace),
                Produced(("Namespace", rel.namespace), rel.obj, "createNamespace", rel.obj.loc("spec", "install")),
            )
    return cat


def _operator_outputs(cat: Catalogue, cr: K8sObject) -> None:
    c, ns = cr.cluster, cr.namespace
    if cr.group == OPERATOR_GROUP and cr.kind == "ResourceSet":
        _mentions(cat, cr)  # its templates may make any object they name
        return
    for _kind, name in FIXED_NAME_OUTPUTS.get((cr.group, cr.kind), ()):
        cat.mentions[(c, ns, name)].append(cr)
    outputs = SECRET_OPERATORS.get((cr.group, cr.kind))
    if outputs is None:
        if cr.kind == "ClusterExternalSecret":
            name = dig(cr.spec, "externalSecretSpec", "target", "name") or dig(cr.spec, "externalSecretName") or cr.name
            if isinstance(name, str):
                _add_config(cat, c, "Secret", None, name, Produced(("Secret", "", name), cr, "operator", cr.loc()))
            return
        _mentions(cat, cr)
        return
    for path, suffix in outputs:
        base = dig(cr.data, *path) if path else None
        name = (base if isinstance(base, str) and base else cr.name) + suffix
        kinds = ("Secret", "ConfigMap") if cr.kind == "ObjectBucketClaim" else ("Secret",)
        for kind in kinds:
            _add_config(cat, c, kind, ns, name, Produced((kind, ns or "", name), cr, "operator", cr.loc()))
            _add_mirrors(cat, cr, kind, name, spec_mirrors(cr.spec))
