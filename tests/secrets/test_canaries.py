"""No output format ever shows a secret value or its base64 form.

Canary values are planted in every place the SEC family reads credentials from; the real CLI
runs over the repository in every format, and neither a canary nor its base64 may appear in
stdout or stderr. The findings themselves are required too, so the test cannot pass by
reporting nothing.
"""

from __future__ import annotations

import base64
import json

import pytest

from obslint.cli import main
from obslint.report import FORMATS
from tests.secrets.helpers import ENC, helmrelease, secret, sops_meta


def canary(place: str) -> str:
    return f"CANARY{place}Zq8x3Lw"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


PLACES = [
    "secretStringData",
    "secretData",
    "genLiteral",
    "genEnv",
    "sopsMixed",
    "grafanaAdmin",
    "lokiSecretKey",
    "lokiAccessKey",
    "slackToken",
    "pushoverUser",
    "pushoverToken",
    "pagerdutyKey",
    "opsgenieKey",
    "victoropsKey",
    "smtpPass",
    "basicAuthPass",
    "authzCreds",
    "bearerTok",
    "discordTok",
    "telegramTok",
    "teamsTok",
    "webhookTok",
    "plainAmSlack",
    "amcfgTok",
    "amSecretPass",
    "amSecretB64Pass",
    "promtailPass",
    "providerTok",
    "alloyPass",
    "alloyBearer",
    "lokiCfgSecret",
    "urlPass",
    "inClusterTok",
]
C = {p: canary(p) for p in PLACES}

KPS_VALUES = f"""
grafana:
  adminPassword: {C["grafanaAdmin"]}
alertmanager:
  config:
    global:
      smtp_auth_password: {C["smtpPass"]}
    route:
      receiver: slack
    receivers:
      - name: slack
        slack_configs:
          - api_url: https://hooks.slack.com/services/T0000/B0000/{C["slackToken"]}
        pushover_configs:
          - user_key: {C["pushoverUser"]}
            token: {C["pushoverToken"]}
        pagerduty_configs:
          - routing_key: {C["pagerdutyKey"]}
        opsgenie_configs:
          - api_key: {C["opsgenieKey"]}
        victorops_configs:
          - api_key: {C["victoropsKey"]}
            routing_key: team
        discord_configs:
          - webhook_url: https://discord.com/api/webhooks/123456/{C["discordTok"]}
        telegram_configs:
          - bot_token: {C["telegramTok"]}
            chat_id: 1
        msteams_configs:
          - webhook_url: https://example.webhook.office.com/webhookb2/abc/IncomingWebhook/{C["teamsTok"]}
        webhook_configs:
          - url: https://relay.example.org/hook?token={C["webhookTok"]}
            http_config:
              basic_auth:
                username: am
                password: {C["basicAuthPass"]}
          - url: http://robusta-runner.robusta:80/api/alerts
            http_config:
              authorization:
                credentials: {C["authzCreds"]}
          - url: http://missing-relay.monitoring:8080/hook?token={C["inClusterTok"]}
          - url: http://other.example.org/
            http_config:
              bearer_token: {C["bearerTok"]}
"""

LOKI_VALUES = f"""
loki:
  storage:
    type: s3
    s3:
      endpoint: minio.storage:9000
      accessKeyId: {C["lokiAccessKey"]}
      secretAccessKey: {C["lokiSecretKey"]}
"""

AM_SECRET_CONFIG = (
    f"route:\n  receiver: x\nreceivers:\n  - name: x\n    email_configs:\n      - to: a@b.c\n"
    f"        auth_password: {C['amSecretB64Pass']}\n"
)


def _files() -> dict[str, str]:
    return {
        "apps/plain-secret.yaml": secret(
            name="plain",
            body=f"stringData:\n  password: {C['secretStringData']}\ndata:\n  token: {b64(C['secretData'])}\n",
        ),
        "apps/kustomization.yaml": f"secretGenerator:\n  - name: gen\n    literals:\n"
        f"      - password={C['genLiteral']}\n    envs:\n      - creds.env\n",
        "apps/creds.env": f"API_TOKEN={C['genEnv']}\n",
        "apps/mixed.sops.yaml": secret(
            name="mixed",
            body=f"stringData:\n  password: {ENC}\n  added: {C['sopsMixed']}\n",
            meta=sops_meta(regex="^(data|stringData)$"),
        ),
        "monitoring/kps.yaml": helmrelease("kube-prometheus-stack", KPS_VALUES),
        "monitoring/loki.yaml": helmrelease("loki", LOKI_VALUES),
        "monitoring/alertmanager.yml": f"route:\n  receiver: s\nreceivers:\n  - name: s\n    slack_configs:\n"
        f"      - api_url: https://hooks.slack.com/services/T1/B1/{C['plainAmSlack']}\n",
        "monitoring/amconfig.yaml": "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\n"
        "metadata:\n  name: team\n  namespace: monitoring\nspec:\n  receivers:\n    - name: hook\n"
        f"      webhookConfigs:\n        - url: https://relay.example.org/x?token={C['amcfgTok']}\n",
        "monitoring/am-secret.yaml": secret(
            name="alertmanager-config",
            body="stringData:\n  alertmanager.yaml: |\n    route:\n      receiver: x\n    receivers:\n"
            f"      - name: x\n        email_configs:\n          - to: a@b.c\n"
            f"            auth_password: {C['amSecretPass']}\n",
        ),
        "monitoring/am-secret-b64.yaml": secret(
            name="alertmanager-config-b64",
            body=f"data:\n  alertmanager.yaml: {b64(AM_SECRET_CONFIG)}\n",
        ),
        "monitoring/promtail-cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: promtail\n"
        f"  namespace: monitoring\ndata:\n  promtail.yaml: |\n    clients:\n      - url: http://u:{C['urlPass']}@loki:3100/loki/api/v1/push\n"
        f"        basic_auth:\n          username: p\n          password: {C['promtailPass']}\n"
        "    scrape_configs: []\n",
        "monitoring/provider.yaml": "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
        "metadata:\n  name: slack\n  namespace: flux-system\nspec:\n  type: slack\n"
        f"  address: https://hooks.slack.com/services/T2/B2/{C['providerTok']}\n",
        "monitoring/config.alloy": 'loki.write "default" {\n  endpoint {\n    url = "http://loki:3100/loki/api/v1/push"\n'
        f'    basic_auth {{\n      username = "u"\n      password = "{C["alloyPass"]}"\n    }}\n'
        f'    bearer_token = "{C["alloyBearer"]}"\n  }}\n}}\n',
        "monitoring/loki-config.yaml": "auth_enabled: false\ncommon:\n  storage:\n    s3:\n"
        f"      access_key_id: loki\n      secret_access_key: {C['lokiCfgSecret']}\n"
        "schema_config:\n  configs: []\n",
    }


@pytest.fixture
def planted(repo):
    return repo(_files())


def _run(capsys, root, fmt: str, *extra: str) -> str:
    code = main(["check", str(root), "--format", fmt, *extra])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    return out.out + out.err


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("extra", [(), ("--ignore", "SEC")], ids=["all-rules", "without-SEC"])
def test_no_canary_in_any_format(capsys, planted, fmt, extra):
    # Without the SEC rules, other families still point at lines holding credentials: the
    # values are registered with the redactor whatever rules run.
    text = _run(capsys, planted, fmt, *extra)
    leaked = [p for p, v in C.items() if v in text or b64(v) in text]
    assert not leaked, f"secret values leaked in {fmt} output: {leaked}"
    assert "internal error" not in text


def test_every_place_is_reported(capsys, planted):
    doc = json.loads(_run(capsys, planted, "json"))
    findings = doc["findings"]
    by_rule: dict[str, list[dict]] = {}
    for f in findings:
        by_rule.setdefault(f["rule"], []).append(f)
    assert {"SEC001", "SEC003", "SEC005"} <= set(by_rule), sorted(by_rule)
    sec005 = {(f["path"], f["line"]) for f in by_rule["SEC005"]}
    files = _files()
    missing = []
    for place, value in C.items():
        hits = [
            (rel, i + 1)
            for rel, text in files.items()
            for i, line in enumerate(text.splitlines())
            if value in line and "ENC[" not in line
        ]
        if place in ("secretStringData", "secretData", "genLiteral", "genEnv", "sopsMixed", "amSecretB64Pass"):
            continue  # SEC001/SEC003 places, or only visible after base64 decoding
        if not any(h in sec005 for h in hits):
            missing.append(place)
    assert not missing, f"plaintext-credential did not report: {missing}"
    assert any("amconfig" not in f["path"] and "alertmanager-config-b64" in f["message"] for f in by_rule["SEC005"])


def test_short_value_not_registered_is_still_masked(capsys, repo):
    # "pw4graf" is too plain to add to the redactor (it would blank the word everywhere); the
    # excerpt of its own line must still hide it.
    root = repo({"monitoring/grafana.yaml": helmrelease("grafana", "adminPassword: pw4graf\n")})
    for fmt in FORMATS:
        code = main(["check", str(root), "--select", "SEC005", "--format", fmt])
        out = capsys.readouterr()
        assert code == 1
        assert "pw4graf" not in out.out + out.err
