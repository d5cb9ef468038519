"""AM030 template-parse-error, AM031 template-undefined, AM032 template-label-absent, and the
Go template parse checker they use."""

from __future__ import annotations

import textwrap

import pytest

from obslint.model.alertmanager.templating import FUNCS, builtin_template
from obslint.model.gotemplate_syntax import first_error
from tests.alertmanager.test_rules import hr
from tests.conftest import check


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ range .Alerts }}{{ .Labels.pod }}", "unexpected EOF"),
        ("{{ .Labels.pod }}{{ end }}", "unexpected {{end}}"),
        ("{{ .Labels.pod }}{{ else }}", "unexpected {{else}}"),
        ("{{ .Labels.pod-name }}", "bad number syntax"),
        ("{{ .Labels.pod }", "unrecognized character in action: '}'"),
        ("{{ .Labels.pod", "unclosed action"),
        ('{{ "abc }}', "unterminated quoted string"),
        ("{{/* note", "unclosed comment"),
        ("{{ humanize .Value }}", "function 'humanize' not defined"),
        ('{{ printf "%s" foo }}', "function 'foo' not defined"),
        ("{{ $x }}", "undefined variable '$x'"),
        ('{{ define "a" }}{{ $x }}{{ end }}', "undefined variable '$x'"),
        ('{{ if .A }}{{ define "a" }}{{ end }}{{ end }}', "unexpected <define>"),
        ("{{ template name . }}", "template clause"),
        ("{{ }}", "missing value for command"),
        ("{{ if }}{{ end }}", "missing value for if"),
        ("{{ if .A }}a{{ else }}b{{ else }}c{{ end }}", "expected end"),
        ("{{ break }}", "outside {{range}}"),
        ("{{ .A : }}", "expected :="),
    ],
)
def test_parse_errors(text, message):
    problem = first_error(text, FUNCS)
    assert problem is not None and message in problem.message, (text, problem)


@pytest.mark.parametrize(
    "text",
    [
        '{{ .GroupLabels.alertname }} {{ .CommonLabels.SortedPairs.Values | join " " }}',
        "{{ range $i, $a := .Alerts.Firing }}{{ $i }} {{ $a.Labels.pod }}{{ end }}",
        "{{ if .A }}{{ $y := 1 }}{{ else }}{{ $y }}{{ end }}",  # Go keeps the first branch's variables
        "{{ if .A }}a{{ else if .B }}b{{ else with .C }}{{ . }}{{ else }}d{{ end }}",
        "{{- /* trimmed comment */ -}}{{/* plain */}}",
        '{{ define "x" }}{{ template "__subject" . }}{{ end }}{{ block "y" . }}{{ .Status }}{{ end }}',
        "{{ 1.5 }} {{ -3 }} {{ 0x1F }} {{ 'a' }} {{ true }} {{ nil | print }}",
        '{{ (index .Alerts 0).Labels.x }} {{ index .CommonLabels "a-b" }} {{ .Status | toUpper | printf "%s" }}',
        '{{ "}}" }} {{ `raw }} text` }}',
        "{{ range .Alerts }}{{ if .Labels.x }}{{ break }}{{ end }}{{ end }}",
        '{{ date "2006" (.StartsAt | tz "UTC") }} {{ toJson .CommonLabels }} {{ reReplaceAll "a" "b" .Status }}',
    ],
)
def test_parses(text):
    assert first_error(text, FUNCS) is None


def test_builtin_template_names():
    assert builtin_template("__subject") and builtin_template("slack.default.title")
    assert builtin_template("hipchat.default.from")
    assert not builtin_template("slack.custom.title") and not builtin_template("mytemplate")


def _hr(config: str, template_files: str = "", rules_off: bool = True) -> str:
    values = "defaultRules: {create: false}\n" if rules_off else ""
    values += "alertmanager:\n  config:\n" + textwrap.indent(textwrap.dedent(config), "    ")
    if template_files:
        values += "  templateFiles:\n" + textwrap.indent(textwrap.dedent(template_files), "    ")
    return hr(values)


def _config(field: str, templates: str = "", route_extra: str = "") -> str:
    return (
        textwrap.dedent("""\
        route:
          receiver: "null"
          routes:
            - receiver: chat
        """)
        + route_extra
        + textwrap.dedent(f"""\
        receivers:
          - name: "null"
          - name: chat
            slack_configs:
              - api_url_file: /etc/alertmanager/secrets/slack/url
                channel: "#alerts"
                text: '{field}'
        """)
        + templates
    )


def _findings(repo, rule: str, files: dict[str, str]):
    result = check(repo(files), select=[rule])
    assert not result.errors, result.errors
    return result.findings


# --- AM030 ------------------------------------------------------------------------------------


def test_parse_error_in_receiver_field(repo):
    found = _findings(repo, "AM030", {"hr.yaml": _hr(_config("{{ range .Alerts }}{{ .Labels.pod }}"))})
    assert len(found) == 1
    assert 'receiver "chat" slack text' in found[0].message and "unexpected EOF" in found[0].message


def test_parse_error_in_loaded_template_file(repo):
    files = 'custom.tmpl: |-\n  {{ define "x" }}{{ .Status }}\n'
    found = _findings(repo, "AM030", {"hr.yaml": _hr(_config("{{ .Status }}"), files)})
    assert len(found) == 1
    assert "template file custom.tmpl" in found[0].message and "refuses the configuration" in found[0].message


def test_parse_error_not_reported(repo):
    # a file the templates: glob does not load, a non-templated field, a null receiver, valid text
    files = 'notes.txt: |-\n  {{ define "x" }}\n'
    config = _config("{{ .Status }}").replace("channel:", "http_config: {proxy_url: 'http://{{x'}\n        channel:")
    assert _findings(repo, "AM030", {"hr.yaml": _hr(config, files)}) == []


# --- AM031 ------------------------------------------------------------------------------------

TEMPLATE_FILES = 'slack.tmpl: |-\n  {{ define "slack.title" }}{{ template "slack.part" . }}{{ end }}\n'


def test_undefined_template_in_field_and_through_define(repo):
    found = _findings(repo, "AM031", {"hr.yaml": _hr(_config('{{ template "slack.titel" . }}'), TEMPLATE_FILES)})
    assert len(found) == 1 and '"slack.titel"' in found[0].message
    assert 'did you mean "slack.title"' in found[0].hint
    found = _findings(repo, "AM031", {"hr.yaml": _hr(_config('{{ template "slack.title" . }}'), TEMPLATE_FILES)})
    assert len(found) == 1 and '"slack.part"' in found[0].message and "templateFiles slack.tmpl" in found[0].message


def test_defined_builtin_or_unknown_files(repo):
    defined = TEMPLATE_FILES + '  {{ define "slack.part" }}{{ .Status }}{{ end }}\n'
    for field in ('{{ template "slack.title" . }}', '{{ template "slack.default.title" . }}'):
        assert _findings(repo, "AM031", {"hr.yaml": _hr(_config(field), defined)}) == [], field
    # a define in the field itself
    own = '{{ define "t" }}x{{ end }}{{ template "t" . }}'
    assert _findings(repo, "AM031", {"hr.yaml": _hr(_config(own))}) == []
    # templates loaded from a directory obslint does not read: unknown
    outside = _config('{{ template "elsewhere" . }}', "templates: [/etc/alertmanager/extra/*.tmpl]\n")
    assert _findings(repo, "AM031", {"hr.yaml": _hr(outside)}) == []


# --- AM032 ------------------------------------------------------------------------------------


def _rules(expr: str, labels: str = "{severity: warning}") -> str:
    return textwrap.dedent(f"""\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {{name: app, namespace: monitoring}}
        spec:
          groups:
            - name: app
              rules:
                - alert: AppErrors
                  expr: {expr}
                  labels: {labels}
        """)


ROUTED = '      matchers: [alertname = "AppErrors"]\n'


def test_label_no_reaching_alert_has(repo):
    rules = _rules("sum by (job) (rate(errors_total[5m])) > 1")
    for field, printed in [
        ("{{ range .Alerts }}{{ .Labels.pod }}{{ end }}", ".Labels.pod"),
        ("{{ range .Alerts.Firing }}{{ .Labels.pod }}{{ end }}", ".Labels.pod"),
        ("{{ .CommonLabels.pod }}", ".CommonLabels.pod"),
    ]:
        files = {"rules.yaml": rules, "hr.yaml": _hr(_config(field, route_extra=ROUTED))}
        found = _findings(repo, "AM032", files)
        assert len(found) == 1, field
        assert printed in found[0].message and "(AppErrors)" in found[0].message


def test_label_through_define(repo):
    rules = _rules("sum by (job) (rate(errors_total[5m])) > 1")
    tmpl = 'a.tmpl: |-\n  {{ define "list" }}{{ range . }}{{ .Labels.pod }}{{ end }}{{ end }}\n'
    config = _config('{{ template "list" .Alerts }}', route_extra=ROUTED)
    found = _findings(repo, "AM032", {"rules.yaml": rules, "hr.yaml": _hr(config, tmpl)})
    assert len(found) == 1 and "templateFiles a.tmpl" in found[0].message


@pytest.mark.parametrize(
    ("expr", "labels", "field", "route_extra"),
    [
        # the expression keeps the label, or the rule sets it
        ("sum by (job, pod) (rate(errors_total[5m])) > 1", "{severity: warning}", "{{ .CommonLabels.pod }}", ROUTED),
        ("sum by (job) (rate(errors_total[5m])) > 1", "{pod: web}", "{{ .CommonLabels.pod }}", ROUTED),
        ("sum by (job) (rate(errors_total[5m])) > 1", "{pod: '{{ $labels.job }}'}", "{{ .CommonLabels.pod }}", ROUTED),
        # a plain selector keeps every label of the series: open
        ("errors_total > 1", "{severity: warning}", "{{ .CommonLabels.pod }}", ROUTED),
        # guarded
        ("sum by (job) (rate(errors_total[5m])) > 1", "{}", "{{ with .CommonLabels.pod }}{{ . }}{{ end }}", ROUTED),
        # the route takes any alert name: alerts from elsewhere may carry it
        ("sum by (job) (rate(errors_total[5m])) > 1", "{}", "{{ .CommonLabels.pod }}", ""),
        # a route name the repository defines no alert of
        (
            "sum by (job) (rate(errors_total[5m])) > 1",
            "{}",
            "{{ .CommonLabels.pod }}",
            ROUTED.replace("AppErrors", "Other"),
        ),
    ],
)
def test_label_not_reported(repo, expr, labels, field, route_extra):
    files = {"rules.yaml": _rules(expr, labels), "hr.yaml": _hr(_config(field, route_extra=route_extra))}
    assert _findings(repo, "AM032", files) == []


def test_label_external_labels_known_or_not(repo):
    rules = _rules("sum by (job) (rate(errors_total[5m])) > 1")
    field = "{{ .CommonLabels.cluster }}"
    config = _config(field, route_extra=ROUTED)
    with_ext = _hr(config).replace(
        "    defaultRules:", "    prometheus: {prometheusSpec: {externalLabels: {cluster: a}}}\n    defaultRules:"
    )
    assert _findings(repo, "AM032", {"rules.yaml": rules, "hr.yaml": with_ext}) == []
    assert len(_findings(repo, "AM032", {"rules.yaml": rules, "hr.yaml": _hr(config)})) == 1
    # alert relabelling may add labels: unknown
    relabel = _hr(config).replace(
        "    defaultRules:", "    prometheus: {prometheusSpec: {enforcedNamespaceLabel: cluster}}\n    defaultRules:"
    )
    assert _findings(repo, "AM032", {"rules.yaml": rules, "hr.yaml": relabel}) == []
