"""Building blocks for SEC tests: SOPS-looking documents without a real key."""

from __future__ import annotations

RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
ENC = "ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]"


def sops_meta(indent: str = "", *, mac: bool = True, recipients: bool = True, regex: str | None = None) -> str:
    lines = ["sops:"]
    if recipients:
        lines += [
            "  age:",
            f"    - recipient: {RECIPIENT}",
            "      enc: |",
            "        -----BEGIN AGE ENCRYPTED FILE-----",
            "        YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==",
            "        -----END AGE ENCRYPTED FILE-----",
        ]
    lines.append('  lastmodified: "2024-01-01T00:00:00Z"')
    if mac:
        lines.append(f"  mac: {ENC}")
    if regex:
        lines.append(f"  encrypted_regex: {regex}")
    lines.append("  version: 3.9.0")
    return "\n".join(indent + line for line in lines) + "\n"


def secret(name: str = "app", namespace: str = "monitoring", body: str = "", meta: str | None = None) -> str:
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {namespace}\n{body}"
    return text + (meta if meta is not None else "")


def encrypted_secret(name: str = "app", namespace: str = "monitoring", keys: tuple[str, ...] = ("password",)) -> str:
    body = "stringData:\n" + "".join(f"  {k}: {ENC}\n" for k in keys)
    return secret(name, namespace, body, sops_meta(regex="^(data|stringData)$"))


SOPS_CONFIG = f"""creation_rules:
  - path_regex: .*\\.sops\\.ya?ml$
    encrypted_regex: ^(data|stringData)$
    age: {RECIPIENT}
"""


def flux_ks(name: str, path: str, decryption: bool = True, extra: str = "") -> str:
    text = f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
    if decryption:
        text += "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n"
    return text + extra


def helmrelease(chart: str, values: str, name: str | None = None, namespace: str = "monitoring", extra: str = ""):
    body = "".join("    " + line + "\n" if line.strip() else "\n" for line in values.strip("\n").splitlines())
    return f"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name or chart}
  namespace: {namespace}
spec:
  interval: 30m
  chart:
    spec:
      chart: {chart}
      sourceRef:
        kind: HelmRepository
        name: repo
{extra}  values:
{body}"""
