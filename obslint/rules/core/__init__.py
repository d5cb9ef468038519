"""CORE: problems with the files themselves, found while loading the tree."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding
from obslint.rules import Basis, RuleContext, rule


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
    "A YAML file cannot be parsed (syntax error, invalid UTF-8, alias bomb, nesting too deep)",
    basis=Basis.CERTAIN,
    why="""
        Flux applies nothing from a Kustomization whose path holds a file that does not parse:
        the whole reconciliation fails, and every change behind it waits. obslint cannot
        check what it cannot read either, so the rest of that file is not linted.
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
    yield from _problems(ctx, "unparseable-file")


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
    "A file holds Go/Helm template directives and is not valid YAML, so it is not linted",
    basis=Basis.CERTAIN,
    why="""
        Chart templates (`{{ .Values.x }}`) only become YAML after rendering. Flux never
        applies them directly; obslint skips them and says so, instead of reporting a
        syntax error that is not one.
    """,
    failing="""
        -- charts/app/templates/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ include "app.fullname" . }}
          {{- with .Values.labels }}
          labels: {{ toYaml . | nindent 4 }}
          {{- end }}
    """,
    passing="""
        -- apps/service.yaml --
        apiVersion: v1
        kind: Service
        metadata:
          name: app
          namespace: apps
        spec:
          ports:
            - port: 80
    """,
    fix="Exclude chart template directories in .obslint.yaml, or lint the rendered output instead.",
)
def template_file(ctx: RuleContext) -> Iterator[Finding]:
    yield from _problems(ctx, "template-file")


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
