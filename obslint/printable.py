"""Text from the checked repository made safe to print in the line-oriented formats (text, github)
and in the messages on stderr.

File names, messages and the values they quote come from the checked repository, which is
untrusted. An ESC (`\\x1b[2J`) would clear or recolour the terminal or CI log that shows the
report, a carriage return would overwrite what stands before it, and a newline in a file name
would start a line that reads like a finding of its own. Every C0 control, DEL and every C1
control (U+0080-U+009F, which terminals also act on: U+009B is a one-character CSI) is written
as a Python-style escape instead.

A GitHub Actions runner also reads the plain output of a step for workflow commands: a line that
starts with `::` once leading blanks are trimmed (`::error file=x::text`), or that holds `##[`
anywhere (`##[error]text`, the older form) - actions/runner src/Runner.Common/ActionCommand.cs,
TryParseV2 (`message.TrimStart()`, `StartsWith("::")`) and TryParse (`IndexOf("##[")`). A
file may be named `::error file=x::forged.yaml` without any control character, so `printable`
also breaks those two openings.

JSON and SARIF need none of this: their serialiser escapes controls inside strings (RFC 8259 §7).
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_COMMAND_AT_START = re.compile(r"^(\s*):(?=:)")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character escaped (`\\x1b`, `\\n`, ...); with `keep_newlines`,
    line feeds stay for the caller to lay out or encode."""
    if keep_newlines:
        return "\n".join(_CONTROLS.sub(_escape, line) for line in text.split("\n"))
    return _CONTROLS.sub(_escape, text)


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`escape_controls`, and no line of the result opens a workflow command: a leading `::`
    becomes `\\x3a:` and `##[` becomes `#\\x23[`."""
    lines = escape_controls(text, keep_newlines=keep_newlines).split("\n")
    return "\n".join(_COMMAND_AT_START.sub(r"\1\\x3a", line).replace("##[", "#\\x23[") for line in lines)
