from __future__ import annotations

import argparse
import json

HELP = "list the rules"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from obslint.rules import load_rules

    rules = load_rules().all()
    if args.format == "json":
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "family": r.family,
                "severity": str(r.severity),
                "basis": str(r.basis),
                "summary": r.summary,
                "fixable": r.fixable,
            }
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(r.name) for r in rules), default=0)
    for r in rules:
        fix = "fix" if r.fixable else ""
        print(f"{r.id:<9} {r.name:<{width}}  {r.severity!s:<7}  {fix:<3}  {r.summary}")
    return 0
