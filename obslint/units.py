"""Unit parsers, each exactly as the project that reads the value defines it.

* Prometheus durations (`model.ParseDuration` in prometheus/common): `1y2w3d4h5m6s7ms`, units in
  that order, each at most once, integers only; `y` is 365 days and `w` 7 days; `0` alone is
  allowed. Used by `--storage.tsdb.retention.time`, the Prometheus CR `retention`, Alertmanager
  `retention`, Loki `model.Duration` fields (`retention_period`, `max_query_lookback`) and PromQL
  range selectors. https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations
* Go durations (`time.ParseDuration`): `1h30m`, `1.5h`, `300ms`, `-2s`; units ns, us/µs, ms, s, m,
  h; no days. Loki's `flagext`/`time.Duration` fields and LogQL ranges accept them.
  https://pkg.go.dev/time#ParseDuration
* Prometheus byte sizes (`--storage.tsdb.retention.size`, the Prometheus CR `retentionSize`):
  "supported units: B, KB, MB, GB, TB, PB, EB. Ex: "512MB". Based on powers-of-2, so 1KB is
  1024B" (https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects); the
  prometheus-operator `ByteSize` type also accepts KiB..EiB with the same meaning and decimals
  (pattern `(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$`,
  https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ByteSize).
* Kubernetes quantities (`resources.requests.storage`): `10Gi`, `500M`, `1e3`, `100m`, `1.5Ti`;
  binary suffixes Ki..Ei, decimal n u m k M G T P E, or a decimal exponent `e3`/`E-2`.
  https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/

Every parser raises `UnitError` (a ValueError) with a readable message; the `try_` variants
return None instead. Parsers accept only strings and numbers that the project itself accepts
(a YAML integer `0` is a valid duration, a bool is never a quantity).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any


class UnitError(ValueError):
    """A value that is not valid in the unit syntax asked for."""


# --- durations -------------------------------------------------------------------------

SECOND = 1.0
MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
YEAR = 365 * DAY

_PROM_UNITS = (("y", YEAR), ("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 0.001))
_PROM_DURATION_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")


def parse_prom_duration(value: Any) -> float:
    """Seconds in a Prometheus duration (`1y2w3d4h5m6s7ms`, `0`)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UnitError(f"not a duration: {value!r}")
    text = str(value).strip()
    if text == "0":
        return 0.0
    m = _PROM_DURATION_RE.match(text)
    if not text or not m or not any(m.groups()):
        raise UnitError(f"not a valid Prometheus duration: {text!r} (expected e.g. 15d, 1w2d, 12h30m)")
    total = 0.0
    for group, (_, factor) in zip(m.groups(), _PROM_UNITS, strict=True):
        if group:
            total += int(group) * factor
    return total


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_PART_RE = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(value: Any) -> float:
    """Seconds in a Go duration (`1h30m`, `1.5h`, `-2s`, `0`)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UnitError(f"not a duration: {value!r}")
    text = str(value).strip()
    sign = 1.0
    body = text
    if body[:1] in "+-" and body:
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(body):
        m = _GO_PART_RE.match(body, pos)
        if not m:
            raise UnitError(f"not a valid Go duration: {text!r} (expected e.g. 720h, 1h30m, 90s)")
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    if not body:
        raise UnitError(f"not a valid Go duration: {text!r}")
    return sign * total


def parse_duration(value: Any) -> float:
    """Seconds in a duration written either way (Prometheus first, then Go).

    This is what Loki accepts for `model.Duration` fields and LogQL range selectors: the
    Prometheus form (which has d/w/y), with Go durations such as `1h30m` being valid in both.
    """
    try:
        return parse_prom_duration(value)
    except UnitError:
        pass
    try:
        return parse_go_duration(value)
    except UnitError:
        raise UnitError(f"not a valid duration: {value!r} (expected e.g. 7d, 168h, 1h30m)") from None


def try_duration(value: Any, *, strict_prometheus: bool = False) -> float | None:
    try:
        return parse_prom_duration(value) if strict_prometheus else parse_duration(value)
    except UnitError:
        return None


def format_duration(seconds: float) -> str:
    """A short human form: `7d`, `1w3d`, `36h`, `90s` (largest units first, Prometheus style)."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds == 0:
        return "0s"
    ms = round(seconds * 1000)
    parts = []
    for unit, factor in _PROM_UNITS:
        f = round(factor * 1000)
        if ms >= f:
            n, ms = divmod(ms, f)
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"


# --- sizes -----------------------------------------------------------------------------

_BYTE_SIZE_RE = re.compile(r"^(\d*\.?\d+|\d+\.)((?:K|M|G|T|P|E)i?)?B$")
_BINARY_EXP = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}


def parse_prom_bytes(value: Any) -> int:
    """Bytes in a Prometheus byte size (`512MB` = 512 MiB; `50GiB`; `0`). Powers of two."""
    if isinstance(value, bool):
        raise UnitError(f"not a byte size: {value!r}")
    if isinstance(value, int):
        if value == 0:
            return 0
        raise UnitError(f"a unit is required in a Prometheus byte size: {value!r} (e.g. 50GB)")
    if not isinstance(value, str):
        raise UnitError(f"not a byte size: {value!r}")
    text = value.strip()
    if text == "0":
        return 0
    m = _BYTE_SIZE_RE.match(text)
    if not m:
        raise UnitError(f"not a valid Prometheus byte size: {text!r} (units B, KB, MB, GB, TB, PB, EB; e.g. 50GB)")
    unit = (m.group(2) or "").rstrip("i")
    return int(Fraction(m.group(1)) * (1024 ** _BINARY_EXP[unit]))


_QUANTITY_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_DECIMAL_SUFFIX = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_BINARY_SUFFIX = {f"{p}i": Fraction(1024**e) for p, e in _BINARY_EXP.items() if p}


def parse_quantity(value: Any) -> Fraction:
    """The exact value of a Kubernetes quantity (`10Gi`, `500M`, `1e3`, `100m`, `1.5`)."""
    if isinstance(value, bool):
        raise UnitError(f"not a quantity: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    if not isinstance(value, str):
        raise UnitError(f"not a quantity: {value!r}")
    text = value.strip()
    m = _QUANTITY_RE.match(text)
    if not m:
        raise UnitError(f"not a valid Kubernetes quantity: {text!r} (e.g. 10Gi, 500M, 1e3)")
    number = Fraction(m.group(1))
    suffix = m.group(2) or ""
    if not suffix:
        return number
    if suffix in _BINARY_SUFFIX:
        return number * _BINARY_SUFFIX[suffix]
    if suffix in _DECIMAL_SUFFIX:
        return number * _DECIMAL_SUFFIX[suffix]
    exponent = int(suffix[1:])
    return number * (Fraction(10) ** exponent)


def quantity_bytes(value: Any) -> int:
    """A storage quantity in whole bytes (rounded up, as a volume cannot hold a fractional byte)."""
    q = parse_quantity(value)
    whole = q.numerator // q.denominator
    return whole + (1 if whole != q else 0)


def try_quantity_bytes(value: Any) -> int | None:
    try:
        return quantity_bytes(value)
    except UnitError:
        return None


def try_prom_bytes(value: Any) -> int | None:
    try:
        return parse_prom_bytes(value)
    except UnitError:
        return None


def parse_bytes_any(value: Any) -> int:
    """Bytes from either a Kubernetes quantity (`10Gi`, `2G`) or a Prometheus size (`2GB`, `512MiB`).

    For options the user writes (ingest rates): both spellings are accepted; `GB`/`MB` (ending
    in B) follow Prometheus (powers of two), `G`/`Gi` follow Kubernetes.
    """
    if isinstance(value, str) and value.strip().endswith("B"):
        return parse_prom_bytes(value)
    return quantity_bytes(value)


def format_bytes(n: float) -> str:
    """A short binary form: `10Gi`, `1.5Gi`, `512Mi`, `100` (bytes)."""
    n = float(n)
    for suffix, exp in (("Ei", 6), ("Pi", 5), ("Ti", 4), ("Gi", 3), ("Mi", 2), ("Ki", 1)):
        f = 1024.0**exp
        if abs(n) >= f:
            v = n / f
            text = f"{v:.2f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{n:.0f}"
