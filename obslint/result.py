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
    from obslint.config import Config
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
    max_file_size: int  # the file-size cap the run read files with (a --diff run of REF reads with it too)
    index: Index | None = field(default=None, repr=False)
    # the configuration of a run made here; None when read back from the cache (--diff loads it again)
    config: Config | None = field(default=None, repr=False)
    # (path, line) -> the line, for a result read back from the cache (None: no excerpt is shown)
    excerpts: dict[tuple[str, int], Excerpt | None] | None = field(default=None, repr=False)
    # finding -> (fingerprint, message key), for a result read back from the cache (obslint.fingerprint)
    fingerprints: dict[Finding, tuple[str, str]] | None = field(default=None, repr=False)

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on for f in self.findings)
