"""The repository root is found like ruff finds its project; PATHs narrow the report, never widen the run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import obslint.runner
from obslint.cli import main
from obslint.discovery import Scope, discover
from obslint.errors import UsageError
from obslint.load.walk import read_tree
from obslint.rules import example_files
from obslint.rules.prometheus.duplicates import FAILING as DUPLICATE_RULE
from tests.conftest import check, write_repo

BROKEN = "a: [\n"  # CORE001 at line 2

MARKERS = {
    ".git": None,  # `git init`
    ".obslint.yaml": "fail-on: warning\n",
    ".obslint.yml": "fail-on: warning\n",
    "pyproject.toml": "[project]\nname = 'x'\n\n[tool.obslint]\nfail-on = 'warning'\n",
}


def _git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


def _mark(root: Path, marker: str) -> None:
    if marker == ".git":
        _git_init(root)
    else:
        (root / marker).write_text(MARKERS[marker], encoding="utf-8")


def _paths(result) -> list[str]:
    return sorted(f.loc.path for f in result.findings)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("marker", sorted(MARKERS))
def test_root_found_from_a_subdirectory(tmp_path, monkeypatch, marker):
    root = write_repo(tmp_path / "repo", {"apps/a/bad.yaml": BROKEN, "other/bad.yaml": BROKEN})
    _mark(root, marker)
    monkeypatch.chdir(root / "apps" / "a")
    result = obslint.runner.run_check([])
    assert result.root == str(root.resolve())
    # no PATH: the whole repository is reported, with paths relative to its root
    assert _paths(result) == ["apps/a/bad.yaml", "other/bad.yaml"]
    # an explicit PATH narrows the report; the paths stay relative to the root
    assert _paths(obslint.runner.run_check(["."])) == ["apps/a/bad.yaml"]


def test_pyproject_without_an_obslint_table_is_no_marker(tmp_path, monkeypatch):
    root = write_repo(
        tmp_path / "repo",
        {".obslint.yaml": "", "flux/pyproject.toml": "[project]\nname = 'x'\n", "flux/bad.yaml": BROKEN},
    )
    monkeypatch.chdir(root / "flux")
    assert discover([]).root == str(root.resolve())


def test_the_nearest_marker_wins(tmp_path, monkeypatch):
    """A project inside a git repository with its own .obslint.yaml is a repository of its own."""
    top = write_repo(tmp_path / "repo", {"flux/.obslint.yaml": "", "flux/apps/bad.yaml": BROKEN, "bad.yaml": BROKEN})
    _git_init(top)
    monkeypatch.chdir(top / "flux" / "apps")
    result = obslint.runner.run_check([])
    assert result.root == str((top / "flux").resolve())
    assert _paths(result) == ["apps/bad.yaml"]


def test_without_a_marker_the_single_path_is_the_root(tmp_path):
    root = write_repo(tmp_path / "plain", {"a/bad.yaml": BROKEN})
    assert discover([str(root / "a")]) == Scope(str((root / "a").resolve()))
    file = root / "a" / "bad.yaml"
    assert discover([str(file)]) == Scope(str(file.resolve()))


def test_sibling_paths_analyse_the_repository_once_and_report_only_under_them(tmp_path, monkeypatch):
    files = example_files(DUPLICATE_RULE)
    root = write_repo(
        tmp_path / "repo",
        {
            ".obslint.yaml": "",
            # the first definition, outside both PATHs: the duplicate in team-a points at it
            "common/rules.yaml": files["monitoring/app-rules-old.yaml"],
            "team-a/rules.yaml": files["monitoring/app-rules.yaml"],
            "team-b/bad.yaml": BROKEN,
            "other/bad.yaml": BROKEN,
        },
    )
    loads: list[str] = []
    real_load = obslint.runner.load_tree

    def counted(tree_root: str, *args):
        loads.append(tree_root)
        return real_load(tree_root, *args)

    monkeypatch.setattr(obslint.runner, "load_tree", counted)
    result = obslint.runner.run_check([str(root / "team-a"), str(root / "team-b")])
    assert loads == [str(root.resolve())]
    assert result.files == 5  # the whole repository was read: .obslint.yaml, common/ and other/ too
    assert [(f.rule, f.loc.path) for f in result.findings] == [
        ("PROM009", "team-a/rules.yaml"),
        ("CORE001", "team-b/bad.yaml"),
    ]
    (duplicate,) = [f for f in result.findings if f.rule == "PROM009"]
    assert [r.loc.path for r in duplicate.related] == ["common/rules.yaml"]  # a related place elsewhere is fine


def test_commonpath_is_never_linted(tmp_path, capsys):
    """Two repositories side by side: their common parent is not a repository to lint."""
    a = write_repo(tmp_path / "a", {".obslint.yaml": "", "x.yaml": BROKEN})
    b = write_repo(tmp_path / "b", {".obslint.yaml": "", "x.yaml": BROKEN})
    code, out, err = _run(["check", str(a), str(b)], capsys)
    assert code == 2 and out == ""
    assert "different repositories" in err and "run obslint once for each" in err


def test_a_path_outside_the_root_is_a_usage_error(tmp_path, capsys):
    root = write_repo(tmp_path / "repo", {".obslint.yaml": "", "a/x.yaml": BROKEN})
    outside = write_repo(tmp_path / "elsewhere", {"y.yaml": BROKEN})
    code, out, err = _run(["check", str(root / "a"), str(outside)], capsys)
    assert code == 2 and out == ""
    assert f"{outside} is outside the repository root {root.resolve()}" in err


def test_several_paths_without_a_repository_are_a_usage_error(tmp_path, monkeypatch, capsys):
    """Their common parent would be a guess: /tmp, say, with tens of thousands of files."""
    work = write_repo(tmp_path / "work", {"a/bad.yaml": BROKEN, "b/bad.yaml": BROKEN})
    monkeypatch.chdir(work)
    code, out, err = _run(["check", "a", "b"], capsys)
    assert code == 2 and out == ""
    assert "a, b: no repository holds these PATHs" in err and "mark their repository's root with .obslint.yaml" in err
    (work / ".obslint.yaml").write_text("", encoding="utf-8")
    result = obslint.runner.run_check(["a", "b"])
    assert result.root == str(work.resolve()) and _paths(result) == ["a/bad.yaml", "b/bad.yaml"]


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    code, _, err = _run(["check", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such file or directory" in err


def test_a_path_with_nothing_linted_says_so(tmp_path):
    root = write_repo(tmp_path / "repo", {".obslint.yaml": "exclude: [scratch]\n", "scratch/x.yaml": BROKEN})
    (root / "empty").mkdir()
    result = check(root / "scratch")
    assert result.findings == []
    assert "scratch: no file there is linted (ignored by git, excluded, or empty)" in result.notices


@pytest.fixture
def subdir_repo(tmp_path, monkeypatch) -> Path:
    """A git repository whose Flux tree lives in flux/, run from flux/clusters/ with a PATH."""
    top = write_repo(tmp_path / "repo", {"flux/clusters/prod/bad.yaml": BROKEN, "flux/base/bad.yaml": BROKEN})
    _git_init(top)
    monkeypatch.chdir(top / "flux" / "clusters")
    return top


def test_sarif_paths_are_relative_to_the_root_when_run_from_a_subdirectory(subdir_repo, capsys):
    code, out, _ = _run(["check", "prod", "--format", "sarif"], capsys)
    assert code == 1
    run = json.loads(out)["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert uris == [{"uri": "flux/clusters/prod/bad.yaml", "uriBaseId": "%SRCROOT%"}]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": subdir_repo.resolve().as_uri() + "/"}}


def test_github_paths_are_relative_to_the_root_when_run_from_a_subdirectory(subdir_repo, capsys):
    code, out, _ = _run(["check", "prod", "--format", "github"], capsys)
    assert code == 1
    assert out.startswith("::error file=flux/clusters/prod/bad.yaml,line=2,")
    assert out.count("::error") == 1


def test_github_and_sarif_paths_are_relative_to_the_top_of_the_git_repository(tmp_path, monkeypatch, capsys):
    """With its own .obslint.yaml, flux/ is obslint's root (text and JSON are relative to it), but
    GitHub places annotations and code-scanning results relative to the top of the repository."""
    top = write_repo(tmp_path / "repo", {"flux/.obslint.yaml": "", "flux/apps/bad.yaml": BROKEN})
    _git_init(top)
    monkeypatch.chdir(top / "flux" / "apps")
    _, text, _ = _run(["check"], capsys)
    assert text.startswith("apps/bad.yaml:2:1:")
    _, github, _ = _run(["check", "--format", "github"], capsys)
    assert github.startswith("::error file=flux/apps/bad.yaml,")
    _, sarif, _ = _run(["check", "--format", "sarif"], capsys)
    run = json.loads(sarif)["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "flux/apps/bad.yaml"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == top.resolve().as_uri() + "/"


def test_home_directory_is_refused_as_root(tmp_path, monkeypatch, capsys):
    """A home directory under git (dotfiles) would make any unmarked project below it lint all of home."""
    home = tmp_path / "home"
    project = write_repo(home / "src" / "project", {"x.yaml": BROKEN})
    _git_init(home)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project)
    code, out, err = _run(["check"], capsys)
    assert code == 2 and out == ""
    assert "the repository root would be the home directory" in err and ".obslint.yaml" in err
    (project / ".obslint.yaml").write_text("", encoding="utf-8")  # the way out the message names
    code, out, _ = _run(["check"], capsys)
    assert code == 1 and out.startswith("x.yaml:2:1:")
    # a configuration in the home directory itself says that home is the repository meant
    (project / ".obslint.yaml").unlink()
    (home / ".obslint.yaml").write_text("", encoding="utf-8")
    code, out, _ = _run(["check"], capsys)
    assert code == 1 and out.startswith("src/project/x.yaml:2:1:")


def test_filesystem_root_is_refused(monkeypatch):
    monkeypatch.setenv("HOME", "/nonexistent-home")
    with pytest.raises(UsageError, match=r"the repository root would be / \(/\)"):
        discover([os.sep])


def test_too_many_files_stop_the_run_before_any_is_read(tmp_path, monkeypatch):
    root = write_repo(tmp_path / "big", {f"d{i}/x.yaml": "a: 1\n" for i in range(5)})
    monkeypatch.setattr("obslint.load.walk.read_file", lambda *a: pytest.fail("a file was read"))
    with pytest.raises(UsageError, match=r"more than 4 YAML, Alloy and TOML files .* to lint"):
        read_tree(str(root), max_files=4)


def test_the_file_limit_counts_files_to_read_only(tmp_path):
    root = write_repo(tmp_path / "ok", {**{f"x{i}.yaml": "a: 1\n" for i in range(4)}, "notes.txt": "", "b.md": ""})
    tree = read_tree(str(root), max_files=4)
    assert len(tree.files) == 4 and len(tree.paths) == 6
