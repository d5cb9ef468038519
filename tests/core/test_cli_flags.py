"""The flags people expect from other linters: --statistics, --exit-zero, --color, --quiet, `~`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obslint.cli import main

FILES = {
    "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    "dup.yaml": "a: 1\na: 2\nb: 1\nb: 2\n",
    "broken.yaml": "a: [\n",
    "link.yaml": "",  # replaced by a link out of the tree: a note on stderr
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for rel, text in FILES.items():
        if rel != "link.yaml":
            (root / rel).write_text(text)
    (root / "link.yaml").symlink_to("/etc/hostname")
    return root


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_statistics_text(root: Path, capsys):
    code, out, _ = _run(capsys, str(root), "--statistics")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].split("\t") == ["2", "CORE002", "duplicate-key"]  # most frequent first
    assert lines[1].split("\t") == ["1", "CORE001", "unparseable-file"]
    assert lines[-1].startswith("3 findings")
    code, out, _ = _run(capsys, str(root), "--statistics", "--quiet")
    assert out.splitlines() == lines[:-1]


def test_statistics_json_and_other_formats(root: Path, capsys):
    code, out, _ = _run(capsys, str(root), "--statistics", "--format", "json")
    assert code == 1
    assert json.loads(out) == [
        {"rule": "CORE002", "name": "duplicate-key", "count": 2},
        {"rule": "CORE001", "name": "unparseable-file", "count": 1},
    ]
    code, _, err = _run(capsys, str(root), "--statistics", "--format", "sarif")
    assert code == 2 and "--statistics prints text or json" in err


def test_exit_zero(root: Path, capsys):
    assert _run(capsys, str(root))[0] == 1
    code, out, _ = _run(capsys, str(root), "--exit-zero")
    assert code == 0 and "CORE002" in out  # still reported
    assert _run(capsys, str(root), "--exit-zero", "--select", "NOPE999")[0] == 2  # usage errors stay 2
    assert _run(capsys, str(root / "missing"), "--exit-zero")[0] == 2


@pytest.mark.parametrize(
    ("flag", "env", "colored"),
    [
        ("always", {}, True),
        ("always", {"NO_COLOR": "1"}, True),  # asked for on the command line
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {}, False),  # pytest's stdout is no terminal
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_color(root: Path, capsys, monkeypatch, flag: str, env: dict[str, str], colored: bool):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _, out, _ = _run(capsys, str(root), "--color", flag)
    assert ("\033[" in out) is colored


def test_color_only_in_text(root: Path, capsys):
    _, out, _ = _run(capsys, str(root), "--color", "always", "--format", "json")
    assert "\033[" not in out and json.loads(out)["findings"]


def test_quiet(root: Path, capsys):
    _, out, err = _run(capsys, str(root))
    assert out.splitlines()[-1].startswith("3 findings") and "note:" in err
    code, out, err = _run(capsys, str(root), "--quiet")
    assert code == 1 and "CORE002" in out
    assert not any(line.startswith("3 findings") for line in out.splitlines()) and err == ""


def test_tilde_in_user_paths(root: Path, tmp_path: Path, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / "obslint.yaml").write_text("disable: [CORE001]\n")
    code, out, _ = _run(capsys, str(root), "--config=~/obslint.yaml", "--format", "json")
    assert code == 1 and {f["rule"] for f in json.loads(out)["findings"]} == {"CORE002"}
    assert _run(capsys, str(root), "--write-baseline=~/baseline.json")[0] == 0
    assert (home / "baseline.json").is_file()
    code, out, _ = _run(capsys, str(root), "--baseline=~/baseline.json", "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    assert _run(capsys, str(root), "--output=~/report.txt")[0] == 1
    assert "CORE002" in (home / "report.txt").read_text()
