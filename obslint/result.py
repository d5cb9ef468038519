"""What a run hands to the reporters: its findings, notices and errors, and where they come from.

A result either holds the run's index (the reporters read source lines and the redactor from it)
or, when it was read back from the run cache (obslint.cache.run_results), the already redacted
lines its findings point at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from obslint.findings import Finding, Severity

if TYPE_CHECKING:
    from obslint.index import Index


@dataclass
class Excerpt:
    """The source line a finding points at, secrets masked; `exact` when nothing was masked (only
    then does the text reporter put a caret under the column)."""

    text: str
    exact: bool


@dataclass
class RunResult:
    root: str
    findings: list[Finding]
    notices: list[str]
    errors: list[str]  # internal errors (a rule crashed): exit code 2
    files: int
    rule_ids: list[str]
    fail_on: str  # the configuration's fail-on
    index: Index | None = field(default=None, repr=False)
    # (path, line) -> the line, for a result read back from the cache (None: no excerpt is shown)
    excerpts: dict[tuple[str, int], Excerpt | None] | None = field(default=None, repr=False)

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on for f in self.findings)
