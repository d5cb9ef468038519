"""AM015 template-label-not-grouped: .GroupLabels/.CommonLabels of labels the route does not group by."""

from __future__ import annotations

import textwrap

from tests.alertmanager.test_rules import RULES, am, hr
from tests.conftest import check


def _config(group_by: str, title: str, extra: str = "") -> str:
    return (
        textwrap.dedent(f"""\
        route:
          receiver: chat
          group_by: {group_by}
          routes:
            - receiver: "null"
              matchers: ['alertname = "Watchdog"']
        receivers:
          - name: "null"
          - name: chat
            slack_configs:
              - api_url_file: /etc/alertmanager/secrets/slack/url
                channel: "#alerts"
                title: '{title}'
        """)
        + extra
    )


def _run(repo, files: dict[str, str]):
    result = check(repo(files), select=["AM015"])
    assert not result.errors, result.errors
    return result.findings


def test_group_label_outside_group_by_renders_empty(repo):
    found = _run(repo, {"hr.yaml": am(_config("[alertname]", "{{ .GroupLabels.alertname }} {{ .GroupLabels.pod }}"))})
    assert len(found) == 1
    assert ".GroupLabels.pod" in found[0].message and "groups by alertname" in found[0].message
    assert found[0].loc.path == "hr.yaml"


def test_group_label_that_is_grouped_or_guarded(repo):
    for group_by, title in [
        ("[alertname, pod]", "{{ .GroupLabels.pod }}"),
        ('["..."]', "{{ .GroupLabels.pod }}"),
        ("[alertname]", "{{ with .GroupLabels.pod }}on {{ . }}{{ end }}"),
        ("[alertname]", "{{ range .Alerts }}{{ .Labels.pod }}{{ end }} {{ .GroupLabels.SortedPairs.Values }}"),
        ("[alertname]", '{{ if eq .GroupLabels.pod "" }}no pod{{ end }}'),
    ]:
        assert _run(repo, {"hr.yaml": am(_config(group_by, title))}) == [], (group_by, title)


def test_variables_and_child_routes(repo):
    # `$root := .` keeps the root data inside range
    config = _config("[alertname]", "{{ $root := . }}{{ range .Alerts }}{{ $root.GroupLabels.cluster }}{{ end }}")
    assert len(_run(repo, {"hr.yaml": am(config)})) == 1
    # only a child route that groups by the label notifies the receiver: fine
    child = textwrap.dedent("""\
        route:
          receiver: "null"
          group_by: [alertname]
          routes:
            - receiver: chat
              group_by: [alertname, cluster]
              matchers: ['severity = "critical"']
        receivers:
          - name: "null"
          - name: chat
            slack_configs:
              - api_url_file: /etc/alertmanager/secrets/slack/url
                title: '{{ .GroupLabels.cluster }}'
        """)
    assert _run(repo, {"hr.yaml": am(child)}) == []
    # its own child without group_by inherits it
    nested = child.replace(
        "      matchers: ['severity = \"critical\"']\n",
        "      matchers: ['severity = \"critical\"']\n      routes:\n        - matchers: ['team = \"db\"']\n",
    )
    assert _run(repo, {"hr.yaml": am(nested)}) == []
    assert len(_run(repo, {"hr.yaml": am(nested.replace("group_by: [alertname, cluster]", "group_by: [team]"))})) == 1


def test_define_in_template_files(repo):
    define = '{{ define "slack.custom.title" }}{{ .GroupLabels.namespace }}{{ end }}'
    files = f"templateFiles:\n  custom.tmpl: |-\n    {define}\n"
    values = "defaultRules: {create: false}\nalertmanager:\n" + textwrap.indent(files, "  ")
    values += "  config:\n" + textwrap.indent(_config("[alertname]", '{{ template "slack.custom.title" . }}'), "    ")
    found = _run(repo, {"hr.yaml": hr(values)})
    assert len(found) == 1
    assert "templateFiles custom.tmpl" in found[0].message and found[0].related
    # a template nobody defines in the repository (default.tmpl) is not followed
    values = values.replace('template "slack.custom.title"', 'template "slack.default.title"')
    assert _run(repo, {"hr.yaml": hr(values)}) == []


def test_common_label_that_may_differ(repo):
    # AppDown (critical) and AppSlow (warning) can share a namespace group
    files = {"rules.yaml": RULES, "hr.yaml": am(_config("[namespace]", "{{ .CommonLabels.alertname }}"))}
    found = _run(repo, files)
    assert len(found) == 1 and "AppDown and AppSlow" in found[0].message
    files["hr.yaml"] = am(_config("[namespace, alertname]", "{{ .CommonLabels.alertname }}"))
    assert _run(repo, files) == []
    # grouped by severity, the two alerts never share a notification
    files["hr.yaml"] = am(_config("[severity]", "{{ .CommonLabels.alertname }}"))
    assert _run(repo, files) == []
    # a label no known alert sets statically: nothing says it differs
    files["hr.yaml"] = am(_config("[namespace]", "{{ .CommonLabels.instance }}"))
    assert _run(repo, files) == []


def test_alertmanagerconfig_receiver(repo):
    amc = textwrap.dedent("""\
        apiVersion: monitoring.coreos.com/v1alpha1
        kind: AlertmanagerConfig
        metadata: {name: team, namespace: monitoring}
        spec:
          route:
            receiver: chat
            groupBy: [alertname]
          receivers:
            - name: chat
              discordConfigs:
                - apiURL: {name: discord, key: url}
                  title: "{{ .GroupLabels.alertname }} {{ .GroupLabels.job }}"
        """)
    found = _run(repo, {"hr.yaml": am(_config("[alertname]", "x")), "amc.yaml": amc})
    assert len(found) == 1 and found[0].loc.path == "amc.yaml" and "GroupLabels.job" in found[0].message
