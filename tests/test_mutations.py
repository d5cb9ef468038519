"""Golden and mutation tests over reference-stack/."""

from __future__ import annotations

import importlib
import pkgutil
import shutil

import pytest

import tests.mutations as mutations_pkg
from obslint.rules import load_rules
from tests.conftest import REFERENCE_STACK, check
from tests.core.test_severity_policy import policy_violations
from tests.mutations import MUTATIONS, StackCopy

for _info in pkgutil.iter_modules(mutations_pkg.__path__):
    importlib.import_module(f"tests.mutations.{_info.name}")


def test_reference_stack_is_clean():
    assert REFERENCE_STACK.is_dir(), "reference-stack/ is missing"
    result = check(REFERENCE_STACK)
    assert not result.errors, result.errors
    assert result.findings == [], "\n".join(f"{f.loc}: {f.rule} {f.name} {f.message}" for f in result.findings)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_fires_exactly(name, tmp_path):
    m = MUTATIONS[name]
    root = tmp_path / "stack"
    shutil.copytree(REFERENCE_STACK, root, symlinks=True)
    m.edit(StackCopy(root))
    result = check(root)
    assert not result.errors, result.errors
    fired = {f.rule for f in result.findings}
    detail = "\n".join(f"{f.loc}: {f.rule} {f.name} {f.message}" for f in result.findings)
    assert fired == set(m.expect), f"mutation {name}: expected {sorted(m.expect)}, got {sorted(fired)}\n{detail}"
    assert not policy_violations(result.findings)


def test_every_rule_has_a_mutation():
    covered = {rule_id for m in MUTATIONS.values() for rule_id in m.expect}
    missing = [f"{r.id} {r.name}" for r in load_rules().all() if r.id not in covered]
    assert not missing, f"rules without a reference-stack mutation: {missing}"
