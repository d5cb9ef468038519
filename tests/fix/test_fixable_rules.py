"""Every fixable rule fixes its own failing example; no other rule attaches a fix."""

from __future__ import annotations

import pytest

from obslint.rules import example_files, load_rules
from tests.conftest import check, write_repo
from tests.fix.helpers import changed_lines, files_of, fix

HR = "monitoring/kube-prometheus-stack.yaml"

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


# What the fix of each rule changes in its failing example, checked with only that rule selected:
# (file, removed lines, added lines). Every other line of the file stays byte-identical.
CHANGES = {
    "AM007": (HR, ["              receiver: null"], ['              receiver: "null"']),
    "AM013": (HR, ["          group_by: [namespace]"], ["          group_by: [alertname, namespace]"]),
    "AM016": (
        HR,
        [
            "              match:",
            "                severity: critical",
            "              match_re:",
            "                team: db|storage",
        ],
        ["              matchers:", '                - severity="critical"', '                - team=~"db|storage"'],
    ),
    "FLUX002": ("clusters/home/infra.yaml", [], ["  dependsOn:", "    - name: monitoring-stack"]),
    "FLUX007": ("monitoring/kustomization.yaml", [], ["  - b.yaml"]),
    "GRAF001": ("monitoring/loki-datasource.yaml", [], ['    grafana_datasource: "1"']),
    "PROM002": ("monitoring/rules.yaml", [], ["    release: kube-prometheus-stack"]),
    "STOR001": (HR, [], ["        retentionSize: 17GiB"]),
    "STOR002": (HR, ["        retentionSize: 20GiB"], ["        retentionSize: 17GiB"]),
}


def test_every_fixable_rule_has_its_change_listed():
    assert set(CHANGES) == {r.id for r in FIXABLE}


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.id for r in FIXABLE])
def test_fix_changes_only_the_edited_lines(rule, tmp_path):
    root = write_repo(tmp_path / "failing", example_files(rule.failing))
    before = files_of(root)
    done = fix(root, select=[rule.id])
    rel, removed, added = CHANGES[rule.id]
    assert list(done.outcome.changed) == [rel]
    after = files_of(root)
    assert {k: v for k, v in after.items() if k != rel} == {k: v for k, v in before.items() if k != rel}
    assert changed_lines(before[rel].decode(), after[rel].decode()) == (removed, added)
    assert not [f for f in done.after.findings if f.rule == rule.id]


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.id for r in FIXABLE])
def test_preview_writes_nothing(rule, tmp_path):
    root = write_repo(tmp_path / "failing", example_files(rule.failing))
    before = files_of(root)
    done = fix(root, select=[rule.id], write=False)
    rel, removed, added = CHANGES[rule.id]
    assert files_of(root) == before
    diff = done.outcome.diff().splitlines()
    assert diff[:2] == [f"--- a/{rel}", f"+++ b/{rel}"]
    assert [line[1:] for line in diff[2:] if line.startswith("-")] == removed
    assert [line[1:] for line in diff[2:] if line.startswith("+")] == added
    assert rule.id in {f.rule for f in done.after.findings}


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
