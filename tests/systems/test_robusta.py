"""Robusta: the runner fed by an Alertmanager webhook receiver, with its credentials read from an
encrypted Secret, laid over the reference stack lints clean; a receiver URL at a Service the
release does not create (AM008) and credentials in clear (SEC005) are caught."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from tests.conftest import check
from tests.systems.stack import KPS, stack_with

HR = "infrastructure/monitoring/kube-prometheus-stack/robusta.yaml"


def findings(stack):
    result = check(stack.root)
    assert not result.errors, result.errors
    return result.findings


@pytest.fixture
def stack(tmp_path):
    return stack_with(tmp_path, "robusta", "robusta")


def test_runner_receiver_lints_clean(stack):
    assert findings(stack) == []


def test_receiver_at_the_chart_name_instead_of_the_release(stack):
    stack.replace(HR, "  name: robusta\n  namespace: monitoring", "  name: robusta-home\n  namespace: monitoring")
    (f,) = findings(stack)
    assert (f.rule, f.severity, f.loc.path) == ("AM008", Severity.WARNING, KPS)
    assert 'receiver "robusta": no Service robusta-runner in namespace monitoring' in f.message
    assert "robusta-home-runner" in f.hint


def test_receiver_at_a_wrong_port(stack):
    stack.replace(
        KPS, "robusta-runner.monitoring.svc.cluster.local/api", "robusta-runner.monitoring.svc.cluster.local:5000/api"
    )
    (f,) = findings(stack)
    assert (f.rule, f.severity) == ("AM008", Severity.ERROR) and "has no port 5000, only 80" in f.message


def test_fullname_override_names_the_runner(stack):
    stack.replace(HR, "    clusterName: home\n", "    clusterName: home\n    fullnameOverride: robusta\n")
    stack.replace(HR, "  name: robusta\n  namespace: monitoring", "  name: robusta-home\n  namespace: monitoring")
    assert findings(stack) == []


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            'signing_key: "{{ env.ROBUSTA_SIGNING_KEY }}"',
            "signing_key: 6f1e2d3c-aaaa-4bbb-8ccc-123456789abc",
            "globalConfig.signing_key",
        ),
        (
            'account_id: "{{ env.ROBUSTA_ACCOUNT_ID }}"',
            "account_id: 0b1c2d3e-ffff-4eee-9ddd-abcdef012345",
            "globalConfig.account_id",
        ),
        (
            'api_key: "{{ env.SLACK_API_KEY }}"',
            "api_key: xoxb-1234567890-abcdefghij",
            "sinksConfig[0].slack_sink.api_key",
        ),
    ],
)
def test_credentials_in_clear(stack, old, new, path):
    stack.replace(HR, old, new)
    (f,) = findings(stack)
    assert f.rule == "SEC005" and f"`{path}`" in f.message


def test_robusta_sink_token_and_rsa_key_in_clear(stack):
    stack.append(HR, "    rsa:\n      private: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n")
    stack.replace(
        HR,
        "    sinksConfig:\n",
        "    sinksConfig:\n      - robusta_sink:\n          name: robusta_ui_sink\n"
        "          token: eyJhY2NvdW50X2lkIjogIjEyMyJ9\n",
    )
    # SEC005 only: FLUX052 takes `rsa` for a removed key, as the chart's default values dropped it
    # in 0.10.30 while its templates (auth-config.yaml, runner.yaml) still read it.
    result = check(stack.root, select=["SEC005"])
    got = sorted(f.message.rsplit("`", 2)[1] for f in result.findings)
    assert got == ["rsa.private", "sinksConfig[0].robusta_sink.token"]
