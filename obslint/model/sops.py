"""SOPS: which files are encrypted, what their metadata says, and the `.sops.yaml` creation rules.

Facts used here (getsops/sops `config/config.go`, v3.11, `parseCreationRuleForFile`):
- `.sops.yaml` holds `creation_rules`, tried in order; the loop stops at the first rule that
  has no `path_regex` (it matches everything) or whose `path_regex` matches: later rules are
  never consulted for that file.
- `path_regex` is a Go RE2 regular expression, matched with `MatchString` (a search, not a full
  match) against the file path with the `.sops.yaml` directory prefix trimmed
  (`strings.TrimPrefix(filePath, configDir + "/")`), i.e. relative to that directory; a regex
  that does not compile fails every file.
- Recipients: `age`, `pgp`, `kms`, `gcp_kms`, `azure_keyvault`, `hc_vault_transit_uri`, `hckms`
  (each a comma-separated string or a list), `plugins`, or `key_groups` of those.
- At most one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex,
  encrypted_comment_regex, unencrypted_comment_regex per rule; without any, every value is
  encrypted except keys ending in `_unencrypted`.

Go regexps are evaluated by `go_regex` (obslint.goregex: RE2, linear time, unanchored like sops'
MatchString); syntax that cannot be evaluated the same way (Unicode scripts, for one) is refused
with a reason instead of being guessed.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from obslint.goregex import GoRegexError, GoRegexp, compile_go
from obslint.index import Index, memoised
from obslint.load import SourceFile, YMap

SOPS_CONFIG_NAMES = (".sops.yaml",)
# `.sops.yml` is not read by sops, but it is a config file, never a file to encrypt.
SOPS_CONFIG_LIKE_NAMES = (".sops.yaml", ".sops.yml")
# A file whose name carries one of these suffixes last is a template rendered into the real file.
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".gotmpl", ".example", ".sample")
RECIPIENT_KEYS = (
    "age",
    "pgp",
    "kms",
    "gcp_kms",
    "azure_keyvault",
    "hc_vault_transit_uri",
    "hc_vault",
    "hckms",
    "plugins",
)
# Keys of the `sops` metadata block of an encrypted file that name recipients.
META_RECIPIENT_KEYS = ("age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms", "key_groups")
CRYPT_KEYS = (
    "encrypted_suffix",
    "unencrypted_suffix",
    "encrypted_regex",
    "unencrypted_regex",
    "encrypted_comment_regex",
    "unencrypted_comment_regex",
)
META_KEYS = {"mac", "lastmodified", "version", *META_RECIPIENT_KEYS, *CRYPT_KEYS, "mac_only_encrypted"}
ENC_RE = re.compile(r"^ENC\[[A-Z0-9_]+,data:")
MAX_OTHER_FILE = 1024 * 1024


def is_enc(value: Any) -> bool:
    return isinstance(value, str) and bool(ENC_RE.match(value))


def shorten(text: str, limit: int = 60) -> str:
    """A config value quoted in a message: long ones are cut (the finding points at the line)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def go_regex(pattern: str) -> GoRegexp:
    """A `.sops.yaml` regex as sops evaluates it: Go's MatchString, a search (not anchored).
    Raises GoRegexError: `invalid` when sops itself refuses the pattern, else a pattern this
    module cannot evaluate faithfully (callers then decline to judge and say so)."""
    return compile_go(pattern, anchored=False)


# --- .sops.yaml -----------------------------------------------------------------------------------


@dataclass(eq=False)
class CreationRule:
    config: SopsConfig
    position: int  # 0-based position in creation_rules
    data: YMap
    path_regex: str | None
    pattern: GoRegexp | None
    regex_problem: GoRegexError | None
    has_recipients: bool

    def matches(self, rel_to_config: str) -> bool | None:
        """Whether this rule's path_regex matches (None: cannot tell)."""
        if self.path_regex in (None, ""):
            return True
        if self.pattern is None:
            return None
        return self.pattern.search(rel_to_config) is not None

    def crypt(self, key: str) -> Any:
        return self.data.get(key)

    def loc(self):
        return self.data.loc("path_regex") if "path_regex" in self.data else self.data.loc()

    @property
    def number(self) -> str:
        return f"#{self.position + 1}"

    @property
    def label(self) -> str:
        if self.path_regex:
            return f"creation rule {self.number} (path_regex `{shorten(self.path_regex)}`)"
        return f"creation rule {self.number} (no path_regex)"

    @property
    def matches_everything(self) -> bool:
        """No path_regex, or one that every path matches (sops then stops at this rule)."""
        return not self.path_regex or self.path_regex.strip() in (".*", "^.*$", ".*$", "^.*", ".+", "^.+$", "^")


@dataclass(eq=False)
class SopsConfig:
    file: SourceFile
    dir: str  # directory of the config, relative to the root ("" for the root)
    rules: list[CreationRule] = field(default_factory=list)

    def relative(self, rel: str) -> str | None:
        """rel as seen from this config's directory, or None when outside it."""
        if not self.dir:
            return rel
        prefix = self.dir + "/"
        return rel[len(prefix) :] if rel.startswith(prefix) else None

    def rule_for(self, rel: str) -> CreationRule | bool | None:
        """The first matching creation rule; None when none matches; False when undecidable."""
        inner = self.relative(rel)
        if inner is None:
            return None
        for r in self.rules:
            m = r.matches(inner)
            if m is None:
                return False
            if m:
                return r
        return None


def _has_recipients(data: dict) -> bool:
    def nonempty(v: Any) -> bool:
        if isinstance(v, str):
            return any(part.strip() for part in v.split(","))
        if isinstance(v, list):
            return any(nonempty(x) if not isinstance(x, dict) else bool(x) for x in v)
        return bool(v)

    if any(nonempty(data.get(k)) for k in RECIPIENT_KEYS):
        return True
    groups = data.get("key_groups")
    if isinstance(groups, list):
        for g in groups:
            if isinstance(g, dict) and (_has_recipients(g) or nonempty(g.get("merge"))):
                return True
    return False


@memoised
def sops_configs(index: Index) -> list[SopsConfig]:
    out: list[SopsConfig] = []
    for sf in index.files:
        if posixpath.basename(sf.rel) not in SOPS_CONFIG_NAMES or not sf.documents:
            continue
        data = sf.documents[0].data
        cfg = SopsConfig(sf, posixpath.dirname(sf.rel))
        rules = data.get("creation_rules") if isinstance(data, dict) else None
        if isinstance(rules, list):
            for pos, r in enumerate(rules):
                if not isinstance(r, YMap):
                    continue
                regex = r.get("path_regex")
                pattern, problem = None, None
                if regex not in (None, ""):
                    try:
                        pattern = go_regex(str(regex))
                    except GoRegexError as exc:
                        problem = exc
                cfg.rules.append(
                    CreationRule(
                        cfg,
                        pos,
                        r,
                        None if regex is None else str(regex),
                        pattern,
                        problem,
                        _has_recipients(r),
                    )
                )
        out.append(cfg)
    return out


@dataclass(eq=False)
class RuleCoverage:
    """Which files of the tree one `.sops.yaml` governs, which of them each creation rule's
    path_regex matches, and which rule sops picks for each (the first that matches)."""

    config: SopsConfig
    matched: dict[int, list[str]] = field(default_factory=dict)  # rule position -> root-relative paths
    chosen: dict[str, CreationRule | bool | None] = field(default_factory=dict)  # path -> as rule_for()

    def taken_by(self, rel: str) -> CreationRule | None:
        found = self.chosen.get(rel)
        return found if isinstance(found, CreationRule) else None


@memoised
def rule_coverage(index: Index) -> dict[SopsConfig, RuleCoverage]:
    """RuleCoverage of every `.sops.yaml`, over every file below its directory (read or merely
    listed). sops looks for `.sops.yaml` from the working directory upwards
    (cmd/sops/main.go loadConfig: `config.FindConfigFile(".")`), so a config applies to every
    file below it, also below a nested `.sops.yaml`, when sops runs from its directory."""
    out: dict[SopsConfig, RuleCoverage] = {}
    paths = sorted(p for p in index.tree.paths if posixpath.basename(p) not in SOPS_CONFIG_LIKE_NAMES)
    for cfg in sops_configs(index):
        coverage = out[cfg] = RuleCoverage(cfg, {r.position: [] for r in cfg.rules})
        for rel in paths:
            inner = cfg.relative(rel)
            if inner is None:
                continue
            chosen: CreationRule | bool | None = None
            for r in cfg.rules:
                m = r.matches(inner)
                if m:
                    coverage.matched[r.position].append(rel)
                if chosen is None and m is None:
                    chosen = False  # an earlier rule cannot be evaluated: which one sops picks is unknown
                elif chosen is None and m:
                    chosen = r
            coverage.chosen[rel] = chosen
    return out


def configs_above(index: Index, rel: str) -> list[SopsConfig]:
    """Every `.sops.yaml` in a directory above rel, nearest first (sops picks one of them
    depending on the directory it runs in)."""
    return sorted(
        (c for c in sops_configs(index) if c.relative(rel) is not None), key=lambda c: len(c.dir), reverse=True
    )


def meant_to_be_encrypted(rel: str) -> bool:
    """The file's name says it holds SOPS-encrypted data (`x.sops.yaml`, `x.enc.yaml`,
    `creds.sops.env`), and it is neither a sops config nor a template of such a file."""
    name = posixpath.basename(rel).lower()
    if name in SOPS_CONFIG_LIKE_NAMES or name.endswith(TEMPLATE_SUFFIXES):
        return False
    return has_sops_marker(name)


def has_sops_marker(name: str) -> bool:
    return ".sops." in name or ".enc." in name or name.endswith((".sops", ".enc"))


@memoised
def _configs_by_dir(index: Index) -> dict[str, SopsConfig]:
    return {c.dir: c for c in sops_configs(index)}


def config_for(index: Index, rel: str) -> SopsConfig | None:
    """The `.sops.yaml` nearest above rel (the one sops finds when run from the file's directory)."""
    by_dir = _configs_by_dir(index)
    d = posixpath.dirname(rel)
    while True:
        if d in by_dir:
            return by_dir[d]
        if not d:
            return None
        d = posixpath.dirname(d)


# --- encrypted files ------------------------------------------------------------------------------


@dataclass(eq=False)
class SopsFile:
    """A file (or YAML document) carrying SOPS metadata."""

    rel: str
    format: str  # yaml | json | dotenv | ini
    meta: dict  # the sops metadata block (flattened for dotenv/ini)
    data: Any = None  # the YAML document (with its `sops` key) when format is yaml
    source: SourceFile | None = None
    line: int = 1

    @property
    def recipients(self) -> list[str]:
        """age recipients listed in the metadata."""
        out: list[str] = []
        groups = [self.meta]
        kg = self.meta.get("key_groups")
        if isinstance(kg, list):
            groups.extend(g for g in kg if isinstance(g, dict))
        for g in groups:
            entries = g.get("age")
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("recipient"), str):
                    out.append(entry["recipient"])
        return out

    def has_recipients(self) -> bool:
        groups = [self.meta]
        kg = self.meta.get("key_groups")
        if isinstance(kg, list):
            groups.extend(g for g in kg if isinstance(g, dict))
        kinds = [k for k in META_RECIPIENT_KEYS if k != "key_groups"]
        return any(isinstance(g.get(k), list) and bool(g.get(k)) for g in groups for k in kinds)


def sops_block(data: Any) -> dict | None:
    """The `sops` metadata mapping of a YAML/JSON document, if it looks like one."""
    meta = data.get("sops") if isinstance(data, dict) else None
    if isinstance(meta, dict) and META_KEYS & set(meta.keys()):
        return meta
    return None


@memoised
def _other_texts(index: Index) -> dict[str, str | None]:
    return {}


def read_other(index: Index, rel: str) -> str | None:
    """Text of a file the loader listed but did not read (dotenv, json...), read at most once."""
    cache = _other_texts(index)
    if rel in cache:
        return cache[rel]
    sf = index.file(rel)
    if sf is not None:
        cache[rel] = sf.text
        return sf.text
    text: str | None = None
    if rel in index.tree.paths:
        path = os.path.join(index.root, rel)
        try:
            if os.path.getsize(path) <= MAX_OTHER_FILE:
                with open(path, "rb") as fh:
                    raw = fh.read(MAX_OTHER_FILE + 1)
                if b"\0" not in raw:
                    text = raw.decode("utf-8-sig", errors="replace")
        except OSError:
            text = None
    cache[rel] = text
    return text


def parse_other(rel: str, text: str) -> SopsFile | None:
    """SOPS metadata of a dotenv / ini / json file, if it has some."""
    lower = rel.lower()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the C decoder goes
            return None
        meta = sops_block(data)
        return SopsFile(rel, "json", meta, data) if meta is not None else None
    if lower.endswith(".ini") or re.search(r"^\[sops\]\s*$", text, re.M):
        m = re.search(r"^\[sops\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        if not m:
            return None
        meta: dict[str, Any] = {}
        for line in m.group(1).splitlines():
            k, sep, v = line.partition("=")
            if sep:
                meta[k.strip()] = v.strip()
        return SopsFile(rel, "ini", _unflatten(meta)) if "mac" in meta else None
    meta = {}
    for line in text.splitlines():
        if line.startswith("sops_"):
            k, sep, v = line.partition("=")
            if sep:
                meta[k[5:].strip()] = v.strip()
    if "mac" in meta or "version" in meta:
        return SopsFile(rel, "dotenv", _unflatten(meta))
    return None


def _unflatten(flat: dict[str, str]) -> dict:
    """sops_age__list_0__map_recipient=... -> {"age": [{"recipient": ...}]} (enough to count recipients)."""
    out: dict[str, Any] = {}
    for k, v in flat.items():
        parts = k.split("__")
        if len(parts) >= 3 and parts[1].startswith("list_"):
            entries = out.setdefault(parts[0], [])
            if not isinstance(entries, list):
                continue
            idx = int(parts[1][5:]) if parts[1][5:].isdigit() else 0
            while len(entries) <= idx:
                entries.append({})
            entries[idx][parts[2].removeprefix("map_")] = v
        else:
            out[k] = v
    return out


def kustomization_files(index: Index) -> list[tuple[SourceFile, dict]]:
    """kustomize kustomization files (with or without apiVersion/kind) and their data."""
    out = []
    for sf in index.files:
        if posixpath.basename(sf.rel) in ("kustomization.yaml", "kustomization.yml") and sf.documents:
            data = sf.documents[0].data
            if (
                isinstance(data, dict)
                and data.get("kind", "Kustomization") == "Kustomization"
                and "kustomize.toolkit.fluxcd.io" not in str(data.get("apiVersion", ""))
            ):
                out.append((sf, data))
    return out


def generator_sources(entry: dict) -> list[tuple[str, Any, Any, str]]:
    """(kind, container, key, file path or literal) for every source of a secretGenerator entry."""
    out = []
    for kind in ("literals", "envs", "files"):
        items = entry.get(kind)
        if isinstance(items, list):
            out.extend((kind, items, i, v) for i, v in enumerate(items) if isinstance(v, str))
    env = entry.get("env")
    if isinstance(env, str):
        out.append(("envs", entry, "env", env))
    return out


def generator_file(value: str) -> str:
    """`key=path` or `path` -> path."""
    return value.split("=", 1)[1] if "=" in value else value


def file_is_sops(index: Index, rel: str) -> bool | None:
    """Whether the file at rel (relative to the root) is SOPS-encrypted; None when unreadable/absent."""
    sf = index.file(rel)
    if sf is not None and sf.kind == "yaml":
        if not sf.text:
            return None
        return sf.sops or any(sops_block(d.data) is not None for d in sf.documents)
    text = read_other(index, rel)
    if text is None:
        return None
    return parse_other(rel, text) is not None


@memoised
def sops_files(index: Index) -> list[SopsFile]:
    """Every SOPS-encrypted YAML document in the tree, and the non-YAML SOPS files a
    secretGenerator references or whose name says sops/enc."""
    out: list[SopsFile] = []
    for sf in index.files:
        if sf.kind != "yaml":
            continue
        for doc in sf.documents:
            meta = sops_block(doc.data)
            if meta is not None:
                out.append(SopsFile(sf.rel, "yaml", meta, doc.data, sf, doc.line))
    candidates: set[str] = set()
    for sf, data in kustomization_files(index):
        base = posixpath.dirname(sf.rel)
        gens = data.get("secretGenerator")
        for entry in gens if isinstance(gens, list) else []:
            if isinstance(entry, dict):
                for kind, _c, _k, v in generator_sources(entry):
                    if kind != "literals":
                        candidates.add(posixpath.normpath(posixpath.join(base, generator_file(v))))
    for rel in index.tree.paths:
        name = posixpath.basename(rel).lower()
        if has_sops_marker(name) and index.file(rel) is None:
            candidates.add(rel)
    for rel in sorted(candidates):
        if index.file(rel) is not None and index.file(rel).kind == "yaml":
            continue
        text = read_other(index, rel)
        if text:
            found = parse_other(rel, text)
            if found is not None:
                out.append(found)
    return out
