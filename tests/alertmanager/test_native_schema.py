"""The native Alertmanager schema: each integration's required values, unknown keys, exclusive values and
value formats, per release."""

from __future__ import annotations

import pytest
import yaml

from obslint.model.alertmanager.schema import INVALID, MISSING, TOO_NEW, UNKNOWN, validate
from obslint.model.alertmanager.schema.integrations import INTEGRATIONS
from obslint.model.alertmanager.schema.versions import from_tag, kps_alertmanager

# A minimal valid config of every integration, the key whose absence is refused, and a key to misspell.
MINIMAL: dict[str, tuple[dict, str, str]] = {
    "email_configs": ({"to": "a@example.org", "from": "am@example.org", "smarthost": "smtp:25"}, "to", "smarthost"),
    "slack_configs": ({"api_url": "https://hooks.slack.com/x", "channel": "#a"}, "api_url", "channel"),
    "pagerduty_configs": ({"routing_key": "k"}, "routing_key", "severity"),
    "opsgenie_configs": ({"api_key": "k"}, "api_key", "priority"),
    "webhook_configs": ({"url": "https://example.org/hook"}, "url", "max_alerts"),
    "pushover_configs": ({"user_key": "u", "token": "t"}, "token", "priority"),
    "discord_configs": ({"webhook_url": "https://discord.example/x"}, "webhook_url", "message"),
    "telegram_configs": ({"bot_token": "t", "chat_id": 42}, "chat_id", "parse_mode"),
    "msteams_configs": ({"webhook_url": "https://teams.example/x"}, "webhook_url", "title"),
    "msteamsv2_configs": ({"webhook_url": "https://teams.example/x"}, "webhook_url", "title"),
    "webex_configs": ({"room_id": "r", "http_config": {"authorization": {"credentials": "c"}}}, "room_id", "message"),
    "sns_configs": ({"topic_arn": "arn:aws:sns:x"}, "topic_arn", "subject"),
    "victorops_configs": ({"api_key": "k", "routing_key": "r"}, "routing_key", "message_type"),
    "wechat_configs": ({"api_secret": "s", "corp_id": "c"}, "corp_id", "to_user"),
    "jira_configs": (
        {"api_url": "https://jira.example", "project": "OPS", "issue_type": "Bug"},
        "issue_type",
        "priority",
    ),
    "rocketchat_configs": ({"token": "t", "token_id": "i"}, "token_id", "channel"),
    "incidentio_configs": ({"url": "https://api.incident.io/x", "alert_source_token": "t"}, "url", "max_alerts"),
}


def config(integration: str, settings: dict, glob: dict | None = None) -> dict:
    out: dict = {"route": {"receiver": "r"}, "receivers": [{"name": "r", integration: [settings]}]}
    if glob:
        out["global"] = glob
    return out


def kinds(data: dict, version=None) -> list[tuple[str, str]]:
    return [(p.kind, p.message) for p in validate(data, version)]


def test_every_integration_has_a_case():
    assert set(MINIMAL) == set(INTEGRATIONS) - {"mattermost_configs"}


@pytest.mark.parametrize("integration", sorted(MINIMAL))
def test_minimal_config_is_valid(integration):
    assert kinds(config(integration, MINIMAL[integration][0])) == []


@pytest.mark.parametrize("integration", sorted(MINIMAL))
def test_required_value_missing(integration):
    settings, required, _ = MINIMAL[integration]
    found = validate(config(integration, {k: v for k, v in settings.items() if k != required}), None)
    assert [p.kind for p in found] == [MISSING], found
    assert found[0].key is None and found[0].where == f'receiver "r" {integration}[0]'


@pytest.mark.parametrize("integration", sorted(MINIMAL))
def test_unknown_key_names_the_closest(integration):
    settings, _, key = MINIMAL[integration]
    typo = key[:-1] + key[-1] * 2 + "x"  # `priority` -> `priorityyx`
    found = validate(config(integration, {**settings, typo: "v"}), None)
    assert [(p.kind, p.key, p.hint) for p in found] == [(UNKNOWN, typo, f"did you mean `{key}`?")]
    assert found[0].certain


def test_send_resolve_and_repeat_intervall():
    data = yaml.safe_load(
        """
        route: {receiver: r, repeat_intervall: 4h}
        receivers:
          - name: r
            webhook_configs: [{url: "https://example.org", send_resolve: false}]
        """
    )
    found = [(p.key, p.hint) for p in validate(data, (0, 30))]
    assert found == [
        ("repeat_intervall", "did you mean `repeat_interval`?"),
        ("send_resolve", "did you mean `send_resolved`?"),
    ]


def test_global_supplies_required_values():
    assert kinds(config("slack_configs", {"channel": "#a"}, {"slack_api_url": "https://hooks.slack.com/x"})) == []
    assert kinds(config("opsgenie_configs", {}, {"opsgenie_api_key_file": "/k"})) == []
    assert kinds(config("email_configs", {"to": "a@b"}, {"smtp_smarthost": "s:25", "smtp_from": "f@b"})) == []
    assert kinds(config("slack_configs", {"channel": "#a"})) == [(MISSING, "no global Slack API URL set")]


@pytest.mark.parametrize(
    ("integration", "settings", "message"),
    [
        ("webhook_configs", {"url": "https://a.example", "url_file": "/u"}, "at most one of url & url_file"),
        ("pushover_configs", {"user_key": "u", "user_key_file": "/u", "token": "t"}, "at most one of user_key &"),
        ("opsgenie_configs", {"api_key": "k", "api_key_file": "/k"}, "at most one of api_key & api_key_file"),
        ("pagerduty_configs", {"routing_key": "k", "routing_key_file": "/k"}, "at most one of routing_key &"),
        ("telegram_configs", {"bot_token": "t", "bot_token_file": "/t", "chat_id": 1}, "at most one of bot_token &"),
        (
            "pushover_configs",
            {"user_key": "u", "token": "t", "html": True, "monospace": True},
            "at most one of monospace",
        ),
    ],
)
def test_exclusive_values(integration, settings, message):
    found = validate(config(integration, settings), None)
    assert [p.kind for p in found] == [INVALID]
    assert found[0].message.startswith(message)
    assert found[0].key is not None  # points at the second of the pair


def test_exclusive_values_in_http_config():
    settings = {"url": "https://a.example", "http_config": {"bearer_token": "t", "bearer_token_file": "/t"}}
    found = validate(config("webhook_configs", settings), None)
    assert [(p.message, p.key) for p in found] == [
        ("at most one of bearer_token & bearer_token_file must be configured", "bearer_token_file")
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"url": "ftp://example.org"}, 'unsupported scheme "ftp" for URL'),
        ({"url": "https://"}, "missing host for URL"),
        ({"url": "https://a.example", "timeout": "1d"}, 'time: invalid duration "1d"'),
        ({"url": "https://a.example", "max_alerts": "ten"}, "must be an integer, not 'ten'"),
        ({"url": "https://a.example", "send_resolved": "yes"}, "must be true or false, not 'yes'"),
    ],
)
def test_bad_values(settings, message):
    assert kinds(config("webhook_configs", settings)) == [(INVALID, message)]


def test_values_left_to_deploy_time_are_not_judged():
    assert kinds(config("webhook_configs", {"url": "${WEBHOOK_URL}", "timeout": "${T}"})) == []
    assert kinds(config("pushover_configs", {"user_key": "u", "token": "t", "retry": "{{ .x }}"})) == []


def test_durations_prometheus_and_go():
    assert kinds({"global": {"resolve_timeout": "1d"}}) == []
    assert kinds({"global": {"resolve_timeout": "5 minutes"}}) == [
        (INVALID, 'not a valid duration string: "5 minutes"')
    ]
    assert kinds(config("pushover_configs", {"user_key": "u", "token": "t", "retry": "1m30s"})) == []


def test_smarthost_needs_a_port():
    assert kinds(config("email_configs", {"to": "a@b", "from": "f@b", "smarthost": "smtp.example.org"})) == [
        (INVALID, "address smtp.example.org: missing port in address")
    ]


def test_sns_exactly_as_upstream_compares_targets():
    assert kinds(config("sns_configs", {"topic_arn": "a", "phone_number": "1"}))[0][0] == INVALID
    assert kinds(config("sns_configs", {}))[0][0] == MISSING


@pytest.mark.parametrize(
    ("integration", "settings", "since"),
    [
        ("pushover_configs", {"user_key": "u", "token": "t", "ttl": "1h"}, (0, 27)),
        ("pushover_configs", {"user_key_file": "/u", "token": "t"}, (0, 26)),
        ("pushover_configs", {"user_key": "u", "token_file": "/t"}, (0, 26)),
        ("webhook_configs", {"url_file": "/u"}, (0, 26)),
        ("webhook_configs", {"url": "https://a.example", "timeout": "5s"}, (0, 28)),
        ("discord_configs", {"webhook_url": "https://d.example", "username": "am"}, (0, 28)),
        ("telegram_configs", {"bot_token_file": "/t", "chat_id": 1}, (0, 26)),
        ("slack_configs", {"app_token": "xoxb"}, (0, 30)),
    ],
)
def test_field_of_a_newer_release(integration, settings, since):
    data = config(integration, settings)
    before = (since[0], since[1] - 1)
    found = validate(data, before, "Alertmanager before")
    assert [(p.kind, p.certain) for p in found] == [(TOO_NEW, False)], found
    assert found[0].message.endswith(f"needs Alertmanager {since[0]}.{since[1]} or later")
    assert validate(data, since) == []
    assert validate(data, None) == []  # release unknown: any release 0.25+ knowing it is enough


@pytest.mark.parametrize(("integration", "since"), [("msteams_configs", (0, 26)), ("msteamsv2_configs", (0, 28))])
def test_integration_of_a_newer_release(integration, since):
    data = config(integration, MINIMAL[integration][0])
    found = validate(data, (since[0], since[1] - 1), "x")
    assert [(p.kind, p.key) for p in found] == [(TOO_NEW, integration)]
    assert validate(data, since) == []


def test_key_close_to_nothing_is_certain_only_for_a_described_release():
    data = {"route": {"receiver": "r"}, "receivers": [{"name": "r"}], "frobnicate": 1}
    assert [p.certain for p in validate(data, (0, 30))] == [True]
    assert [p.certain for p in validate(data, (0, 34))] == [False]
    assert [p.certain for p in validate(data, None)] == [False]


def test_kps_chart_versions_to_alertmanager():
    assert kps_alertmanager("80.6.0") == (0, 30)
    assert kps_alertmanager("80.4.1") == (0, 29)
    assert kps_alertmanager("48.4.0") == (0, 26)
    assert kps_alertmanager("45.0.0") == (0, 25)
    assert kps_alertmanager("39.0.0") is None
    assert from_tag("v0.28.1") == (0, 28)
    assert from_tag("v0.27.0@sha256:abc") == (0, 27)
    assert from_tag("latest") is None
