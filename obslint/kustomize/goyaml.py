"""How go-yaml v2 writes a string and reads an edited plain scalar back.

kustomize-controller's postBuild substitution and flux-operator's ResourceSet templates both edit
objects as text: the object is written as YAML (sigs.k8s.io/yaml JSONToYAML, which is
gopkg.in/yaml.v2 Marshal), the text is edited, and the result is parsed again (YAMLToJSON,
yaml.v2 Unmarshal, then JSON). A string that yaml.v2 wrote as a *plain* scalar is therefore
re-typed after the edit: `replicas: ${REPLICAS}` with REPLICAS=3 becomes the integer 3, whether or
not the source file quoted it (the quotes are gone once the object is parsed).

* `written_plain(s)`: yaml.v2's encoder (encode.go stringv) writes a string plain when it has no
  line break, would resolve back to a string (`yes`, `1.5`, `~` are quoted) and libyaml's scalar
  analysis (emitterc.go yaml_emitter_analyze_scalar) allows a plain scalar in block context: no
  leading or trailing space, no indicator at the start (`# , [ ] { } & * ! | > ' " % @` and
  backquote, `- `, `? `, `: `), no `: ` or ` #` inside, only printable characters (a tab is not).
  Multi-line strings are written as literal blocks and stay strings.
* `resolve_plain(text)`: yaml.v2's resolve.go for a plain scalar (YAML 1.1: `yes`/`on`/`y` are
  booleans, `0x1F` and `0o17` integers, `1e3` a float; timestamps stay strings, as yaml.v2 decodes
  them into interface{}: `2024-01-01` stays text), followed by the JSON round trip (a float with an integral value below
  1e21 comes back as an integer; NaN and infinities cannot be written as JSON: ValueError).
* `read_back(text, container, key)`: the value an edited plain scalar parses to. Text that is not
  a simple plain scalar (`[a, b]`, `a # b`, `'x'`) is parsed as YAML in value position with the
  loader, typed as yaml.v2 types it; text that is not valid YAML there raises ValueError with the
  parser's message.
"""

from __future__ import annotations

import math
import re
from typing import Any

from obslint.load.goresolve import YAML_V2, resolve
from obslint.load.source import EmbeddedSource
from obslint.load.yamlfile import YMap, YSeq, parse_yaml

_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


def _json_number(value: float) -> int | float:
    """A float as it comes back from the JSON round trip (encoding/json writes no exponent and no
    fraction for integral values below 1e21, which then decode as integers)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError("json: unsupported value: a NaN or infinite number cannot be written as JSON")
    if value == int(value) and abs(value) < 1e21:
        return int(value)
    return value


def resolve_plain(text: str) -> Any:
    """The value yaml.v2 resolves the plain scalar `text` to, after the JSON round trip."""
    value = resolve(text, YAML_V2)
    return _json_number(value) if isinstance(value, float) else value


def _printable(o: int) -> bool:
    """libyaml's IS_PRINTABLE: a tab, a line break, control characters and the BOM are not."""
    if 0x20 <= o <= 0x7E or o == 0x85 or o >= 0x10000:
        return True
    return 0xA0 <= o <= 0xFFFD and o != 0xFEFF and not 0xD800 <= o < 0xE000


def _plain_allowed(s: str) -> bool:
    """libyaml's analysis: may `s` be written as a plain scalar in block context?"""
    if not s or s[0] == " " or s[-1] == " " or s.startswith(("---", "...")):
        return False
    n = len(s)
    for i, c in enumerate(s):
        followed_by_blank = i + 1 >= n or s[i + 1] in " \t"
        if i == 0:
            if c in _FIRST_INDICATORS or (c in "?:-" and followed_by_blank):
                return False
        elif (c == ":" and followed_by_blank) or (c == "#" and s[i - 1] in " \t"):
            return False
        if not _printable(ord(c)):
            return False
    return True


def _base60_float(s: str) -> bool:
    return bool(s) and (s[0] in "+-" or s[0].isdigit()) and ":" in s and bool(_BASE60_FLOAT.match(s))


def written_plain(s: str) -> bool:
    """Whether yaml.v2 Marshal writes the string `s` as a plain scalar (as a mapping value)."""
    if "\n" in s or _base60_float(s) or not _plain_allowed(s):
        return False
    try:
        return isinstance(resolve_plain(s), str)
    except ValueError:
        return False  # `.nan` and friends resolve to floats: written quoted


def read_back(text: str, container: YMap | YSeq, key: Any) -> Any:
    """The value the edited plain scalar `text` (standing at container[key]) parses to."""
    if "\n" not in text and _plain_allowed(text):
        return resolve_plain(text)
    line, col, _ = container.value_pos(key)
    parent = container.src_of(key)
    # Every position inside the parsed text points at the edited value itself.
    source = EmbeddedSource(parent, "k: " + text, line - 1, col - 1, col - 1, (line, col), exact=False)
    docs, problems = parse_yaml(source, schema=YAML_V2)
    if problems:
        raise ValueError(problems[0][3])
    doc = docs[0][0] if len(docs) == 1 else None
    if not isinstance(doc, YMap) or list(doc) != ["k"]:
        raise ValueError("the edited value is not a single YAML value")
    value = doc["k"]
    if isinstance(value, float):
        return _json_number(value)
    return value
