"""AM031 template-undefined: `{{ template "name" }}` calls a template no loaded file defines."""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches

from obslint.findings import Finding, Loc, Related
from obslint.model.alertmanager.templating import builtin_template, loading
from obslint.model.gotemplate import analyse
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, is_null, routed_sources
from obslint.rules.alertmanager.templates import TemplateText, receiver_templates, template_files

FAILING = (
    HR_EXAMPLE
    + """\
        route:
          receiver: team
        receivers:
          - name: team
            slack_configs:
              - api_url_file: /etc/alertmanager/secrets/slack/url
                channel: "#alerts"
                # the file defines "slack.title", not "slack.custom.title"
                title: '{{ template "slack.custom.title" . }}'
      templateFiles:
        slack.tmpl: |-
          {{ define "slack.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}
"""
)

PASSING = FAILING.replace('"slack.custom.title"', '"slack.title"').replace(
    '                # the file defines "slack.title", not "slack.custom.title"\n', ""
)


def _called(field: TemplateText, files: list[TemplateText]) -> Iterator[tuple[str, TemplateText | None]]:
    """(name, file whose define makes the call) of every template the field runs, following the
    calls into the defines of the files (None: the call is in the field itself)."""
    own = analyse(field.text)
    pending: list[tuple[str, TemplateText | None]] = [(c.name, None) for c in own.calls]
    seen: set[str] = set(own.defines)
    while pending:
        name, via = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        yield name, via
        for tf in files:
            body = analyse(tf.text)
            if name in body.defines:
                pending.extend((c.name, tf) for c in body.calls if c.define == name)


@rule(
    "AM031",
    "template-undefined",
    "error",
    'A notification template calls {{ template "name" }} for a name no loaded template file defines',
    basis=Basis.CERTAIN,
    why="""
        `{{ template "name" . }}` runs a template defined with `{{ define "name" }}` in one of the
        files the configuration's `templates:` globs load, or one of Alertmanager's own
        (template/default.tmpl: `__subject`, `slack.default.title`, ...). Go resolves the name
        only when the template runs, so Alertmanager loads the configuration and every
        notification through the receiver fails with `template "name" not defined`. obslint
        reports this only when it reads every loaded file: no `templates:`, or globs of the
        configuration directory (/etc/alertmanager/config) whose files are kube-prometheus-stack
        `templateFiles` or keys of the Alertmanager's Secret.
        https://pkg.go.dev/text/template (Nested template definitions) and
        https://prometheus.io/docs/alerting/latest/notifications/
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Call a name a loaded file defines (check the spelling), add the `{{ define }}`, or make the
        `templates:` globs load the file that has it.
    """,
)
def template_undefined(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[tuple[Loc, str]] = set()
    for src in routed_sources(ctx.index):
        if src.defaults_only:
            continue
        load = loading(src)
        if not load.complete:
            continue
        files = [tf for tf in template_files(src) if load.loads(tf.name)]
        defined: set[str] = set()
        for tf in files:
            defined |= analyse(tf.text).defines
        for name in src.config.receivers:
            if is_null(src, name):
                continue
            for field in receiver_templates(src, name):
                for called, via in _called(field, files):
                    if called in defined or builtin_template(called) or (field.loc, called) in seen:
                        continue
                    seen.add((field.loc, called))
                    where = f" (from a define in {via.what})" if via is not None else ""
                    related = (Related(via.loc, "the define that calls it"),) if via is not None else ()
                    yield Finding(
                        field.loc,
                        f'receiver "{name}" {field.what} runs template "{called}"{where}, which no loaded '
                        "template file defines: every notification through it fails",
                        hint=_hint(called, defined),
                        related=related,
                    )


def _hint(called: str, defined: set[str]) -> str:
    close = get_close_matches(called, sorted(defined), n=1)
    return f'did you mean "{close[0]}"?' if close else "define it in a template file the templates: globs load"
