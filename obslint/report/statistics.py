"""`check --statistics`: how many findings each rule has, instead of the findings, as
`ruff check --statistics` prints them (docs.astral.sh/ruff/settings, "--statistics: Show counts
for every rule with at least one violation"): the count, the rule id and its name, most
frequent first. `--format json` gives the same rows as a list of {rule, name, count}."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from obslint.printable import printable
from obslint.result import RunResult

FORMATS = ("text", "json")


def statistics(result: RunResult) -> list[dict]:
    counts = Counter((f.rule, f.name) for f in result.findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [{"rule": rule, "name": name, "count": n} for (rule, name), n in rows]


def render_statistics(result: RunResult, fmt: str, out: TextIO, quiet: bool = False) -> None:
    rows = statistics(result)
    if fmt == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    if fmt != "text":
        raise ValueError(f"--statistics has no {fmt} format")
    count_width = max((len(str(r["count"])) for r in rows), default=1)
    rule_width = max((len(r["rule"]) for r in rows), default=1)
    for r in rows:
        out.write(f"{r['count']:>{count_width}}\t{printable(r['rule']):<{rule_width}}\t{printable(r['name'])}\n")
    if not quiet:
        from obslint.report.text import summary_line

        out.write(summary_line(result) + "\n")
