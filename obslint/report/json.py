"""`--format json`: one object, {"findings": [...], "summary": {...}}."""

from __future__ import annotations

import json
from typing import TextIO

from obslint.report import redactor, summary
from obslint.runner import RunResult


def findings_json(result: RunResult) -> list[dict]:
    red = redactor(result)
    return [
        {
            "rule": f.rule,
            "name": f.name,
            "severity": str(f.severity),
            "path": f.loc.path,
            "line": f.loc.line,
            "column": f.loc.col,
            "message": red.redact(f.message),
            "hint": red.redact(f.hint),
        }
        for f in result.findings
    ]


def render_json(result: RunResult, out: TextIO) -> None:
    doc = {"findings": findings_json(result), "summary": summary(result)}
    if result.notices:
        doc["notices"] = [redactor(result).redact(n) for n in result.notices]
    json.dump(doc, out, indent=2)
    out.write("\n")
