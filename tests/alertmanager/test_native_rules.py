"""AM023 (unknown keys, keys of another release) and AM014's native receiver checks, on repositories:
the release from the chart pin, the image tag or the option, positions, and one finding per cause."""

from __future__ import annotations

import textwrap

from obslint.findings import Severity
from tests.conftest import check


def hr(config: str, version: str = "80.6.0", extra: str = "") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata: {name: kube-prometheus-stack, namespace: monitoring}\n"
        "spec:\n"
        f"  chart: {{spec: {{chart: kube-prometheus-stack, version: {version}}}}}\n"
        "  values:\n"
        "    defaultRules: {create: false}\n"
        + textwrap.indent(textwrap.dedent(extra), "    ")
        + "    alertmanager:\n      config:\n"
        + textwrap.indent(textwrap.dedent(config), "        ")
    )


PUSHOVER_TTL = """\
route: {receiver: team}
receivers:
  - name: team
    pushover_configs:
      - user_key: u
        token: t
        ttl: 1h
"""


def findings(repo, files, rules=("AM023", "AM014")):
    return check(repo(files), select=list(rules)).findings


def test_typo_is_an_error_at_its_key(repo):
    cfg = "route:\n  receiver: team\n  repeat_intervall: 4h\nreceivers:\n  - name: team\n"
    (f,) = findings(repo, {"hr.yaml": hr(cfg)})
    assert (f.rule, f.severity, f.loc.line) == ("AM023", Severity.ERROR, 12)
    assert "unknown field `repeat_intervall` in route" in f.message
    assert f.hint == "did you mean `repeat_interval`?"


def test_key_of_a_newer_release_than_the_pinned_chart_deploys(repo):
    (f,) = findings(repo, {"hr.yaml": hr(PUSHOVER_TTL, version="56.0.0")})
    assert (f.rule, f.severity, f.loc.line) == ("AM023", Severity.WARNING, 16)
    assert "`ttl` needs Alertmanager 0.27 or later" in f.message
    assert "kube-prometheus-stack 56.0.0 deploys Alertmanager 0.26" in f.hint
    assert findings(repo, {"hr.yaml": hr(PUSHOVER_TTL, version="80.6.0")}) == []


def test_image_tag_in_values_wins_over_the_chart_default(repo):
    extra = "alertmanager:\n  alertmanagerSpec: {image: {tag: v0.26.0}}\n"
    files = {"hr.yaml": hr(PUSHOVER_TTL, extra=extra).replace("    alertmanager:\n      config:", "      config:")}
    (f,) = findings(repo, files)
    assert "the values set the Alertmanager image tag v0.26.0" in f.hint


def test_option_names_the_release_of_a_plain_file(repo):
    plain = PUSHOVER_TTL
    assert findings(repo, {"alertmanager.yaml": plain}) == []  # unknown release: any release 0.25+
    options = "options:\n  AM023: {alertmanager-version: v0.25.0}\n"
    (f,) = findings(repo, {"alertmanager.yaml": plain, ".obslint.yaml": options})
    assert "option alertmanager-version: v0.25.0" in f.hint


def test_missing_required_value_is_am014_at_the_integration(repo):
    cfg = "route: {receiver: team}\nreceivers:\n  - name: team\n    webhook_configs:\n      - send_resolved: true\n"
    (f,) = findings(repo, {"hr.yaml": hr(cfg)})
    assert (f.rule, f.loc.line) == ("AM014", 14)
    assert f.message.startswith('one of url or url_file must be configured in receiver "team" webhook_configs[0]')


def test_missing_value_may_come_from_values_outside_the_repository(repo):
    cfg = "route: {receiver: team}\nreceivers:\n  - name: team\n    slack_configs: [{channel: '#a'}]\n"
    text = hr(cfg).replace("  values:\n", "  valuesFrom: [{kind: Secret, name: am-secrets}]\n  values:\n")
    assert findings(repo, {"hr.yaml": text}) == []
    assert [f.rule for f in findings(repo, {"hr.yaml": hr(cfg)})] == ["AM014"]


def test_exclusive_values_point_at_the_second(repo):
    cfg = "route: {receiver: team}\nreceivers:\n  - name: team\n    webhook_configs:\n"
    cfg += "      - url: https://example.org\n        url_file: /etc/am/url\n"
    (f,) = findings(repo, {"hr.yaml": hr(cfg)})
    assert (f.rule, f.loc.line) == ("AM014", 15)
    assert "at most one of url & url_file must be configured" in f.message


def test_chart_defaults_alone_are_not_checked(repo):
    assert findings(repo, {"hr.yaml": hr("{}\n")}) == []
