"""dangling-reference: Flux objects naming objects that nothing creates."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator

from pydantic import Field

from obslint.findings import Finding
from obslint.index import K8sObject
from obslint.model.flux import BOOTSTRAP_NAMESPACE, NOTIFICATION_GROUP, FluxGraph, flux_graph
from obslint.model.helm import Ref, helm_releases, refs_of
from obslint.model.services import Catalogue, catalogue
from obslint.rules import RuleContext, RuleOptions, rule

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
    + """---
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
    why="""
    dependsOn, sourceRef/chartRef, providerRef, valuesFrom, postBuild.substituteFrom,
    decryption and Provider secretRef, and Alert eventSources are resolved by name (in the
    referring object's namespace unless one is given). A typo or a renamed object leaves the
    Kustomization or HelmRelease stuck "not ready" forever, and an Alert with a wrong event
    source silently never fires. Objects the Flux bootstrap creates (flux-system
    GitRepository/Kustomization/Secret) and the sops-age decryption Secret are known; list
    anything else managed outside the repository in the `external` option.
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
    cat: Catalogue = catalogue(index)
    opts: DanglingOptions = ctx.options

    def external(kind: str, ns: str, name: str) -> bool:
        if (kind, ns, name) in BOOTSTRAP_OBJECTS:
            return True
        key = f"{kind}/{ns}/{name}"
        return any(fnmatch.fnmatchcase(key, p) or fnmatch.fnmatchcase(f"{kind}/{name}", p) for p in opts.external)

    def flux_ref(obj: K8sObject, ref: Ref, default_kind: str, what: str) -> Iterator[Finding]:
        ns = ref.namespace or g.namespace_of(obj) or BOOTSTRAP_NAMESPACE
        kind = ref.kind or default_kind
        if external(kind, ns, ref.name) or g.resolve(kind, ref.name, ns, obj):
            return
        others = [o for o in index.of_kind(kind) if o.name == ref.name]
        hint = f"no {kind} named {ref.name} in the repository"
        if others:
            where = sorted({g.namespace_of(o) or "?" for o in others})
            hint = f"{kind} {ref.name} exists in namespace(s) {', '.join(where)}: set `namespace:` on the reference"
        yield Finding(
            ref.loc,
            f"{obj.kind} {_nsname(g, obj)}: {what} names {kind} {ns}/{ref.name}, which does not exist",
            hint + " (or list it in the `external` option if it is managed outside the repository)",
        )

    def config_ref(obj: K8sObject, ref: Ref, what: str, ns: str | None = None) -> Iterator[Finding]:
        if ref.optional or ref.kind not in ("Secret", "ConfigMap"):
            return
        ns = ns or g.namespace_of(obj) or BOOTSTRAP_NAMESPACE
        if external(ref.kind, ns, ref.name):
            return
        found = cat.config(ref.kind, ns, ref.name)
        if found:
            field_path = "spec/" + what.replace(".", "/") + "/name"  # valuesFrom -> spec/valuesFrom/name
            if all(p.via == "generator" and p.hashed for p in found) and not any(
                g.rewrites_name(posixpath.dirname(p.loc.path), ref.kind, obj, field_path) for p in found
            ):
                gen = "secretGenerator" if ref.kind == "Secret" else "configMapGenerator"
                yield Finding(
                    ref.loc,
                    f"{obj.kind} {_nsname(g, obj)}: {what} names {ref.kind} {ns}/{ref.name}, but the kustomize "
                    f"{gen} ({found[0].loc.path}:{found[0].loc.line}) appends a content hash to that name, and "
                    f"kustomize does not rewrite {what} of a {obj.kind}",
                    "set `options: {disableNameSuffixHash: true}` on the generator (or generatorOptions), or add a "
                    "`configurations:` nameReference for the field to the kustomization.yaml",
                )
            return
        yield Finding(
            ref.loc,
            f"{obj.kind} {_nsname(g, obj)}: {what} names {ref.kind} {ns}/{ref.name}, "
            "which nothing in the repository creates",
            f"add the {ref.kind} (SOPS-encrypted for a Secret), fix the name, mark the entry `optional: true`, "
            "or list it in the `external` option",
        )

    for k in g.kustomizations:
        obj = k.obj
        for ref in k.depends_on:
            yield from flux_ref(obj, ref, "Kustomization", "dependsOn")
        if k.source is not None and k.source.kind in ("GitRepository", "OCIRepository", "Bucket"):
            # (an ExternalArtifact is produced by an ArtifactGenerator at run time: not checked)
            yield from flux_ref(obj, k.source, "GitRepository", "sourceRef")
        secret = k.decryption_secret
        if secret is not None and secret.name not in opts.out_of_band_secrets:
            yield from config_ref(
                obj, Ref("Secret", secret.name, None, secret.loc), "decryption.secretRef", k.namespace
            )
        for ref in refs_of(obj, "spec", "postBuild", "substituteFrom", kind="ConfigMap"):
            yield from config_ref(obj, ref, "postBuild.substituteFrom", k.namespace)
    for rel in helm_releases(index):
        obj = rel.obj
        for ref in rel.depends_on:
            yield from flux_ref(obj, ref, "HelmRelease", "dependsOn")
        src = rel.source_ref
        if src is not None:
            yield from flux_ref(obj, src, src.kind, "chart sourceRef" if "sourceRef" in src.field else "chartRef")
        for ref in rel.values_from:
            yield from config_ref(obj, ref, "valuesFrom")
    for alert in index.of_kind("Alert", group=NOTIFICATION_GROUP):
        provider_ref = alert.get("spec", "providerRef")
        if isinstance(provider_ref, dict) and isinstance(provider_ref.get("name"), str):
            ref = Ref("Provider", provider_ref["name"], None, alert.loc("spec", "providerRef", "name"))
            yield from flux_ref(alert, ref, "Provider", "providerRef")
        for ref in refs_of(alert, "spec", "eventSources", kind=""):
            if not ref.kind or any(c in ref.name for c in "*?["):
                continue
            yield from flux_ref(alert, ref, ref.kind, "eventSources")
    for prov in index.of_kind("Provider", group=NOTIFICATION_GROUP):
        secret = prov.get("spec", "secretRef", "name")
        if isinstance(secret, str) and secret:
            ref = Ref("Secret", secret, None, prov.loc("spec", "secretRef", "name"))
            yield from config_ref(prov, ref, "secretRef")


def _nsname(g: FluxGraph, obj: K8sObject) -> str:
    ns = g.namespace_of(obj)
    return f"{ns}/{obj.name}" if ns else obj.name
