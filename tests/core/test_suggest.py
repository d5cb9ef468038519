"""Did-you-mean: the shared helper, malformed suppression comments, unknown names in the configuration."""

from __future__ import annotations

import pytest

from obslint.cli import main
from obslint.suggest import closest, did_you_mean
from tests.conftest import check

DUP = "a: 1\na: 2\n"


@pytest.mark.parametrize(
    "word, candidates, expected",
    [
        ("disabel", ["disable", "disable-file"], " (did you mean disable?)"),
        ("AM03", ["AM003", "alert-dropped"], " (did you mean AM003?)"),
        ("am003", ["AM003"], " (did you mean AM003?)"),  # case alone is no typo, still the best guess
        ("unused-receivers", ["unused-receiver", "undefined-receiver"], " (did you mean unused-receiver?)"),
        ("ignore", ["disable", "disable-file"], ""),
        ("enable", ["disable", "disable-file"], ""),
        ("", ["disable"], ""),
        ("x", [], ""),
    ],
)
def test_did_you_mean(word, candidates, expected):
    assert did_you_mean(word, candidates) == expected


def test_did_you_mean_several_are_ordered_and_joined():
    assert closest("AM03", ["AM013", "AM003", "AM030"], n=3) == ["AM003", "AM013", "AM030"]
    assert did_you_mean("AM03", ["AM013", "AM003"], n=2) == " (did you mean AM003 or AM013?)"
    assert did_you_mean("AM03", ["AM013", "AM003", "AM030"], n=3) == " (did you mean AM003, AM013 or AM030?)"


@pytest.mark.parametrize(
    "comment, words, hint",
    [
        ("# obslint: disabel=CORE002", ["unknown suppression directive 'disabel'", "did you mean disable?"], None),
        ("# obslint: disable_file=CORE002", ["did you mean disable-file?"], "# obslint: disable-file=CORE002"),
        ("# obslint disable=CORE002", ["lacks the colon"], "# obslint: disable=CORE002"),
        ("# obslint: disable CORE002", ["lacks ="], "# obslint: disable=CORE002"),
        ("# obslint: disable=", ["names no rule"], "# obslint: disable=RULE"),
        ("# obslint: ignore=CORE002", ["unknown suppression directive 'ignore'"], "# obslint: disable=RULE[,RULE]"),
        ("# obslint: disable=duplicate-keys", ["unknown rule 'duplicate-keys'", "did you mean duplicate-key?"], None),
        ("# obslint: disable=CORE02", ["unknown rule 'CORE02'", "did you mean CORE002?"], None),
    ],
)
def test_malformed_suppression_is_reported_with_a_suggestion(repo, comment, words, hint):
    root = repo({"x.yaml": f"a: 1\na: 2  {comment}\n"})
    findings = check(root).findings
    assert [(f.rule, f.loc.line) for f in findings] == [("CORE002", 2), ("CORE003", 2)], findings
    unused = findings[1]
    for word in words:
        assert word in unused.message
    if hint is not None:
        assert hint in unused.hint


def test_malformed_suppression_in_river(repo):
    root = repo({"alloy/config.alloy": 'logging {\n  level = "info" // obslint: disabel=ALLOY006\n}\n'})
    findings = check(root).findings
    assert [(f.rule, f.loc.line) for f in findings] == [("CORE003", 2)]
    assert "did you mean disable?" in findings[0].message
    assert "// obslint: disable=ALLOY006" in findings[0].hint


@pytest.mark.parametrize(
    "comment",
    [
        "# obslint checks this file in CI",
        "# see https://example.invalid/obslint for the rules",
        "# obslinter: disable=x",
        "url: http://obslint:8080/metrics",
    ],
)
def test_comments_that_only_mention_obslint_are_no_suppressions(repo, comment):
    root = repo({"x.yaml": f"a: 1  {comment}\n" if not comment.startswith("url") else f"{comment}\n"})
    assert check(root).findings == []


def test_rule_list_with_spaces_after_commas(repo):
    root = repo({"x.yaml": "a: 1\na: 2  # obslint: disable=CORE001, CORE002 while migrating\n"})
    findings = check(root).findings
    # CORE002 is suppressed (it used to be read as the reason); CORE001 suppresses nothing there.
    assert [(f.rule, f.message) for f in findings] == [("CORE003", "suppression of CORE001 suppresses nothing here")]


def test_malformed_suppression_is_silent_when_core003_is_off(repo):
    root = repo({"x.yaml": "a: 1  # obslint: disabel=CORE002\n"})
    assert check(root, ignore=["CORE003"]).findings == []


@pytest.mark.parametrize(
    "config, words",
    [
        ("select: [AM03]\n", ["select: unknown rule 'AM03' (did you mean AM003?)"]),
        ("disable: [duplicate-keys, CORE01]\n", ["did you mean duplicate-key?", "'CORE01' (did you mean CORE001?)"]),
        ("severity: {alert-drop: info}\n", ["severity: unknown rule 'alert-drop' (did you mean alert-dropped?)"]),
        ("options: {alert-droped: {allow: [x]}}\n", ["options: unknown rule 'alert-droped'", "alert-dropped?"]),
        (
            "options: {alert-dropped: {alow: [x]}}\n",
            ["options for alert-dropped: alow: unknown key (did you mean allow?)"],
        ),
        ("disabel: [AM003]\n", ["disabel: unknown key (did you mean disable?)"]),
        ("failon: error\n", ["failon: unknown key (did you mean fail-on?)"]),
        ("select: [no-such-thing]\n", ["select: unknown rule 'no-such-thing'\n"]),
    ],
)
def test_unknown_names_in_the_configuration_suggest(repo, capsys, config, words):
    root = repo({".obslint.yaml": config, "dup.yaml": DUP})
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert ".obslint.yaml" in err
    for word in words:
        assert word in err
    assert err.count("\n") == 1  # one line, no traceback


def test_unknown_names_on_the_command_line_suggest(repo, capsys):
    root = repo({"dup.yaml": DUP})
    assert main(["check", str(root), "--ignore", "duplicat-key"]) == 2
    assert "--ignore: unknown rule 'duplicat-key' (did you mean duplicate-key?)" in capsys.readouterr().err
