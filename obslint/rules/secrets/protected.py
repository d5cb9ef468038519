"""Values that look secret but are not a credential in clear: password hashes (what a server
stores to verify a password), Bitnami sealed-secrets ciphertext, and PEM certificates and
public keys (public by design: a CA bundle in a Secret discloses nothing).

Password hash formats, each told by its prefix:
- crypt(5) (libxcrypt): bcrypt `$2a$` `$2b$` `$2x$` `$2y$`, md5crypt `$1$`, sha256crypt `$5$`,
  sha512crypt `$6$`, scrypt `$7$`, yescrypt `$y$`, gost-yescrypt `$gy$`, sunmd5 `$md5`;
- Apache htpasswd (httpd "Password Formats"): `$apr1$`, `$2y$`, `{SHA}`, one `user:hash` a line;
- PHC strings: `$argon2i$` `$argon2d$` `$argon2id$`, `$scrypt$`, passlib `$pbkdf2-sha256$`;
- LDAP schemes (RFC 2307 style): `{SSHA}`, `{SSHA512}`, `{PBKDF2-SHA256}`, `{CRYPT}`, ...;
- Django `pbkdf2_sha256$<iterations>$<salt>$<hash>` (also `argon2$`, `bcrypt_sha256$`,
  `scrypt$`) and Werkzeug `pbkdf2:sha256:<iterations>$<salt>$<hash>` / `scrypt:<N>:<r>:<p>$...`.

Sealed secrets (bitnami-labs/sealed-secrets pkg/crypto HybridEncrypt): base64 of
`uint16 big-endian length of the RSA-OAEP ciphertext || RSA ciphertext || AES-GCM ciphertext`.
The RSA ciphertext is as long as the controller's key modulus (4096 bits by default: 512 bytes,
which is why the values start with `AgA`..`AgD`), so the first two bytes alone identify it.
"""

from __future__ import annotations

import base64
import binascii
import re

_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
_PUBLIC_PEM_LABELS = {"CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CRL", "PUBLIC KEY", "RSA PUBLIC KEY"}
_HASH_BODY = r"[^\s:]{8,}"
_MODULAR_CRYPT = re.compile(
    r"^\$(?:2[abxy]|1|5|6|7|y|gy|md5|apr1|argon2(?:i|d|id)|scrypt|pbkdf2(?:-sha(?:1|256|512))?|bcrypt-sha256)"
    rf"[$,]{_HASH_BODY}$"
)
_LDAP_SCHEME = re.compile(
    rf"^\{{(?:S?SHA(?:256|384|512)?|S?MD5|CRYPT|PBKDF2(?:-SHA(?:1|256|512))?|ARGON2|BCRYPT)\}}{_HASH_BODY}$",
    re.I,
)
_FRAMEWORK = re.compile(
    rf"^(?:pbkdf2_sha(?:1|256)|argon2|bcrypt(?:_sha256)?|scrypt)\${_HASH_BODY}$"
    rf"|^(?:pbkdf2:sha(?:1|256|512)(?::\d+)?|scrypt:\d+:\d+:\d+)\${_HASH_BODY}$"
)
_HTPASSWD_LINE = re.compile(r"^[^\s:]+:(?P<hash>\S+)$")

# RSA modulus sizes in bytes (1024 to 8192 bits) a sealed-secrets key can have.
_RSA_CIPHERTEXT_BYTES = {128, 256, 384, 512, 768, 1024}
_MIN_SEALED_CHARS = 100


def _is_hash(text: str) -> bool:
    return bool(_MODULAR_CRYPT.match(text) or _LDAP_SCHEME.match(text) or _FRAMEWORK.match(text))


def is_password_hash(value: str) -> bool:
    """A password hash, or htpasswd lines `user:hash` (a server verifies against it; it cannot
    be used to log in)."""
    lines = [line.strip() for line in value.strip().splitlines() if line.strip()]
    if not lines:
        return False
    for line in lines:
        m = _HTPASSWD_LINE.match(line)
        if not (_is_hash(line) or (m and _is_hash(m.group("hash")))):
            return False
    return True


def is_sealed_ciphertext(value: str) -> bool:
    """A value sealed by kubeseal (SealedSecret `encryptedData`, or a chart value meant to be
    copied into one)."""
    text = value.strip()
    if len(text) < _MIN_SEALED_CHARS:
        return False
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return int.from_bytes(raw[:2], "big") in _RSA_CIPHERTEXT_BYTES


def is_protected(value: str) -> bool:
    """Hashed or encrypted: not a credential in clear."""
    return is_password_hash(value) or is_sealed_ciphertext(value)


def is_public_pem(value: str, base64_encoded: bool = False) -> bool:
    """Only PEM certificates, CRLs or public keys (a Secret's `data` values are base64)."""
    text = value
    if base64_encoded:
        try:
            text = base64.b64decode(value, validate=True).decode("ascii")
        except (binascii.Error, ValueError):
            return False
    labels = _PEM_LABEL.findall(text)
    return bool(labels) and all(label in _PUBLIC_PEM_LABELS for label in labels)
