"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning, with every rule's metadata.

A finding's related places are its result's `relatedLocations` (each with an id and a message),
the clusters it arises in `properties.clusters`. Paths are relative to %SRCROOT%, the top of the
repository, which `originalUriBaseIds` names. `partialFingerprints` carries the fingerprint that
`--baseline` and `--diff` match findings by (obslint.fingerprint), so code scanning too keeps
tracking a finding whose lines moved."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TextIO

from obslint import __version__
from obslint.discovery import repository_base
from obslint.findings import Finding, Loc, Severity
from obslint.fingerprint import SARIF_KEY, Fingerprinter
from obslint.redact import Redactor
from obslint.report import redactor
from obslint.result import RunResult
from obslint.rules import Rule, load_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# The base of every artifact URI: the top of the repository (obslint.discovery.repository_base).
SRCROOT = "%SRCROOT%"


def rule_help(rule: Rule) -> str:
    return (
        f"{rule.summary}\n\nWhy: {rule.why}\nFailing example:\n{rule.failing}\n"
        f"Passing example:\n{rule.passing}\nFix: {rule.fix}"
    )


def _rule_descriptor(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why.strip()},
        "help": {
            "text": rule_help(rule),
            "markdown": (
                f"**{rule.summary}**\n\n{rule.why}\n**Failing**\n\n```yaml\n{rule.failing}```\n\n"
                f"**Passing**\n\n```yaml\n{rule.passing}```\n\n**Fix:** {rule.fix}"
            ),
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"family": rule.family, "tags": [rule.family.lower(), "obslint"]},
    }


def _physical(loc: Loc, prefix: str) -> dict:
    return {
        "artifactLocation": {"uri": prefix + loc.path, "uriBaseId": SRCROOT},
        "region": {"startLine": loc.line, "startColumn": loc.col},
    }


def _link_text(loc: Loc, prefix: str) -> str:
    # SARIF 2.1.0 §3.11.6: brackets inside the text of an embedded link are escaped.
    return re.sub(r"([\[\]\\])", r"\\\1", f"{prefix}{loc.path}:{loc.line}")


def _result(f: Finding, red: Redactor, rule_index: int | None, fingerprint: str, prefix: str) -> dict:
    message = red.redact(f.message) + (f"\nHint: {red.redact(f.hint)}" if f.hint else "")
    if f.related:
        # Code scanning shows related locations only as links embedded in the message, `[text](id)`.
        links = ", ".join(f"[{_link_text(r.loc, prefix)}]({i})" for i, r in enumerate(f.related, start=1))
        message += f"\nRelated: {links}"
    entry: dict = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": _physical(f.loc, prefix)}],
        "partialFingerprints": {SARIF_KEY: fingerprint},
    }
    if rule_index is not None:
        entry["ruleIndex"] = rule_index
    if f.related:
        entry["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(r.loc, prefix), "message": {"text": red.redact(r.message)}}
            for i, r in enumerate(f.related, start=1)
        ]
    if f.clusters:
        entry["properties"] = {"clusters": sorted(red.redact(c) for c in f.clusters)}
    return entry


def _directory_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def render_sarif(result: RunResult, out: TextIO) -> None:
    red = redactor(result)
    rules = load_rules().all()  # every rule's metadata, also for a result read from the cache
    index = {r.id: i for i, r in enumerate(rules)}
    fingerprint = Fingerprinter.of(result)
    base, prefix = repository_base(result.root)
    results = [_result(f, red, index.get(f.rule), fingerprint(f), prefix) for f in result.findings]
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "obslint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://pypi.org/project/obslint/",
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                # SARIF 2.1.0 §3.14.14: where %SRCROOT% is on this machine (an absolute URI ending in /).
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(base)}},
                "results": results,
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": [
                            {"message": {"text": red.redact(n)}, "level": "note"} for n in result.notices
                        ],
                    }
                ],
            }
        ],
    }
    json.dump(doc, out, indent=2)
    out.write("\n")
