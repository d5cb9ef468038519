"""Human output: `path:line:col: RULE name message`, the hint, a source excerpt, the clusters
the finding arises in (when more than one), its related places (the first few, then a count),
and a summary."""

from __future__ import annotations

import os
import re
from typing import TextIO

from obslint.findings import Severity
from obslint.index import Index, memoised
from obslint.printable import printable
from obslint.report import redactor, related_shown, summary
from obslint.result import Excerpt, RunResult

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render_text(result: RunResult, out: TextIO, color: bool, quiet: bool = False) -> None:
    red = redactor(result)

    def c(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    def safe(text: str) -> str:
        """A value that may hold a secret: redacted first (the redactor knows values as written)."""
        return printable(red.redact(text))

    for f in result.findings:
        sev = c(_COLORS[f.severity], str(f.severity))
        where, rule, name = printable(str(f.loc)), printable(f.rule), printable(f.name)
        out.write(f"{c(_BOLD, where)}: {sev} {c(_BOLD, rule)} {name} {_indented(red.redact(f.message))}\n")
        if f.hint:
            out.write(f"  {c(_DIM, 'hint:')} {_indented(red.redact(f.hint))}\n")
        excerpt = excerpt_at(result, f.loc.path, f.loc.line)
        if excerpt is not None:
            shown = excerpt.text if len(excerpt.text) <= EXCERPT_MAX else excerpt.text[:EXCERPT_MAX] + "…"
            out.write(f"  {c(_DIM, f'{f.loc.line:>4} |')} {printable(shown)}\n")
            if excerpt.exact and 0 < f.loc.col <= len(shown) + 1:
                # under the character the column names, however wide the escapes before it are
                pad = len(printable(shown[: f.loc.col - 1]))
                out.write(f"  {c(_DIM, '     |')} {' ' * pad}{c(_COLORS[f.severity], '^')}\n")
        if len(f.clusters) > 1:
            out.write(f"  {c(_DIM, 'clusters:')} {', '.join(sorted(safe(n) for n in f.clusters))}\n")
        related, more = related_shown(f)
        for r in related:
            out.write(f"  {c(_DIM, 'related:')} {printable(str(r.loc))}: {safe(r.message)}\n")
        if more:
            out.write(f"  {c(_DIM, 'related:')} and {more} more\n")
    if not quiet:
        out.write(summary_line(result) + "\n")


def summary_line(result: RunResult) -> str:
    """`3 findings (1 error, 2 warnings) in 40 files, 120 rules`."""
    s = summary(result)
    parts = [f"{n} {k}{'s' if n != 1 and k != 'info' else ''}" for k, n in s["by_severity"].items() if n]
    detail = f" ({', '.join(parts)})" if parts else ""
    noun = "finding" if s["findings"] == 1 else "findings"
    return f"{s['findings']} {noun}{detail} in {s['files']} files, {s['rules_run']} rules"


def _indented(text: str) -> str:
    """A message or hint made printable, the lines after the first indented under the finding they
    belong to. Rules break a hint into lines on purpose (one fix per line); an indented line cannot
    pass for a finding or the summary, which start at the margin, and `printable` keeps it from
    opening a workflow command."""
    return printable(text, keep_newlines=True).replace("\n", "\n        ")


EXCERPT_MAX = 300
# Files that hold a Secret show no source lines: where the file (or a config inside a value) does
# not parse, its values were never registered with the redactor, and any line may be one.
_HOLDS_SECRET = re.compile(r"^kind:\s*[\"']?Secret[\"']?\s*(?:#.*)?$", re.MULTILINE)


@memoised
def _holds_secret(index: Index) -> dict[str, bool]:
    """Whether each file holds a Secret, filled as findings ask (one scan per file, not per finding)."""
    return {}


def excerpt_at(result: RunResult, rel: str, line: int) -> Excerpt | None:
    """The line a finding points at, masked whole (a secret cut first would no longer match its
    value); from the index, or from what the run cache kept."""
    if result.excerpts is not None:
        return result.excerpts.get((rel, line))
    if result.index is None:
        return None
    sf = result.index.file(rel)
    if sf is None or not sf.text:
        return None
    holds = _holds_secret(result.index)
    if rel not in holds:
        holds[rel] = _HOLDS_SECRET.search(sf.text) is not None
    if holds[rel]:
        return None
    text = sf.line_text(line)
    if text is None:
        return None
    masked = result.index.redactor.mask_line(text.rstrip())
    return Excerpt(masked, masked == text.rstrip())


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()
