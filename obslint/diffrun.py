"""`obslint check --diff REF`: the findings a change introduces since the commit REF.

The whole repository is checked, as always (the checks are cross-file: a change in one file
breaks a reference in another); then the tree of REF is checked the same way, with the same
configuration, and only the findings that REF does not have are reported (matched by
fingerprint: obslint.baseline). The working tree as it is, uncommitted changes included, is
the new side.

REF's tree is written into a private temporary directory from git's objects (`git ls-tree`,
then `git cat-file --batch`), not checked out: a checkout or `git archive` runs the smudge
filters that the tree's .gitattributes name (convert.c, apply_filter; archive.c calls
convert_to_working_tree too), and git-lfs's smudge filter downloads. Every git command runs
with the repository as its working directory, without network (`protocol.allow=never`,
GIT_ALLOW_PROTOCOL; GIT_NO_LAZY_FETCH, so a partial clone does not fetch a missing object) and
without hooks (`core.hooksPath=/dev/null`). Paths from the tree are checked before anything is
written (no `..`, no `.git`, nothing through a symbolic link: links are made last), and the
directory is removed afterwards, or by a signal that ends the run (obslint.tools.live).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from obslint.errors import UsageError
from obslint.result import RunResult
from obslint.tools import live

_GIT_OPTIONS = (
    "-c",
    "protocol.allow=never",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "--literal-pathspecs",  # a checked directory named `*` is that directory, not a pattern
)
_GIT_TIMEOUT = 60
_CHUNK = 1 << 20
_MODE_LINK, _MODE_SUBMODULE = "120000", "160000"


@dataclass(frozen=True)
class Entry:
    mode: str
    kind: str  # blob, tree or commit (a submodule)
    oid: str
    size: int  # -1 for a submodule
    path: str  # relative to the checked root


def check_ref(ref: str) -> None:
    """A usage error for a REF git could take as an option (argument injection) or none at all."""
    if not ref:
        raise UsageError("--diff needs a git REF (with --fix, --diff previews the fixes)")
    if ref.startswith("-"):
        raise UsageError(f"--diff {ref}: a REF cannot start with '-'")
    if "\0" in ref or "\n" in ref:
        raise UsageError("--diff: a REF cannot hold a NUL or a line break")


def result_at(ref: str, root: str, max_size: int, check: Callable[[str], RunResult]) -> RunResult | None:
    """`check(path)` run on the `root` of the commit REF; None when REF's tree has no `root`."""
    check_ref(ref)
    cwd = root if os.path.isdir(root) else os.path.dirname(os.path.abspath(root))
    top = _git(["rev-parse", "--show-toplevel"], cwd, f"{root} is not inside a git work tree").strip()
    rel = os.path.relpath(os.path.realpath(root), os.path.realpath(top))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise UsageError(f"--diff: {root} is outside the git work tree {top}")
    rel = "" if rel == os.curdir else rel.replace(os.sep, "/")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top, f"--diff {ref}: no such commit")
    entries, root_is_file = list_tree(commit.strip(), rel, top)
    if not entries:
        return None
    scratch = live.make_directory("obslint-diff-")
    try:
        tree = os.path.join(scratch, "tree")
        os.mkdir(tree, 0o700)
        write_tree(entries, tree, top, max_size)
        return check(os.path.join(tree, entries[0].path) if root_is_file else tree)
    finally:
        live.remove_directory(scratch)


def list_tree(commit: str, rel: str, top: str) -> tuple[list[Entry], bool]:
    """Every entry of `commit` at or under `rel` (a path from the top of the work tree; empty for
    the whole tree), with its path made relative to `rel`, and whether `rel` is a file (its entry
    then has the file's own name)."""
    argv = ["ls-tree", "-r", "-z", "-l", "--full-tree", commit]
    out = _git([*argv, "--", rel] if rel else argv, top, f"--diff: cannot list the tree of {commit}")
    entries = []
    for record in out.split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) != 4:
            continue
        if not rel:
            inner = path
        elif path == rel:
            return [Entry(fields[0], fields[1], fields[2], _size(fields[3]), rel.rsplit("/", 1)[-1])], True
        elif path.startswith(rel + "/"):
            inner = path[len(rel) + 1 :]
        else:
            continue
        entries.append(Entry(fields[0], fields[1], fields[2], _size(fields[3]), inner))
    return entries, False


def _size(field: str) -> int:
    return -1 if field == "-" else int(field)


def safe_path(path: str) -> bool:
    """A relative path of plain names: no `..`, no `.git` (which git itself refuses to check out:
    verify_path in read-cache.c), no empty part."""
    parts = path.split("/")
    return all(p not in ("", ".", "..") and p.lower() != ".git" for p in parts)


def write_tree(entries: list[Entry], dest: str, top: str, max_size: int) -> None:
    """Write the entries below `dest`: directories and files first, then symbolic links, so that no
    file is ever written through a link. A file larger than `max_size` becomes a sparse file of
    its size, which the loader skips as too large, as it does the real one."""
    files = [e for e in entries if e.kind == "blob" and e.mode != _MODE_LINK and safe_path(e.path)]
    links = [e for e in entries if e.kind == "blob" and e.mode == _MODE_LINK and safe_path(e.path)]
    for e in entries:
        if e.mode == _MODE_SUBMODULE and safe_path(e.path):  # an empty directory, as before `submodule update`
            os.makedirs(os.path.join(dest, e.path), 0o700, exist_ok=True)
    blobs = _Blobs([e.oid for e in files + links], top)
    try:
        for e in files:
            out = _create(os.path.join(dest, e.path), e.mode)
            if out is None:
                blobs.next(None)  # read past it all the same: the blobs come in order
                continue
            with out:
                out.truncate(blobs.next(out if e.size <= max_size else None))
        for e in links:
            link_target = os.fsdecode(blobs.read())
            target = os.path.join(dest, e.path)
            parent = os.path.dirname(target)
            # The parent is a directory written above, never a link: links are made only now, and
            # one on the way (a malformed tree names a path below a link) is not followed.
            if os.path.isdir(parent) and os.path.realpath(parent) == os.path.abspath(parent):
                with contextlib.suppress(OSError):  # taken (a malformed tree), or an empty target
                    os.symlink(link_target, target)
    finally:
        blobs.close()


def _create(path: str, mode: str) -> BinaryIO | None:
    """A new file at `path` (its directories made), or None where a malformed tree made that
    impossible (a path used twice, below a file)."""
    try:
        os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        return os.fdopen(os.open(path, flags, 0o700 if mode == "100755" else 0o600), "wb")
    except OSError:
        return None


class _Blobs:
    """The contents of blobs, in the order asked, from one `git cat-file --batch`."""

    def __init__(self, oids: list[str], top: str) -> None:
        self._proc = live.start_process(
            ["git", *_GIT_OPTIONS, "cat-file", "--batch"],
            cwd=top,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )
        # Written from a thread: git answers while it reads, and would block on a full pipe.
        self._writer = threading.Thread(target=self._feed, args=(oids,), daemon=True)
        self._writer.start()

    def _feed(self, oids: list[str]) -> None:
        assert self._proc.stdin is not None
        try:
            for oid in oids:
                self._proc.stdin.write(f"{oid}\n".encode())
            self._proc.stdin.close()
        except OSError:  # git ended early; the reader reports it
            pass

    def next(self, out: BinaryIO | None) -> int:
        """Copy the next blob into `out` (a binary file, or None to skip it); its size."""
        assert self._proc.stdout is not None
        header = self._proc.stdout.readline().split()
        if len(header) == 2 and header[1] == b"missing":  # a partial clone: not fetched here, on purpose
            raise UsageError(f"--diff: object {os.fsdecode(header[0])} is not in the local repository")
        if len(header) != 3 or header[1] != b"blob":
            raise UsageError("--diff: git cat-file did not return a blob")
        size = left = int(header[2])
        while left:
            chunk = self._proc.stdout.read(min(left, _CHUNK))
            if not chunk:
                raise UsageError("--diff: git cat-file ended early")
            if out is not None:
                out.write(chunk)
            left -= len(chunk)
        self._proc.stdout.read(1)  # the line break after the contents
        return size

    def read(self) -> bytes:
        """The next blob (a link's target: small)."""
        buf = io.BytesIO()
        self.next(buf)
        return buf.getvalue()

    def close(self) -> None:
        live.kill_group(self._proc)
        self._proc.wait()
        live.forget_process(self._proc)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()
        self._writer.join()


def git_env() -> dict[str, str]:
    """The caller's environment without GIT_* variables (a hook's GIT_DIR or GIT_INDEX_FILE would
    point git elsewhere), and with every remote protocol and lazy fetch switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # git(1): GIT_ALLOW_PROTOCOL, "a colon-separated list of protocols"; one that does not exist
    # allows none.
    env.update(GIT_ALLOW_PROTOCOL="none", GIT_TERMINAL_PROMPT="0", GIT_NO_LAZY_FETCH="1", LC_ALL="C")
    return env


def _git(args: list[str], cwd: str, failure: str) -> str:
    """git's standard output; a UsageError with `failure` (and git's first line) when it fails."""
    try:
        proc = live.start_process(
            ["git", *_GIT_OPTIONS, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=git_env(),
        )
    except OSError as exc:
        raise UsageError(f"--diff needs git: {exc.strerror}") from None
    try:
        out, err = proc.communicate(timeout=_GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        live.kill_group(proc)
        proc.communicate()
        raise UsageError(f"{failure} (git timed out after {_GIT_TIMEOUT}s)") from None
    finally:
        live.forget_process(proc)
    if proc.returncode != 0:
        lines = os.fsdecode(err).strip().splitlines()
        raise UsageError(f"{failure}: {lines[0]}" if lines else failure)
    return os.fsdecode(out)
