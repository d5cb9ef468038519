"""SEC005 plaintext-credential: PEM private keys and JWTs, told by their format, in ConfigMaps and
Grafana datasources (obslint/rules/secrets/tokens.py)."""

from __future__ import annotations

import base64
import json

import pytest

from obslint.rules.secrets.tokens import jwts, private_keys, token_in
from tests.conftest import check
from tests.secrets.helpers import helmrelease

# Not a key: 3 lines of base64 long enough to pass for one (the format is all SEC005 reads).
KEY_BODY = (
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ"
)
PEM = "-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'grafana', 'iat': 1700000000})}.{'s1gnaTure-' * 4}"


def fired(root) -> list:
    return [f for f in check(root, select=["SEC005"]).findings if f.rule == "SEC005"]


def configmap(key: str, text: str, namespace: str = "monitoring") -> str:
    body = "".join(f"    {line}\n" for line in text.splitlines())
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: {namespace}\n"
        f"data:\n  {key}: |\n{body}"
    )


@pytest.mark.parametrize("label", ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
def test_private_keys_are_told_by_their_label(label):
    assert private_keys(PEM.format(label=label, body=KEY_BODY))
    assert token_in("tls.key contents:\n" + PEM.format(label=label, body=KEY_BODY))[0] == "private key"


@pytest.mark.parametrize(
    "text",
    [
        PEM.format(label="CERTIFICATE", body=KEY_BODY),
        PEM.format(label="PUBLIC KEY", body=KEY_BODY),
        PEM.format(label="RSA PUBLIC KEY", body=KEY_BODY),
        PEM.format(label="ENCRYPTED PRIVATE KEY", body=KEY_BODY),  # useless without its passphrase
        PEM.format(label="RSA PRIVATE KEY", body="Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,AB12\n\n" + KEY_BODY),
        PEM.format(label="PRIVATE KEY", body="..."),  # a stand-in
        "-----BEGIN PRIVATE KEY-----\n" + KEY_BODY,  # no end line: not a PEM block
    ],
)
def test_public_material_and_protected_keys_are_not_private_keys(text):
    assert token_in(text) is None


def test_jwt_needs_a_json_header_with_alg_and_a_signature():
    assert jwts(f"Authorization: Bearer {JWT}") == [JWT]
    unsigned = f"{_b64({'alg': 'none'})}.{_b64({'sub': 'x'})}.{'x' * 20}"
    no_alg = f"{_b64({'typ': 'JWT', 'kid': 'abc'})}.{_b64({'sub': 'x'})}.{'x' * 20}"
    not_json = "eyJub3QganNvbiBhdCBhbGw.eyJzdWIiOiAieCJ9.abcdefghijklmnopqrstu"
    for text in (unsigned, no_alg, not_json, JWT.rsplit(".", 1)[0], "eyJhbGciOi.is.text"):
        assert jwts(text) == [], text


def test_private_key_in_a_configmap_fires_at_its_key(repo):
    root = repo({"apps/cm.yaml": configmap("client.key", PEM.format(label="EC PRIVATE KEY", body=KEY_BODY))})
    (f,) = fired(root)
    assert "plaintext private key in ConfigMap monitoring/app-config data key client.key" in f.message
    assert (f.loc.path, f.loc.line) == ("apps/cm.yaml", 7)
    assert "KEY_BODY" not in f.message and "MIIE" not in f.message
    cert = configmap("ca.crt", PEM.format(label="CERTIFICATE", body=KEY_BODY))
    assert fired(repo({"apps/cm.yaml": cert})) == []


def test_jwt_in_a_configmap_script_fires(repo):
    script = f'curl -H "Authorization: Bearer {JWT}" http://grafana/api/health\n'
    (f,) = fired(repo({"apps/cm.yaml": configmap("probe.sh", script)}))
    assert "plaintext JWT" in f.message and JWT not in f.message


DATASOURCES = """\
apiVersion: 1
datasources:
  - name: Loki
    type: loki
    url: http://loki-gateway.monitoring.svc
    jsonData:
      httpHeaderName1: Authorization
      tlsAuth: true
    secureJsonData:
      httpHeaderValue1: Bearer {jwt}
      tlsClientKey: |
{key}
"""


def _datasources(jwt: str = JWT, key: str = PEM.format(label="PRIVATE KEY", body=KEY_BODY)) -> str:
    return DATASOURCES.format(jwt=jwt, key="".join(f"        {line}\n" for line in key.splitlines()))


def test_datasource_secure_fields_in_a_configmap(repo):
    text = configmap("datasources.yaml", _datasources()).replace(
        "metadata:\n", 'metadata:\n  labels: {grafana_datasource: "1"}\n'
    )
    found = fired(repo({"monitoring/ds.yaml": text}))
    assert sorted(f.message.split(" at ")[0] for f in found) == ["plaintext JWT", "plaintext private key"]
    assert all("datasources[0].secureJsonData" in f.message for f in found)
    assert all("$__file" in f.hint for f in found)
    refs = _datasources(jwt="${LOKI_TOKEN}", key="$__file{/etc/secrets/loki/tls.key}")
    assert fired(repo({"monitoring/ds.yaml": configmap("datasources.yaml", refs)})) == []


def test_datasource_password_in_grafana_values_and_operator_object(repo):
    values = "datasources:\n  datasources.yaml:\n" + "".join(f"    {line}\n" for line in _datasources().splitlines())
    found = fired(repo({"monitoring/grafana.yaml": helmrelease("grafana", values)}))
    assert {f.message.split(" at ")[0] for f in found} == {"plaintext JWT", "plaintext private key"}
    operator = (
        "apiVersion: grafana.integreatly.org/v1beta1\nkind: GrafanaDatasource\n"
        "metadata:\n  name: loki\n  namespace: monitoring\nspec:\n  datasource:\n    name: Loki\n"
        f"    secureJsonData:\n      httpHeaderValue1: Bearer {JWT}\n"
    )
    (f,) = fired(repo({"monitoring/ds.yaml": operator}))
    assert "GrafanaDatasource monitoring/loki" in f.message and "spec.datasource.secureJsonData" in f.message


def test_public_keys_under_key_names_stay_quiet(repo):
    values = "config:\n  publicKey: |\n" + "".join(
        f"    {line}\n" for line in PEM.format(label="PUBLIC KEY", body=KEY_BODY).splitlines()
    )
    assert fired(repo({"monitoring/app.yaml": helmrelease("app", values)})) == []
