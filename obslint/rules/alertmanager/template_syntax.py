"""AM030 template-parse-error: a notification template Go's text/template refuses to parse."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, Loc
from obslint.model.alertmanager.templating import FUNCS, loading
from obslint.model.gotemplate_syntax import first_error
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, is_null, sources
from obslint.rules.alertmanager.templates import receiver_templates, template_files

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
                # humanize is a Prometheus function: Alertmanager does not define it
                title: "{{ .CommonLabels.alertname }} at {{ humanize .CommonAnnotations.value }}"
"""
)

PASSING = FAILING.replace(" at {{ humanize .CommonAnnotations.value }}", " at {{ .CommonAnnotations.value }}").replace(
    "                # humanize is a Prometheus function: Alertmanager does not define it\n", ""
)


@rule(
    "AM030",
    "template-parse-error",
    "error",
    "A notification template (a receiver field or a templates: file) does not parse as a Go template",
    basis=Basis.CERTAIN,
    why="""
        Alertmanager parses the `templates:` files when it loads the configuration and refuses a
        configuration whose files do not parse (the reload fails, the old configuration stays).
        It parses a receiver field's text (title, text, message...) only when it sends a
        notification: a field that does not parse fails to render every time (the notification
        fails; Slack sends it with the field empty)
        (template/template.go `FromGlobs`, `ExecuteTextString`). Go's parser refuses an unclosed
        `{{` or string, an `{{ end }}` or `{{ else }}` with nothing open, a missing `{{ end }}`, a
        variable used before it is declared, and a function the engine does not define: Alertmanager
        registers its own (`toUpper`, `join`, `reReplaceAll`, `date`, ...: template.go `DefaultFuncs`)
        besides Go's builtins, not Prometheus' (`humanize`, `query`) nor sprig's.
        https://pkg.go.dev/text/template and
        https://prometheus.io/docs/alerting/latest/notifications/#functions
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Fix the template at the position the message gives; `amtool template render --template.text=...`
        shows Go's own error for a field.
    """,
)
def template_parse_error(ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Loc] = set()
    for src in sources(ctx.index):
        if src.defaults_only:
            continue
        load = loading(src)
        for tf in template_files(src):
            if not load.loads(tf.name) or tf.loc in seen:
                continue
            problem = first_error(tf.text, FUNCS)
            if problem is not None:
                seen.add(tf.loc)
                yield Finding(
                    tf.loc,
                    f"template file {tf.name} does not parse (line {problem.line(tf.text)}: {problem.message}): "
                    "Alertmanager refuses the configuration that loads it",
                    hint="fix the template; the configuration reload fails until then",
                )
        for name in src.config.receivers:
            if is_null(src, name):
                continue
            for field in receiver_templates(src, name):
                if field.loc in seen:
                    continue
                problem = first_error(field.text, FUNCS)
                if problem is not None:
                    seen.add(field.loc)
                    yield Finding(
                        field.loc,
                        f'receiver "{name}" {field.what} does not parse as a template ({problem.message}): '
                        "Alertmanager cannot render it for any notification",
                        hint="fix the template text",
                    )
