"""Every finding reads well: a short first line, no double spaces, no Python reprs, no parentheses
nested inside parentheses. Details belong in the hint and the related places.

Checked on what rules really say: each registered rule's failing example here, and a sample of the real
repositories of the corpus in tests/corpus/test_messages_sample.py.
"""

from __future__ import annotations

import re

import pytest

from obslint.findings import Finding
from obslint.rules import example_files, load_rules
from tests.conftest import check, write_repo

MAX_FIRST_LINE = 200
# None/True/False as Python prints them; `ready="False"` (a quoted label value) and "None of" are fine.
_REPR_WORD = re.compile(r"(?<![\w\"'])(?:None|True|False)(?![\w\"'])(?! of\b)")
_REPR_TEXT = ("{'", "['", "<complex key", "frozenset(", "dict_keys(", "<obslint.")
# Quoted and backticked text is the user's own (a regex, a PromQL expression): its parentheses are
# not the sentence's. A quote directly after a letter is an apostrophe and opens nothing.
_QUOTED = re.compile(r"`[^`]*`|(?<![\w'])'[^'\n]*'(?![\w'])|\"[^\"\n]*\"")


def paren_depth(text: str) -> int:
    depth = deepest = 0
    for ch in _QUOTED.sub("_", text):
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    return deepest


def style_problems(text: str) -> list[str]:
    """What is wrong with the style of one message, hint or related-place message."""
    if not text:
        return []
    problems = []
    first = text.splitlines()[0]
    if len(first) > MAX_FIRST_LINE:
        problems.append(f"first line has {len(first)} characters (at most {MAX_FIRST_LINE})")
    if any("  " in line.strip() for line in text.splitlines()):
        problems.append("double space")
    if _REPR_WORD.search(text) or any(t in text for t in _REPR_TEXT):
        problems.append("Python repr")
    if paren_depth(text) > 1:
        problems.append("parentheses nested inside parentheses")
    return problems


def finding_problems(findings: list[Finding]) -> list[str]:
    out = []
    for f in findings:
        texts = [("message", f.message), ("hint", f.hint), *(("related", r.message) for r in f.related)]
        for part, text in texts:
            for problem in style_problems(text):
                out.append(f"{f.rule} {part}: {problem}: {text[:300]!r}")
    return sorted(set(out))


@pytest.mark.parametrize(
    "text, problem",
    [
        ("x" * 201, "first line"),
        ("a  b", "double space"),
        ("namespace None has no Service", "Python repr"),
        ("value True is not a string", "Python repr"),
        ("not of type ['string', 'null']", "Python repr"),
        ("Job {'<complex key at line 5>': None}", "Python repr"),
        ("route (of config (in values)) is dead", "nested"),
        ("needs kind X (and 4 more object(s) of it)", "nested"),
    ],
)
def test_style_problems_are_found(text, problem):
    assert any(problem in p for p in style_problems(text))


@pytest.mark.parametrize(
    "text",
    [
        "x" * 200 + "\nsecond line may be longer " + "y" * 300,
        "hint:\n  dependsOn:\n    - name: loki",  # indentation of a YAML snippet
        'use gotk_resource_info{ready="False"}',
        "None of the routes matches",
        "encrypt it with sops (encrypted_regex `^(data|stringData)$`)",
        "creation rule #3 (path_regex 'k8s/.+\\.secret(\\.sops)?\\.env') matches nothing",
        "the alert's route (default-route) isn't reached (see below)",
    ],
)
def test_good_style_passes(text):
    assert style_problems(text) == []


RULES = load_rules().all()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_messages_of_failing_examples(rule, tmp_path):
    result = check(write_repo(tmp_path, example_files(rule.failing)))
    assert result.findings
    assert finding_problems(result.findings) == []
