"""The files of a git work tree as git sees them: the tracked ones and the untracked ones that are
not ignored (`git ls-files --cached --others --exclude-standard`, git-ls-files(1)). That is what a
commit can hold, so a gitignored scratch file (a Secret in clear, say) never blocks a commit.

git runs with nothing from the caller's environment that could change what it does or reaches:
no GIT_DIR or GIT_INDEX_FILE (a pre-commit hook inherits them), no global or system config
(obslint.tools.sandbox.NO_NETWORK_ENV), no pager, no fsmonitor (core.fsmonitor names a command that
git would run: git-config(1)), no hooks, no optional index writes (GIT_OPTIONAL_LOCKS, git(1)), and
it may not look for a repository above the work tree obslint found. `ls-files` runs no hooks,
filters or remote helpers. A repository owned by another user is refused by git itself
(safe.directory, git-config(1)); obslint then lists the files without git.
"""

from __future__ import annotations

import os
import subprocess

from obslint.discovery import git_work_tree
from obslint.tools import find_tool, live
from obslint.tools.sandbox import NO_NETWORK_ENV

LS_FILES = ("ls-files", "--cached", "--others", "--exclude-standard", "-z")
SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", f"core.hooksPath={os.devnull}")
TIMEOUT = 60


def git_listing(root: str) -> tuple[list[str] | None, str | None]:
    """(paths relative to root, `/`-separated, in git's order; None) inside a git work tree,
    (None, None) outside one, (None, why git could not list them) when it failed."""
    top = git_work_tree(os.path.abspath(root))
    if top is None:
        return None, None
    git = find_tool("git")
    if git is None:
        return None, "git is not installed"
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C", **NO_NETWORK_ENV, "GIT_OPTIONAL_LOCKS": "0"}
    parent = os.path.dirname(top)
    if parent != top:
        env["GIT_CEILING_DIRECTORIES"] = parent
    try:
        proc = live.start_process(
            [git, "--no-pager", *SAFE_CONFIG, *LS_FILES],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        return None, f"cannot run git ({exc.strerror})"
    try:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            live.kill_group(proc)
            proc.communicate()
            return None, f"git ls-files timed out after {TIMEOUT}s"
    finally:
        live.forget_process(proc)
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return None, f"git ls-files failed: {lines[0] if lines else f'exit status {proc.returncode}'}"
    return [os.fsdecode(p) for p in out.split(b"\0") if p], None
