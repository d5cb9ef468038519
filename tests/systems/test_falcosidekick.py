"""falcosidekick: outputs to the stack's Loki and Alertmanager laid over the reference stack lint
clean; outputs at missing Services or ports (AM008) and webhook URLs or tokens in clear (SEC005)
are caught."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from tests.conftest import check
from tests.systems.stack import stack_with

HR = "infrastructure/monitoring/alloy/falcosidekick.yaml"


def findings(stack):
    result = check(stack.root)
    assert not result.errors, result.errors
    return result.findings


@pytest.fixture
def stack(tmp_path):
    return stack_with(tmp_path, "falcosidekick", "falcosecurity")


def test_outputs_lint_clean(stack):
    assert findings(stack) == []


def test_output_at_a_service_nothing_creates(stack):
    stack.replace(HR, "http://loki.monitoring.svc", "http://loki-gateway.monitoring.svc")
    (f,) = findings(stack)
    assert (f.rule, f.severity) == ("AM008", Severity.WARNING)
    assert f.message.startswith("falcosidekick output loki of HelmRelease monitoring/falcosidekick: no Service")


def test_output_at_a_wrong_port(stack):
    stack.replace(HR, "alertmanager.monitoring.svc:9093", "alertmanager.monitoring.svc:9094")
    (f,) = findings(stack)
    assert (f.rule, f.severity) == ("AM008", Severity.ERROR)
    assert "has no port 9094" in f.message


def test_slack_webhook_in_clear(stack):
    stack.append(
        HR, "      slack:\n        webhookurl: https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijkl\n"
    )
    (f,) = findings(stack)
    assert f.rule == "SEC005" and "values `config.slack.webhookurl`" in f.message
    assert "abcdefghijkl" not in f.message


def test_self_hosted_webhook_in_clear(stack):
    stack.append(HR, "      mattermost:\n        webhookurl: https://chat.example.org/hooks/8f3k2m9x7q1w5e4r\n")
    (f,) = findings(stack)
    assert f.rule == "SEC005" and "config.mattermost.webhookurl" in f.message


def test_token_and_header_in_clear(stack):
    stack.append(HR, "      telegram:\n        token: 123456:AAbbCCddEEff\n        chatid: '42'\n")
    (f,) = findings(stack)
    assert f.rule == "SEC005" and "config.telegram.token" in f.message
    stack.replace(HR, "        token: 123456:AAbbCCddEEff\n        chatid: '42'\n", "")
    header = "\n        customheaders: 'Authorization:Bearer 9a8b7c6d5e'"
    stack.replace(HR, "minimumpriority: warning", "minimumpriority: warning" + header)
    (f,) = findings(stack)
    assert f.rule == "SEC005" and "config.loki.customheaders" in f.message


def test_placeholders_and_disabled_outputs_are_not_reported(stack):
    stack.append(HR, "      mattermost:\n        webhookurl: https://chat.example.org/hooks/xxxxxxxx\n")
    assert findings(stack) == []


def test_falco_subchart(repo):
    root = repo(
        """\
        -- falco/falco.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: falco
          namespace: falco
        spec:
          chart:
            spec:
              chart: falco
              version: 4.20.0
          values:
            falco:
              http_output:
                enabled: true
                url: http://falco-sidekick.security.svc:2801
            falcosidekick:
              enabled: true
              config:
                mattermost:
                  webhookurl: https://chat.example.org/hooks/8f3k2m9x7q1w5e4r
        -- security/sidekick.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: sidekick
          namespace: security
        spec:
          chart:
            spec:
              chart: falcosidekick
              version: 0.12.0
        """
    )
    # the falco chart renders Services obslint does not list: its own namespace is not judged
    result = check(root, select=["AM008", "SEC005"])
    assert "no Service falco-sidekick in namespace security" in result.findings[0].message
    assert "Services in namespace security: sidekick-falcosidekick" in result.findings[0].hint
    got = sorted((f.rule, f.loc.line) for f in result.findings)
    assert got == [("AM008", 15), ("SEC005", 20)], [f.message for f in result.findings]
