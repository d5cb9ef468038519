"""A git repository holding the project's tracked files as they are in the working tree: what a release
commit would hold, without build leftovers or untracked files (try-repo's shadow repository, and the
source a wheel is built from)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@e",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@e",
}


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY}
    )
    return out.stdout


def snapshot_of_tracked_files(dest: Path) -> str:
    """A repository at dest holding ROOT's tracked files (staged new ones included) as they are in the working
    tree, like try-repo's shadow repository for a checkout with changes; returns its commit."""
    dest.mkdir()
    for rel in git(ROOT, "ls-files", "-z").split("\0"):
        src = ROOT / rel
        if not rel or not (src.exists() or src.is_symlink()):
            continue  # deleted in the working tree
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel, follow_symlinks=False)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "snapshot")
    return git(dest, "rev-parse", "HEAD").strip()
