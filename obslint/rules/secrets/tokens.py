"""Credentials told by their format, whatever the key that holds them: PEM private keys and JWTs.

A PEM private key is a `-----BEGIN <label>-----` block whose label ends in `PRIVATE KEY`
(RFC 7468 section 10 `PRIVATE KEY`, section 11 `ENCRYPTED PRIVATE KEY`; OpenSSL's `RSA PRIVATE
KEY`/`EC PRIVATE KEY`/`DSA PRIVATE KEY`; OpenSSH's `OPENSSH PRIVATE KEY`). Certificates and public
keys are public by design and never match. A key encrypted with a passphrase (`ENCRYPTED PRIVATE
KEY`, or a legacy block with `Proc-Type: 4,ENCRYPTED`) is useless without it and is not reported,
nor is a block whose body is too short to be a key (`...`, a placeholder).

A JWT (RFC 7519 section 3, JWS compact serialisation RFC 7515 section 7.1) is three base64url
segments joined by dots; the header decodes to a JSON object with `alg`. An unsecured JWT
(`alg: none`, empty signature) proves nothing and is not a credential.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

_PEM_BLOCK = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |)PRIVATE KEY)-----(.*?)-----END \1-----", re.S
)
# An RSA-1024 key is ~600 base64 characters, an Ed25519 OpenSSH key ~400: 64 rules out stand-ins.
_MIN_KEY_BODY = 64
_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])"
)


def _b64url_json(segment: str) -> object:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def private_keys(text: str) -> list[str]:
    """The unencrypted PEM private key blocks in `text`."""
    found = []
    for m in _PEM_BLOCK.finditer(text):
        label, body = m.group(1), m.group(2)
        if label.startswith("ENCRYPTED") or "Proc-Type: 4,ENCRYPTED" in body:
            continue
        if len(re.sub(r"[^A-Za-z0-9+/=]", "", body)) >= _MIN_KEY_BODY:
            found.append(m.group(0))
    return found


def jwts(text: str) -> list[str]:
    """The signed JWTs in `text` (header and payload JSON objects, header with `alg`)."""
    found = []
    for m in _JWT.finditer(text):
        header, payload = _b64url_json(m.group(1)), _b64url_json(m.group(2))
        if not isinstance(header, dict) or not isinstance(payload, dict):
            continue
        alg = header.get("alg")
        if isinstance(alg, str) and alg.lower() != "none":
            found.append(m.group(0))
    return found


def token_in(text: object) -> tuple[str, str] | None:
    """(kind, the token) for the first private key or JWT in `text`; kind is "private key" or "JWT"."""
    if not isinstance(text, str) or len(text) < 40:
        return None
    if "PRIVATE KEY-----" in text:
        keys = private_keys(text)
        if keys:
            return "private key", keys[0]
    if "eyJ" in text:
        tokens = jwts(text)
        if tokens:
            return "JWT", tokens[0]
    return None
