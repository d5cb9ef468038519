"""One run: load the tree, build the index, run the selected rules, apply suppressions."""

from __future__ import annotations

import contextlib
import gc
import os
import traceback
from collections.abc import Iterator
from dataclasses import replace

from pydantic import ValidationError

from obslint import goregex, suppress
from obslint.config import (
    Config,
    ConfigError,
    load_config,
    runner_file_size_mb,
    validation_problems,
)
from obslint.discovery import discover
from obslint.errors import UsageError
from obslint.exhausted import EXHAUSTION, exhaustion_loc, exhaustion_message
from obslint.findings import Finding, Severity
from obslint.fold import fold_unapplied
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.flux import flux_graph
from obslint.result import RunResult
from obslint.rules import REGISTRY, Registry, Rule, RuleContext, load_rules
from obslint.suggest import did_you_mean
from obslint.tools import PREFETCH

UNUSED_SUPPRESSION = "CORE003"
TOO_COMPLEX = "CORE006"
OVER_LIMIT_HINT = "a real configuration never comes near this limit: look for a mistake, or an attack in a pull request"


def select_rules(config: Config, select: list[str] | None, ignore: list[str] | None) -> list[Rule]:
    registry = load_rules()
    where = _where(config)
    chosen = {r.id for r in registry.all()}
    for keys, source in ((config.select, f"{where}: select"), (select, "--select")):
        if keys:
            chosen &= _resolve(registry, keys, source)
    for keys, source in ((config.disable, f"{where}: disable"), (ignore, "--ignore")):
        if keys:
            chosen -= _resolve(registry, keys, source)
    return [r for r in registry.all() if r.id in chosen]


def _where(config: Config) -> str:
    """How usage errors name the configuration: its file, or "configuration" when built in code."""
    return config.source or "configuration"


def _resolve(registry: Registry, keys: list[str], source: str) -> set[str]:
    """Rule ids for rule ids, names and family prefixes; a usage error naming every unknown key."""
    ids, unknown = registry.resolve(keys)
    if unknown:
        raise UsageError(f"{source}: {'; '.join(unknown_rule(registry, k) for k in unknown)}")
    return ids


def unknown_rule(registry: Registry, key: str, families: bool = True) -> str:
    """`unknown rule 'X'`, with the closest rule id, name (or family) when there is one."""
    return f"unknown rule {key!r}{did_you_mean(key, registry.spellings(families))}"


def _severities(config: Config) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for key, level in config.severity.items():
        found = REGISTRY.lookup(key)
        if not found:
            raise UsageError(f"{_where(config)}: severity: {unknown_rule(REGISTRY, key, False)}")
        out[found.id] = Severity.parse(level)
    return out


def _options(rule: Rule, config: Config) -> object:
    raw: dict = {}
    for key in (rule.id, rule.name):
        raw.update(config.options.get(key, {}) or {})
    if rule.options is None:
        if raw:
            raise UsageError(f"{_where(config)}: options: rule {rule.id} {rule.name} takes no options")
        return None
    if not raw:  # the defaults: no validation needed, so the model's validator is never built
        return rule.options.model_construct()
    try:
        return rule.options.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc, rule.options)
        raise UsageError(f"{_where(config)}: options for {rule.name}: {problems}") from None


def run_check(
    paths: list[str] | None = None,
    *,
    config: Config | None = None,
    config_path: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    sops_age_key_file: str | None = None,
    max_file_size_mb: float | None = None,
) -> RunResult:
    """`sops_age_key_file` switches on sops-file-broken's decrypt check; only the person or CI
    running obslint can give it (the checked repository is untrusted). `max_file_size_mb` is the
    file-size cap of the person running obslint (else OBSLINT_MAX_FILE_SIZE_MB): unlike the checked
    repository's configuration, it may exceed config.REPOSITORY_MAX_FILE_SIZE_MB."""
    scope = discover(paths or [])  # the whole repository is analysed; the PATHs narrow the report
    root = scope.root
    goregex.new_run()
    try:
        runner_mb = runner_file_size_mb(max_file_size_mb)
        if config is None:
            config = load_config(root, config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    rules = select_rules(config, select, ignore)
    severities = _severities(config)
    options = {r.id: _options(r, config) for r in rules}
    for key in config.options:
        if not REGISTRY.lookup(key):
            raise UsageError(f"{_where(config)}: options: {unknown_rule(REGISTRY, key, False)}")

    max_file_size, capped = config.file_size_cap(runner_mb)
    with _cyclic_gc_paused():
        tree = load_tree(root, config.exclude, max_file_size)
        if capped:
            tree.notices.append(capped)
        try:
            index = Index.build(tree, config)
        except EXHAUSTION as exc:  # the last resort: each step of the build contains its own
            return _unbuilt(root, tree.files, rules, config, severities, exc, max_file_size)
    index.notices.extend(scope.unlisted(tree.paths))
    index.sops_age_key_file = sops_age_key_file
    # Start the selected rules' external tool batches now, so they run while the other rules do.
    for rule in rules:
        for start in PREFETCH.get(rule.id, ()):
            # An error is not memoised: the rule calls it again and reports the error itself.
            with contextlib.suppress(Exception):
                start(index)
    findings: list[Finding] = []
    errors: list[str] = []
    # Rules that collect a background batch run last, so the batch overlaps with all the others
    # (the findings are sorted below, so the order rules run in does not show).
    for rule in sorted(rules, key=lambda r: r.id in PREFETCH):
        ctx = RuleContext(index, rule, options[rule.id], config)
        severity = severities.get(rule.id, rule.severity)
        try:
            for f in rule.check(ctx):
                findings.append(f.stamped(rule.id, rule.name, severity))
        except EXHAUSTION as exc:  # hostile input, not a rule bug: a finding where it happened
            index.over_limit(exhaustion_loc(exc), exhaustion_message(f"{rule.id} {rule.name}", exc))
        except Exception as exc:  # a rule bug must not hide the other rules' findings
            detail = traceback.format_exc() if os.environ.get("OBSLINT_DEBUG") else f"{type(exc).__name__}: {exc}"
            errors.append(f"internal error in rule {rule.id} {rule.name}: {index.redactor.redact(detail)}")

    findings.extend(_over_limit(index, rules, severities))
    findings = fold_unapplied(_suppress(findings, index, rules, severities), index)
    findings = sorted(merge_findings(_with_clusters(findings, index)), key=lambda f: f.sort_key)
    findings = [f for f in findings if scope.reports(f.loc.path)]
    rule_ids = [r.id for r in rules]
    return RunResult(
        root, findings, index.notices, errors, len(tree.files), rule_ids, config.fail_on, max_file_size, index, config
    )


def _unbuilt(
    root: str,
    files: list,
    rules: list[Rule],
    config: Config,
    severities: dict[str, Severity],
    exc: BaseException,
    max_file_size: int,
) -> RunResult:
    """The result of a run whose model could not be built (out of stack or memory): one CORE006
    finding, or an error when that rule is not selected."""
    message = exhaustion_message("building the model of the repository", exc) + ": no rule ran"
    rule_ids = [r.id for r in rules]
    rule = next((r for r in rules if r.id == TOO_COMPLEX), None)
    if rule is None:
        return RunResult(root, [], [], [message], len(files), rule_ids, config.fail_on, max_file_size, config=config)
    finding = Finding(exhaustion_loc(exc), message, OVER_LIMIT_HINT)
    return RunResult(
        root,
        [finding.stamped(rule.id, rule.name, severities.get(rule.id, rule.severity))],
        [],
        [],
        len(files),
        rule_ids,
        config.fail_on,
        max_file_size,
        config=config,
    )


def _over_limit(index: Index, rules: list[Rule], severities: dict[str, Severity]) -> list[Finding]:
    """CORE006 too-complex findings for what passed a limit on hostile input (see Index.limits);
    notices when that rule is not selected, so it is never silent."""
    rule = next((r for r in rules if r.id == TOO_COMPLEX), None)
    if rule is None:
        for loc, message in index.limits:
            index.notice(f"{loc}: {message}")
        return []
    severity = severities.get(rule.id, rule.severity)
    return [
        Finding(loc, message, OVER_LIMIT_HINT).stamped(rule.id, rule.name, severity) for loc, message in index.limits
    ]


def _with_clusters(findings: list[Finding], index: Index) -> list[Finding]:
    """Name the clusters of a finding whose rule did not: those that the file it points at
    reaches (through its objects, as a kustomization.yaml or a generator input). One mechanism
    for every rule, so a finding in a shared base or one cluster's overlay says where it arises."""
    if not any(not f.clusters for f in findings):
        return findings
    graph = flux_graph(index)
    if not graph.has_clusters:
        return findings
    out = []
    for f in findings:
        if not f.clusters:
            names = frozenset(str(c) for c in graph.file_clusters(f.loc.path) if c is not None)
            f = replace(f, clusters=names) if names else f
        out.append(f)
    return out


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, place, message, hint): a finding that arises the same way in several
    clusters (a shared base applied by each) is reported once, naming every cluster and keeping
    every related place."""
    merged: dict[Finding, Finding] = {}
    for f in findings:
        first = merged.get(f)
        if first is None:
            merged[f] = f
            continue
        related = first.related + tuple(r for r in f.related if r not in first.related)
        merged[f] = replace(first, related=related, clusters=first.clusters | f.clusters)
    return list(merged.values())


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading builds millions of long-lived objects and almost no garbage: the cyclic collector
    would only walk the growing trees again and again (~10% of the load time of a large
    repository). Reference counting still frees everything else."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _suppress(
    findings: list[Finding], index: Index, rules: list[Rule], severities: dict[str, Severity]
) -> list[Finding]:
    directives: list[suppress.Directive] = []
    malformed: list[suppress.Malformed] = []
    for sf in index.files:
        if sf.text:
            found, bad = suppress.scan(sf)
            directives.extend(found)
            malformed.extend(bad)
    if not directives and not malformed:
        return findings
    aliases: dict[str, str] = {}
    for r in REGISTRY.all():
        aliases[r.id.upper()] = r.id
        aliases[r.name.lower()] = r.id
    kept = suppress.apply(findings, directives, aliases)
    selected = {r.id for r in rules}
    if UNUSED_SUPPRESSION not in selected:
        return kept
    unused_rule = REGISTRY.lookup(UNUSED_SUPPRESSION)
    assert unused_rule is not None
    severity = severities.get(unused_rule.id, unused_rule.severity)
    for finding in suppress.unused(directives, malformed, aliases, selected):
        kept.append(finding.stamped(unused_rule.id, unused_rule.name, severity))
    return kept
