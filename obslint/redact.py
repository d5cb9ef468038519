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
import re
from typing import Any
from urllib.parse import urlsplit

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


REDACTED = "<redacted>"
# No tag derived from the value: an unsalted hash of a short password is reversed with a word
# list, and a keyed one would change from run to run (and break baselines) for no reader's benefit.

_URL = re.compile(r"""(?P<url>[a-z][a-z0-9+.-]*://[^\s"'<>`()\[\]{}|\\^]+)""", re.IGNORECASE)


def _short_url(m: re.Match[str]) -> str:
    """A URL that may carry a credential (userinfo, a query, a token-like path segment) printed as
    scheme, host and port only; others - documentation links, service addresses - as written."""
    url = m["url"]
    tail = ""
    while url and url[-1] in ".,;:!":
        url, tail = url[:-1], url[-1] + tail
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<url>" + tail
    segments = [s for s in parts.path.split("/") if s]
    if not ("@" in parts.netloc or parts.query or parts.fragment or any(_token_segment(s) for s in segments)):
        return url + tail
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{f':{port}' if port is not None else ''}{'/…' if segments else ''}{tail}"


def _token_segment(segment: str) -> bool:
    return token_like(segment) or len(segment) >= 32


def go_quoted(value: str) -> str:
    """How Go's %q (strconv.Quote) writes a value inside its quotes: tool errors (kubectl, amtool)
    quote values so, and a value with a quote, backslash or control character looks different."""
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
# where a message or tool output was cut: an ellipsis, or the end of the text
_CUT = re.compile(r"(?:…|\.\.\.|$)")
CUT_MIN = 4  # the shortest part of a cut secret that is masked
CUT_LOOKBACK = 512  # how far before a cut a secret's start is looked for


class Redactor:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._by_head: dict[str, list[str]] | None = None  # values by their first CUT_MIN characters

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or value.startswith("ENC[") or len(value) < MIN_LEN:
            return
        forms = {value, base64.b64encode(value.encode()).decode()}
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
            forms.add(decoded)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        forms |= {go_quoted(f) for f in forms}
        for form in forms:
            if len(form.strip()) >= MIN_LEN:
                self._values.add(form.strip())
            if "\n" in form.strip():
                self._values.update(_secret_lines(form))
        self._pattern = self._by_head = None

    def add_secret_object(self, data: dict) -> None:
        for key in ("data", "stringData"):
            values = data.get(key)
            if isinstance(values, dict):
                for v in values.values():
                    self.add(v)

    def redact(self, text: str) -> str:
        """Text safe to print: URLs that may carry credentials shortened, known secret values
        masked whole, and the start of a secret that a cut (`…`, `...`, the end) left masked too."""
        if not text:
            return text
        text = _URL.sub(_short_url, text)
        if not self._values:
            return text
        if self._pattern is None:
            self._pattern = self._compile()
        return self._mask_cuts(self._pattern.sub(REDACTED, text))

    def _mask_cuts(self, text: str) -> str:
        """A value cut short before it was redacted (a message quoting 60 characters, tool output
        kept to 600) no longer matches whole: mask a secret's first characters ending at a cut."""
        out, last = [], 0
        for m in _CUT.finditer(text):
            start = self._cut_secret_start(text, m.start(), marked=bool(m.group()))
            if start is not None and start >= last:
                out.append(text[last:start] + REDACTED)
                last = m.start()
        return "".join(out) + text[last:] if out else text

    def _cut_secret_start(self, text: str, end: int, marked: bool) -> int | None:
        """Where the earliest secret that `text[:end]` ends partway through starts, if any."""
        heads = self._heads()
        for start in range(max(0, end - CUT_LOOKBACK), end - CUT_MIN + 1):
            for value in heads.get(text[start : start + CUT_MIN], ()):
                n = end - start
                if n >= len(value) or not text.startswith(value[:n], start):
                    continue
                if self._cut_counts(text, start, n, value, marked):
                    return start
        return None

    @staticmethod
    def _cut_counts(text: str, start: int, n: int, value: str, marked: bool) -> bool:
        """A token's first characters are masked wherever they stand; a word's only before an
        ellipsis, standing alone, and when enough of it shows to matter (`monitoring` ending a
        message is not the start of `monitoring-password`)."""
        if token_like(value):
            return True
        return marked and n >= 8 and not (start and text[start - 1].isalnum())

    def _heads(self) -> dict[str, list[str]]:
        if self._by_head is None:
            self._by_head = {}
            for v in self._values:
                self._by_head.setdefault(v[:CUT_MIN], []).append(v)
        return self._by_head

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
        m = _CRED_KEY.match(line)
        if m and not _SAFE_VALUE.match(m["value"]) and "redacted" not in m["value"]:
            return m["lead"] + "***"
        return line
