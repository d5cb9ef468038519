"""Keep secret values out of every output.

The index registers what it knows to be secret (values of Secret objects, decoded and
encoded); rule families add more (`index.redactor.add(value)`, e.g. a plaintext credential
in HelmRelease values). Reporters pass every message, hint, related place and source excerpt
through `redact`, and excerpt lines through `mask_line`, which also hides the value of any
credential-like key, so a finding never prints a secret even when no rule registered it.

Whole values are masked, not every occurrence of their letters: a Secret holding `admin` or
`prometheus` must not turn `grafana-admin-secret` or `kube-prometheus-stack` into nonsense (and
tell the reader which word was the secret). A value matches only where it stands alone, not
joined to word characters directly or by `-`, `.` or `/` (which continue Kubernetes names,
hostnames and paths). A long value mixing letter cases or digits (a token, a key body, a
generated password) cannot occur inside another word by chance, so it is masked wherever it
appears: inside a URL path, a query string or a longer string.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

MIN_LEN = 4
TOKEN_MIN_LEN = 16
# Not a word character before or after the value, nor `-`, `.` or `/` joining it to one (`admin`
# in `kube-admin-stack`, `grafana.admin`, `users/admin/x`); `admin.` ending a sentence stands alone.
_ALONE_BEFORE = r"(?<!\w)(?<!\w[-./])"
_ALONE_AFTER = r"(?!\w)(?![-./]\w)"

_CRED_KEY = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)?["']?[\w.-]*?(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|"""
    r"""credential|auth[_-]?key|access[_-]?key|routing[_-]?key|service[_-]?key|user[_-]?key|webhook[_-]?url|"""
    r"""client[_-]?secret|bearer)[\w.-]*["']?\s*[:=]\s*)(?P<value>.+?)\s*$""",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/\s:@]*):(?P<pw>[^/\s@]+)@", re.IGNORECASE)
_SAFE_VALUE = re.compile(
    r"""^(?:["']?(?:ENC\[.*|\$\{[^}]*\}|\{\{.*\}\}|null|~|""|''|true|false|[|>][+-]?\d*)["']?|/\S*)$"""
)


_KEY_LINE = re.compile(r"""^\s*(?:-\s+)?["']?[\w.-]+["']?\s*[:=]\s*(?P<value>.*?)\s*$""")


def _secret_lines(text: str) -> set[str]:
    """The parts of a multi-line secret (a config file, a PEM key) that are secret material.

    Registering every line would blank structural words (`receivers:`) from the whole report;
    only credential-keyed values and long bare tokens (key bodies, tokens) are kept.
    """
    out: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        cred = _CRED_KEY.match(line)
        if cred:
            value = cred["value"].strip().strip("'\"")
            if len(value) >= MIN_LEN and not _SAFE_VALUE.match(value):
                out.add(value)
        elif (key_line := _KEY_LINE.match(line)) is not None:
            value = key_line["value"].strip("'\"")
            if "://" in value and len(value) >= 24:  # webhook URLs in a Secret carry their token
                out.add(value)
        elif " " not in stripped and len(stripped) >= 16:
            out.add(stripped)
    return out


def token_like(value: str) -> bool:
    """A long value of mixed character classes and many distinct characters: a token, a key, a
    generated password; never an English word or a Kubernetes name by chance."""
    if len(value) < TOKEN_MIN_LEN or len(set(value)) < 8:
        return False
    return sum(any(test(c) for c in value) for test in (str.islower, str.isupper, str.isdigit)) >= 2


def fingerprint(value: str) -> str:
    """A stable, non-reversible tag for a secret value, safe to print."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class Redactor:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or value.startswith("ENC[") or len(value) < MIN_LEN:
            return
        forms = {value, base64.b64encode(value.encode()).decode()}
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
            forms.add(decoded)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        for form in forms:
            if len(form.strip()) >= MIN_LEN:
                self._values.add(form.strip())
            if "\n" in form.strip():
                self._values.update(_secret_lines(form))
        self._pattern = None

    def add_secret_object(self, data: dict) -> None:
        for key in ("data", "stringData"):
            values = data.get(key)
            if isinstance(values, dict):
                for v in values.values():
                    self.add(v)

    def redact(self, text: str) -> str:
        if not self._values or not text:
            return text
        if self._pattern is None:
            self._pattern = self._compile()
        return self._pattern.sub(lambda m: f"<redacted {fingerprint(m.group(0))}>", text)

    def _compile(self) -> re.Pattern[str]:
        def alternatives(values: list[str]) -> str:
            return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))

        tokens = [v for v in self._values if token_like(v)]
        words = [v for v in self._values if not token_like(v)]
        parts = [alternatives(tokens)] if tokens else []
        if words:
            parts.append(f"{_ALONE_BEFORE}(?:{alternatives(words)}){_ALONE_AFTER}")
        return re.compile("|".join(f"(?:{p})" for p in parts))

    def mask_line(self, line: str) -> str:
        """A source line safe to show: known secrets redacted, credential-like values masked."""
        line = self.redact(line)
        line = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", line)
        m = _CRED_KEY.match(line)
        if m and not _SAFE_VALUE.match(m["value"]) and "redacted" not in m["value"]:
            return m["lead"] + "***"
        return line
