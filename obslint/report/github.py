"""`--format github`: GitHub Actions workflow annotations."""

from __future__ import annotations

from typing import TextIO

from obslint.findings import Severity
from obslint.report import redactor
from obslint.runner import RunResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: RunResult, out: TextIO) -> None:
    red = redactor(result)
    for f in result.findings:
        message = red.redact(f.message) + (f" (hint: {red.redact(f.hint)})" if f.hint else "")
        out.write(
            f"::{_LEVEL[f.severity]} file={_prop(f.loc.path)},line={f.loc.line},col={f.loc.col},"
            f"title={_prop(f'{f.rule} {f.name}')}::{_data(message)}\n"
        )
