"""Values under credential-like keys that are not credentials in clear (SEC005, SEC001): password
hashes, Secret references, sealed-secrets ciphertext, placeholders, secret-manager references,
certificates; next to the clear-text credentials that must still be reported."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import check
from tests.secrets.helpers import helmrelease, secret


def fired(root, rule_id):
    return [f for f in check(root, select=["SEC"]).findings if f.rule == rule_id]


def sealed(plaintext_bytes: int = 24, rsa_bytes: int = 512) -> str:
    """A value shaped like kubeseal output: uint16 RSA ciphertext length, RSA ciphertext, AES-GCM."""
    body = bytes((i * 7 + 3) % 256 for i in range(rsa_bytes + plaintext_bytes + 16))
    return base64.b64encode(rsa_bytes.to_bytes(2, "big") + body).decode()


HASHES = [
    "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",  # bcrypt (htpasswd -B)
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$cpx6VEQbwTVZvcpxNIxOVUWZ5xnAipUmAe1cg2GMG70",
    "$6$rounds=5000$saltsaltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc",
    "$5$saltsaltsalt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF6v5hVTd",
    "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",  # htpasswd -m
    "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
    "$pbkdf2-sha256$29000$N2GMMSbUOgfg$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M",
    "pbkdf2_sha256$600000$c2FsdHNhbHQ$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M=",  # Django
    "pbkdf2:sha256:600000$ceRl7IbD$e14c3a79dcebe316d7bfac297b81093fc3de8320",  # Werkzeug
    "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",  # LDAP
    "admin:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",  # an htpasswd line
]


@pytest.mark.parametrize("value", HASHES)
def test_password_hash_is_not_a_clear_credential(repo, value):
    files = {"tools/adguard/AdGuardHome.yaml": f"users:\n  - name: admin\n    password: '{value}'\nclients: {{}}\n"}
    assert not fired(repo(files), "SEC005")


@pytest.mark.parametrize(
    "values",
    [
        "existingSecretAdminPassword: harbor-admin-password\nexistingSecretAdminPasswordKey: password",
        "global:\n  existingSecretApiKey: OPENAI_API_KEY",
        "auth:\n  existingSecretName: app-auth",
        "db:\n  passwordSecretKeyRef: db-password",
        "oidc:\n  clientSecretName: oidc-client",
        "smtp:\n  passwordFromSecret: smtp-creds",
    ],
)
def test_keys_naming_a_secret_hold_references(repo, values):
    assert not fired(repo({"apps/hr.yaml": helmrelease("app", values)}), "SEC005")


def test_sealed_secrets_ciphertext_is_encrypted(repo):
    # 4096- and 2048-bit controller keys; a value cut short in a copy keeps its header
    values = f"sealedSecrets:\n  DB_PASSWD: {sealed()}\n  API_TOKEN: {sealed(rsa_bytes=256)}\n  CUT: {sealed()[:192]}"
    assert not fired(repo({"apps/hr.yaml": helmrelease("app", values)}), "SEC005")
    other = base64.b64encode(b"\x07\x11" + bytes(range(256)) * 2).decode()  # long base64, no sealed header
    assert fired(repo({"apps/hr.yaml": helmrelease("app", f"sealedSecrets:\n  DB_PASSWD: {other}")}), "SEC005")


@pytest.mark.parametrize(
    "values",
    [
        "oauth:\n  clientSecret: REPLACED_BY_VALUES_FROM",
        "modules:\n  default:\n    user: u\n    pass: example_pw",
        "auth:\n  password: changeme",
        "rcon:\n  enabled: false\n  password: mc-rcon-pass",  # a disabled component's credential
        "searchProviders:\n  - name: Google\n    token: g",  # a search shortcut, not a token
        "db:\n  password: op://kubernetes/postgres/password",  # 1Password secret reference
        "db:\n  password: ref+vault://secret/data/db#password",  # vals reference
        "sink:\n  password: SECRET[vault.sink_password]",  # a Vector secret backend
        "destinations:\n  - auth:\n      password: password\n      bearerToken: bearer-token",  # the key's own name
    ],
)
def test_placeholders_and_references_are_quiet(repo, values):
    assert not fired(repo({"apps/hr.yaml": helmrelease("app", values)}), "SEC005")


@pytest.mark.parametrize(
    "values",
    [
        "auth:\n  password: hunter2-but-longer",
        "auth:\n  password: root",
        "rcon:\n  enabled: true\n  password: mc-rcon-pass",
        "sealedSecrets:\n  DB_PASSWD: not-sealed-Pa55word",
        "adminPasswordSecret: correcthorsebattery",  # one word: not a Secret's name
        "env:\n  - name: DB_PASSWORD\n    value: Db-Pa55word",
        "ldap:\n  bindPassword: $notahash$secret",
        "webhook:\n  url: https://admin:S3cretPw@alerts.example.org/hook",
    ],
)
def test_clear_credentials_still_fire(repo, values):
    assert len(fired(repo({"apps/hr.yaml": helmrelease("app", values)}), "SEC005")) == 1


def test_env_naming_a_secret_is_quiet(repo):
    deploy = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: doctor\n  namespace: ops\nspec:\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: c\n"
        "              env:\n                - name: TALOS_CREDENTIALS_SECRET\n"
        "                  value: talos-operator-credentials\n"
    )
    assert not fired(repo({"c.yaml": deploy}), "SEC005")
    leaked = deploy.replace("talos-operator-credentials", "Xk9-talos-Pa55word!")
    assert fired(repo({"c.yaml": leaked}), "SEC005")


# --- SEC001: Secrets that disclose nothing ------------------------------------------------


CERT = (
    "-----BEGIN CERTIFICATE-----\n    MIICozCCAiigAwIBAgIUEYDoGF/r2MGE9j4HkcxKnoAvo1kwCgYIKoZIzj0EAwIw\n"
    "    -----END CERTIFICATE-----"
)


@pytest.mark.parametrize(
    "body",
    [
        f"stringData:\n  ca.crt: |-\n    {CERT}\n",
        "data:\n  ca.crt: " + base64.b64encode(CERT.replace("    ", "").encode()).decode() + "\n",
        "stringData:\n  token: op://kubernetes/1password/OP_CONNECT_TOKEN\n",
        "stringData:\n  CLOUDFLARE_TUNNEL_ID: |-\n    ref+op://kubernetes/cloudflare/CLOUDFLARE_TUNNEL_ID\n",
    ],
)
def test_public_certificates_and_manager_references_are_not_clear_secrets(repo, body):
    assert not fired(repo({"apps/s.yaml": secret(body=body)}), "SEC001")


def test_private_key_next_to_certificate_fires(repo):
    key = CERT.replace("CERTIFICATE", "PRIVATE KEY")
    body = f"stringData:\n  tls.crt: |-\n    {CERT}\n  tls.key: |-\n    {key}\n"
    (f,) = fired(repo({"apps/s.yaml": secret(body=body)}), "SEC001")
    assert "1 value(s) in clear (tls.key)" in f.message


def test_generator_config_file_without_literal_credentials(repo):
    files = {
        "apps/kustomization.yaml": "secretGenerator:\n  - name: kite-config\n    files:\n      - config.yaml\n",
        "apps/config.yaml": "oauth:\n  - name: pocket-id\n    clientId: 63791dc6\n"
        "    clientSecret: ${OIDC_CLIENT_SECRET}\n",
    }
    assert not fired(repo(files), "SEC001")
    files["apps/config.yaml"] = files["apps/config.yaml"].replace("${OIDC_CLIENT_SECRET}", "Cl1ent-S3cret-value")
    (f,) = fired(repo(files), "SEC001")
    assert "apps/config.yaml" in f.message and "Cl1ent" not in f.message
