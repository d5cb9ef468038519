"""The value Go's YAML decoders give an untagged plain scalar decoded into interface{}.

Two readers matter, and they disagree on YAML 1.1's boolean words:

* `KYAML`: kustomize reads every resource with kyaml, built on a fork of go-yaml v3
  (kyaml/yaml/alias.go, compatibility.go), and turns it into JSON through that decoder
  (kyaml/yaml/rnode.go MarshalJSON; api/resource/resource.go AsYAML). go-yaml v3's resolve.go knows
  only `true`/`false` (and their capitalised forms) as booleans: `yes`, `on`, `no`, `off` stay
  strings. kustomize-controller builds everything a Flux Kustomization applies this way, so a
  manifest's `value: yes` is the string "yes" - and so is `yes` in a HelmRelease's `spec.values`,
  which reaches Helm as JSON. https://github.com/go-yaml/yaml/blob/v3.0.1/resolve.go
* `YAML_V2`: sigs.k8s.io/yaml (YAMLToJSON, go-yaml v2) reads Helm values (helm pkg/chartutil
  ReadValues, so a HelmRelease valuesFrom ConfigMap or Secret), JSON 6902 patches, text edited by
  postBuild substitution and application configs: `y`, `yes`, `on` are true and `n`, `no`, `off`
  false there (https://github.com/go-yaml/yaml/blob/v2.4.0/resolve.go resolveMapList).

Numbers are read alike: underscores removed, then strconv.ParseInt(s, 0, 64), so `0x1F`, `0o555`
(YAML 1.2 octal: 365), `0b101` and the YAML 1.1 octal `0555` are integers; then the YAML float
pattern (`1e3` is a float; kustomize's JSON writes an integral one as an integer). Base-60 numbers
(`1:30`) are strings in both. Timestamps stay text: both decoders keep a timestamp-like scalar
as a string in an interface{} (go-yaml v3 decode.go, "for backward compatibility reasons").
`kubectl kustomize` (kustomize v5.5.0) prints `yes`, `on` and `1:30` as strings and `0o555`,
`0777` and `1e3` as 365, 511 and 1000.
"""

from __future__ import annotations

import math
import re
from typing import Any

KYAML = "kyaml"
YAML_V2 = "yaml.v2"

# resolve.go resolveMap: the words both versions resolve by exact match.
_CORE_WORDS: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
# go-yaml v2 only: YAML 1.1's other boolean words.
V2_ONLY_WORDS: dict[str, bool] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
}
WORDS: dict[str, dict[str, Any]] = {KYAML: _CORE_WORDS, YAML_V2: {**_CORE_WORDS, **V2_ONLY_WORDS}}

_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# strconv.ParseInt(s, 0, 64) after the underscores are removed: base prefixes, a leading 0 is octal.
_GO_INT = re.compile(r"([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))\Z")
# Go's strconv.ParseFloat accepts more spellings than YAML's float regexp (hex floats, "inf").
GO_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_INT64 = 1 << 63
_UINT64 = 1 << 64


def go_int(text: str) -> int | None:
    """strconv.ParseInt (or ParseUint) of `text` with base 0, when it is an integer."""
    m = _GO_INT.match(text)
    if m is None:
        return None
    sign, hexa, octal, binary, zero_octal, decimal = m.groups()
    if hexa is not None:
        value = int(hexa, 16)
    elif octal is not None:
        value = int(octal, 8)
    elif binary is not None:
        value = int(binary, 2)
    elif zero_octal is not None:
        value = int(zero_octal, 8)
    else:
        value = int(decimal)
    if sign == "-":
        value = -value
    return value if -_INT64 <= value < _UINT64 else None


def _float(text: str, schema: str) -> float | int | None:
    value = float(text)
    if math.isinf(value):
        return None  # out of float64 range: ParseFloat fails, a string
    if schema == KYAML and value.is_integer() and abs(value) < 1e21:
        # kustomize writes the object as JSON (encoding/json: no fraction, no exponent below
        # 1e21), so `1e3` is applied as the integer 1000, as `kubectl kustomize` prints it
        return int(value)
    return value


def resolve(text: str, schema: str = KYAML) -> Any:
    """The value of the untagged plain scalar `text` read by `schema`'s decoder (resolve.go)."""
    words = WORDS[schema]
    if text in words:
        return words[text]
    first = text[0]
    if first == ".":
        value = _float(text, schema) if GO_FLOAT.match(text) else None
        return text if value is None else value
    if not (first.isdigit() and first.isascii()) and first not in "+-":
        return text
    plain = text.replace("_", "")
    number = go_int(plain)
    if number is not None:
        return number
    if _YAML_FLOAT.match(plain):
        value = _float(plain, schema)
        if value is not None:
            return value
    return text
