"""CORE: problems with the files themselves, found while loading the tree."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from obslint.findings import Finding
from obslint.model.flux import flux_graph
from obslint.model.vector_toml import vector_toml
from obslint.rules import Basis, RuleContext, Scope, rule

if TYPE_CHECKING:
    from obslint.index import Index


def _problems(ctx: RuleContext, kind: str) -> Iterator[Finding]:
    for sf in ctx.index.files:
        for name, line, col, message in sf.problems:
            if name == kind:
                yield Finding(sf.loc(line, col), message, HINTS[kind])


HINTS = {
    "unparseable-file": "fix the syntax at that position; the rest of the file was not linted",
    "duplicate-key": "keep one of the keys: decoders disagree on which one wins",
    "template-file": "exclude template directories in .obslint.yaml (exclude: [...]) or render them first",
    "file-skipped": "exclude the file in .obslint.yaml, or raise max-file-size-mb",
}


@rule(
    "CORE001",
    "unparseable-file",
    "error",
    "A YAML file or Vector TOML config cannot be parsed (syntax error, invalid UTF-8, alias bomb, nesting too deep)",
    basis=Basis.CERTAIN,
    why="""
        Flux applies nothing from a Kustomization whose path holds a file that does not parse:
        the whole reconciliation fails, and every change behind it waits. obslint cannot
        check what it cannot read either, so the rest of that file is not linted. A file that
        kustomization.yaml files only read into a ConfigMap or Secret (configMapGenerator /
        secretGenerator `files:` or `envs:`) is data, not a manifest, and is not reported. A Vector
        configuration in TOML (a `vector*.toml` file or ConfigMap key, or TOML with `[sinks.<id>]`
        style headers) that does not parse stops Vector from starting, and is reported; other TOML
        files are not obslint's business.
    """,
    failing="""
        -- monitoring/namespace.yaml --
        apiVersion: v1
        kind: Namespace
        metadata:
          name: monitoring
        \tlabels: {}
    """,
    passing="""
        -- monitoring/namespace.yaml --
        apiVersion: v1
        kind: Namespace
        metadata:
          name: monitoring
          labels: {}
    """,
    fix="Fix the syntax at the reported line and column (tabs are not indentation in YAML).",
)
def unparseable_file(ctx: RuleContext) -> Iterator[Finding]:
    g = flux_graph(ctx.index)
    # a file that kustomization.yaml files only read into a ConfigMap/Secret is data: kustomize
    # takes its text as is (api/kv/kv.go, keyValuesFromFileSources), whatever its extension -
    # unless a directory Flux builds without kustomization.yaml also picks it up as a manifest
    data = g.generator_inputs - g.applied_files
    for f in _problems(ctx, "unparseable-file"):
        if f.loc.path not in data:
            yield f
    for loc, message in vector_toml(ctx.index).unparseable:
        yield Finding(loc, message, HINTS["unparseable-file"])


@rule(
    "CORE002",
    "duplicate-key",
    "error",
    "A YAML mapping repeats a key, so one of the two values is silently lost",
    basis=Basis.CERTAIN,
    why="""
        YAML forbids repeated keys, but decoders differ: some keep the last value, some the
        first, strict ones (kubectl apply --validate=strict) refuse the object. A repeated
        `labels:` or `values:` block usually means half of a change never takes effect.
    """,
    failing="""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: monitoring
        data:
          retention: 7d
          retention: 30d
    """,
    passing="""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: monitoring
        data:
          retention: 7d
    """,
    fix="Merge the two entries into one key.",
)
def duplicate_key(ctx: RuleContext) -> Iterator[Finding]:
    yield from _problems(ctx, "duplicate-key")


@rule(
    "CORE003",
    "unused-suppression",
    "warning",
    "An `# obslint: disable=...` comment suppresses nothing, names an unknown rule, or does not parse",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        Suppressions outlive the problems they silenced. A stale one hides the next real
        finding on that line; one with a misspelt rule name, or written so that it does not
        parse (`# obslint disable=X`, `# obslint: disabel=X`), never worked at all. The
        finding suggests the closest rule name or directive.
    """,
    failing="""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: monitoring  # obslint: disable=duplicate-key legacy
    """,
    passing="""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: monitoring
        data:
          retention: 7d
          retention: 30d  # obslint: disable=duplicate-key kept while migrating
    """,
    fix="Remove the comment, or correct its syntax or the rule id or name it lists.",
)
def unused_suppression(ctx: RuleContext) -> Iterator[Finding]:
    # Findings of this rule are produced by the runner once every other rule has run, since
    # only then is it known which suppressions were used (obslint/runner.py).
    return iter(())


@rule(
    "CORE004",
    "template-file",
    "info",
    "A file under a Flux path holds Go/Helm template directives and is not valid YAML, so it is not linted",
    basis=Basis.CERTAIN,
    why="""
        Chart templates (`{{ .Values.x }}`) only become YAML after rendering, and Flux never
        applies them directly. A file of this kind under a Flux path, not listed in its
        kustomization.yaml, is most likely a manifest someone templated by mistake; obslint
        says it was not read rather than report a syntax error that is not one. A vendored
        Helm chart (Chart.yaml beside templates/) is skipped with one notice, and template files
        that no Flux path reaches (helmfile, Ansible) or that a generator reads as application
        configuration are not manifests at all: they are counted in a notice.
    """,
    failing="""
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
        resources: []
        -- apps/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ include "app.fullname" . }}
          {{- with .Values.labels }}
          labels: {{ toYaml . | nindent 4 }}
          {{- end }}
    """,
    passing="""
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
        resources: []
        -- charts/app/Chart.yaml --
        apiVersion: v2
        name: app
        version: 1.0.0
        -- charts/app/templates/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ include "app.fullname" . }}
    """,
    fix="Render the template into a manifest, move it out of the Flux path, or exclude it in .obslint.yaml.",
)
def template_file(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    g = flux_graph(index)
    flux_paths = sorted({k.path for k in g.kustomizations if k.local and k.path is not None})
    charts = _chart_dirs(index)
    in_chart: dict[str, int] = {}
    elsewhere = 0
    for sf in index.files:
        for name, line, col, message in sf.problems:
            if name != "template-file":
                continue
            chart = next((d for d in charts if sf.rel.startswith(f"{d}/templates/" if d else "templates/")), None)
            if chart is not None:
                in_chart[chart] = in_chart.get(chart, 0) + 1
            elif sf.rel in g.referenced_files or not any(_under(sf.rel, p) for p in flux_paths):
                elsewhere += 1  # generator input (application config), helmfile, Ansible: not a manifest
            else:
                yield Finding(sf.loc(line, col), message, HINTS[name])
            break
    for d, n in sorted(in_chart.items()):
        index.notice(f"template-file: skipped the Helm chart in {d or '.'} ({n} template files; Flux renders charts)")
    if elsewhere:
        index.notice(
            f"template-file: {elsewhere} files with template directives outside Flux paths or read by "
            "generators were not linted"
        )


def _chart_dirs(index: Index) -> list[str]:
    """Directories of vendored Helm charts: Chart.yaml beside templates/."""
    out = []
    for sf in index.files:
        if posixpath.basename(sf.rel) == "Chart.yaml":
            d = posixpath.dirname(sf.rel)
            if index.is_dir(posixpath.join(d, "templates")):
                out.append(d)
    return sorted(out, key=len, reverse=True)  # a subchart before the chart holding it


def _under(rel: str, path: str) -> bool:
    return not path or rel.startswith(f"{path}/")


@rule(
    "CORE005",
    "file-skipped",
    "warning",
    "A YAML file is binary or larger than the size limit, so it is not linted",
    basis=Basis.CERTAIN,
    why="""
        A NUL byte in a .yaml file is a corrupted or mis-named file that Flux will fail on;
        a very large one is usually a vendored bundle. Either way obslint does not read it,
        and says so rather than silently passing it.
    """,
    failing="""
        -- .obslint.yaml --
        max-file-size-mb: 0.0001
        -- crds/bundle.yaml --
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a-rather-large-bundle-of-generated-definitions
          namespace: monitoring
        data:
          filler: "0123456789012345678901234567890123456789012345678901234567890123456789"
    """,
    passing="""
        -- crds/bundle.yaml --
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: small
          namespace: monitoring
    """,
    fix="Exclude the file in .obslint.yaml, raise max-file-size-mb, or repair the file.",
)
def file_skipped(ctx: RuleContext) -> Iterator[Finding]:
    yield from _problems(ctx, "file-skipped")


TOO_COMPLEX_FAILING = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: node-rules
  namespace: monitoring
data:
  rules.yaml: |
    groups:
      - name: node
        rules:
          - alert: NodeDown
            expr: up == 0
    # each line repeats the one above ten times: 1,111,111 nodes from six lines
    l1: &l1 [x, x, x, x, x, x, x, x, x, x]
    l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
    l3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]
    l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]
    l5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]
    l6: &l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]
"""


@rule(
    "CORE006",
    "too-complex",
    "warning",
    "Part of the repository passes a limit obslint sets on hostile input, so it is not checked",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        The checked repository may come from a pull request, and input built to exhaust a checker
        (YAML aliases that expand a few lines into millions of nodes, structures nested thousands
        of levels deep) must neither crash obslint nor make it run out of memory. YAML text held
        in a value (an embedded config, a Secret's base64 data) is refused past 500 levels of
        nesting or 1,000,000 nodes of alias expansion, as whole files are (CORE001); a rule that
        still runs out of stack or memory stops with this finding instead of a traceback. What
        was refused was not checked at all: a real configuration never comes near these limits,
        so the finding means a mistake or an attack.
    """,
    failing=TOO_COMPLEX_FAILING,
    passing=TOO_COMPLEX_FAILING.split("    # each line")[0],
    fix="Remove the anchors and aliases that multiply each other, or the excessive nesting.",
)
def too_complex(ctx: RuleContext) -> Iterator[Finding]:
    # Findings of this rule are produced by the runner once every other rule has run, from what
    # the index recorded as over a limit (obslint/runner.py, Index.over_limit).
    return iter(())
