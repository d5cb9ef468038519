"""File names and values from the checked repository cannot forge lines, workflow commands or
terminal escapes in the text and github formats; JSON and SARIF carry them escaped and intact."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from obslint.cli import main
from obslint.findings import Finding, Loc, Related, Severity
from obslint.report import render
from tests.conftest import check

FORGED_NEWLINE = "x\n::error file=x::forged\x1b[2J.yaml"
FORGED_PLAIN = "::error file=x::forged.yaml"  # no control character at all
FORGED_V1 = "a ##[error]forged.yaml"
HOSTILE = "evil \x1b[2J\x1b[31mred\r\x9b2Jover\x07\x7f\n::warning file=y::forged\n##[error]old"


def _lines(text: str) -> list[str]:
    return text.split("\n")  # not splitlines(): a terminal breaks lines at \n only


def _assert_no_forgery(out: str, fmt: str, findings: int) -> None:
    assert "\x1b" not in out and "\r" not in out and "\x9b" not in out and "\x07" not in out
    lines = [ln for ln in _lines(out) if ln]
    commands = [ln for ln in lines if ln.lstrip().startswith("::")]  # what a runner takes for a command
    if fmt == "github":
        # a line read as a `::` command is never read for the older `##[` form (TryParseV2 first)
        assert len(lines) == len(commands) == findings
        assert all(ln.split("::")[1].count(",line=") == 1 for ln in commands)  # each one of ours, whole
    else:
        assert commands == []
        assert not any("##[" in ln for ln in lines)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_file_names_cannot_forge_lines(repo, capsys, fmt):
    names = [FORGED_NEWLINE, FORGED_PLAIN, FORGED_V1]
    root = repo({name: "a: [\n" for name in names})
    assert main(["check", str(root), "--format", fmt]) == 1
    out = capsys.readouterr().out
    _assert_no_forgery(out, fmt, findings=len(names))
    if fmt == "text":
        assert "x\\n::error file=x::forged\\x1b[2J.yaml:2:1: error CORE001" in out
        assert "\\x3a:error file=x::forged.yaml:2:1:" in out


@pytest.fixture
def hostile(repo):
    """A real run with one finding whose every value holds controls and workflow commands."""
    run = check(repo({"ok.yaml": "a: 1\n"}), select=["CORE"])
    finding = Finding(
        Loc(FORGED_NEWLINE, 1, 1),
        f"message {HOSTILE}",
        f"hint {HOSTILE}",
        "CORE002",
        "duplicate-key",
        Severity.ERROR,
        related=(Related(Loc(FORGED_PLAIN, 2, 1), f"related {HOSTILE}"),),
        clusters=frozenset({f"one{HOSTILE}", "two\x1b]0;title\x07"}),
    )
    return replace(run, findings=[finding])


def _render(result, fmt: str) -> str:
    out = io.StringIO()
    render(result, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_values_cannot_forge_lines_or_drive_the_terminal(hostile, fmt):
    out = _render(hostile, fmt)
    _assert_no_forgery(out, fmt, findings=1)
    assert "\\x1b[2J" in out  # shown, not acted on


def test_text_lines_of_a_message_stay_inside_their_finding(hostile):
    lines = _lines(_render(hostile, "text"))
    starts = [ln for ln in lines if ln and not ln.startswith(" ")]
    # only the finding and the summary start at the margin
    assert len(starts) == 2 and starts[0].startswith("x\\n::error") and "1 finding" in starts[1]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_escape_controls_and_keep_values(hostile, fmt):
    out = _render(hostile, fmt)
    assert "\x1b" not in out and "\r" not in out and "\x9b" not in out
    doc = json.loads(out)
    if fmt == "json":
        assert doc["findings"][0]["path"] == FORGED_NEWLINE
    else:
        location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == FORGED_NEWLINE


def test_stderr_notes_are_printable(repo, capsys, monkeypatch):
    import obslint.runner

    real = obslint.runner.run_check

    def with_notice(*args, **kwargs):
        result = real(*args, **kwargs)
        return replace(result, notices=[f"skipped {FORGED_NEWLINE}"])

    monkeypatch.setattr(obslint.runner, "run_check", with_notice)
    main(["check", str(repo({"ok.yaml": "a: 1\n"})), "--format", "github"])
    err = capsys.readouterr().err
    assert "\x1b" not in err and not any(ln.lstrip().startswith("::") for ln in _lines(err))
