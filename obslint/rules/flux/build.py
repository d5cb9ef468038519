"""kustomize-build-fails: `kubectl kustomize` on every path Flux builds from this repository."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from obslint.findings import Finding, Related
from obslint.index import Index, memoised
from obslint.model.flux import FluxGraph, FluxKustomization, flux_graph, norm_path
from obslint.model.flux.kinds import BOOTSTRAP_NAMESPACE, KUSTOMIZATION_FILES
from obslint.model.flux.local_paths import local_paths
from obslint.rules import Basis, RuleContext, rule
from obslint.tools import Background, prefetch

_FAIL = """\
-- clusters/home/apps.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
-- apps/kustomization.yaml --
resources:
  - configmap.yaml
  - configmap.yaml
-- apps/configmap.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
"""

_PASS = _FAIL.replace("  - configmap.yaml\n  - configmap.yaml\n", "  - configmap.yaml\n")


def _build_plan(index: Index) -> tuple[dict[str, FluxKustomization], list[str]]:
    """(build root -> the Kustomization that applies it, refs skipped for remote resources)."""
    g = flux_graph(index)
    guard = local_paths(index)
    owners: dict[str, FluxKustomization] = {}
    remote: list[str] = []
    for k, built in g.builds.items():
        if built.missing:
            continue  # kustomize-resource-missing reports it
        if any(_component_dir(k, entry) not in g.kustomize_files for entry, _loc in k.components):
            continue  # a component outside the repository (or missing): the build cannot be reproduced
        # kustomize's file loader fetches generator and patch files given as URLs over HTTP
        # (sigs.k8s.io/kustomize/api/loader/fileloader.go); offline, the build cannot be judged
        if built.remote or built.fetched or any(guard.why_refused(d) for d in built.roots):
            remote.append(k.ref)
            continue
        for d in built.roots:
            owners.setdefault(d, k)
    return owners, remote


def _component_dir(k: FluxKustomization, entry: str) -> str:
    return norm_path(posixpath.join(k.path or "", entry))


def _components(g: FluxGraph, owners: dict[str, FluxKustomization]) -> dict[str, list[str]]:
    """spec.components of the Kustomizations, by the path kustomize-controller adds them to."""
    return {d: [entry for entry, _loc in k.components] for d, k in owners.items() if k.components and d == k.path}


@memoised
def kustomize_builds(index: Index) -> Background | None:
    """The `kubectl kustomize` batch, started in the background (see obslint.tools.PREFETCH)."""
    from obslint.tools.kubectl import BuildPlan

    g = flux_graph(index)
    owners, _remote = _build_plan(index)
    if not owners:
        return None
    plan = BuildPlan.make(index, sorted(owners), _components(g, owners), _claims(g, owners))
    return Background(plan.build, after=plan.finish) if plan is not None else Background(lambda: None)


# What kustomize's PrefixTransformer never renames (plugin/builtin/prefixtransformer/
# PrefixTransformer.go, prefixFieldSpecsToSkip): (group or None for any group, kind).
_UNPREFIXED = ((None, "Namespace"), (None, "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"))


def _claims(g: FluxGraph, owners: dict[str, FluxKustomization]) -> dict[str, frozenset]:
    """For each path, the objects of its build that keep their names under a name prefix: two
    paths that both hold one cannot be built in one aggregate (obslint.tools.kubectl.pack).
    The objects are those of the whole Kustomization that builds the path, a superset."""
    out: dict[str, frozenset] = {}
    for d, k in owners.items():
        built = g.builds.get(k)
        items = built.items if built is not None else ()
        out[d] = frozenset(
            (it.written.group, it.kind, it.name)
            for it in items
            if any(it.kind == kind and group in (None, it.written.group) for group, kind in _UNPREFIXED)
        )
    return out


prefetch("FLUX009", kustomize_builds)


@rule(
    "FLUX009",
    "kustomize-build-fails",
    "error",
    "kustomize cannot build a path that a Flux Kustomization applies",
    basis=Basis.CERTAIN,
    why="""
    Flux runs kustomize on every Kustomization path before applying anything. A duplicate
    resource, a patch that does not apply, a namespace conflict or an invalid kustomization.yaml
    makes the build fail and the whole path stays undeployed. obslint runs the real
    `kubectl kustomize` on each path as kustomize-controller builds it - on a temporary copy of the
    repository, with LoadRestrictionsNone (entries may reach anywhere in the repository), the
    Kustomization's `spec.components` added, and without plugins, Helm or network access - so what
    it reports is what Flux would report. A directory without kustomization.yaml gets one from
    kustomize-controller that takes in every YAML file below it, and a file there that is no
    Kubernetes object (a Helm values file) fails it.
    """,
    failing=_FAIL,
    passing=_PASS,
    fix="Run `kubectl kustomize <path>` and fix the error it prints.",
)
def kustomize_build_fails(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    g: FluxGraph = flux_graph(index)
    # What kustomize-controller itself refuses: a spec.patches entry that finds no target, a
    # postBuild substitution that does not parse (obslint.kustomize); the uncertain ones are left out.
    for k, problem in g.build_problems:
        if problem.certain:
            yield Finding(
                problem.loc or k.obj.loc("spec"),
                f"{k.ref} fails to build: {problem.message}",
                "kustomize-controller stops at this error and applies nothing of the Kustomization",
                clusters=k.obj.cluster_names,
            )
    yield from _generated_refusals(index, g)
    owners, remote = _build_plan(index)
    if remote:
        index.notice(
            f"kustomize-build-fails: skipped {len(remote)} path(s) that name URLs, git remotes or paths outside "
            f"the repository (nothing is fetched): {', '.join(sorted(remote)[:5])}"
        )
    if not owners:
        return
    batch: Background = kustomize_builds(index)
    results = batch.result()
    if results is None:
        index.notice("kustomize-build-fails: kubectl not found; kustomize builds were not checked")
        return
    # `error` says why a path was not built: an input too large (the same next time) or nothing, when
    # the time budget ran out (another run may finish: such a run is not cached)
    unchecked = sorted(res.path or "." for res in results if not res.checked and not res.error)
    if unchecked:
        index.unfinished(
            f"kustomize-build-fails: {len(unchecked)} path(s) not built within the time budget: "
            + ", ".join(unchecked[:5])
        )
    skipped = sorted(f"{res.path or '.'} ({res.error})" for res in results if not res.checked and res.error)
    if skipped:
        index.notice(f"kustomize-build-fails: {len(skipped)} path(s) not built: " + ", ".join(skipped[:5]))
    for res in results:
        if res.ok or not res.checked:
            continue
        k = owners[res.path]
        kf = g.kustomize_files.get(res.path)
        loc = kf.data.loc() if kf is not None else k.obj.loc("spec", "path")
        where = res.path or "."
        head = f"kustomize build of {where} fails: "
        applier = k.obj.loc("spec", "path")
        yield Finding(
            loc,
            head + build_error_cause(res.error, MESSAGE_ROOM - len(head)),
            f"run `kubectl kustomize --load-restrictor LoadRestrictionsNone {where}` (as kustomize-controller "
            f"builds) and fix the error\nkubectl: {res.error.strip()}",
            related=(Related(applier, f"{k.ref} applies this path"),) if applier != loc else (),
            # the path is built once, but it fails in every cluster whose Kustomizations apply it
            clusters=frozenset().union(*(o.obj.cluster_names for o, b in g.builds.items() if res.path in b.roots)),
        )


# What source-controller leaves out of every GitRepository artifact by default (fluxcd/source-controller
# pkg/sourceignore: VCS, CI and `**/.sops.yaml`-style files), by file name, and by directory.
_DEFAULT_IGNORED_NAMES = frozenset(
    {
        ".sops.yaml",
        ".flux.yaml",
        ".goreleaser.yml",
        ".travis.yml",
        ".gitlab-ci.yml",
        "appveyor.yml",
        ".drone.yml",
        "cloudbuild.yaml",
        "codeship-services.yml",
        "codeship-steps.yml",
    }
)
_DEFAULT_IGNORED_DIRS = frozenset({".git", ".github", ".circleci"})


def _is_resource(data: Any) -> bool:
    """Whether kustomize's resource factory may take a YAML document: only one that is no mapping, or a
    mapping with none of apiVersion, kind and metadata ("missing Resource metadata"), is refused for
    certain; an empty document is skipped."""
    if data is None or (isinstance(data, (dict, list)) and not data):
        return True
    if not isinstance(data, dict):
        return False
    return any(key in data for key in ("apiVersion", "kind", "metadata"))


def _generated_refusals(index: Index, g: FluxGraph) -> Iterator[Finding]:
    """A YAML file that is no Kubernetes object, in a directory kustomize-controller generates a
    kustomization for, fails the whole Kustomization: its generator decodes every YAML file it walks
    (fluxcd/pkg kustomize/kustomize_generator.go: "failed to decode Kubernetes YAML from ...: missing
    Resource metadata"). Judged only where the artifact's content is known: a GitRepository source without
    `spec.ignore` and a repository without `.sourceignore` files (which source-controller applies)."""
    if any(posixpath.basename(p) == ".sourceignore" for p in index.tree.paths):
        return
    if any(o.spec.get("ignore") for o in index.of_kind("GitRepository")):
        return
    reported: set[str] = set()
    for k, built in g.builds.items():
        # only the bootstrap source is this repository for certain (another GitRepository may hold a
        # directory of the same name)
        if not k.local or k.path is None or k.source is None or k.source.kind != "GitRepository":
            continue
        if k.source.name != BOOTSTRAP_NAMESPACE:
            continue
        for rel in sorted(built.files):
            if not rel.endswith((".yaml", ".yml")):  # the generator reads these extensions, as written
                continue
            if rel in reported or not _generated_walk(index, k.path, rel) or _default_ignored(rel):
                continue
            sf = index.file(rel)
            if sf is None or sf.problems:
                continue
            bad = next((doc for doc in sf.documents if not _is_resource(doc.data)), None)
            if bad is None:
                continue
            reported.add(rel)
            yield Finding(
                sf.loc(bad.line, bad.col),
                f"{k.ref} fails to build: {rel} is not a Kubernetes object, and the kustomization Flux generates "
                f"for ./{k.path} takes in every YAML file",
                "move the file out of the path (or rename it to another extension), or add a kustomization.yaml "
                "that lists the manifests",
                clusters=k.obj.cluster_names,
            )


def _generated_walk(index: Index, root: str, rel: str) -> bool:
    """Whether the build of `root` takes `rel` in through a generated kustomization: no directory from root
    down to the file's has a kustomization file."""
    d = posixpath.dirname(rel)
    while True:
        if any(index.exists(f"{d}/{name}" if d else name) for name in KUSTOMIZATION_FILES):
            return False
        if d == root or not d:
            return d == root
        d = posixpath.dirname(d)


def _default_ignored(rel: str) -> bool:
    parts = rel.split("/")
    return parts[-1] in _DEFAULT_IGNORED_NAMES or any(p in _DEFAULT_IGNORED_DIRS for p in parts[:-1])


MESSAGE_ROOM = 200
# kustomize loads each `resources:` entry as a file, and when that fails as a directory; it then
# reports both errors as `accumulation err='<as a file>': <as a directory>`. For an entry that is
# a file, the second is always "must build at directory: ...: file is not directory" and says
# nothing (kustomize api/internal/target/kusttarget.go, accumulateResources).
_AS_DIRECTORY = re.compile(r"accumulation err='(?P<as_file>.*)': must build at directory: .*?: file is not directory")


def build_error_cause(error: str, room: int) -> str:
    """kubectl's error for a message: its first line without the directory retry, cut at a clause
    boundary to fit `room` characters (the hint carries it whole)."""
    lines = error.strip().splitlines()
    text = lines[0] if lines else "kubectl printed no error"
    text = _AS_DIRECTORY.sub(lambda m: m["as_file"], text)
    if len(text) <= room:
        return text
    cut = text.rfind(": ", 0, room - 1)
    return (text[:cut] if cut > room // 3 else text[: room - 1]) + "…"
