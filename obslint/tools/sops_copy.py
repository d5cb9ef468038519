"""A copy of a SOPS file that only an age key can open.

The recipients in a SOPS file are chosen by whoever wrote it - in a pull request, an attacker.
sops tries every master key the metadata lists: an `hc_vault` key makes it send a Vault token to
the listed address, a `kms`/`gcp_kms`/`azure_kv` key makes the cloud SDK look for credentials (the
instance metadata service of a CI runner included) and call out. So the decrypt check runs sops on
a copy whose metadata lists its age keys and nothing else.

Removing master keys is safe for the check: sops' MAC covers the values of the document, not the
key list (getsops/sops `sops.go`, `Tree.Encrypt`/`Decrypt` hash the leaves; the metadata only
carries the wrapped data key per master key), so an intact file still opens with its age key.
Files whose non-age keys cannot be removed exactly (non-age keys inside `key_groups`, where a
Shamir threshold counts the groups; flow-style YAML metadata; INI) are not copied: their check is
skipped, never guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

# Master key kinds of the `sops` metadata block other than age (getsops/sops `stores/stores.go`,
# Metadata: KMSKeys `kms`, GCPKMSKeys `gcp_kms`, HCKmsKeys `hckms`, AzureKeyVaultKeys `azure_kv`,
# VaultKeys `hc_vault`, PGPKeys `pgp`).
NON_AGE_KEYS = ("kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp")

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class NotCopyable(Exception):
    """The file's non-age keys cannot be removed exactly; the message says why."""


def _nonempty(value: Any) -> bool:
    return value not in (None, "", [], {})


def age_only(text: str, fmt: str) -> str:
    """The file's text with every non-age master key removed (NotCopyable when that is not exact)."""
    if fmt == "json":
        return _json(text)
    if fmt == "dotenv":
        return _dotenv(text)
    if fmt == "yaml":
        return _yaml(text)
    raise NotCopyable(f"{fmt} files are not checked")


def _check_groups(groups: Any) -> None:
    """Shamir thresholds count key groups: removing keys from a group may change who can open it."""
    for group in groups if isinstance(groups, list) else ():
        if isinstance(group, dict) and any(_nonempty(group.get(k)) for k in NON_AGE_KEYS):
            raise NotCopyable("its key_groups hold non-age keys")


def _json(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        raise NotCopyable("not valid JSON") from None
    meta = data.get("sops") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        raise NotCopyable("no sops metadata")
    _check_groups(meta.get("key_groups"))
    for key in NON_AGE_KEYS:
        meta.pop(key, None)
    return json.dumps(data, ensure_ascii=False, indent=4)


_DOTENV_META = re.compile(r"^\s*sops_(?P<kind>[a-z_]+?)__list_\d+__")


def _dotenv(text: str) -> str:
    """dotenv metadata is flattened to one line per field: `sops_kms__list_0__map_arn=...`."""
    out = []
    for line in text.splitlines(keepends=True):
        m = _DOTENV_META.match(line)
        if m and m["kind"] == "key_groups":
            raise NotCopyable("it uses key_groups")
        if m and m["kind"] in NON_AGE_KEYS:
            continue
        out.append(line)
    return "".join(out)


def _yaml(text: str) -> str:
    """Each non-age entry of every document's top-level `sops` mapping, replaced line for line by
    `<key>: []` - the rest of the file stays byte for byte as it was."""
    lines = text.splitlines(keepends=True)
    spans: list[tuple[int, int, str]] = []  # first line, line after the last, replacement
    try:
        for doc in yaml.compose_all(text, Loader=_Loader):
            spans.extend(_yaml_spans(doc, lines))
    except yaml.YAMLError:
        raise NotCopyable("not valid YAML") from None
    for first, end, new in sorted(spans, reverse=True):
        lines[first:end] = [new]
    return "".join(lines)


def _yaml_spans(doc: Any, lines: list[str]) -> list[tuple[int, int, str]]:
    if not isinstance(doc, yaml.MappingNode):
        return []
    meta = next((v for k, v in doc.value if isinstance(k, yaml.ScalarNode) and k.value == "sops"), None)
    if not isinstance(meta, yaml.MappingNode):
        return []
    spans = []
    for key, value in meta.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.value == "key_groups" and _groups_hold_non_age(value):
            raise NotCopyable("its key_groups hold non-age keys")
        if key.value not in NON_AGE_KEYS:
            continue
        first = key.start_mark.line
        before = lines[first][: key.start_mark.column]
        end_line, end_col = value.end_mark.line, value.end_mark.column
        if end_line >= len(lines) or not lines[end_line][:end_col].strip():
            # a block value ends where the next token starts: on a later line, which stays
            end, after = min(end_line, len(lines)), ""
        else:
            end, after = end_line + 1, lines[end_line][end_col:]
        if before.strip() or (after.strip() and not after.strip().startswith("#")):
            raise NotCopyable("its sops metadata is not in block style")
        spans.append((first, end, f"{before}{key.value}: []\n"))
    return spans


def _groups_hold_non_age(node: Any) -> bool:
    for group in node.value if isinstance(node, yaml.SequenceNode) else ():
        for k, v in group.value if isinstance(group, yaml.MappingNode) else ():
            if isinstance(k, yaml.ScalarNode) and k.value in NON_AGE_KEYS and not _empty_node(v):
                return True
    return False


def _empty_node(node: Any) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return node.value in ("", "null", "~") and node.tag.endswith(("null", "str"))
    return not node.value
