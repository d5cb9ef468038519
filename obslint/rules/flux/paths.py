"""Kustomize paths: Flux paths and kustomization.yaml entries that do not exist, orphan manifests."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, Related
from obslint.fix.edits import AddItem, fix_at
from obslint.model.flux import KUSTOMIZATION_FILES, FluxGraph, FluxKustomization, below, flux_graph
from obslint.model.unapplied import meant_dir
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.flux.orphan_exemptions import AppliedObjects, FluxPathOwner, flux_paths, root_files

_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: monitoring
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata: {{}}\n"


@rule(
    "FLUX005",
    "kustomization-path-missing",
    "error",
    "A Flux Kustomization's path (or one of its spec.components) does not exist in the repository",
    basis=Basis.CERTAIN,
    why="""
    `spec.path` is resolved in the source artifact (this repository for the bootstrap
    GitRepository). A path that does not exist makes the Kustomization fail with "no such file
    or directory" and nothing under it is applied, typically after a directory was renamed. An
    ExternalArtifact holds what its ArtifactGenerator copies, as source-watcher copies
    (internal/builder/builder.go): `@repo/dir/` lands as `dest/dir/`, `@repo/dir/**` puts the
    contents of dir in dest.
    """,
    failing="-- clusters/home/monitoring.yaml --\n"
    + _KS.format(path="./infrastructure/monitorin")
    + "-- infrastructure/monitoring/cm.yaml --\n"
    + _CM.format(name="a"),
    passing="-- clusters/home/monitoring.yaml --\n"
    + _KS.format(path="./infrastructure/monitoring")
    + "-- infrastructure/monitoring/cm.yaml --\n"
    + _CM.format(name="a"),
    fix="Point `spec.path` at the directory (relative to the repository root).",
)
def kustomization_path_missing(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    for k in g.kustomizations:
        if not k.local or k.path is None or k.synthetic:
            continue
        if ctx.index.is_dir(k.path):
            continue
        what = "is a file, not a directory" if ctx.index.exists(k.path) else "does not exist"
        parent = k.path.rsplit("/", 1)[0] if "/" in k.path else ""
        siblings = sorted(
            d.rsplit("/", 1)[-1]
            for d in below(g.sorted_dirs, f"{parent}/" if parent else "")
            if d.count("/") == parent.count("/") + (1 if parent else 0)
        )
        hint = f"directories next to it: {', '.join(siblings[:8])}" if siblings else "fix spec.path"
        meant = meant_dir(g, k.path)
        if meant is not None:
            hint = f"did you mean ./{meant}? ({hint})" if siblings else f"did you mean ./{meant}?"
        yield Finding(
            k.obj.loc("spec", "path"),
            f"{k.ref}: path ./{k.path} {what} in the repository",
            hint,
            clusters=k.obj.cluster_names,
        )
    for k in g.kustomizations:
        if k.missing_in is None or k.path is None:
            continue
        artifact, generator, dirs = k.missing_in
        made = ", ".join(f"./{d}" if d else "./" for d in dirs[:6]) + (" ..." if len(dirs) > 6 else "")
        yield Finding(
            k.obj.loc("spec", "path"),
            f"{k.ref}: path ./{k.path} is not in ExternalArtifact {artifact}: ArtifactGenerator "
            f"{generator.namespace}/{generator.name} copies only {made or 'nothing'}",
            "point spec.path at a directory the artifact holds (a `dir/` copy keeps the directory's name; "
            "`dir/**` copies its contents)",
            clusters=k.obj.cluster_names,
        )
    for k, entry, loc in g.missing_components:
        yield Finding(
            loc,
            f"{k.ref}: component {entry} (relative to ./{k.path}) is not a directory with a kustomization.yaml",
            "fix the entry of spec.components (paths are relative to spec.path)",
        )


@rule(
    "FLUX006",
    "kustomize-resource-missing",
    "error",
    "A kustomization.yaml names a resource, component, patch or generator file that does not exist",
    basis=Basis.CERTAIN,
    why="""
    kustomize fails the whole build when one entry of `resources`, `components`, `patches`,
    `secretGenerator`/`configMapGenerator` files, `crds` or `configurations` is missing (or is a
    directory without its own kustomization.yaml), so Flux applies nothing of that path.
    """,
    failing="-- apps/kustomization.yaml --\nresources:\n  - configmap.yaml\n  - service.yaml\n"
    + "-- apps/configmap.yaml --\n"
    + _CM.format(name="a"),
    passing="-- apps/kustomization.yaml --\nresources:\n  - configmap.yaml\n"
    + "-- apps/configmap.yaml --\n"
    + _CM.format(name="a"),
    fix="Fix the entry (paths are relative to the kustomization.yaml) or add the missing file.",
)
def kustomize_resource_missing(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    for _kf, entry, problem in g.missing_resources:
        yield Finding(
            entry.loc,
            f"{entry.field} entry {entry.value} {problem}",
            f"it resolves to {entry.target or '.'}; kustomize build fails on this path: fix the entry or add the file",
        )


@rule(
    "FLUX007",
    "orphan-manifest",
    "warning",
    "A manifest under a Flux path is not included by any kustomization.yaml, so it is never applied",
    basis=Basis.ASSUMPTION,
    why="""
    When a directory has a kustomization.yaml, Flux applies exactly what it lists. A manifest
    added next to it but not listed under `resources` is silently never deployed - a classic
    "I added the PrometheusRule but it never showed up". A file below the `spec.path` of a Flux
    Kustomization (applied or switched off) belongs to it: judged by the kustomization.yaml of that
    path, or taken whole when it has none (Flux generates one), never by an enclosing tree's. Not
    reported: the file defining a cluster root (a FluxInstance applied at bootstrap), and a file
    whose every object (kind, namespace, name) its cluster already gets, with the same content,
    from another file - a dead copy, nothing is missing.
    """,
    failing="-- clusters/home/monitoring.yaml --\n"
    + _KS.format(path="./monitoring")
    + "-- monitoring/kustomization.yaml --\nresources:\n  - a.yaml\n"
    + "-- monitoring/a.yaml --\n"
    + _CM.format(name="a")
    + "-- monitoring/b.yaml --\n"
    + _CM.format(name="b"),
    passing="-- clusters/home/monitoring.yaml --\n"
    + _KS.format(path="./monitoring")
    + "-- monitoring/kustomization.yaml --\nresources:\n  - a.yaml\n  - b.yaml\n"
    + "-- monitoring/a.yaml --\n"
    + _CM.format(name="a")
    + "-- monitoring/b.yaml --\n"
    + _CM.format(name="b"),
    fix="""
    Add the file to `resources:` of the kustomization.yaml, or delete it if it is obsolete. A file
    named in a comment of the kustomization.yaml (`# - ./httproute.yaml`) counts as switched off
    on purpose and is not reported. `obslint check --fix` adds the files to `resources:`.
    """,
    fixable=True,
)
def orphan_manifest(ctx: RuleContext) -> Iterator[Finding]:
    g: FluxGraph = flux_graph(ctx.index)
    # A file is judged within the Kustomization(s) of the deepest applied Flux path above it.
    owner_path = FluxPathOwner({k.path for k in g.kustomizations if k.local and k.path is not None})
    stops = flux_paths(g)
    roots = root_files(g)
    # Each unapplied manifest with the Kustomizations (one per cluster) whose path owns it.
    holders: dict[str, list[FluxKustomization]] = {}
    for k in g.kustomizations:
        if not k.local or k.path is None or not ctx.index.is_dir(k.path):
            continue
        prefix = f"{k.path}/" if k.path else ""
        for rel in below(g.sorted_yaml, prefix):
            if rel in g.applied_files or rel in g.referenced_files or rel in roots:
                continue
            if rel.rsplit("/", 1)[-1] in KUSTOMIZATION_FILES or not g.objects_in(rel):
                continue
            if owner_path.of(rel) != k.path:
                continue  # below the path of another applied Flux Kustomization: judged there
            holders.setdefault(rel, []).append(k)
    # One finding per kustomization.yaml: the files it leaves out share one cause and one fix.
    orphans: dict[str, list[str]] = {}
    owner: dict[str, FluxKustomization] = {}
    applied: AppliedObjects | None = None
    for rel, ks in holders.items():
        d = _governing_dir(g, rel, ks[0].path or "", stops)
        kf = g.kustomize_files.get(d)
        if kf is None or _commented_out(kf.file.text, rel, kf.dir):
            continue  # ungoverned, or deliberately disabled (`# - ./file.yaml`), not forgotten
        applied = applied or AppliedObjects(g)
        if applied.all_elsewhere(rel, {k.cluster for k in ks}, d):
            continue  # a dead copy of objects the cluster has: nothing is missing from it
        orphans.setdefault(d, []).append(rel)
        owner.setdefault(d, ks[0])
    for d, rels in orphans.items():
        kf, k = g.kustomize_files[d], owner[d]
        names = [rel[len(d) + 1 :] if d else rel for rel in rels]
        first = g.objects_in(rels[0])[0]
        listed = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
        what = f"{first.ref()} is" if len(names) == 1 else f"{len(names)} manifests are"
        related = [
            Related(g.objects_in(rel)[0].loc(), f"{g.objects_in(rel)[0].ref()} is never applied") for rel in rels[1:]
        ]
        related.append(Related(kf.file.loc(1, 1), f"{kf.rel} governs them"))
        yield Finding(
            first.loc(),
            f"{what} never applied: {kf.rel} does not list {listed}",
            f"add {', '.join(f'`- {n}`' for n in names[:5])} to `resources:` of {kf.rel}, or delete what is "
            f"obsolete (under the path of {k.ref})",
            related=tuple(related[:50]),
            clusters=k.obj.cluster_names,
            fix=fix_at(
                kf.data, *(AddItem("resources", n) for n in names), summary=f"add {listed} to resources of {kf.rel}"
            ),
        )


def _governing_dir(g: FluxGraph, rel: str, root: str, stops: set[str]) -> str:
    """The nearest directory at or above rel's (not above root) with a kustomization.yaml; none
    ("\0") past the spec.path of a Flux Kustomization (applied or switched off): for a path without
    kustomization.yaml kustomize-controller generates one taking every manifest below it
    (fluxcd/pkg kustomize/kustomize_generator.go), so the file is that Kustomization's, not
    something an enclosing kustomization.yaml forgot."""
    d = rel.rsplit("/", 1)[0] if "/" in rel else ""
    while True:
        if d in g.kustomize_files:
            return d
        if d == root or not d or d in stops:
            return "\0"
        d = d.rsplit("/", 1)[0] if "/" in d else ""


def _commented_out(text: str, rel: str, kdir: str) -> bool:
    """Whether the kustomization.yaml names the file in a comment (an entry switched off)."""
    name = rel[len(kdir) + 1 :] if kdir and rel.startswith(kdir + "/") else rel
    for line in text.splitlines():
        _, hash_, comment = line.partition("#")
        if hash_ and name in comment.replace("./", ""):
            return True
    return False
