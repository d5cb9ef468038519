"""Install-order needs: what each Kustomization or HelmRelease uses that another one of its
cluster creates, and whether dependsOn orders them.

A need is an apply-time dependency: the kind of a custom resource (its CRD), the namespace an
object goes into, the Flux source a Kustomization or HelmRelease pulls, the Secret that decrypts a
Kustomization, a valuesFrom ConfigMap/Secret. A run-time URL (a log shipper's push endpoint, a
datasource, a webhook) is not one: clients retry until the Service answers, so a Service another
release creates is a reachability question (LOKI006, ALLOY007), never an ordering one.

What is there before Flux runs orders nothing: CRDs and namespaces installed by the bootstrap
(bootstrap.py), and CRD groups the repository evidently installs out of band (see
`_detect_preinstalled`). A producer outside the cluster, or none at all, is not this module's
concern: dangling references and open-world lookups are judged by FLUX001/SEC006.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc
from obslint.index import memoised
from obslint.load.yamlfile import is_sops_document
from obslint.model.catalogue import Produced, catalogue
from obslint.model.charts import CLUSTER_NAMESPACES, is_builtin_group
from obslint.model.flux.graph import FluxGraph
from obslint.model.flux.kustomization import FluxKustomization
from obslint.model.flux.proven import ProvenKinds
from obslint.model.helm import helm_releases
from obslint.objects import K8sObject

if TYPE_CHECKING:
    from obslint.index import Index


@dataclass(eq=False)
class Producer:
    """Who creates a needed thing: a manifest applied by Kustomizations, or a HelmRelease's chart."""

    obj: K8sObject
    release: K8sObject | None  # set when a chart creates it (asynchronously, after the apply)
    kustomizations: list[FluxKustomization]  # applying obj (or the release)
    description: str
    via: str = "manifest"  # how it is made: manifest, chart, createNamespace, remote


@dataclass(eq=False)
class Need:
    consumer: FluxKustomization | None  # the Kustomization that applies the subject
    release: K8sObject | None  # the HelmRelease that needs it (None: the apply itself needs it)
    subject: K8sObject
    what: str
    loc: Loc
    producers: list[Producer]
    others: list[K8sObject] = field(default_factory=list)  # more subjects of the consumer needing it
    key: tuple = ()  # ("kind", group, kind) | ("ns", namespace) | ()


@dataclass(eq=False)
class Verdict:
    need: Need
    ok: bool
    # when not ok: ("Kustomization", consumer, producer-kustomization) or ("HelmRelease", release, producer-release)
    fix: tuple[str, Any, Any] | None = None
    producer: Producer | None = None
    # when ok only through a Kustomization dependsOn chain onto a HelmRelease's chart: (consumer, KP, release)
    unwaited: list[tuple[FluxKustomization, FluxKustomization, K8sObject]] = field(default_factory=list)


def _nsname(obj: K8sObject) -> str:
    return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


def _producers(g: FluxGraph, produced: Iterable[Produced]) -> list[Producer]:
    out = []
    for p in produced:
        if p.via in ("chart", "createNamespace"):
            out.append(Producer(p.obj, p.obj, g.appliers(p.obj), f"HelmRelease {_nsname(p.obj)} ({p.via})", p.via))
        elif p.via == "remote":
            k = g.kustomization(p.obj)
            remote = f"a remote resource of {p.obj.ref()}"
            out.append(Producer(p.obj, None, [k] if k is not None else [], remote, "remote"))
        else:
            out.append(Producer(p.obj, None, g.appliers(p.obj), f"{p.obj.kind} {_nsname(p.obj)}"))
    return out


def _self_decrypting(g: FluxGraph, obj: K8sObject, secret: str) -> bool:
    appliers = g.appliers(obj)
    return (
        is_sops_document(obj.data)
        and bool(appliers)
        and all(k.decryption_secret is not None and k.decryption_secret.name == secret for k in appliers)
    )


def _source(obj: K8sObject) -> Produced:
    return Produced((obj.kind, obj.namespace or "", obj.name), obj, "manifest", obj.loc())


def _needs(index: Index, g: FluxGraph) -> list[Need]:
    cat = catalogue(index)
    needs: list[Need] = []
    seen: dict[tuple, Need] = {}

    def add(consumer, release, subject, what, loc, produced, key=None) -> None:
        produced = list(produced)
        if any(p.via == "bootstrap" for p in produced):
            return  # there before Flux runs: nothing to order
        producers = [
            p for p in _producers(g, produced) if p.obj is not subject and (release is None or p.release is not release)
        ]
        if not producers:
            return
        if key is not None and key in seen:
            seen[key].others.append(subject)
            return
        need = Need(consumer, release, subject, what, loc, producers, key=key[1:] if key else ())
        if key is not None:
            seen[key] = need
        needs.append(need)

    releases = {r.obj: r for r in helm_releases(index)}
    pairs: list[tuple[FluxKustomization | None, K8sObject]] = [(k, o) for k in g.kustomizations for o in k.applies]
    pairs.extend((None, r) for r in releases if not g.appliers(r))
    for k, obj in pairs:
        group = obj.group
        if k is not None and not is_builtin_group(group) and not cat.preinstalled_kind(group, obj.kind, obj):
            what = f"kind {obj.kind} ({group})"
            add(k, None, obj, what, obj.loc("kind"), cat.kind(group, obj.kind, obj), key=(k, "kind", group, obj.kind))
        ns = obj.namespace
        if k is not None and ns and not cat.preinstalled_namespace(ns, obj) and obj.kind != "Namespace":
            add(k, None, obj, f"namespace {ns}", obj.loc("metadata"), cat.namespace(ns, obj), key=(k, "ns", ns))
        child = g.kustomization(obj) if obj.kind == "Kustomization" else None
        if child is not None and child.parent is k:
            if child.decryption_secret is not None:
                name = child.decryption_secret.name
                found = cat.config("Secret", child.namespace, name, obj)
                # a key Secret kept SOPS-encrypted for the very key it holds cannot be decrypted
                # by Flux before it exists: whoever holds the key created it at bootstrap
                produced = [
                    p for p in found.producers if p.obj not in child.applies and not _self_decrypting(g, p.obj, name)
                ]
                what = f"Secret {child.namespace}/{name} (decryption)"
                add(child, None, obj, what, child.decryption_secret.loc, produced)
            if child.source is not None and child.source.kind in ("GitRepository", "OCIRepository", "Bucket"):
                src = g.resolve(child.source.kind, child.source.name, child.source.namespace or child.namespace, obj)
                what = f"{child.source.kind} {child.source.namespace or child.namespace}/{child.source.name}"
                add(child, None, obj, what, child.source.loc, [_source(s) for s in src if s not in g.synthetic])
        rel = releases.get(obj)
        if rel is None:
            continue
        src_ref = rel.source_ref
        if src_ref is not None:
            found_src = g.resolve(src_ref.kind, src_ref.name, src_ref.namespace or ns, obj)
            what = f"{src_ref.kind} {src_ref.namespace or ns}/{src_ref.name}"
            add(k, obj, obj, what, src_ref.loc, [_source(s) for s in found_src])
        for ref in rel.values_from:
            if ref.kind not in ("Secret", "ConfigMap") or ref.optional:
                continue
            found = cat.config(ref.kind, ns, ref.name, obj)
            add(k, obj, obj, f"{ref.kind} {ns}/{ref.name} (valuesFrom)", ref.loc, found.producers)
    return needs


def _judge(g: FluxGraph, need: Need, proven: ProvenKinds) -> Verdict:
    kc = need.consumer
    if need.key and need.key[0] == "kind" and kc is not None and (need.key[1], need.key[2]) in proven(kc):
        return Verdict(need, True)  # a Kustomization that applied before kc applies this kind: see proven.py
    first_fix: tuple[str, Any, Any] | None = None
    first_producer: Producer | None = None
    unwaited: list[tuple[FluxKustomization, FluxKustomization, K8sObject]] = []
    deps = g.effective_deps(kc) if kc is not None else set()
    ancestors = g.ancestors(kc.obj) if kc is not None else set()
    for p in need.producers:
        if not p.kustomizations and kc is not None:
            return Verdict(need, True)  # a producer applied at bootstrap: there before kc runs
        if need.key and need.key[0] == "ns" and kc is not None and kc.namespace == need.key[1]:
            return Verdict(need, True)  # the Kustomization object itself lives there: it exists
        if need.key and need.key[0] == "kind" and need.key[1] in g.preinstalled_groups:
            return Verdict(need, True)
        if p.release is not None:
            if need.release is not None and (p.release is need.release or p.release in g.hdeps(need.release)):
                return Verdict(need, True)
            reached = [kp for kp in p.kustomizations if kp in deps]
            if reached:
                unwaited.extend(
                    (kc, kp, p.release)
                    for kp in reached
                    if not kp.wait and not kp.checks_health_of("HelmRelease", p.release.name, p.release.namespace)
                )
                return Verdict(need, True, unwaited=unwaited)
            same = kc in p.kustomizations or (kc is None and not p.kustomizations)
            if first_fix is None:
                first_producer = p
                if same and need.release is not None:
                    first_fix = ("HelmRelease", need.release, p.release)
                elif p.kustomizations and kc is not None:
                    first_fix = ("Kustomization", kc, p.kustomizations[0])
        else:
            if kc is None or any(kp is kc or kp in deps or kp in ancestors for kp in p.kustomizations):
                return Verdict(need, True)
            if first_fix is None and p.kustomizations:
                first_producer = p
                first_fix = ("Kustomization", kc, p.kustomizations[0])
    if first_fix is None:
        return Verdict(need, True)
    return Verdict(need, False, first_fix, first_producer)


@memoised
def flux_needs(index: Index) -> list[Verdict]:
    g = index.graph
    assert g is not None
    _detect_preinstalled(index, g)
    proven = ProvenKinds(g, catalogue(index))
    return [_judge(g, n, proven) for n in _needs(index, g)]


def _detect_preinstalled(index: Index, g: FluxGraph) -> None:
    """API groups whose CRDs the repository must install before Flux runs.

    A Kustomization that applies a chart's HelmRelease together with custom resources of the
    kinds that chart installs can only succeed when those CRDs already exist (the dry-run of the
    apply rejects unknown kinds), so a repository that does this - and deploys - installs them out
    of band (a bootstrap script, a CRD-only chart run by hand). Kinds of those groups are then
    not dependencies to order."""
    cat = catalogue(index)
    chart_groups: dict[K8sObject, set[str]] = defaultdict(set)
    for (_cluster, group, _kind), prods in cat.kinds.items():
        for p in prods:
            if p.via == "chart":
                chart_groups[p.obj].add(group)
    if not chart_groups:
        return
    for k in g.kustomizations:
        here = {o.group for o in k.applies}
        for o in k.applies:
            for group in sorted(chart_groups.get(o, set()) & here):
                if group not in g.preinstalled_groups:
                    g.preinstalled_groups.add(group)
                    index.notice(
                        f"{k.ref} applies HelmRelease {o.name} together with {group} resources, so the {group} "
                        "CRDs are taken as installed before Flux runs (missing-depends-on does not order them)"
                    )


__all__ = ["CLUSTER_NAMESPACES", "Need", "Producer", "Verdict", "flux_needs"]
