"""SEC007 sops-rule-shadowed: a `.sops.yaml` creation rule that sops never uses, because an
earlier rule takes every file it would match.

sops walks `creation_rules` in order and stops at the first rule without `path_regex` or whose
path_regex matches (getsops/sops config/config.go, parseCreationRuleForFile), so a rule after a
catch-all is dead for certain. Otherwise the evidence is the tree: every file the rule matches
is taken by an earlier rule. A later, broader rule is a deliberate fallback (`kubernetes/...`
first, then `.*\\.sops\\.yaml$` for everything else); it is told apart by probing paths derived
from its own files (leading directories dropped, one directory renamed, another sops format or
marker): when a probe matches it but no earlier rule, it has a purpose and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, Related
from obslint.model.sops import CreationRule, RuleCoverage, SopsConfig, rule_coverage, sops_configs
from obslint.rules import Basis, RuleContext, Scope, rule
from obslint.rules.secrets.examples import ENC_VALUE, RECIPIENT, sops_metadata

PROBE_DIR = "obslint-probe"
SOPS_EXTENSIONS = ("yaml", "yml", "json", "env", "ini")
SOPS_MARKERS = ("sops", "enc")


def probe_paths(rel: str) -> set[str]:
    """Paths like `rel` (relative to the .sops.yaml directory) that a broader rule would also
    match: each suffix of its directories, each directory renamed, another extension or marker."""
    parts = rel.split("/")
    dirs, name = parts[:-1], parts[-1]
    probes = {"/".join(parts[i:]) for i in range(1, len(parts))}
    probes |= {"/".join([*dirs[:i], PROBE_DIR, *dirs[i + 1 :], name]) for i in range(len(dirs))}
    stem, dot, _ = name.rpartition(".")
    if dot:
        probes |= {"/".join([*dirs, f"{stem}.{ext}"]) for ext in SOPS_EXTENSIONS}
    for marker in SOPS_MARKERS:
        for other in SOPS_MARKERS:
            if marker != other and f".{marker}." in name:
                swapped = name.replace(f".{marker}.", f".{other}.")
                probes.add("/".join([*dirs, swapped]))
    probes.discard(rel)
    return probes


def _has_own_purpose(r: CreationRule, earlier: list[CreationRule], files: list[str], cfg: SopsConfig) -> bool:
    """Some probe derived from the rule's files matches it and no earlier rule (or cannot be
    evaluated: then it is given the benefit of the doubt)."""
    for rel in files:
        for probe in probe_paths(cfg.relative(rel) or rel):
            if r.matches(probe) is not True:
                continue
            if not any(e.matches(probe) is not False for e in earlier):
                return True
    return False


def _shadowing(cfg: SopsConfig, cov: RuleCoverage, r: CreationRule) -> tuple[list[CreationRule], str] | None:
    """The earlier rules that take everything `r` matches, and how; None when `r` is used."""
    earlier = cfg.rules[: r.position]
    if any(e.regex_problem is not None for e in earlier) or r.regex_problem is not None:
        return None
    catch_all = next((e for e in earlier if e.matches_everything), None)
    if catch_all is not None:
        if catch_all.path_regex:
            return [catch_all], f"rule {catch_all.number} (path_regex `{catch_all.path_regex}`) takes every file first"
        return [catch_all], f"rule {catch_all.number} has no path_regex and takes every file first"
    files = cov.matched.get(r.position, [])
    if not files:
        return None  # matches nothing at all: sops-rules-gap reports the stale rule
    takers: list[CreationRule] = []
    for rel in files:
        taker = cov.taken_by(rel)
        if taker is None or taker.position >= r.position:
            return None
        if taker not in takers:
            takers.append(taker)
    if _has_own_purpose(r, earlier, files, cfg):
        return None
    numbers = ", ".join(t.number for t in sorted(takers, key=lambda t: t.position))
    by = f"rules {numbers}" if len(takers) > 1 else f"rule {numbers}"
    what = f"the {len(files)} files it matches are" if len(files) > 1 else "the file it matches is"
    return takers, f"{what} taken first by {by}"


def _rules(*regexes: str) -> str:
    rules = "".join(f"  - path_regex: {regex}\n    age: {RECIPIENT}\n" for regex in regexes)
    return f"-- .sops.yaml --\ncreation_rules:\n{rules}"


_TALOS_SECRET = f"-- kubernetes/talos/talsecret.sops.yaml --\nsecret: {ENC_VALUE}\n{sops_metadata(None)}"


@rule(
    "SEC007",
    "sops-rule-shadowed",
    "warning",
    "A `.sops.yaml` creation rule is never used: an earlier rule takes every file it matches",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        sops uses the first creation rule whose `path_regex` matches the file (a rule without
        `path_regex` matches every file) and ignores the rest. A specific rule placed after a
        more general one is therefore never applied: files meant for its recipients or its
        `encrypted_regex` are encrypted with the earlier rule's settings, silently (a Talos
        secrets rule under a general `kubernetes/` rule, a rule after a catch-all). A later
        rule that is broader than the earlier ones (a fallback for files elsewhere) is used
        and not reported.
    """,
    failing=_rules(r"kubernetes/.*\.sops\.ya?ml$", r"kubernetes/talos/.*\.sops\.ya?ml$") + _TALOS_SECRET,
    passing=_rules(r"kubernetes/talos/.*\.sops\.ya?ml$", r"kubernetes/.*\.sops\.ya?ml$") + _TALOS_SECRET,
    fix="""
        Order creation rules from the most specific to the most general, with a rule without
        `path_regex` (or `.*`) only at the end; or delete the rule if the earlier one is what
        you want. Files already encrypted under the earlier rule keep its recipients until you
        run `sops updatekeys` on them.
    """,
)
def sops_rule_shadowed(ctx: RuleContext) -> Iterator[Finding]:
    coverage = rule_coverage(ctx.index)
    for cfg in sops_configs(ctx.index):
        cov = coverage[cfg]
        for r in cfg.rules[1:]:
            shadowing = _shadowing(cfg, cov, r)
            if shadowing is None:
                continue
            takers, why = shadowing
            yield Finding(
                r.loc(),
                f"{r.label} is never used: {why}",
                "sops uses the first creation rule that matches: move this rule above the one that takes its "
                "files, or delete it",
                related=tuple(Related(t.loc(), f"{t.label} comes first") for t in takers),
            )
