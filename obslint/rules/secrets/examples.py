"""Pieces of the SEC rules' explain examples: a SOPS-encrypted value and metadata block that look
like sops output (they do not decrypt; the examples are judged, never decrypted)."""

from __future__ import annotations

RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
ENC_VALUE = "ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]"


def sops_metadata(encrypted_regex: str | None = "^(data|stringData)$") -> str:
    """The `sops:` block of an age-encrypted YAML file, at column 0."""
    regex = f"  encrypted_regex: {encrypted_regex}\n" if encrypted_regex else ""
    return f"""sops:
  age:
    - recipient: {RECIPIENT}
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: "2024-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:bWFjbWFjbWFj,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
{regex}  version: 3.9.0
"""


def secret_manifest(path: str, name: str, string_data: dict[str, str], metadata: str = "") -> str:
    """An example file holding a Secret in namespace monitoring, with `metadata` (a `sops:`
    block) appended."""
    values = "".join(f"  {key}: {value}\n" for key, value in string_data.items())
    head = f"-- {path} --\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: monitoring\n"
    return f"{head}stringData:\n{values}{metadata}"


def kps_release(values: str) -> str:
    """An example file holding a kube-prometheus-stack HelmRelease in namespace monitoring with
    `values` (YAML at column 0) as its values."""
    indented = "".join(f"    {line}\n" if line else "\n" for line in values.rstrip("\n").split("\n"))
    return (
        "-- monitoring/kube-prometheus-stack.yaml --\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata:\n  name: kube-prometheus-stack\n  namespace: monitoring\nspec:\n  interval: 30m\n  chart:\n"
        "    spec:\n      chart: kube-prometheus-stack\n      version: 80.6.0\n      sourceRef:\n"
        f"        kind: HelmRepository\n        name: prometheus-community\n  values:\n{indented}"
    )
