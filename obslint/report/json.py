"""`--format json`: one object, {"findings": [...], "summary": {...}}.

Each finding: rule, name, severity, path, line, column, message, hint; `related`, the other places
it involves ({path, line, column, message}), and `clusters`, the clusters it arises in (both
lists, empty when there are none)."""

from __future__ import annotations

import json
from typing import TextIO

from obslint.findings import Finding
from obslint.redact import Redactor
from obslint.report import redactor, summary
from obslint.result import RunResult


def finding_json(f: Finding, red: Redactor) -> dict:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": str(f.severity),
        "path": f.loc.path,
        "line": f.loc.line,
        "column": f.loc.col,
        "message": red.redact(f.message),
        "hint": red.redact(f.hint),
        "related": [
            {"path": r.loc.path, "line": r.loc.line, "column": r.loc.col, "message": red.redact(r.message)}
            for r in f.related
        ],
        "clusters": sorted(red.redact(c) for c in f.clusters),
    }


def findings_json(result: RunResult) -> list[dict]:
    red = redactor(result)
    return [finding_json(f, red) for f in result.findings]


def render_json(result: RunResult, out: TextIO) -> None:
    doc = {"findings": findings_json(result), "summary": summary(result)}
    if result.notices:
        doc["notices"] = [redactor(result).redact(n) for n in result.notices]
    json.dump(doc, out, indent=2)
    out.write("\n")
