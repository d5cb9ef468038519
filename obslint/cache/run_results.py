"""Whole runs: an unchanged repository, checked the same way by the same obslint, is not linted again.

The key is the SHA-256 of every file of the checked tree (its path and bytes, as obslint.load.walk
lists them: git's listing inside a work tree, exclusions included), the configuration files'
bytes, the options that change the findings (paths, --config, --select, --ignore, the file-size
cap of the person running obslint), obslint's fingerprint and the identity of every external tool
a rule may run. The entry holds what the reporters need and nothing more: each finding's fields
with its texts already redacted, its fingerprint and message key (obslint.fingerprint: a baseline,
--diff and SARIF need the run's model to compute them), the excerpt of the line it points at
(masked as the text reporter masks it), the notices, the number of files and the rules that ran.
Rule plugins living outside the obslint package are checked again on a hit (their files' sizes and
modification times are part of the entry).

Runs with internal errors, runs in which a tool ran out of time (Index.incomplete), and runs given
an age key (--sops-age-key-file: what a key decrypts is not for the cache), are never stored. A
tree the run would refuse as too large (obslint.load.walk.MAX_FILES) is not hashed. The sizes and
modification times taken with the hashes are compared again after the run, and the result is
stored only if nothing changed while it ran. A cache directory inside the checked tree is left out
of the listing (it changes with every run).
"""

from __future__ import annotations

import os
import sys
from hashlib import file_digest
from typing import Any

from obslint.cache import store
from obslint.cache.fingerprint import obslint_fingerprint, tool_identity
from obslint.config_files import candidate_files
from obslint.findings import Finding, Loc, Related, Severity
from obslint.result import Excerpt, RunResult

KIND = "run"
_SETTINGS = "config"
# Every tool a rule may start (obslint.tools.find_tool names).
TOOLS = ("kubectl", "promtool", "amtool", "sops", "age-keygen")
# Environment that reaches the tools (obslint.tools._PASSED_THROUGH) or changes what a rule reports.
_ENV = ("LANG", "LC_ALL", "TZ", "OBSLINT_DEBUG")


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return file_digest(fh, "sha256").hexdigest()  # in chunks: a file of any size fits in memory
    except OSError as exc:
        return f"unreadable: {exc.errno}"


def _config_inputs(root: str, config_path: str | None) -> list:
    return [[p, _file_digest(p) if os.path.isfile(p) else None] for p in candidate_files(root, config_path)]


def _settings(root: str, config_path: str | None, inputs: list, runner_mb: float | None) -> dict | None:
    """exclude, max_file_size (with the cap of the person running obslint, `runner_mb`) and fail_on
    of the configuration, from the cache when its files are unchanged (so a hit does not build the
    configuration's validator); None if it is invalid."""
    key = store.key_of(_SETTINGS, obslint_fingerprint(), os.path.abspath(root), inputs, runner_mb)
    found = store.get(_SETTINGS, key)
    if (
        isinstance(found, dict)
        and isinstance(found.get("exclude"), list)
        and all(isinstance(p, str) for p in found["exclude"])
        and isinstance(found.get("max_file_size"), int)
        and isinstance(found.get("fail_on"), str)
    ):
        return found
    from obslint.config import ConfigError, load_config

    try:
        config = load_config(root, config_path)
    except ConfigError:
        return None  # the run reports it
    cap = config.file_size_cap(runner_mb)[0]
    settings = {"exclude": config.exclude, "max_file_size": cap, "fail_on": config.fail_on}
    store.put(_SETTINGS, key, settings)
    return settings


class _TooMany(Exception):
    """More files than a run reads (obslint.load.walk.read_tree refuses the tree)."""


def _tree(root: str, exclude: list[str]) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(absolute path, relative path, is a directory) of every entry the run lists, and its notices."""
    from obslint.load.walk import MAX_FILES, file_kind, listed

    notices: list[str] = []
    if os.path.isfile(root):
        return [(root, os.path.basename(root), False)], notices
    entries, read = [], 0
    for entry in listed(root, exclude, notices):
        entries.append(entry)
        read += not entry[2] and file_kind(entry[1]) != "other"
        if read > MAX_FILES or len(entries) > MAX_FILES * 10:
            raise _TooMany

    # A cache kept inside the checked tree changes with every run: its files are not inputs.
    real_root, cache = os.path.realpath(root), os.path.realpath(store.cache_dir())
    if cache.startswith(real_root + os.sep):
        inside = os.path.relpath(cache, real_root).replace(os.sep, "/")
        entries = [e for e in entries if e[1] != inside and not e[1].startswith(inside + "/")]
    return entries, notices


def _digests(entries: list[tuple[str, str, bool]], notices: list[str]) -> list:
    return [[rel, "dir" if is_dir else _file_digest(path)] for path, rel, is_dir in entries] + [notices]


def _stats(entries: list[tuple[str, str, bool]], config_files: list[str]) -> list:
    """Size and modification time of every entry and configuration file: what `still_valid`
    compares, cheaper than hashing everything again."""
    return [[rel, *_stat(path)[1:]] for path, rel, _is_dir in entries] + [_stat(p) for p in config_files]


def _tools() -> list:
    from obslint.tools import find_tool

    return [[name, tool_identity(find_tool(name))] for name in TOOLS]


def _search_path() -> list:
    """sys.path and the modification times of its directories: installing or removing a package
    (a rule plugin among them) changes them."""
    out = []
    for entry in sys.path:
        try:
            out.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            out.append([entry, None])
    return out


class RunKey:
    """The key of a run before it starts; `still_valid` tells whether its inputs are unchanged."""

    def __init__(
        self,
        paths: list[str],
        root: str,
        config_path: str | None,
        select: list[str] | None,
        ignore: list[str] | None,
        runner_mb: float | None = None,
    ) -> None:
        self.root, self.config_path, self.runner_mb = root, config_path, runner_mb
        self.options = [paths, os.path.abspath(root), config_path, select, ignore, runner_mb]
        self.settings: dict | None = None
        self.key: str | None = None
        self.stats: list = []

    def start(self) -> str | None:
        inputs = _config_inputs(self.root, self.config_path)
        self.settings = _settings(self.root, self.config_path, inputs, self.runner_mb)
        if self.settings is None:
            return None
        try:
            entries, notices = _tree(self.root, self.settings["exclude"])
        except _TooMany:
            self.settings = None
            return None
        self.stats = _stats(entries, candidate_files(self.root, self.config_path))
        tree = _digests(entries, notices)
        env = [[k, os.environ.get(k)] for k in _ENV]
        self.key = store.key_of(KIND, obslint_fingerprint(), self.options, inputs, _tools(), env, _search_path(), tree)
        return self.key

    @property
    def max_file_size(self) -> int:
        assert self.settings is not None
        return int(self.settings["max_file_size"])

    def still_valid(self) -> bool:
        """Nothing changed while the run read the tree (taken before the key's hashes, compared
        after the run: a file rewritten meanwhile has another modification time)."""
        if self.key is None or self.settings is None:
            return False
        try:
            entries, _notices = _tree(self.root, self.settings["exclude"])
        except _TooMany:
            return False
        return _stats(entries, candidate_files(self.root, self.config_path)) == self.stats


def lookup(key: str, root: str, max_file_size: int) -> RunResult | None:
    value = store.get(KIND, key)
    if value is None:
        return None
    try:
        if not _plugins_unchanged(value["plugins"]):
            return None
        findings = [_finding(f) for f in value["findings"]]
        fingerprints = {
            f: (str(d["fingerprint"]), str(d["message_key"])) for f, d in zip(findings, value["findings"], strict=True)
        }
        excerpts = {
            (e["path"], int(e["line"])): Excerpt(str(e["text"]), bool(e["exact"])) if e["text"] is not None else None
            for e in value["excerpts"]
        }
        return RunResult(
            root=root,
            findings=findings,
            notices=[str(n) for n in value["notices"]],
            errors=[],
            files=int(value["files"]),
            rule_ids=[str(r) for r in value["rules"]],
            fail_on=str(value["fail_on"]),
            max_file_size=max_file_size,
            excerpts=excerpts,
            fingerprints=fingerprints,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # an entry of another shape: run again


def save(key: str, result: RunResult) -> None:
    if result.errors or result.index is None or result.index.incomplete:
        return
    from obslint.fingerprint import Fingerprinter
    from obslint.report.text import excerpt_at

    red = result.index.redactor
    fp = Fingerprinter(result.index)
    excerpts = []
    for loc in dict.fromkeys((f.loc.path, f.loc.line) for f in result.findings):
        e = excerpt_at(result, *loc)
        excerpts.append({"path": loc[0], "line": loc[1], "text": e.text if e else None, "exact": bool(e and e.exact)})
    store.put(
        KIND,
        key,
        {
            "findings": [
                {**_finding_json(f, red.redact), "fingerprint": fp(f), "message_key": fp.message_key(f.message)}
                for f in result.findings
            ],
            "excerpts": excerpts,
            "notices": [red.redact(n) for n in result.notices],
            "files": result.files,
            "rules": result.rule_ids,
            "fail_on": result.fail_on,
            "plugins": _plugin_files(),
        },
    )


def _finding_json(f: Finding, redact: Any) -> dict:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": int(f.severity),
        "loc": [f.loc.path, f.loc.line, f.loc.col],
        "message": redact(f.message),
        "hint": redact(f.hint),
        "related": [[r.loc.path, r.loc.line, r.loc.col, redact(r.message)] for r in f.related],
        "clusters": sorted(redact(c) for c in f.clusters),
    }


def _loc(value: list) -> Loc:
    path, line, col = value
    return Loc(str(path), int(line), int(col))


def _finding(d: dict) -> Finding:
    return Finding(
        _loc(d["loc"]),
        str(d["message"]),
        str(d["hint"]),
        rule=str(d["rule"]),
        name=str(d["name"]),
        severity=Severity(int(d["severity"])),
        related=tuple(Related(_loc(r[:3]), str(r[3])) for r in d["related"]),
        clusters=frozenset(str(c) for c in d["clusters"]),
    )


def _plugin_files() -> list:
    """[file, size, mtime] of the modules of rules that live outside the obslint package."""
    import obslint
    from obslint.rules import REGISTRY

    package = os.path.dirname(os.path.abspath(obslint.__file__)) + os.sep
    files = set()
    for rule in REGISTRY.all():
        module = sys.modules.get(rule.check.__module__)
        path = getattr(module, "__file__", None)
        if path and not os.path.abspath(path).startswith(package):
            files.add(os.path.abspath(path))
    return [_stat(p) for p in sorted(files)]


def _stat(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None, None]
    return [path, st.st_size, st.st_mtime_ns]


def _plugins_unchanged(recorded: list) -> bool:
    return all(_stat(str(entry[0])) == list(entry) for entry in recorded)
