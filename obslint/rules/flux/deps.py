"""Dependency rules: missing dependsOn, dependencies that order nothing, cycles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from obslint.digraph import cyclic_components
from obslint.findings import Finding, Related
from obslint.fix.edits import AddItem, Fix, fix_at
from obslint.model.flux import FluxGraph, flux_graph
from obslint.model.flux.needs import Producer, Verdict, flux_needs
from obslint.model.helm import helm_releases
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, rule

FLUX_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./{path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

_MISSING_FAIL = """\
-- clusters/home/infra.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: monitoring-stack
  namespace: flux-system
spec:
  interval: 10m
  path: ./monitoring/stack
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: monitoring-rules
  namespace: flux-system
spec:
  interval: 10m
  path: ./monitoring/rules
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
-- monitoring/stack/helmrelease.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: flux-system
spec:
  interval: 30m
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
      sourceRef:
        kind: HelmRepository
        name: prometheus-community
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: prometheus-community
  namespace: flux-system
spec:
  interval: 12h
  url: https://prometheus-community.github.io/helm-charts
-- monitoring/rules/rules.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node
  namespace: flux-system
  labels:
    release: kube-prometheus-stack
spec:
  groups: []
"""

_MISSING_PASS = _MISSING_FAIL.replace(
    """  name: monitoring-rules
  namespace: flux-system
spec:
""",
    """  name: monitoring-rules
  namespace: flux-system
spec:
  dependsOn:
    - name: monitoring-stack
""",
)


def _dep_entry(target: Any, from_ns: str | None, target_ns: str | None) -> str:
    ns = f", namespace: {target_ns}" if target_ns and target_ns != from_ns else ""
    return f"{{name: {target}{ns}}}"


@rule(
    "FLUX002",
    "missing-depends-on",
    "warning",
    "A Kustomization or HelmRelease uses what another one creates without depending on it",
    basis=Basis.ASSUMPTION,
    why="""
    Flux reconciles Kustomizations and HelmReleases concurrently unless `dependsOn` orders
    them. When one applies a PrometheusRule while the CRD comes from a HelmRelease applied by
    another, or installs a chart whose HelmRepository, namespace or valuesFrom Secret another
    one creates, or points Alloy at a Loki that another release installs, the first deploy on a
    fresh cluster fails or races ("no matches for kind", "namespace not found"), and it only
    works later by luck of retries. Objects of the same Kustomization are applied together
    (Namespaces and CRDs first), so only what crosses Kustomizations (or HelmReleases of one
    Kustomization) needs `dependsOn`. Nor does a kind that a Kustomization which must succeed
    first applies itself - one that applies this Kustomization (or an ancestor of it), or one it
    depends on: kustomize-controller dry-runs a whole build before applying any of it, so that
    apply, and with it the creation of the child, only succeeds once the CRD exists (and the CRDs
    of one chart come together). Things Flux bootstrap and the cluster create
    (flux-system, toolkit CRDs, core kinds) are known, and so is what the repository's bootstrap
    files install before Flux runs: helmfiles (by their sections, whatever their name) and their
    hooks, Talos inline manifests, and the kubectl/helm/sops commands of scripts, Makefiles,
    justfiles and Taskfiles (CRDs from URLs, files and kustomize directories, charts, Namespaces,
    Secrets), in the clusters whose directory holds them. It is a warning, not an error: what is
    installed out of band before Flux runs cannot be known, and Flux retries a failed apply, so
    the cost is a failed or slow first deploy. All users of one producer are one finding.
    """,
    failing=_MISSING_FAIL,
    passing=_MISSING_PASS,
    fix="""
    Add the dependsOn entry the finding names (to the Kustomization, or to the HelmRelease when
    both releases are applied by the same Kustomization). When the producer is a HelmRelease,
    make its Kustomization `wait: true` (or health-check that HelmRelease) so the dependency
    waits for the chart to be installed. `obslint check --fix` adds the dependsOn entry when the
    finding names one Kustomization that needs it and the entry closes no dependsOn cycle (nor
    does it together with the other entries it adds).
    """,
    fixable=True,
)
def missing_depends_on(ctx: RuleContext) -> Iterator[Finding]:
    # One finding per producer: every Kustomization (or HelmRelease) that uses what one Kustomization
    # (or HelmRelease) creates without depending on it shares one cause, whose fix is one dependsOn
    # entry on each of them.
    groups: dict[tuple, list[Verdict]] = defaultdict(list)
    for v in flux_needs(ctx.index):
        if not v.ok and v.fix is not None and v.producer is not None:
            kind, _consumer, target = v.fix
            groups[(kind, target)].append(v)
    g = flux_graph(ctx.index)
    added = AddedEdges(g)
    for (kind, target), verdicts in groups.items():
        verdicts.sort(key=lambda v: (v.need.loc.path, v.need.loc.line, v.need.loc.col))
        yield _missing_finding(g, kind, target, verdicts, added)


class AddedEdges:
    """The dependsOn entries fixes add, so that together they close no cycle either: each fix is
    checked against the graph with the entries of the fixes before it."""

    def __init__(self, g: FluxGraph) -> None:
        self.g = g
        self.extra: dict[Any, list[Any]] = defaultdict(list)

    def reaches(self, start: Any, goal: Any) -> bool:
        seen: set[Any] = set()
        stack = [start]
        while stack:
            cur = stack.pop()
            if cur is goal:
                return True
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(t for _, ts in self.g.depends_on_targets(cur) for t in ts)
            stack.extend(self.extra[cur])
        return False

    def add(self, consumer: Any, target: Any) -> bool:
        """Record consumer -> target unless it closes a cycle; whether it was recorded."""
        if self.reaches(target, consumer):
            return False
        self.extra[consumer].append(target)
        return True


def _depends_on_fix(g: FluxGraph, consumer: Any, target: Any, producer: Producer, added: AddedEdges) -> Fix | None:
    """The dependsOn entry on the one Kustomization of a finding, when the analysis proves it is
    what is missing (_fix_line suggests it) and it closes no cycle with the other fixes."""
    if consumer.synthetic or not _fix_line(g, "Kustomization", consumer, target, producer, []).startswith("add "):
        return None
    spec = consumer.written.get("spec")
    if not isinstance(spec, dict) or not added.add(consumer, target):
        return None
    entry = {"name": target.name}
    if target.namespace != consumer.namespace:
        entry["namespace"] = target.namespace
    return fix_at(spec, AddItem("dependsOn", entry), summary=f"add dependsOn {target.ref} to {consumer.ref}")


def _fix_line(g: FluxGraph, kind: str, consumer: Any, target: Any, producer: Producer, whats: list[str]) -> str:
    """How to fix one consumer, checked against the graph: a dependsOn on itself, one that closes
    a cycle, or one on the Kustomization that applies the consumer is never suggested."""
    what = ", ".join(whats[:3]) + (f" and {len(whats) - 3} more" if len(whats) > 3 else "")
    name, file = _ref(kind, consumer), _written_file(kind, consumer)
    if producer.via == "createNamespace" and consumer is target:
        # nothing can wait for a namespace made by install.createNamespace before applying into it
        return (
            f"{producer.description} makes the namespace only when the chart installs, after the apply "
            f"that needs it: add a Namespace manifest to {name} ({file})"
        )
    if consumer is target:
        return (
            f"{name} ({file}) applies {what} together with {producer.description}, which installs the CRDs "
            "later: apply them from a Kustomization that depends on this one (with wait: true)"
        )
    move = f"move {producer.description} into its own Kustomization with wait: true and depend on that"
    if kind == "Kustomization" and target in g.ancestors(consumer.obj):
        return f"{_ref(kind, target)} applies {name}, so it cannot wait for it: {move}"
    if kind == "Kustomization" and consumer in g.ancestors(target.obj):
        # a dependsOn on a Kustomization it creates itself would never be met
        crds = ", or install the CRDs before Flux runs" if any(w.startswith("kind ") for w in whats) else ""
        return (
            f"{name} ({file}) itself applies {_ref(kind, target)}, so it cannot depend on it: move what needs "
            f"{what} into a Kustomization that depends on {_ref(kind, target)}{crds}"
        )
    deps = g.kdeps(target) if kind == "Kustomization" else g.hdeps(target)
    if consumer in deps:
        return f"{_ref(kind, target)} depends on {name}, so a dependsOn back would be a cycle: {move}"
    return f"add `dependsOn: [{_entry(consumer, target)}]` to {name} ({file})"


def _missing_finding(g: FluxGraph, kind: str, target: Any, verdicts: list[Verdict], added: AddedEdges) -> Finding:
    first = verdicts[0]
    consumers: dict[Any, list[str]] = {}
    for v in verdicts:
        whats = consumers.setdefault(v.fix[1], [])
        if v.need.what not in whats:
            whats.append(v.need.what)
    whats = list(dict.fromkeys(w for ws in consumers.values() for w in ws))
    uses = whats[0] if len(whats) == 1 else f"{whats[0]} and {len(whats) - 1} more"
    # one related place per object that needs something, naming what it needs
    needs: dict[K8sObject, tuple[Any, list[str]]] = {}
    for v in verdicts:
        for o in [v.need.subject, *v.need.others]:
            loc = v.need.loc if o is v.need.subject else o.loc("kind")
            needed = needs.setdefault(o, (loc, []))[1]
            if v.need.what not in needed:
                needed.append(v.need.what)
    related = [Related(loc, f"{o.ref()} needs {', '.join(w)}") for o, (loc, w) in needs.items()]
    producer = first.producer
    assert producer is not None
    related.append(Related(producer.obj.loc(), f"created by {producer.description}"))
    names = [_ref(kind, c) for c in consumers]
    who = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
    verb = "uses" if len(names) == 1 else "use"
    adds = [_fix_line(g, kind, c, target, producer, ws) for c, ws in consumers.items()]
    if kind == "HelmRelease":
        message = f"{who} {verb} {uses}, created by {_ref(kind, target)}, without depending on it"
        how = ""
    elif list(consumers) == [target]:  # what it applies itself (a chart's createNamespace) comes too late
        message = f"{who} applies what needs {uses} before {producer.description} makes it: the first apply fails"
        how = ""
    else:
        message = f"{who} {verb} {uses} from {_ref(kind, target)} without depending on it"
        how = f"\nthe chart of HelmRelease {_nsname(producer.release)} creates it" if producer.release else ""
    hint = "\n".join(adds[:10]) + (f"\nand {len(adds) - 10} more" if len(adds) > 10 else "") + how
    one = next(iter(consumers)) if kind == "Kustomization" and len(consumers) == 1 else None
    return Finding(
        first.need.loc,
        message,
        hint,
        related=tuple(related[:50]),
        clusters=frozenset().union(*(_cluster_names(kind, c) for c in consumers)),
        fix=_depends_on_fix(g, one, target, producer, added) if one is not None else None,
    )


def _ref(kind: str, obj: Any) -> str:
    return obj.ref if kind == "Kustomization" else f"HelmRelease {_nsname(obj)}"


def _written_file(kind: str, obj: Any) -> str:
    return obj.written.file.rel if kind == "Kustomization" else obj.file.rel


def _cluster_names(kind: str, obj: Any) -> frozenset[str]:
    return obj.obj.cluster_names if kind == "Kustomization" else obj.cluster_names


def _entry(consumer: Any, target: Any) -> str:
    return _dep_entry(target.name, consumer.namespace, target.namespace)


def _nsname(obj: K8sObject) -> str:
    return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


_NOWAIT_FAIL = _MISSING_PASS.replace("  wait: true\n", "")
_NOWAIT_PASS = _MISSING_PASS


@rule(
    "FLUX003",
    "depends-on-no-wait",
    "warning",
    "A dependsOn on a Kustomization that neither waits nor health-checks the HelmRelease it needs",
    basis=Basis.ASSUMPTION,
    why="""
    A Kustomization is Ready as soon as its objects are applied. When the thing the dependent
    needs comes from a HelmRelease (CRDs of a chart, a Service of a release), the HelmRelease
    object exists right after the apply but the chart is installed later, so a dependency on
    that Kustomization orders nothing unless it has `wait: true` or lists the HelmRelease in
    `healthChecks` - or unless a Kustomization that must succeed before the dependent applies
    objects of the kinds it needs (see missing-depends-on): then the CRDs are there anyway.
    """,
    failing=_NOWAIT_FAIL,
    passing=_NOWAIT_PASS,
    fix="""
    Set `wait: true` on the Kustomization that applies the HelmRelease, or add the HelmRelease
    to its `spec.healthChecks` (kind: HelmRelease, name, namespace).
    """,
)
def depends_on_no_wait(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    # One finding per dependent and the Kustomization it relies on, listing the releases it waits for.
    pairs: dict[tuple, list[tuple[K8sObject, str]]] = defaultdict(list)
    for v in flux_needs(ctx.index):
        for kc, kp, release in v.unwaited:
            if (release, v.need.what) not in pairs[(kc, kp)]:
                pairs[(kc, kp)].append((release, v.need.what))
    for (kc, kp), uses in pairs.items():
        loc = kc.obj.loc("spec", "dependsOn")
        for ref, targets in g.depends_on_targets(kc):
            if kp in targets or any(kp in g.kdeps(t) for t in targets):
                loc = ref.loc
                break
        release, what = uses[0]
        releases = list(dict.fromkeys(r for r, _w in uses))
        names = ", ".join(_nsname(r) for r in releases[:3]) + (
            f" and {len(releases) - 3} more" if len(releases) > 3 else ""
        )
        yield Finding(
            loc,
            f"{kc.ref} depends on {kp.ref}, which does not wait for HelmRelease {names}",
            f"{kc.ref} needs {what} from it; set `wait: true` on {kp.ref} ({kp.written.file.rel})"
            "\nor health-check the release: "
            f"`healthChecks: [{{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, "
            f"name: {release.name}, namespace: {release.namespace}}}]`",
            related=tuple(Related(r.loc(), f"{w} comes from HelmRelease {_nsname(r)}") for r, w in uses[:50]),
            clusters=kc.obj.cluster_names,
        )


_CYCLE_FAIL = (
    "-- clusters/home/apps.yaml --\n"
    + FLUX_KS.format(name="apps", path="apps").replace("spec:\n", "spec:\n  dependsOn:\n    - name: infra\n", 1)
    + "---\n"
    + FLUX_KS.format(name="infra", path="infra").replace("spec:\n", "spec:\n  dependsOn:\n    - name: apps\n", 1)
    + "-- apps/cm.yaml --\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"
    + "-- infra/cm.yaml --\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default}\n"
)
_CYCLE_PASS = _CYCLE_FAIL.replace("  dependsOn:\n    - name: apps\n", "")


@rule(
    "FLUX004",
    "depends-on-cycle",
    "error",
    "Kustomizations or HelmReleases depend on each other in a cycle",
    basis=Basis.CERTAIN,
    why="""
    Flux waits for every dependency to be Ready before reconciling; in a dependsOn cycle none
    of the members ever becomes Ready, and nothing in it is deployed.
    """,
    failing=_CYCLE_FAIL,
    passing=_CYCLE_PASS,
    fix="Remove the dependsOn entry that closes the cycle (the finding prints the cycle).",
)
def depends_on_cycle(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    kgraph = {k.obj: [t.obj for _, ts in g.depends_on_targets(k) for t in ts] for k in g.kustomizations}
    hgraph = {r.obj: [t for _, ts in g.helm_depends_on(r.obj) for t in ts] for r in helm_releases(ctx.index)}
    for kind, graph in (("Kustomization", kgraph), ("HelmRelease", hgraph)):
        for cycle in find_cycles(graph):
            first = cycle[0]
            nxt = cycle[1] if len(cycle) > 1 else cycle[0]
            loc = first.loc("spec", "dependsOn")
            entries = (
                [r for r, ts in g.depends_on_targets(g.kustomization(first)) if any(t.obj is nxt for t in ts)]
                if kind == "Kustomization"
                else [r for r, ts in g.helm_depends_on(first) if nxt in ts]
            )
            if entries:
                loc = entries[0].loc
            path = " -> ".join(_nsname(o) for o in [*cycle, cycle[0]])
            yield Finding(
                loc,
                f"dependsOn cycle between {kind}s: {path}",
                "remove one dependsOn entry of the cycle",
            )


def find_cycles(graph: dict[Any, list[Any]]) -> list[list[Any]]:
    """One cycle per strongly connected component with a cycle, in a stable
    order: the component's first node in `graph` order, then following edges inside it."""
    order = {node: i for i, node in enumerate(graph)}
    components = cyclic_components(graph, lambda n: graph.get(n, ()))
    cycles = []
    for comp in components:
        members = set(comp)
        start = min(comp, key=lambda n: order.get(n, 0))
        # shortest path start -> ... -> start inside the component (BFS)
        parent: dict[Any, Any] = {}
        queue = [start]
        found = False
        while queue and not found:
            nxt_queue = []
            for cur in queue:
                for n in graph.get(cur, ()):
                    if n not in members:
                        continue
                    if n is start:
                        parent[start] = cur
                        found = True
                        break
                    if n not in parent:
                        parent[n] = cur
                        nxt_queue.append(n)
                if found:
                    break
            queue = nxt_queue
        cycle = [start]
        cur = parent.get(start)
        while cur is not None and cur is not start and len(cycle) <= len(comp):
            cycle.append(cur)
            cur = parent.get(cur)
        cycle = [start, *reversed(cycle[1:])]
        cycles.append(cycle)
    return sorted(cycles, key=lambda c: order.get(c[0], 0))
