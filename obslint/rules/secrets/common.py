"""Shared judgements of the SEC family: what is a literal credential, what is a reference."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from obslint.model.sops import is_enc
from obslint.rules.secrets.protected import is_protected
from obslint.rules.secrets.tokens import token_in

# Key names (normalised: lower case, `_`, `-` and `.` removed) whose value is a credential.
CRED_SUFFIXES = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "secretaccesskey",
    "accesskeyid",
    "clientsecret",
    "privatekey",
    "routingkey",
    "servicekey",
    "userkey",
    "credentials",
    "apisecret",
    "authsecret",
)
# ... unless the name says it refers to one (a file, a Secret's name or key, a path, a URL to fetch one).
REF_SUFFIXES = (
    "file",
    "path",
    "ref",
    "name",
    "existingsecret",
    "secretkey",
    "passwordkey",
    "tokenkey",
    "url",
    "endpoint",
    "enabled",
    "policy",
    "type",
    "mode",
    "ttl",
)
# ... or whose name says anywhere that it refers to a Secret: `existingSecretAdminPassword`,
# `global.existingSecretApiKey`, `passwordSecretKeyRef`, `tokenSecretName` name a Secret or a
# key in one (charts read the credential from that Secret), never the credential itself.
REF_MARKERS = ("existingsecret", "secretref", "keyref", "secretname", "fromsecret")
REF_CONTAINER_KEYS = {
    "existingsecret",
    "existingsecretname",
    "secretname",
    "secretref",
    "secretkeyref",
    "valuefrom",
    "valuesfrom",
    "envfrom",
}
SKIP_SUBTREES = {"annotations", "labels", "sops", "valuefrom", "secretkeyref", "envfrom", "valuesfrom"}
# Keys holding URLs that are themselves credentials (a webhook URL is a bearer token).
URL_KEYS = {"apiurl", "webhookurl", "url", "slackapiurl", "address", "webhook"}

_PLACEHOLDER = re.compile(r"^(?:<[^<>]*>|[xX*.]{3,}|(?i:your[-_ ].*|none|null))$")
# Words that say a value is a stand-in (`REPLACED_BY_VALUES_FROM`, `changeme`, `example_pw`),
# searched in the value with separators removed and lower-cased.
_PLACEHOLDER_WORDS = ("changeme", "replaceme", "replacedby", "placeholder", "example", "redacted", "dummy")
# Secret-manager references resolved outside Git: 1Password secret references
# (`op://vault/item/field`, read by `op inject`/`op run`), vals references
# (`ref+vault://...`, `ref+sops://...`, `ref+op://...`), which helmfile and vals expand, and Vector's
# secret backends, `SECRET[<backend>.<key>]` (https://vector.dev/highlights/2022-07-07-secrets-management/).
_MANAGER_REF = re.compile(r"^(?:op://\S+|ref\+[a-z0-9]+://\S+|SECRET\[[^.\]\s]+\.[^\]\s]+\])$")
# A value this short is an identifier (a search shortcut `token: g`), not a credential.
MIN_CREDENTIAL_CHARS = 4
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_ENV_ONLY = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*$")

_WEBHOOK_HOSTS = (
    re.compile(r"^hooks\.slack\.com$"),
    re.compile(r"^(?:canary\.|ptb\.)?discord(?:app)?\.com$"),
    re.compile(r"\.webhook\.office\.com$"),
    re.compile(r"^outlook\.office(?:365)?\.com$"),
    re.compile(r"^api\.telegram\.org$"),
    re.compile(r"^chat\.googleapis\.com$"),
    re.compile(r"\.logic\.azure\.com$"),
)
_TOKEN_PATH = re.compile(r"/(?:services|workflows|api/webhooks|webhookb2|webhook|bot[0-9]+:)[^?#]*", re.I)
_SENSITIVE_QUERY = re.compile(r"^(?:token|access_token|api_?key|key|secret|sig|signature|password|auth|code)$", re.I)


def norm_key(key: Any) -> str:
    return re.sub(r"[-_.\s]", "", str(key)).lower()


def is_credential_key(key: Any) -> bool:
    if not isinstance(key, str) or "/" in key:
        return False
    k = norm_key(key)
    if k == "pass":
        return True
    if not k or any(k.endswith(s) for s in REF_SUFFIXES) or any(m in k for m in REF_MARKERS):
        return False
    return any(k.endswith(s) for s in CRED_SUFFIXES)


def is_literal_value(value: Any) -> bool:
    """A value written in clear (not empty, not a reference, not encrypted, not a template)."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    if not v or is_enc(v):
        return False
    if "${" in v or "$(" in v or "{{" in v or "$__" in v or _ENV_ONLY.match(v):
        return False
    if v.startswith("/") and " " not in v:
        return False  # a file path
    if v.lower() in ("true", "false", "yes", "no", "on", "off"):
        return False  # a flag written as a string (`USE_REFRESH_TOKEN: "true"`)
    if is_manager_reference(v):
        return False
    return not is_placeholder(v)


def is_manager_reference(value: str) -> bool:
    return bool(_MANAGER_REF.match(value.strip()))


def is_placeholder(value: str) -> bool:
    if _PLACEHOLDER.match(value):
        return True
    if "://" in value:
        return False  # a URL's host may well be example.org; url_secret judges its parts
    squashed = norm_key(value)
    return any(word in squashed for word in _PLACEHOLDER_WORDS)


def is_clear_credential(value: Any) -> bool:
    """A literal that is the credential itself: long enough to be one, neither a reference nor
    a placeholder, and not a password hash or sealed ciphertext."""
    return (
        isinstance(value, str)
        and len(value.strip()) >= MIN_CREDENTIAL_CHARS
        and is_literal_value(value)
        and not is_protected(value)
    )


def names_a_secret(key: str, value: str) -> bool:
    """`configSecret: alertmanager-config`, `TALOS_CREDENTIALS_SECRET: talos-operator-credentials`:
    a key ending in `secret` whose value is a Kubernetes object name names a Secret."""
    nk = norm_key(key)
    if not nk.endswith("secret") or not _DNS_NAME.match(value):
        return False
    return nk == "secret" or (nk not in ("clientsecret", "apisecret", "authsecret") and "-" in value)


def is_disabled(node: Any) -> bool:
    """A mapping switched off with `enabled: false`: a credential of a disabled component
    grants no access, and charts do not render it."""
    flag = node.get("enabled") if isinstance(node, dict) else None
    return flag is False or (isinstance(flag, str) and flag.strip().lower() == "false")


def url_secret(value: Any) -> str | None:
    """The secret part of a URL that embeds one (userinfo password, webhook token, token query),
    or None."""
    if not isinstance(value, str) or "://" not in value or not is_literal_value(value):
        return None
    try:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        password = parts.password
    except ValueError:
        return None
    if password and is_literal_value(password):
        return password
    if any(p.search(host) for p in _WEBHOOK_HOSTS):
        m = _TOKEN_PATH.search(parts.path)
        if (m and len(m.group(0).strip("/").split("/")) >= 2) or (host == "api.telegram.org" and "/bot" in parts.path):
            return parts.path
    for k, v in parse_qsl(parts.query, keep_blank_values=False):
        if _SENSITIVE_QUERY.match(k) and is_literal_value(v) and len(v) >= 6:
            return v
    return None


def worth_registering(value: str) -> bool:
    """Whether to add a value to the redactor. Short lower-case words ("loki", "admin") would be
    blanked out of every message and path in the report; their own line is masked anyway by
    the credential-key masking of excerpts."""
    return not (len(value) < 8 and re.fullmatch(r"[a-z0-9-]+", value))


def path_str(path: tuple) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            s = str(p)
            out += ("." if out else "") + (s if re.match(r"^[\w-]+$", s) else repr(s))
    return out or "(root)"


def find_credentials(node: Any, path: tuple = ()):
    """Yield (path, container, key, value, secret, kind) for each literal credential below node.

    kind is "key" (a credential-like key with a literal value), "url" (a URL embedding a token), or
    "private key" / "JWT" (a value holding one, whatever its key: tokens.py tells them by format).
    `secret` is the part to redact (the value, or the token part of a URL).
    """
    stack: list[tuple[Any, tuple]] = [(node, path)]
    while stack:
        current, p = stack.pop()
        if isinstance(current, dict):
            if is_disabled(current):
                continue
            keys = {norm_key(k) for k in current}
            refs_here = bool(keys & REF_CONTAINER_KEYS) or ({"name", "key"} <= keys and len(keys) <= 3)
            items = list(current.items())
        elif isinstance(current, list):
            refs_here = False
            items = list(enumerate(current))
        else:
            continue
        if isinstance(current, dict) and not refs_here:
            # an env entry `{name: X_PASSWORD, value: literal}` (chart extraEnv, Pod templates)
            env_name, env_value = current.get("name"), current.get("value")
            if (
                isinstance(env_name, str)
                and is_credential_key(env_name)
                and is_clear_credential(env_value)
                and not names_a_secret(env_name, env_value)
            ):
                yield (*p, "value"), current, "value", env_value, env_value, "env"
        for key, value in items:
            nk = norm_key(key) if isinstance(key, str) else ""
            if isinstance(value, (dict, list)):
                if nk not in SKIP_SUBTREES:
                    stack.append((value, (*p, key)))
                continue
            if not isinstance(value, str):
                continue
            secret = url_secret(value)
            if secret is not None:
                yield (*p, key), current, key, value, secret, "url"
                continue
            token = token_in(value)
            if token is not None:
                yield (*p, key), current, key, value, token[1], token[0]
                continue
            if refs_here or not isinstance(key, str) or not is_credential_key(key):
                continue
            if nk == "routingkey" and "victorops_configs" in p:
                continue  # VictorOps' routing_key names a route; its api_key is the secret
            if norm_key(value) == nk:
                continue  # `password: password`: the key's own name standing in for the value
            if is_clear_credential(value) and not names_a_secret(key, value):
                yield (*p, key), current, key, value, value, "key"
