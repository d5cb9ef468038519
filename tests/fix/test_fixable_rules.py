"""Every fixable rule fixes its own failing example; no other rule attaches a fix."""

from __future__ import annotations

import pytest

from obslint.rules import example_files, load_rules
from tests.conftest import check, write_repo
from tests.fix.helpers import files_of, fix

RULES = load_rules().all()
FIXABLE = [r for r in RULES if r.fixable]


def test_some_rules_fix():
    assert len(FIXABLE) >= 8


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.id for r in FIXABLE])
def test_failing_example_is_fixed(rule, tmp_path):
    root = write_repo(tmp_path / "failing", example_files(rule.failing))
    done = fix(root)
    assert rule.id in {f.rule for f in done.before.findings}
    assert done.outcome.applied, f"{rule.id}: no fix applied; refused: {done.outcome.refused}"
    left = [f for f in done.after.findings if f.rule == rule.id]
    assert not left, f"{rule.id} still fires after --fix: {left}"


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.id for r in FIXABLE])
def test_passing_example_is_left_alone(rule, tmp_path):
    root = write_repo(tmp_path / "passing", example_files(rule.passing))
    before = files_of(root)
    done = fix(root, select=[rule.id])
    assert not done.outcome.changed
    assert files_of(root) == before


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.id for r in FIXABLE])
def test_explain_says_what_fix_does(rule):
    assert "obslint check --fix" in rule.fix, f"{rule.id}: the explain text does not say what --fix does"


NOT_FIXABLE = [r for r in RULES if not r.fixable]


@pytest.mark.parametrize("rule", NOT_FIXABLE, ids=[r.id for r in NOT_FIXABLE])
def test_other_rules_carry_no_fix(rule, tmp_path):
    result = check(write_repo(tmp_path / "failing", example_files(rule.failing)), select=[rule.id])
    assert not [f for f in result.findings if f.fix is not None]
