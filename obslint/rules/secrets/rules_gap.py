"""SEC002 sops-rules-gap: `.sops.yaml` creation rules that cover nothing, leave Secret data in
clear, have no recipients, or do not cover an encrypted file."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from obslint.findings import Finding, Loc
from obslint.index import Index
from obslint.model.sops import (
    CRYPT_KEYS,
    CreationRule,
    GoRegexError,
    SopsConfig,
    SopsFile,
    config_for,
    go_regex,
    sops_block,
    sops_configs,
    sops_files,
)
from obslint.rules import RuleContext, rule
from obslint.rules.secrets.unencrypted import clear_values


def secret_files(index: Index) -> dict[str, set[str]]:
    """{path: data sections present} for every file holding a Secret manifest (clear or SOPS)
    or any other SOPS-encrypted file (sections empty)."""
    out: dict[str, set[str]] = {}
    for obj in index.of_kind("Secret"):
        if obj.group != "":
            continue
        sections = {s for s in ("data", "stringData") if isinstance(obj.get(s), dict) and obj.get(s)}
        if sections and (sops_block(obj.data) is not None or clear_values(obj.data)):
            out.setdefault(obj.file.rel, set()).update(sections)
    for f in sops_files(index):
        out.setdefault(f.rel, set())
    return out


def _covers_everything(r: CreationRule) -> bool:
    return not r.path_regex or r.path_regex.strip() in (".*", "^.*$", ".*$", "^.*", ".+")


def _crypt_problem(r: CreationRule, sections: set[str]) -> str | None:
    """How this rule's encryption settings leave data/stringData of a Secret in clear."""
    set_keys = [k for k in CRYPT_KEYS if r.data.get(k) not in (None, "")]
    if len(set_keys) > 1:
        return f"sets {' and '.join(set_keys)}: sops refuses more than one of them in a rule"
    if not set_keys:
        return None
    key = set_keys[0]
    value = str(r.data.get(key))
    if key in ("encrypted_comment_regex", "unencrypted_comment_regex"):
        return None
    if key.endswith("_regex"):
        try:
            pattern = go_regex(value)
        except GoRegexError:
            return None
        hit = {s for s in sections if pattern.search(s)}
        left = sections - hit if key == "encrypted_regex" else hit
    elif key == "encrypted_suffix":
        left = {s for s in sections if not s.endswith(value)}
    else:
        left = {s for s in sections if s.endswith(value)}
    if left:
        return f"{key} {value!r} leaves {' and '.join(sorted(left))} of the Secrets it covers in clear"
    return None


def _rule_loc(r: CreationRule, key: str | None = None) -> Loc:
    if key and key in r.data:
        return r.data.loc(key)
    return r.loc()


@rule(
    "SEC002",
    "sops-rules-gap",
    "warning",
    "`.sops.yaml` creation rules miss the secret files, leave Secret data in clear, or have no recipients",
    why="""
        `.sops.yaml` decides how new and re-keyed files are encrypted: the first creation rule
        whose `path_regex` (a Go regular expression searched in the path relative to the
        `.sops.yaml` directory) matches is used; sops ignores a file named `.sops.yml`. A rule
        whose regex matches no secret file is dead (usually a renamed directory), an encrypted
        file no rule covers cannot be re-keyed with `sops updatekeys` or edited into a new file
        of the same name, an `encrypted_regex` that does not match `data`/`stringData` leaves a
        Secret's values in clear, and a rule without recipients makes sops fail.
    """,
    failing="""
        -- .sops.yaml --
        creation_rules:
          - path_regex: clusters/.*\\.sops\\.ya?ml$
            encrypted_regex: ^(spec)$
            age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
        -- clusters/home/secret.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: grafana-admin
          namespace: monitoring
        stringData:
          password: hunter2-hunter2
    """,
    passing="""
        -- .sops.yaml --
        creation_rules:
          - path_regex: clusters/.*\\.sops\\.ya?ml$
            encrypted_regex: ^(data|stringData)$
            age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
        -- clusters/home/secret.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: grafana-admin
          namespace: monitoring
        stringData:
          password: ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
        sops:
          age:
            - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
              enc: |
                -----BEGIN AGE ENCRYPTED FILE-----
                YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
                -----END AGE ENCRYPTED FILE-----
          lastmodified: "2024-01-01T00:00:00Z"
          mac: ENC[AES256_GCM,data:bWFjbWFjbWFj,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
          encrypted_regex: ^(data|stringData)$
          version: 3.9.0
    """,
    fix="""
        Make each secret file's path match a rule (name them `*.sops.yaml` and use
        `path_regex: .*\\.sops\\.ya?ml$`), use `encrypted_regex: ^(data|stringData)$` for
        Kubernetes Secrets, give every rule at least one recipient (`age: age1...`), and delete
        rules for directories that no longer exist.
    """,
)
def sops_rules_gap(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    configs: list[SopsConfig] = sops_configs(index)
    files = secret_files(index)
    sops_by_rel: dict[str, SopsFile] = {}
    for f in sops_files(index):
        sops_by_rel.setdefault(f.rel, f)

    for cfg in configs:
        if not cfg.rules:
            data = cfg.file.documents[0].data if cfg.file.documents else None
            loc = data.loc("creation_rules") if hasattr(data, "loc") else cfg.file.loc(1)
            if any(config_for(index, rel) is cfg for rel in sops_by_rel):
                yield Finding(loc, f"{cfg.file.rel} has no creation rules", "add creation_rules (path_regex, age)")
            continue
        scoped = {rel: sections for rel, sections in files.items() if cfg.relative(rel) is not None}
        first_match: dict[int, list[str]] = {}
        undecidable = False
        for rel in scoped:
            found = cfg.rule_for(rel)
            if found is False:
                undecidable = True
            elif found is not None:
                first_match.setdefault(found.position, []).append(rel)
        for r in cfg.rules:
            if r.regex_problem is not None:
                if r.regex_problem.invalid:
                    yield Finding(
                        _rule_loc(r, "path_regex"),
                        f"{r.label}: path_regex is not a valid Go regular expression ({r.regex_problem})",
                        "sops fails on every file with this config; use RE2 syntax (no lookarounds or backreferences)",
                    )
                else:
                    index.notice(f"{cfg.file.rel}: {r.label}: not evaluated: {r.regex_problem}")
                continue
            if not r.has_recipients:
                yield Finding(
                    _rule_loc(r),
                    f"{r.label} has no recipients (age, pgp, kms, gcp_kms, azure_keyvault, hc_vault or key_groups)",
                    "add the age public key of the cluster (age: age1...) so sops can encrypt with this rule",
                )
            if not _covers_everything(r) and not any(r.matches(cfg.relative(rel) or "") for rel in scoped):
                yield Finding(
                    _rule_loc(r, "path_regex"),
                    f"{r.label} matches no Secret manifest or SOPS-encrypted file under "
                    f"{cfg.dir or 'the repository root'}",
                    "fix the regex (it is searched in the path relative to the .sops.yaml directory) or delete "
                    "the stale rule",
                )
            covered = first_match.get(r.position, [])
            sections: set[str] = set()
            for rel in covered:
                sections |= scoped[rel]
            problem = _crypt_problem(r, sections) if sections else None
            if problem:
                key = next((k for k in CRYPT_KEYS if r.data.get(k) not in (None, "")), None)
                # at the rule itself: its path_regex is in the excerpt, the message names the setting
                yield Finding(
                    _rule_loc(r, key),
                    f"creation rule #{r.position + 1}: {problem}",
                    "use `encrypted_regex: ^(data|stringData)$`",
                )
        if undecidable:
            continue
        for rel in scoped:
            f = sops_by_rel.get(rel)
            if f is None or cfg.rule_for(rel) is not None:
                continue
            loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else Loc(rel, 1, 1)
            yield Finding(
                loc,
                f"no creation rule of {cfg.file.rel} matches this SOPS file (path {cfg.relative(rel)!r})",
                "add a creation rule whose path_regex matches it, or rename the file to match an existing rule",
            )
    for sf in index.files:
        if posixpath.basename(sf.rel) == ".sops.yml":
            yield Finding(
                sf.loc(1),
                "sops ignores `.sops.yml`: it only reads `.sops.yaml` (and warns about this name)",
                "rename the file to .sops.yaml",
            )
    if not configs:
        encrypted = sorted(sops_by_rel)
        if encrypted:
            f = sops_by_rel[encrypted[0]]
            loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else Loc(f.rel, 1, 1)
            yield Finding(
                loc,
                f"{len(encrypted)} SOPS-encrypted file(s) but no .sops.yaml in the repository",
                "commit a .sops.yaml with creation_rules so every contributor encrypts with the same recipients",
            )
    elif sops_by_rel:
        for rel in sorted(sops_by_rel):
            if config_for(index, rel) is None:
                f = sops_by_rel[rel]
                loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else Loc(rel, 1, 1)
                yield Finding(
                    loc,
                    "no .sops.yaml above this SOPS file: its creation rules do not apply here",
                    "move the file under the directory of a .sops.yaml, or add one above it",
                )
