"""Reporters: render a run's findings. Every string passes through the run's redactor."""

from __future__ import annotations

from typing import TextIO

from obslint.findings import Finding, Related
from obslint.result import RunResult

FORMATS = ("text", "json", "sarif", "github")
# Related places the line-oriented formats (text, github) show; JSON and SARIF carry them all.
RELATED_SHOWN = 5


def render(
    result: RunResult, fmt: str, out: TextIO, color: bool = False, *, quiet: bool = False, statistics: bool = False
) -> None:
    """`quiet`: no summary line in text output. `statistics`: a count per rule instead of the
    findings (text and json: obslint.report.statistics)."""
    if statistics:
        from obslint.report.statistics import render_statistics

        render_statistics(result, fmt, out, quiet)
    elif fmt == "text":
        from obslint.report.text import render_text

        render_text(result, out, color, quiet)
    elif fmt == "json":
        from obslint.report.json import render_json

        render_json(result, out)
    elif fmt == "sarif":
        from obslint.report.sarif import render_sarif

        render_sarif(result, out)
    elif fmt == "github":
        from obslint.report.github import render_github

        render_github(result, out)
    else:  # pragma: no cover - argparse restricts choices
        raise ValueError(fmt)


def redactor(result: RunResult):
    from obslint.redact import Redactor

    return result.index.redactor if result.index is not None else Redactor()


def related_shown(finding: Finding) -> tuple[tuple[Related, ...], int]:
    """The related places a line-oriented report lists, and how many more it only counts."""
    return finding.related[:RELATED_SHOWN], max(0, len(finding.related) - RELATED_SHOWN)


def summary(result: RunResult) -> dict:
    by_sev: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
    by_rule: dict[str, int] = {}
    for f in result.findings:
        by_sev[str(f.severity)] += 1
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    return {
        "files": result.files,
        "findings": len(result.findings),
        "by_severity": by_sev,
        "by_rule": dict(sorted(by_rule.items())),
        "rules_run": len(result.rule_ids),
    }
