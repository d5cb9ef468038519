"""Mutations for the SEC family (encryption, SOPS coverage, plaintext credentials, references)."""

from tests.mutations import StackCopy, mutation

KPS_DIR = "infrastructure/monitoring/kube-prometheus-stack"
KPS = f"{KPS_DIR}/helmrelease.yaml"
GRAFANA_SECRET = f"{KPS_DIR}/grafana-admin.enc.yaml"
PUSHOVER_SECRET = f"{KPS_DIR}/alertmanager-pushover.enc.yaml"
FLUX_KS = "clusters/home/monitoring.yaml"
PLAIN_GRAFANA_SECRET = """\
# Grafana admin login, committed decrypted by mistake.
apiVersion: v1
kind: Secret
metadata:
  name: grafana-admin
  namespace: monitoring
type: Opaque
stringData:
  admin-user: admin
  admin-password: mutation-canary-Pa55word
"""


@mutation("secret-committed-decrypted", {"SEC001"})
def secret_committed_decrypted(stack: StackCopy) -> None:
    """grafana-admin.enc.yaml replaced by its plaintext (e.g. after `sops -d -i` and a commit)."""
    stack.write(GRAFANA_SECRET, PLAIN_GRAFANA_SECRET)


@mutation("sops-encrypted-regex-misses-stringdata", {"SEC002"})
def encrypted_regex_misses_stringdata(stack: StackCopy) -> None:
    """The creation rule's encrypted_regex only covers `data`: new Secrets keep stringData in clear."""
    stack.replace(".sops.yaml", "encrypted_regex: ^(data|stringData)$", "encrypted_regex: ^(data)$")


@mutation("sops-value-added-in-clear", {"SEC003"})
def value_added_in_clear(stack: StackCopy) -> None:
    """A key added by hand to an encrypted Secret, next to the ENC[...] values."""
    text = stack.read(PUSHOVER_SECRET)
    marker = "stringData:\n"
    assert marker in text
    stack.write(PUSHOVER_SECRET, text.replace(marker, marker + "    device: mutation-canary-phone\n", 1))


@mutation("kustomization-decryption-removed", {"SEC004"})
def decryption_removed(stack: StackCopy) -> None:
    """spec.decryption dropped from the Kustomization that applies the SOPS Secrets."""
    stack.replace(FLUX_KS, "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n", "")


@mutation("grafana-admin-password-in-values", {"SEC005"})
def admin_password_in_values(stack: StackCopy) -> None:
    """Grafana's admin password written into the HelmRelease values next to the Secret reference."""
    stack.replace(
        KPS,
        "      admin:\n        existingSecret: grafana-admin\n",
        "      adminPassword: mutation-canary-Pa55\n      admin:\n        existingSecret: grafana-admin\n",
    )


@mutation("alertmanager-secret-not-mounted", {"SEC008"})
def secret_not_mounted(stack: StackCopy) -> None:
    """The Pushover Secret dropped from alertmanagerSpec.secrets: the *_file paths do not exist."""
    stack.replace(KPS, "        secrets:\n          - alertmanager-pushover\n", "")


@mutation("grafana-admin-secret-renamed", {"SEC006"})
def grafana_admin_secret_renamed(stack: StackCopy) -> None:
    """Grafana's existingSecret renamed in the values, the Secret file left as it was."""
    stack.replace(KPS, "existingSecret: grafana-admin\n", "existingSecret: grafana-admin-credentials\n")


@mutation("sops-specific-rule-after-general-one", {"SEC007"})
def specific_rule_after_general_one(stack: StackCopy) -> None:
    """A creation rule for the monitoring Secrets, meant to add a second recipient, appended after
    the general rule that already takes every *.enc.yaml file: sops never uses it."""
    stack.append(
        ".sops.yaml",
        "  - path_regex: infrastructure/monitoring/.*\\.enc\\.yaml$\n"
        "    encrypted_regex: ^(data|stringData)$\n"
        "    age: age1uedramuvypu6pp8j69npk0qv9emmfmcacmdl3l3za6tlejvtxe6sgt8l4m,"
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n",
    )


@mutation("grafana-datasource-bearer-jwt", {"SEC005"})
def grafana_datasource_bearer_jwt(stack: StackCopy) -> None:
    """A service-account JWT pasted into the Loki datasource's secureJsonData, in a ConfigMap."""
    header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}
    payload = "eyJzdWIiOiJncmFmYW5hIiwiaWF0IjoxNzAwMDAwMDAwfQ"  # {"sub":"grafana","iat":1700000000}
    token = f"{header}.{payload}.c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA"
    stack.replace(
        "infrastructure/monitoring/loki/grafana-datasource.yaml",
        "          maxLines: 1000\n",
        "          maxLines: 1000\n          httpHeaderName1: Authorization\n"
        f"        secureJsonData:\n          httpHeaderValue1: Bearer {token}\n",
    )
