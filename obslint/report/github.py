"""`--format github`: GitHub Actions workflow annotations."""

from __future__ import annotations

from typing import TextIO

from obslint.discovery import repository_base
from obslint.findings import Finding, Severity
from obslint.printable import escape_controls
from obslint.report import redactor, related_shown
from obslint.result import RunResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    """Message text of a workflow command (actions/toolkit packages/core/src/command.ts,
    escapeData). Line breaks are encoded, which the runner decodes into the annotation itself;
    other controls, which the log viewer would act on (ESC starts a colour), are made visible."""
    text = escape_controls(text, keep_newlines=True)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    """A property value (file, title): escapeProperty of the same file, which also encodes the
    `:` and `,` that end a property."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _related(f: Finding, prefix: str) -> str:
    """`N related places: a.yaml:3, b.yaml:9 and K more` (an annotation shows one place only)."""
    if not f.related:
        return ""
    shown, more = related_shown(f)
    places = ", ".join(f"{prefix}{r.loc.path}:{r.loc.line}" for r in shown) + (f" and {more} more" if more else "")
    noun = "place" if len(f.related) == 1 else "places"
    return f"\n{len(f.related)} related {noun}: {places}"


def render_github(result: RunResult, out: TextIO) -> None:
    red = redactor(result)
    _, prefix = repository_base(result.root)  # GitHub places `file` relative to the repository's top
    for f in result.findings:
        message = red.redact(f.message) + (f" (hint: {red.redact(f.hint)})" if f.hint else "") + _related(f, prefix)
        out.write(
            f"::{_LEVEL[f.severity]} file={_prop(prefix + f.loc.path)},line={f.loc.line},col={f.loc.col},"
            f"title={_prop(f'{f.rule} {f.name}')}::{_data(message)}\n"
        )
