"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning, with every rule's metadata."""

from __future__ import annotations

import json
from typing import TextIO

from obslint import __version__
from obslint.findings import Severity
from obslint.report import redactor
from obslint.rules import REGISTRY, Rule
from obslint.runner import RunResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


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


def render_sarif(result: RunResult, out: TextIO) -> None:
    red = redactor(result)
    rules = REGISTRY.all()
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in result.findings:
        message = red.redact(f.message) + (f"\nHint: {red.redact(f.hint)}" if f.hint else "")
        entry: dict = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity],
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.loc.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.loc.line, "startColumn": f.loc.col},
                    }
                }
            ],
        }
        if f.rule in index:
            entry["ruleIndex"] = index[f.rule]
        results.append(entry)
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
