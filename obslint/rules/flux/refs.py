"""dangling-reference: Flux objects naming objects that nothing creates."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator

from pydantic import Field

from obslint.findings import Finding, Related
from obslint.model.catalogue import catalogue
from obslint.model.flux import BOOTSTRAP_NAMESPACE, NOTIFICATION_GROUP, FluxGraph, flux_graph
from obslint.model.helm import helm_releases
from obslint.objects import K8sObject, Ref, refs_of
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.suggest import did_you_mean

# Created by `flux bootstrap`, not by files of the repository.
BOOTSTRAP_OBJECTS = frozenset(
    {
        ("GitRepository", BOOTSTRAP_NAMESPACE, BOOTSTRAP_NAMESPACE),
        ("OCIRepository", BOOTSTRAP_NAMESPACE, BOOTSTRAP_NAMESPACE),
        ("Kustomization", BOOTSTRAP_NAMESPACE, BOOTSTRAP_NAMESPACE),
        ("Secret", BOOTSTRAP_NAMESPACE, BOOTSTRAP_NAMESPACE),
    }
)


class DanglingOptions(RuleOptions):
    external: list[str] = Field(
        default_factory=list,
        description="objects managed outside the repository, as Kind/namespace/name (shell patterns), "
        "e.g. Secret/monitoring/grafana-oauth or HelmRepository/*/internal-*",
    )
    out_of_band_secrets: list[str] = Field(
        default_factory=lambda: ["sops-age", "sops-gpg"],
        description="decryption Secrets created by hand when the cluster is bootstrapped (any namespace)",
    )


_FAIL = """\
-- clusters/home/monitoring.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: monitoring
  namespace: flux-system
spec:
  interval: 10m
  path: ./monitoring
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
-- monitoring/loki.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: loki
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: loki
      version: 6.46.0
      sourceRef:
        kind: HelmRepository
        name: grafana-charts
"""

_PASS = (
    _FAIL
    + """-- monitoring/repository.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: grafana-charts
  namespace: monitoring
spec:
  interval: 12h
  url: https://grafana.github.io/helm-charts
"""
)


@rule(
    "FLUX001",
    "dangling-reference",
    "error",
    "A Flux object names a source, dependency, provider, Secret or ConfigMap that does not exist",
    basis=Basis.CERTAIN,
    why="""
    dependsOn, sourceRef/chartRef, providerRef, valuesFrom, postBuild.substituteFrom,
    decryption and Provider secretRef, and Alert eventSources are resolved by name (in the
    referring object's namespace unless one is given), in the cluster the object is applied to.
    A typo or a renamed object leaves the Kustomization or HelmRelease stuck "not ready"
    forever, and an Alert with a wrong event source silently never fires.

    A Flux object is reported missing only in a cluster the repository defines (its Flux root
    is in the repository), where nothing opaque - another repository's Kustomization, a remote
    kustomize base - could create it, and when its name holds no unresolved `${VAR}`. A
    ConfigMap or Secret is reported only when the repository evidently creates that kind of
    object in that cluster and no operator resource or chart could account for it, and then as a
    warning: it may still be made out of band. Objects the
    Flux bootstrap creates (flux-system GitRepository/Kustomization/Secret, a FluxInstance's sync
    source) and the sops-age decryption Secret are known, and so are the Secrets and ConfigMaps
    the repository's bootstrap scripts, task runners and helmfile hooks create (`kubectl create
    secret`, `sops -d FILE | kubectl apply -f -`); list anything else managed outside the
    repository in the `external` option.
    """,
    failing=_FAIL,
    passing=_PASS,
    fix="""
    Fix the name or namespace of the reference, or add the missing object. If it is created
    outside the repository, add it to `options: {dangling-reference: {external: [Kind/ns/name]}}`.
    """,
    options=DanglingOptions,
)
def dangling_reference(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    g: FluxGraph = flux_graph(index)
    cat = catalogue(index)
    opts: DanglingOptions = ctx.options
    # one finding per missing object: every reference to it shares the cause and the fix
    missing: dict[tuple[str, str, str], list[Finding]] = {}

    def external(kind: str, ns: str, name: str) -> bool:
        if (kind, ns, name) in BOOTSTRAP_OBJECTS:
            return True
        key = f"{kind}/{ns}/{name}"
        return any(fnmatch.fnmatchcase(key, p) or fnmatch.fnmatchcase(f"{kind}/{name}", p) for p in opts.external)

    def flux_ref(obj: K8sObject, ref: Ref, default_kind: str, what: str) -> None:
        ns = ref.namespace or obj.namespace or BOOTSTRAP_NAMESPACE
        kind = ref.kind or default_kind
        if "${" in ref.name or "${" in ns or external(kind, ns, ref.name) or g.resolve(kind, ref.name, ns, obj):
            return
        # Absent needs a cluster the repository defines, with nothing opaque building Flux objects there.
        if obj.cluster is None or g.is_opaque(obj.cluster, ns):
            return
        others = [o for o in index.of_kind(kind) if o.name == ref.name and o.cluster == obj.cluster]
        same_ns = [o.name for o in index.of_kind(kind) if o.cluster == obj.cluster and (o.namespace or ns) == ns]
        hint = f"no {kind} named {ref.name} in cluster {obj.cluster}{did_you_mean(ref.name, same_ns)}"
        if others:
            where = sorted({o.namespace or "?" for o in others})
            hint = f"{kind} {ref.name} exists in namespace {', '.join(where)}: set `namespace:` on the reference"
        missing.setdefault((kind, ns, ref.name), []).append(
            Finding(
                ref.loc,
                f"{obj.kind} {_nsname(obj)}: {what} names {kind} {ns}/{ref.name}, which does not exist",
                hint + ", or list it in the `external` option if it is managed outside the repository",
                clusters=obj.cluster_names,
            )
        )

    def config_ref(obj: K8sObject, ref: Ref, what: str, ns: str | None = None) -> Iterator[Finding]:
        if ref.optional or ref.kind not in ("Secret", "ConfigMap"):
            return
        ns = ns or obj.namespace or BOOTSTRAP_NAMESPACE
        if external(ref.kind, ns, ref.name):
            return
        found = cat.config(ref.kind, ns, ref.name, obj)
        if found.present:
            field_path = "spec/" + what.replace(".", "/") + "/name"  # valuesFrom -> spec/valuesFrom/name
            producers = found.producers
            if all(p.via == "generator" and p.hashed for p in producers) and not any(
                g.rewrites_name(posixpath.dirname(p.loc.path), ref.kind, obj, field_path) for p in producers
            ):
                gen = "secretGenerator" if ref.kind == "Secret" else "configMapGenerator"
                yield Finding(
                    ref.loc,
                    f"{obj.kind} {_nsname(obj)}: {what} names {ref.kind} {ns}/{ref.name}, but its kustomize "
                    f"{gen} appends a content hash to that name, which kustomize does not rewrite in {what}",
                    "set `options: {disableNameSuffixHash: true}` on the generator (or generatorOptions), or add a "
                    "`configurations:` nameReference for the field to the kustomization.yaml",
                    related=(Related(producers[0].loc, f"the {gen} of {ref.name}"),),
                    clusters=obj.cluster_names,
                )
            return
        if not found.absent:
            return
        missing.setdefault((ref.kind, ns, ref.name), []).append(
            Finding(
                ref.loc,
                f"{obj.kind} {_nsname(obj)}: {what} names {ref.kind} {ns}/{ref.name}, "
                "which nothing in the repository creates",
                f"add the {ref.kind} (SOPS-encrypted for a Secret), fix the name, mark the entry `optional: true`, "
                "or list it in the `external` option",
                clusters=obj.cluster_names,
                # a Secret or ConfigMap may be made out of band (by hand, an operator, another
                # repository): absent from the repository is likely, not certainly, absent
                basis=Basis.ASSUMPTION,
            )
        )

    for k in g.kustomizations:
        if k.synthetic:
            continue
        obj = k.obj
        for ref in k.depends_on:
            flux_ref(obj, ref, "Kustomization", "dependsOn")
        if k.source is not None and k.source.kind in ("GitRepository", "OCIRepository", "Bucket"):
            # (an ExternalArtifact is produced by an ArtifactGenerator at run time: not checked)
            flux_ref(obj, k.source, "GitRepository", "sourceRef")
        secret = k.decryption_secret
        if secret is not None and secret.name not in opts.out_of_band_secrets:
            ref = Ref("Secret", secret.name, None, secret.loc)
            yield from config_ref(obj, ref, "decryption.secretRef", k.namespace)
        for ref in k.substitute_from:
            yield from config_ref(obj, ref, "postBuild.substituteFrom", k.namespace)
    for rel in helm_releases(index):
        obj = rel.obj
        for ref in rel.depends_on:
            flux_ref(obj, ref, "HelmRelease", "dependsOn")
        src = rel.source_ref
        if src is not None:
            flux_ref(obj, src, src.kind, "chart sourceRef" if "sourceRef" in src.field else "chartRef")
        for ref in rel.values_from:
            yield from config_ref(obj, ref, "valuesFrom")
    for alert in index.of_kind("Alert", group=NOTIFICATION_GROUP):
        provider_ref = alert.get("spec", "providerRef")
        if isinstance(provider_ref, dict) and isinstance(provider_ref.get("name"), str):
            ref = Ref("Provider", provider_ref["name"], None, alert.loc("spec", "providerRef", "name"))
            flux_ref(alert, ref, "Provider", "providerRef")
        for ref in refs_of(alert, "spec", "eventSources", kind=""):
            if not ref.kind or any(c in ref.name for c in "*?["):
                continue
            flux_ref(alert, ref, ref.kind, "eventSources")
    for prov in index.of_kind("Provider", group=NOTIFICATION_GROUP):
        secret = prov.get("spec", "secretRef", "name")
        if isinstance(secret, str) and secret:
            ref = Ref("Secret", secret, None, prov.loc("spec", "secretRef", "name"))
            yield from config_ref(prov, ref, "secretRef")
    for found in missing.values():
        yield _one_per_target(found)


def _one_per_target(found: list[Finding]) -> Finding:
    """The references to one missing object as one finding, the first in file order, the others
    attached as related places."""
    found.sort(key=lambda f: (f.loc.path, f.loc.line, f.loc.col))
    first = found[0]
    if len(found) == 1:
        return first
    who, _, rest = first.message.partition(": ")
    return Finding(
        first.loc,
        f"{who} and {len(found) - 1} more: {rest}",
        first.hint,
        related=tuple(Related(f.loc, f.message) for f in found[1:50]),
        clusters=frozenset().union(*(f.clusters for f in found)),
    )


def _nsname(obj: K8sObject) -> str:
    return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
