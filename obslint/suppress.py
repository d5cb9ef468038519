"""Inline suppressions: `# obslint: disable=RULE[,RULE] reason` and `# obslint: disable-file=RULE`.

`disable` applies to its own line, or, on a comment-only line, to the next line that is not a
comment. `//` comments count too (River). Rules are named by id or name. A suppression that
suppresses nothing is itself reported (unused-suppression), so stale ones do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from obslint.findings import Finding
from obslint.load.source import SourceFile

DIRECTIVE = re.compile(
    r"(?:#|//)\s*obslint:\s*(?P<kind>disable-file|disable)\s*=\s*(?P<rules>[A-Za-z0-9_,\s-]+?)(?:\s|$)"
)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//)")


@dataclass
class Directive:
    path: str
    line: int  # where the directive is written
    col: int
    target: int | None  # line it covers; None for disable-file
    rules: list[str]
    used: set[str] = field(default_factory=set)


def directives_of(sf: SourceFile) -> list[Directive]:
    if "obslint:" not in sf.text:
        return []
    lines = sf.lines
    out: list[Directive] = []
    for i, line in enumerate(lines, start=1):
        if "obslint:" not in line:
            continue
        m = DIRECTIVE.search(line)
        if not m:
            continue
        rules = [r.strip() for r in re.split(r"[,\s]+", m["rules"]) if r.strip()]
        if m["kind"] == "disable-file":
            target = None
        elif _COMMENT_ONLY.match(line):
            target = i + 1
            while target <= len(lines) and (_COMMENT_ONLY.match(lines[target - 1]) or not lines[target - 1].strip()):
                target += 1
        else:
            target = i
        out.append(Directive(sf.rel, i, m.start() + 1, target, rules))
    return out


def apply(findings: list[Finding], directives: list[Directive], aliases: dict[str, str]) -> list[Finding]:
    """Drop suppressed findings; mark which directive rule entries were used.

    `aliases` maps every accepted spelling (id upper-case, name lower-case) to the rule id.
    """
    by_path: dict[str, list[Directive]] = {}
    for d in directives:
        by_path.setdefault(d.path, []).append(d)
    kept: list[Finding] = []
    for f in findings:
        suppressed = False
        for d in by_path.get(f.loc.path, ()):
            if d.target is not None and d.target != f.loc.line and d.line != f.loc.line:
                continue
            for r in d.rules:
                if aliases.get(r.upper(), aliases.get(r.lower())) == f.rule:
                    d.used.add(r)
                    suppressed = True
        if not suppressed:
            kept.append(f)
    return kept
