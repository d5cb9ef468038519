"""Inside a git work tree obslint lints what git lists: tracked files and untracked ones not ignored."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from obslint.load.gitfiles import git_listing
from obslint.load.walk import read_tree
from obslint.rules.secrets.examples import secret_manifest
from tests.conftest import check, write_repo

SECRET = secret_manifest("s.yaml", "grafana-admin", {"admin-password": "hunter2-but-longer"}).split("\n", 1)[1]
BROKEN = "a: [\n"
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}


def git(cwd: Path, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **IDENTITY}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def git_repo(path: Path, files: dict[str, str]) -> Path:
    write_repo(path, files)
    git(path, "init", "-q")
    return path


def fired(result, rule: str) -> list[str]:
    return sorted(f.loc.path for f in result.findings if f.rule == rule)


def test_secret_fixture_is_reported_in_clear():
    assert "kind: Secret" in SECRET and "hunter2-but-longer" in SECRET and "-- " not in SECRET


def test_gitignored_secret_is_not_reported_untracked_one_is(tmp_path):
    root = git_repo(
        tmp_path / "repo",
        {".gitignore": "scratch/\n*.local.yaml\n", "scratch/secret.yaml": SECRET, "app.local.yaml": SECRET},
    )
    write_repo(root, {"apps/secret.yaml": SECRET})  # untracked, not ignored: could be committed
    result = check(root, select=["SEC001"])
    assert fired(result, "SEC001") == ["apps/secret.yaml"]
    assert "scratch/secret.yaml" not in result.index.tree.paths
    assert not any("without .gitignore" in n for n in result.notices)


def test_tracked_file_is_linted_even_when_a_pattern_ignores_it(tmp_path):
    root = git_repo(tmp_path / "repo", {"vendor/bad.yaml": BROKEN, "gone.yaml": BROKEN})
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
    (root / ".gitignore").write_text("vendor/\n", encoding="utf-8")
    (root / "gone.yaml").unlink()  # still in the index: listed by --cached, but no longer there
    result = check(root, select=["CORE001"])
    assert fired(result, "CORE001") == ["vendor/bad.yaml"]
    assert not result.errors


def test_exclude_globs_still_apply(tmp_path):
    root = git_repo(tmp_path / "repo", {".obslint.yaml": "exclude: [charts]\n", "charts/x/bad.yaml": BROKEN})
    write_repo(root, {"node_modules/m/bad.yaml": BROKEN, "apps/bad.yaml": BROKEN})
    assert fired(check(root, select=["CORE001"]), "CORE001") == ["apps/bad.yaml"]


def test_file_size_cap_still_applies(tmp_path):
    root = git_repo(tmp_path / "repo", {".obslint.yaml": "max-file-size-mb: 0.001\n", "big.yaml": "a: 1\n" * 400})
    (finding,) = [f for f in check(root).findings if f.loc.path == "big.yaml"]
    assert "over the" in finding.message and "limit" in finding.message


def test_same_listing_with_and_without_git(tmp_path, monkeypatch):
    """Order, files and directories match a plain walk of a tree that ignores nothing."""
    files = {"b.yaml": "", "a/z.yaml": "", "a/b/c.yaml": "", "a.yaml": "", "a-b/x.alloy": "", "c/.sops.yaml": ""}
    root = git_repo(tmp_path / "repo", files)
    with_git = read_tree(str(root))
    monkeypatch.setenv("OBSLINT_GIT", str(tmp_path / "no-git"))
    without = read_tree(str(root))
    assert [f.rel for f in with_git.files] == [f.rel for f in without.files]
    assert with_git.paths == without.paths and with_git.dirs == without.dirs
    assert not with_git.notices
    assert without.notices == ["git is not installed; files listed without .gitignore"]


def test_without_git_the_tree_is_walked_with_a_notice(tmp_path, monkeypatch):
    root = git_repo(tmp_path / "repo", {".gitignore": "scratch/\n", "scratch/secret.yaml": SECRET})
    monkeypatch.setenv("OBSLINT_GIT", str(tmp_path / "no-git"))
    result = check(root, select=["SEC001"])
    assert fired(result, "SEC001") == ["scratch/secret.yaml"]
    assert "git is not installed; files listed without .gitignore" in result.notices


def test_when_git_fails_the_tree_is_walked_with_a_notice(tmp_path):
    root = write_repo(tmp_path / "repo", {".git": "gitdir: /nonexistent\n", "bad.yaml": BROKEN})
    result = check(root, select=["CORE001"])
    assert fired(result, "CORE001") == ["bad.yaml"]
    (notice,) = result.notices
    assert notice.startswith("git ls-files failed: ") and notice.endswith("; files listed without .gitignore")


def test_git_runs_no_fsmonitor_command_of_the_repository(tmp_path):
    """core.fsmonitor in the repository's config names a command git would run (git-config(1))."""
    ran = tmp_path / "RAN"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {ran}\n", encoding="utf-8")
    hook.chmod(0o755)
    root = git_repo(tmp_path / "repo", {"a.yaml": ""})
    git(root, "add", ".")
    git(root, "config", "core.fsmonitor", str(hook))
    paths, problem = git_listing(str(root))
    assert (paths, problem) == (["a.yaml"], None)
    assert not ran.exists()
    git(root, "ls-files")  # the same command without obslint's settings does run it
    assert ran.exists()


def test_caller_git_environment_does_not_redirect_the_listing(tmp_path, monkeypatch):
    """A pre-commit hook inherits GIT_DIR and GIT_INDEX_FILE; the listing is of the checked tree."""
    other = git_repo(tmp_path / "other", {"other.yaml": ""})
    git(other, "add", ".")
    root = git_repo(tmp_path / "repo", {"mine.yaml": ""})
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert git_listing(str(root)) == (["mine.yaml"], None)


def test_listing_from_a_subdirectory_root_is_relative_to_it(tmp_path):
    top = git_repo(tmp_path / "repo", {"flux/.obslint.yaml": "", "flux/apps/a.yaml": "", "other.yaml": ""})
    assert git_listing(str(top / "flux")) == ([".obslint.yaml", "apps/a.yaml"], None)
    assert git_listing(str(tmp_path)) == (None, None)  # not in a work tree: git is not run


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks")
def test_symlink_policy_is_kept(tmp_path):
    outside = write_repo(tmp_path / "outside", {"secret.yaml": SECRET})
    root = git_repo(tmp_path / "repo", {".gitignore": "scratch/\n", "scratch/secret.yaml": SECRET, "apps/a.yaml": ""})
    (root / "out.yaml").symlink_to(outside / "secret.yaml")
    (root / "ignored").symlink_to(root / "scratch", target_is_directory=True)
    (root / "apps-again").symlink_to(root / "apps", target_is_directory=True)
    (root / "a-link.yaml").symlink_to(root / "apps" / "a.yaml")
    tree = read_tree(str(root))
    assert sorted(f.rel for f in tree.files) == ["a-link.yaml", "apps/a.yaml"]
    assert "out.yaml: symlink points outside the checked tree; skipped" in tree.notices


def test_repository_inside_the_repository_is_walked(tmp_path):
    """git lists an untracked repository inside the work tree as one entry (`nested/`)."""
    root = git_repo(tmp_path / "repo", {"a.yaml": ""})
    git_repo(root / "nested", {"x/bad.yaml": BROKEN})
    assert "nested/" in git_listing(str(root))[0]
    assert fired(check(root, select=["CORE001"]), "CORE001") == ["nested/x/bad.yaml"]


def test_a_root_git_ignores_says_so(tmp_path):
    top = git_repo(
        tmp_path / "repo", {".gitignore": "scratch/\n", "scratch/.obslint.yaml": "", "scratch/bad.yaml": BROKEN}
    )
    result = check(top / "scratch")
    assert result.findings == [] and result.files == 0
    assert "git lists no file here: the directory is empty or ignored by git" in result.notices
