from __future__ import annotations

import pytest

from obslint.cli import main
from tests.conftest import check, rule_ids

DUP = "a: 1\na: 2\n"


def test_inline_suppression_same_line_and_above(repo):
    root = repo(
        {
            "same.yaml": "a: 1\na: 2  # obslint: disable=duplicate-key migrating\n",
            "above.yaml": "a: 1\n# obslint: disable=CORE002 migrating\n# more words\na: 2\n",
            "file.yaml": "# obslint: disable-file=CORE002\na: 1\na: 2\nb: 1\nb: 2\n",
        }
    )
    assert check(root).findings == []


def test_unused_and_unknown_suppression(repo):
    root = repo({"x.yaml": "a: 1 # obslint: disable=CORE002\nb: 2 # obslint: disable=no-such-rule\n"})
    findings = check(root).findings
    assert [(f.rule, f.loc.line) for f in findings] == [("CORE003", 1), ("CORE003", 2)]
    assert "unknown rule" in findings[1].message


def test_config_file_disable_severity_exclude(repo):
    root = repo(
        {
            ".obslint.yaml": "disable: [CORE003]\nseverity: {duplicate-key: info}\nexclude: ['vendor/**']\n",
            "dup.yaml": DUP + "b: 1 # obslint: disable=CORE001\n",
            "vendor/bad.yaml": "a: [\n",
        }
    )
    result = check(root)
    assert [(f.rule, str(f.severity)) for f in result.findings] == [("CORE002", "info")]


def test_pyproject_config(repo):
    root = repo({"pyproject.toml": "[tool.obslint]\ndisable = ['duplicate-key']\n", "dup.yaml": DUP})
    assert check(root).findings == []


def test_a_broken_pyproject_without_our_table_does_not_stop_the_run(repo, capsys):
    """The checked repository is untrusted: its own broken pyproject.toml is not obslint's config."""
    root = repo({".git/HEAD": "ref: refs/heads/main\n", "pyproject.toml": "[project\nname = 'x'\n", "dup.yaml": DUP})
    assert main(["check", str(root)]) == 1
    assert "CORE002" in capsys.readouterr().out
    broken = repo({".git/HEAD": "x\n", "pyproject.toml": "[tool.obslint\ndisable = 1\n", "dup.yaml": DUP})
    assert main(["check", str(broken)]) == 2


@pytest.mark.parametrize(
    "content, words",
    [
        ("disabel: [CORE002]\n", "disabel"),
        ("fail-on: critical\n", "fail-on"),
        ("severity: {nope: error}\n", "unknown rule"),
        ("options: {duplicate-key: {x: 1}}\n", "takes no options"),
        ("- a\n", "mapping"),
    ],
)
def test_config_errors_are_clear(repo, capsys, content, words):
    root = repo({".obslint.yaml": content, "dup.yaml": DUP})
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert ".obslint.yaml" in err or "config" in err
    assert words in err
    assert "Traceback" not in err


def test_select_by_family_and_ignore(repo):
    root = repo({"dup.yaml": DUP, "bad.yaml": "a: [\n"})
    assert rule_ids(check(root, select=["CORE"]).findings) == ["CORE001", "CORE002"]
    assert rule_ids(check(root, ignore=["unparseable-file"]).findings) == ["CORE002"]


def _rules_with_options() -> list:
    from obslint.rules import load_rules

    return [r for r in load_rules().all() if r.options is not None]


@pytest.mark.parametrize("rule", _rules_with_options(), ids=lambda r: r.id)
def test_misspelt_rule_option_is_an_error(repo, capsys, rule):
    """Every options model rejects a key it does not know (a typo must not be ignored silently)."""
    root = repo({".obslint.yaml": f"options: {{{rule.name}: {{no_such_option_x: 1}}}}\n", "dup.yaml": DUP})
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "no_such_option_x" in err and rule.name in err


@pytest.mark.parametrize("rule", _rules_with_options(), ids=lambda r: r.id)
def test_rule_option_defaults_equal_validated_defaults(rule):
    """Without options the runner skips validation (model_construct): it must give the same values."""
    assert rule.options.model_construct().model_dump() == rule.options.model_validate({}).model_dump()
