"""`check --diff REF`: only the findings a change introduces since REF, on a real git repository."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from obslint.adoption import narrowing
from obslint.cli import main
from obslint.diffrun import Entry, list_tree, safe_path, write_tree
from obslint.errors import UsageError

NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n"
ARGS = ["--select", "CORE001,CORE002", "--format", "json"]


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return proc.stdout


@pytest.fixture
def gitrepo(tmp_path: Path) -> Path:
    """A repository whose one commit holds a namespace and an old mistake (a duplicate key)."""
    root = tmp_path / "repo"
    (root / "monitoring").mkdir(parents=True)
    (root / "monitoring" / "ns.yaml").write_text(NS)
    (root / "monitoring" / "old.yaml").write_text("# old\na: 1\na: 2\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "init")
    return root


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    """The temporary directory obslint's scratch directories go to, to see that none is left."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def _run(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.startswith("{") else None, err


def _found(doc: dict) -> list[tuple[str, str]]:
    return [(f["rule"], f["path"]) for f in doc["findings"]]


def test_reports_only_the_new_finding(gitrepo: Path, private_tmp: Path, capsys):
    (gitrepo / "monitoring" / "new.yaml").write_text("b: 1\nb: 2\n")  # untracked: the working tree counts
    (gitrepo / "monitoring" / "old.yaml").write_text("# old, moved down\n\n\na: 1\na: 2\n")
    code, doc, err = _run(capsys, str(gitrepo), *ARGS, "--diff", "HEAD")
    assert code == 1 and _found(doc) == [("CORE002", "monitoring/new.yaml")]
    assert "1 finding that HEAD has too is not shown" in err
    assert not any(private_tmp.glob("obslint-diff-*"))  # the tree of HEAD was removed


def test_clean_change_reports_nothing(gitrepo: Path, private_tmp: Path, capsys):
    (gitrepo / "monitoring" / "ns2.yaml").write_text(NS.replace("monitoring", "logging"))
    code, doc, _ = _run(capsys, str(gitrepo), *ARGS, "--diff", "HEAD")
    assert code == 0 and doc["findings"] == []
    code, doc, _ = _run(capsys, str(gitrepo), *ARGS)
    assert code == 1 and len(doc["findings"]) == 1  # the old mistake is still there


def test_fixed_and_committed_changes(gitrepo: Path, private_tmp: Path, capsys):
    (gitrepo / "monitoring" / "old.yaml").write_text("a: 1\n")
    (gitrepo / "monitoring" / "broken.yaml").write_text("a: [\n")
    _git(gitrepo, "add", ".")
    _git(gitrepo, "commit", "-qm", "fix one, break another")
    code, doc, err = _run(capsys, str(gitrepo), *ARGS, "--diff", "HEAD~1")
    assert code == 1 and _found(doc) == [("CORE001", "monitoring/broken.yaml")]
    assert "1 finding no longer occurs that HEAD~1 has" in err
    code, doc, _ = _run(capsys, str(gitrepo), *ARGS, "--diff", "HEAD")
    assert code == 0 and doc["findings"] == []


def test_a_path_in_a_subdirectory(gitrepo: Path, private_tmp: Path, capsys, monkeypatch):
    """The root is the repository (paths are relative to it); the PATH narrows what is reported."""
    (gitrepo / "monitoring" / "new.yaml").write_text("b: 1\nb: 2\n")
    code, doc, _ = _run(capsys, str(gitrepo / "monitoring"), *ARGS, "--diff", "HEAD")
    assert code == 1 and _found(doc) == [("CORE002", "monitoring/new.yaml")]
    # from inside it, with a hook's GIT_DIR pointing elsewhere (git must ask the checked tree)
    monkeypatch.chdir(gitrepo / "monitoring")
    monkeypatch.setenv("GIT_DIR", str(private_tmp))
    code, doc, _ = _run(capsys, ".", *ARGS, "--diff", "HEAD")
    assert code == 1 and _found(doc) == [("CORE002", "monitoring/new.yaml")]


def test_directory_new_since_ref(gitrepo: Path, private_tmp: Path, capsys):
    (gitrepo / "logging").mkdir()
    (gitrepo / "logging" / "x.yaml").write_text("b: 1\nb: 2\n")
    code, doc, _ = _run(capsys, str(gitrepo / "logging"), *ARGS, "--diff", "HEAD")
    assert code == 1 and _found(doc) == [("CORE002", "logging/x.yaml")]  # relative to the repository root


@pytest.mark.parametrize("ref", ["--output=/tmp/obslint-pwned", "-h", "--upload-pack=touch x"])
def test_ref_injection_refused(gitrepo: Path, tmp_path: Path, capsys, ref: str):
    code, doc, err = _run(capsys, str(gitrepo), *ARGS, f"--diff={ref}")
    assert code == 2 and doc is None and "cannot start with '-'" in err
    assert not os.path.exists("/tmp/obslint-pwned")


def test_usage_errors(gitrepo: Path, tmp_path: Path, capsys):
    code, _, err = _run(capsys, str(gitrepo), "--diff")
    assert code == 2 and "--diff needs a git REF (with --fix, --diff previews the fixes)" in err
    code, _, err = _run(capsys, str(gitrepo), "--diff", "no-such-branch")
    assert code == 2 and "no such commit" in err
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "ns.yaml").write_text(NS)
    code, _, err = _run(capsys, str(outside), "--diff", "HEAD")
    assert code == 2 and "not inside a git work tree" in err


def test_diff_is_left_to_fix_when_fixing():
    args = argparse.Namespace(diff="", fix=True, write_baseline=None, baseline=None)
    assert narrowing(args).ref is None
    with pytest.raises(UsageError, match="needs a git REF"):
        narrowing(argparse.Namespace(diff="", write_baseline=None, baseline=None))


def test_tree_paths_are_checked_and_links_written_last(gitrepo: Path, tmp_path: Path):
    assert safe_path("a/b.yaml") and not safe_path("../x") and not safe_path("a/.GIT/config")
    assert not safe_path("/etc/passwd") and not safe_path("a//b")
    commit = _git(gitrepo, "rev-parse", "HEAD").strip()
    entries, is_file = list_tree(commit, "monitoring", str(gitrepo))
    assert not is_file and sorted(e.path for e in entries) == ["ns.yaml", "old.yaml"]
    entries, is_file = list_tree(commit, "monitoring/ns.yaml", str(gitrepo))
    assert is_file and [e.path for e in entries] == ["ns.yaml"]
    # a link named like a directory and a file below it (a malformed tree): the file comes first,
    # into a real directory, and the link is not made through it
    empty = _hash(gitrepo, "")
    small = _hash(gitrepo, "a: 1\n")
    big = entries[0]
    dest = tmp_path / "out"
    dest.mkdir()
    write_tree(
        [
            Entry("120000", "blob", empty, 0, "d"),
            Entry("100644", "blob", small, 5, "d/a.yaml"),
            Entry("100644", "blob", small, 5, "../escape.yaml"),
            Entry("100644", "blob", small, 5, "d/a.yaml"),  # twice: the second is skipped
            Entry("100644", "blob", big.oid, big.size, "big.yaml"),
        ],
        str(dest),
        str(gitrepo),
        max_size=10,
    )
    assert (dest / "d" / "a.yaml").read_text() == "a: 1\n" and not (dest / "d").is_symlink()
    assert not (tmp_path / "escape.yaml").exists()
    # over the size limit: a file of its size that the loader skips, its contents never written
    assert (dest / "big.yaml").read_bytes() == b"\0" * len(NS)


def _hash(repo: Path, text: str) -> str:
    proc = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo, input=text, check=True, capture_output=True, text=True
    )
    return proc.stdout.strip()
