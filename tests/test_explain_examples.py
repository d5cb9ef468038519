"""Every rule's explain examples are executed: the failing one fires the rule, the passing one does not."""

from __future__ import annotations

import pytest

from obslint.rules import example_files, load_rules
from tests.conftest import check, write_repo

RULES = load_rules().all()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_failing_example_fires(rule, tmp_path):
    root = write_repo(tmp_path / "failing", example_files(rule.failing))
    result = check(root)
    assert not result.errors, result.errors
    assert rule.id in {f.rule for f in result.findings}, f"{rule.id} did not fire on its failing example"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_passing_example_is_clean(rule, tmp_path):
    root = write_repo(tmp_path / "passing", example_files(rule.passing))
    result = check(root)
    assert not result.errors, result.errors
    fired = [f for f in result.findings if f.rule == rule.id]
    assert not fired, f"{rule.id} fired on its passing example: {fired}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_explain_text_is_complete(rule):
    for part in ("summary", "why", "failing", "passing", "fix"):
        assert getattr(rule, part).strip(), f"{rule.id} has no {part}"
    assert rule.failing != rule.passing
