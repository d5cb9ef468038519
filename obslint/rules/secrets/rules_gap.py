"""SEC002 sops-rules-gap: `.sops.yaml` creation rules that match no file, leave Secret values in
clear, have no recipients, or do not cover an encrypted file."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from obslint.findings import Finding, Loc, Related
from obslint.index import Index
from obslint.load.yamlfile import YMap
from obslint.model.sops import (
    CRYPT_KEYS,
    CreationRule,
    GoRegexError,
    RuleCoverage,
    SopsConfig,
    SopsFile,
    config_for,
    configs_above,
    file_is_sops,
    go_regex,
    meant_to_be_encrypted,
    read_other,
    rule_coverage,
    shorten,
    sops_block,
    sops_configs,
    sops_files,
)
from obslint.objects import walk_strings
from obslint.rules import Basis, RuleContext, Scope, rule
from obslint.rules.secrets.common import is_credential_key, is_literal_value
from obslint.rules.secrets.examples import ENC_VALUE, secret_manifest, sops_metadata
from obslint.rules.secrets.unencrypted import clear_values

# {file: (section, key) of every data/stringData value of the Secrets in it}
SecretValues = dict[str, set[tuple[str, str]]]


def secret_files(index: Index) -> SecretValues:
    """Every file holding a Secret manifest in clear or SOPS-encrypted, and every other
    SOPS-encrypted file; with the (section, key) of each data/stringData value of the
    SOPS-encrypted Secrets (what a creation rule's encryption settings apply to)."""
    out: SecretValues = {}
    for obj in index.of_kind("Secret"):
        if obj.group != "":
            continue
        values = {
            (section, str(key))
            for section in ("data", "stringData")
            if isinstance(obj.get(section), dict)
            for key in obj.get(section)
        }
        if not values:
            continue
        if sops_block(obj.data) is not None:
            out.setdefault(obj.file.rel, set()).update(values)
        elif clear_values(obj.data):
            out.setdefault(obj.file.rel, set())  # its clear values are unencrypted-secret's
    for f in sops_files(index):
        out.setdefault(f.rel, set())
    return out


def _left_clear(setting: str, value: str, path: tuple[str, str]) -> bool | None:
    """Whether sops leaves the value at `path` in clear under this setting (None: cannot tell).
    sops.go shouldBeEncrypted: a value is encrypted when any key on its path matches
    encrypted_regex / ends with encrypted_suffix, and left in clear when any key on its path
    matches unencrypted_regex / ends with unencrypted_suffix."""
    if setting.endswith("_regex"):
        try:
            pattern = go_regex(value)
        except GoRegexError:
            return None
        hit = any(pattern.search(part) for part in path)
    else:
        hit = any(part.endswith(value) for part in path)
    return not hit if setting.startswith("encrypted") else hit


def _crypt_problem(r: CreationRule, covered: SecretValues) -> str | None:
    """How this rule's encryption settings leave values of the SOPS-encrypted Secrets it covers
    in clear: every value of a Secret, or any value under a credential-like key (a key the
    regex leaves out on purpose, such as a user name, is not reported)."""
    set_keys = [k for k in CRYPT_KEYS if r.data.get(k) not in (None, "")]
    if len(set_keys) > 1:
        return f"sets {' and '.join(set_keys)}: sops refuses more than one of them in a rule"
    if not set_keys or set_keys[0] in ("encrypted_comment_regex", "unencrypted_comment_regex"):
        return None
    setting, value = set_keys[0], str(r.data.get(set_keys[0]))
    left: set[str] = set()
    for values in covered.values():
        clear = {(section, key) for section, key in values if _left_clear(setting, value, (section, key))}
        all_clear = bool(values) and clear == values
        left |= {f"{section}.{key}" for section, key in clear if all_clear or is_credential_key(key)}
    if not left:
        return None
    shown = ", ".join(sorted(left)[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
    return f"{setting} `{shorten(value)}` leaves {shown} of the Secrets it covers in clear"


def _rule_loc(r: CreationRule, key: str | None = None) -> Loc:
    if key and key in r.data:
        return r.data.loc(key)
    return r.loc()


_RULE = """
-- .sops.yaml --
creation_rules:
  - path_regex: clusters/.*\\.sops\\.ya?ml$
    encrypted_regex: {regex}
    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
"""
_ENCRYPTED_SECRET = secret_manifest(
    "clusters/home/secret.sops.yaml", "grafana-admin", {"password": ENC_VALUE}, sops_metadata()
)


@rule(
    "SEC002",
    "sops-rules-gap",
    "warning",
    "`.sops.yaml` creation rules miss the secret files, leave Secret data in clear, or have no recipients",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        `.sops.yaml` decides how new and re-keyed files are encrypted: the first creation rule
        whose `path_regex` (a Go regular expression searched in the path relative to the
        `.sops.yaml` directory) matches is used; sops ignores a file named `.sops.yml`. A rule
        whose regex matches no file at all is dead (usually a renamed directory); an encrypted
        file no rule covers cannot be re-keyed with `sops updatekeys` or edited into a new file
        of the same name; a file named for SOPS (`*.sops.yaml`) that a rule takes but that is
        not encrypted was committed in clear (the rule is right, the file is not); an
        `encrypted_regex` that matches neither `data`/`stringData` nor a Secret's credential
        keys leaves them in clear; and a rule without recipients makes sops fail.
    """,
    failing=_RULE.format(regex="^(spec)$") + _ENCRYPTED_SECRET,
    passing=_RULE.format(regex="^(data|stringData)$") + _ENCRYPTED_SECRET,
    fix="""
        Make each secret file's path match a rule (name them `*.sops.yaml` and use
        `path_regex: .*\\.sops\\.ya?ml$`), encrypt files a rule takes (`sops --encrypt
        --in-place`), use `encrypted_regex: ^(data|stringData)$` for Kubernetes Secrets, give
        every rule at least one recipient (`age: age1...`), and delete rules for directories
        that no longer exist.
    """,
)
def sops_rules_gap(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    configs: list[SopsConfig] = sops_configs(index)
    coverage = rule_coverage(index)
    files = secret_files(index)
    sops_by_rel: dict[str, SopsFile] = {}
    for f in sops_files(index):
        sops_by_rel.setdefault(f.rel, f)

    for cfg in configs:
        if not cfg.rules:
            data = cfg.file.documents[0].data if cfg.file.documents else None
            # a document that is not a mapping (rules written without `creation_rules:`) has no key
            loc = data.loc("creation_rules") if isinstance(data, YMap) else cfg.file.loc(1)
            if any(config_for(index, rel) is cfg for rel in sops_by_rel):
                yield Finding(loc, f"{cfg.file.rel} has no creation rules", "add creation_rules (path_regex, age)")
            continue
        yield from _rule_findings(index, cfg, coverage[cfg], files)
    yield from _unencrypted_matches(index, coverage, files)
    for rel, f in sorted(sops_by_rel.items()):
        above = configs_above(index, rel)
        # Covered, or undecidable (False), under any config sops may pick: nothing to say.
        if not above or any(coverage[c].chosen.get(rel) is not None for c in above):
            continue
        yield Finding(
            _sops_loc(f),
            f"no creation rule of {above[0].file.rel} matches this SOPS file (path `{above[0].relative(rel)}`)",
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
            yield Finding(
                _sops_loc(sops_by_rel[encrypted[0]]),
                f"{len(encrypted)} SOPS-encrypted file(s) but no .sops.yaml in the repository",
                "commit a .sops.yaml with creation_rules so every contributor encrypts with the same recipients",
            )
    elif sops_by_rel:
        for rel in sorted(sops_by_rel):
            if config_for(index, rel) is None:
                yield Finding(
                    _sops_loc(sops_by_rel[rel]),
                    "no .sops.yaml above this SOPS file: its creation rules do not apply here",
                    "move the file under the directory of a .sops.yaml, or add one above it",
                )


def _sops_loc(f: SopsFile) -> Loc:
    return f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else Loc(f.rel, 1, 1)


def _rule_findings(index: Index, cfg: SopsConfig, cov: RuleCoverage, files: SecretValues) -> Iterator[Finding]:
    """Per creation rule: invalid regex, no recipients, matching no file, clear Secret sections."""
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
        # A rule after one that matches everything is never used: sops-rule-shadowed says so.
        after_catch_all = any(e.matches_everything for e in cfg.rules[: r.position])
        if not cov.matched.get(r.position) and not r.matches_everything and not after_catch_all:
            yield Finding(
                _rule_loc(r, "path_regex"),
                f"{r.label} matches no file under {cfg.dir or 'the repository root'}",
                "fix the regex (it is searched in the path relative to the .sops.yaml directory) or delete "
                "the stale rule",
            )
        covered = {rel: values for rel, values in files.items() if values and cov.taken_by(rel) is r}
        problem = _crypt_problem(r, covered) if covered else None
        if problem:
            key = next((k for k in CRYPT_KEYS if r.data.get(k) not in (None, "")), None)
            yield Finding(_rule_loc(r, key), f"{r.label}: {problem}", "use encrypted_regex: ^(data|stringData)$")


def _holds_values(index: Index, rel: str) -> bool:
    """Whether the file holds any literal value (a stub or a file of `${VAR}` holds nothing)."""
    sf = index.file(rel)
    if sf is not None and sf.kind == "yaml":
        docs = [d.data for d in sf.documents if isinstance(d.data, (dict, list))]
        return any(is_literal_value(container[key]) for doc in docs for _, container, key in walk_strings(doc))
    lines = [line for line in (read_other(index, rel) or "").splitlines() if not line.lstrip().startswith("#")]
    return any(is_literal_value(line.partition("=")[2] or line) for line in lines)


def _unencrypted_matches(
    index: Index, coverage: dict[SopsConfig, RuleCoverage], files: SecretValues
) -> Iterator[Finding]:
    """Files named as SOPS files (`*.sops.yaml`, `*.enc.env`) that a creation rule takes but that
    are not encrypted. The rule is right; the file was committed before `sops --encrypt`."""
    manifests = {obj.file.rel for obj in index.of_kind("Secret") if obj.group == ""}
    for rel in sorted(index.tree.paths):
        if rel in files or rel in manifests or not meant_to_be_encrypted(rel):
            continue  # Secret manifests are unencrypted-secret's to judge
        taker = next((t for c in configs_above(index, rel) if (t := coverage[c].taken_by(rel))), None)
        if taker is None or file_is_sops(index, rel) is not False or not _holds_values(index, rel):
            continue  # no rule takes it, encrypted, or nothing in it to protect
        index.redactor.add(read_other(index, rel))  # what it holds is meant to be secret
        yield Finding(
            Loc(rel, 1, 1),
            f"this file matches {taker.label} of {taker.config.file.rel} but is not SOPS-encrypted",
            f"encrypt it in place: sops --encrypt --in-place {posixpath.basename(rel)} (the creation rule "
            "applies as it is), then rotate what it held",
            related=(Related(_rule_loc(taker, "path_regex"), f"{taker.label} takes this file"),),
        )
