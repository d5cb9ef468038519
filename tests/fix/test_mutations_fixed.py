"""`check --fix` on each reference-stack mutation of a fixable rule: the rule no longer fires."""

from __future__ import annotations

import importlib
import pkgutil
import shutil

import pytest

import tests.mutations as mutations_pkg
from obslint.rules import load_rules
from tests.conftest import REFERENCE_STACK
from tests.fix.helpers import fix
from tests.mutations import MUTATIONS, StackCopy

for _info in pkgutil.iter_modules(mutations_pkg.__path__):
    importlib.import_module(f"tests.mutations.{_info.name}")

FIXABLE = {r.id for r in load_rules().all() if r.fixable}
CASES = sorted((m.name, rule) for m in MUTATIONS.values() for rule in m.expect if rule in FIXABLE)


def test_every_fixable_rule_has_a_mutation_case():
    assert {rule for _name, rule in CASES} == FIXABLE


@pytest.mark.parametrize(("name", "rule"), CASES, ids=[f"{r}-{n}" for n, r in CASES])
def test_fix_resolves_mutation(name, rule, tmp_path):
    root = tmp_path / "stack"
    shutil.copytree(REFERENCE_STACK, root, symlinks=True)
    MUTATIONS[name].edit(StackCopy(root))
    done = fix(root)
    assert rule in {f.rule for f in done.before.findings}
    assert not done.outcome.refused, done.outcome.refused
    left = [f"{f.loc}: {f.rule} {f.message}" for f in done.after.findings if f.rule == rule]
    assert not left, left
    # the fix brings back a stack no rule complains about
    assert not done.after.findings, [f"{f.loc}: {f.rule} {f.message}" for f in done.after.findings]
