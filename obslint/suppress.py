"""Inline suppressions: `# obslint: disable=RULE[,RULE] reason` and `# obslint: disable-file=RULE`.

`disable` applies to its own line, or, on a comment-only line, to the next line that is not a
comment. `//` comments count too (River). Rules are named by id or name. A suppression that
suppresses nothing is itself reported (unused-suppression), so stale ones do not pile up; so is a
comment that was meant as one but does not parse (`# obslint disable=X`, `# obslint: disabel=X`),
since it never suppressed anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from obslint.findings import Finding, Loc
from obslint.load.source import SourceFile
from obslint.suggest import closest, did_you_mean

KINDS = ("disable", "disable-file")
SYNTAX = "# obslint: disable=RULE[,RULE] reason"
_RULE_LIST = r"[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*"
DIRECTIVE = re.compile(rf"(?:#|//)\s*obslint:\s*(?P<kind>disable-file|disable)\s*=\s*(?P<rules>{_RULE_LIST})")
# A comment that starts with the word obslint (not `obslint.dev`, not `obslinter`, not a URL's
# `//`): what follows is read as an attempted directive when it has a colon, an `=`, or a directive
# name as its first word.
_ATTEMPT = re.compile(
    r"(?P<marker>#|(?<!:)//)\s*obslint(?![\w.-])(?P<colon>\s*:)?\s*(?P<kind>[A-Za-z_-]*)\s*(?P<eq>=)?\s*"
    r"(?P<rules>[^\s#]*)"
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


@dataclass(frozen=True)
class Malformed:
    """A comment meant as a suppression that does not parse, so it suppresses nothing."""

    loc: Loc
    problem: str
    hint: str


def scan(sf: SourceFile) -> tuple[list[Directive], list[Malformed]]:
    """The suppressions written in a file, and the comments that try to be one and fail."""
    if "obslint" not in sf.text:
        return [], []
    lines = sf.lines
    out: list[Directive] = []
    malformed: list[Malformed] = []
    for i, line in enumerate(lines, start=1):
        if "obslint" not in line:
            continue
        m = DIRECTIVE.search(line)
        if not m:
            attempt = _ATTEMPT.search(line)
            problem = _malformed(attempt) if attempt else None
            if attempt and problem:
                malformed.append(Malformed(Loc(sf.rel, i, attempt.start() + 1), *problem))
            continue
        rules = [r.strip() for r in m["rules"].split(",") if r.strip()]
        if m["kind"] == "disable-file":
            target = None
        elif _COMMENT_ONLY.match(line):
            target = i + 1
            while target <= len(lines) and (_COMMENT_ONLY.match(lines[target - 1]) or not lines[target - 1].strip()):
                target += 1
        else:
            target = i
        out.append(Directive(sf.rel, i, m.start() + 1, target, rules))
    return out, malformed


def _malformed(m: re.Match[str]) -> tuple[str, str] | None:
    """(problem, hint) for an attempted directive that DIRECTIVE did not accept; None for a comment
    that merely mentions obslint."""
    kind, rules = m["kind"], m["rules"]
    if not (m["colon"] or m["eq"] or kind.casefold() in KINDS):
        return None  # prose: "# obslint checks this file"
    guess = closest(kind, KINDS)
    fixed = f"{m['marker']} obslint: {guess[0] if guess else 'disable'}={rules or 'RULE'}"
    if not kind:
        return "suppression comment names no directive", f"write `{fixed}`"
    if kind not in KINDS:
        suggestion = did_you_mean(kind, KINDS)
        return f"unknown suppression directive {kind!r}{suggestion}", f"write `{fixed if guess else SYNTAX}`"
    if not m["colon"]:
        return "suppression comment lacks the colon after obslint, so it suppresses nothing", f"write `{fixed}`"
    if not m["eq"]:
        return f"suppression {kind} lacks = before the rule names, so it suppresses nothing", f"write `{fixed}`"
    return f"suppression {kind} names no rule", f"write `{fixed}`"


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
                if _rule_id(r, aliases) == f.rule:
                    d.used.add(r)
                    suppressed = True
        if not suppressed:
            kept.append(f)
    return kept


def unused(
    directives: Iterable[Directive], malformed: Iterable[Malformed], aliases: dict[str, str], selected: set[str]
) -> Iterator[Finding]:
    """unused-suppression findings (unstamped), once `apply` has marked what was used: malformed
    comments, unknown rule names, and names of selected rules that suppressed nothing."""
    for bad in malformed:
        yield Finding(bad.loc, bad.problem, bad.hint)
    for d in directives:
        for r in d.rules:
            rid = _rule_id(r, aliases)
            if rid is None:
                message = f"suppression names unknown rule {r!r}{did_you_mean(r, aliases)}"
                yield Finding(Loc(d.path, d.line, d.col), message, "fix the rule id or name, or remove it")
            elif r not in d.used and rid in selected:
                hint = "remove it, or move it to the line of the finding it is meant for"
                yield Finding(Loc(d.path, d.line, d.col), f"suppression of {r} suppresses nothing here", hint)


def _rule_id(spelling: str, aliases: dict[str, str]) -> str | None:
    return aliases.get(spelling.upper(), aliases.get(spelling.lower()))
