from __future__ import annotations

import argparse

HELP = "explain a rule: why it matters, a failing and a passing example, how to fix"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("rule", metavar="RULE", help="rule id or name, e.g. FLUX002 or missing-depends-on")


def _indent(text: str) -> str:
    return "".join(f"    {line}" if line.strip() else line for line in text.splitlines(keepends=True))


def run(args: argparse.Namespace) -> int:
    from obslint.errors import UsageError
    from obslint.rules import load_rules

    registry = load_rules()
    rule = registry.lookup(args.rule)
    if rule is None:
        from obslint.suggest import did_you_mean

        hint = did_you_mean(args.rule, registry.spellings(families=False), n=3) or " (see `obslint rules`)"
        raise UsageError(f"unknown rule {args.rule!r}{hint}")
    options = ""
    if rule.options is not None:
        fields = [
            f"    {name}: {field.description or ''} (default: {field.get_default(call_default_factory=True)!r})"
            for name, field in rule.options.model_fields.items()
        ]
        options = "\nOptions (.obslint.yaml, under options: {" + rule.name + ": {...}}):\n" + "\n".join(fields) + "\n"
    print(
        f"{rule.id} {rule.name} ({rule.severity}, basis {rule.basis}, family {rule.family})\n\n{rule.summary}\n\n"
        f"Why it matters:\n{_indent(rule.why)}\n"
        f"Failing example:\n{_indent(rule.failing)}\n"
        f"Passing example:\n{_indent(rule.passing)}\n"
        f"How to fix:\n{_indent(rule.fix)}{options}"
    )
    return 0
