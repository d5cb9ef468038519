"""Redaction masks whole secret values, never a short value inside a longer word or name."""

from __future__ import annotations

import base64
import json

import pytest

from obslint.cli import main
from obslint.redact import CUT_MIN, REDACTED, Redactor, go_quoted, token_like
from tests.secrets.helpers import helmrelease, secret

TOKEN = "xoxb-4711-AbCdEfGh1234"


def redactor(*values: str) -> Redactor:
    r = Redactor()
    r.add_secret_object({"stringData": {f"k{i}": v for i, v in enumerate(values)}})
    return r


@pytest.mark.parametrize(
    "text",
    [
        "kube-prometheus-stack",
        "Secret monitoring/grafana-admin-secret",
        "HelmRelease prometheus-operator",
        "see monitoring/prometheus and prometheus.yml",
        "adminPassword",
        "https://prometheus.monitoring.svc:9090/api/v1/write",
    ],
)
def test_short_values_inside_names_are_left_alone(text):
    assert redactor("admin", "prometheus").redact(text) == text


@pytest.mark.parametrize(
    "text, value",
    [
        ("the user is admin.", "admin"),
        ("user: admin", "admin"),
        ("'admin' is the user", "admin"),
        ('password "admin"', "admin"),
        ("https://user:admin@grafana.example.org/", "admin"),
        ("https://example.org/hook?token=s3cr3t&x=1", "s3cr3t"),
        ("admin", "admin"),
    ],
)
def test_whole_values_are_masked(text, value):
    out = redactor(value).redact(text)
    assert value not in out
    assert REDACTED in out or out == "https://grafana.example.org" or out == "https://example.org/…"


@pytest.mark.parametrize(
    "text",
    [
        f"https://hooks.slack.com/services/T000/B000/{TOKEN}",
        f"https://example.org/{TOKEN}/send",
        f"https://example.org/hook?key={TOKEN}x",  # even joined to more characters
        f"Bearer{TOKEN}",
    ],
)
def test_long_tokens_are_masked_anywhere(text):
    out = redactor(TOKEN).redact(text)
    assert TOKEN not in out and (REDACTED in out or out.endswith("/…"))


def test_token_like():
    assert token_like(TOKEN)
    assert token_like("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    assert not token_like("kube-prometheus-stack")  # long, but one letter case and no digits
    assert not token_like("Abc1")  # short
    assert not token_like("aaaaaaaaAAAAAAAA1111")  # few distinct characters


def test_base64_forms_are_masked():
    value = "hunter2-password"
    encoded = base64.b64encode(value.encode()).decode()
    r = redactor(encoded)  # a Secret `data:` value: the decoded form is registered too
    assert value not in r.redact(f"value {value}") and encoded not in r.redact(f"data: {encoded}")
    short = redactor("admin")
    assert "YWRtaW4=" not in short.redact("password: YWRtaW4=")


def test_credential_keyed_lines_are_masked_in_excerpts():
    r = Redactor()  # nothing registered: the key alone says it is a credential
    assert r.mask_line("    password: notregistered") == "    password: ***"
    assert r.mask_line("  url: https://bob:pw1234@example.org/") == "  url: https://example.org"
    assert r.mask_line("  name: kube-prometheus-stack") == "  name: kube-prometheus-stack"


def test_a_secret_holding_a_common_word_does_not_mangle_the_report(repo, capsys):
    body = "stringData:\n  admin-user: admin\n  release: prometheus\n"
    root = repo(
        {
            "monitoring/secret.yaml": secret("grafana-admin", body=body),
            "monitoring/hr.yaml": helmrelease("kube-prometheus-stack", "prometheus: {}"),
        }
    )
    main(["check", str(root), "--format", "json", "--select", "STOR003,SEC001"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {f["rule"] for f in findings} == {"STOR003", "SEC001"}
    text = json.dumps(findings)
    assert "kube-prometheus-stack" in text and "grafana-admin" in text
    assert "<redacted" not in text
    main(["check", str(root), "--select", "SEC001"])
    out = capsys.readouterr().out
    assert "admin-user:" not in out  # a file holding a Secret shows no source lines


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pw@grafana.example.org/d/x", "https://grafana.example.org/…"),
        ("see https://example.org:8443/hook?token=abc.", "see https://example.org:8443/…."),
        (f"https://hooks.slack.com/services/T0/B0/{TOKEN}", "https://hooks.slack.com/…"),
        ("https://prometheus.io/docs/alerting/latest/configuration/", None),
        ("http://loki-gateway.monitoring.svc:80/loki/api/v1/push", None),
    ],
)
def test_urls_that_may_carry_credentials_print_as_scheme_host_and_port(url, shown):
    assert Redactor().redact(url) == (shown or url)


@pytest.mark.parametrize(
    "text",
    [
        f"plaintext value {TOKEN[:20]}...",
        f"kubectl: error near {TOKEN[:11]}",
        f"quoted `{TOKEN[:30]}…` in a message",
    ],
)
def test_a_secret_cut_before_redaction_is_still_masked(text):
    out = redactor(TOKEN).redact(text)
    assert TOKEN[:CUT_MIN] not in out and REDACTED in out


def test_a_cut_word_that_only_looks_like_a_prefix_is_kept():
    assert redactor("monitoring-password").redact("namespace monitoring") == "namespace monitoring"
    assert redactor("monitoring-password").redact("value monitoring-pa…") == "value <redacted>…"


def test_go_quoted_values_are_masked():
    value = 'pa"ss\\word\twith-quote'
    quoted = go_quoted(value)
    assert quoted == 'pa\\"ss\\\\word\\twith-quote'
    out = redactor(value).redact(f'amtool: cannot unmarshal !!str "{quoted}" into int')
    assert quoted not in out and REDACTED in out
