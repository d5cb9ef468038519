"""Find the files of the checked tree and read each of them once.

Inside a git work tree the files are those git lists (obslint.load.gitfiles): what .gitignore
ignores is not linted. Elsewhere, or when git cannot list them, the directory is walked.
Symlinks are followed only while they stay inside the root (a link out of the tree is skipped,
a link loop is visited once). Files are read as bytes and decoded strictly, so
invalid UTF-8, binary content and oversized files become findings instead of crashes.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from obslint.config_files import CONFIG_NAMES
from obslint.errors import UsageError
from obslint.load.gitfiles import git_listing
from obslint.load.source import SourceFile

YAML_SUFFIXES = (".yaml", ".yml")
ALLOY_SUFFIXES = (".alloy", ".river")
TOML_SUFFIXES = (".toml",)  # read for Vector configurations (obslint.model.vector_toml)
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".terraform"}
# A guard against a root that is not the repository meant (a parent directory, a scratch area): the
# YAML, Alloy and TOML files read dominate a run's time, and obslint says nothing until it has read them all.
MAX_FILES = 20_000


def file_kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES):
        return "yaml"
    if lower.endswith(ALLOY_SUFFIXES):
        return "alloy"
    if lower.endswith(TOML_SUFFIXES):
        return "toml"
    return "other"


@dataclass
class Tree:
    """The checked tree: its root and every file under it (read or merely listed)."""

    root: str
    files: list[SourceFile] = field(default_factory=list)
    # Every path under the root (relative, forward slashes), including files we do not parse,
    # so kustomize references and `*_file` paths can be resolved.
    paths: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)


def _excluded(rel: str, patterns: Iterable[str]) -> bool:
    for pat in patterns:
        pat = pat.rstrip("/")
        if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(rel, pat + "/*"):
            return True
        if "/" not in pat and any(fnmatch.fnmatchcase(part, pat) for part in rel.split("/")):
            return True
    return False


def _resolved_link(path: str, rel: str, real_root: str, notices: list[str]) -> str | None:
    """Where a symlink resolves to; None (noted, and then skipped) when it leaves the root or points nowhere."""
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root + os.sep):
        notices.append(f"{rel}: symlink points outside the checked tree; skipped")
        return None
    if not os.path.exists(real):
        notices.append(f"{rel}: broken symlink; skipped")
        return None
    return real


def _walk(root: str, exclude: list[str], notices: list[str], start: str = "") -> Iterator[tuple[str, str, bool]]:
    """Yield (absolute path, relative path, is_dir) below root/start without leaving the root or looping."""
    real_root = os.path.realpath(root)
    top = os.path.join(root, start) if start else root
    real_top = os.path.realpath(top) if start else real_root
    seen_dirs = {real_root, real_top}
    # (path, relative path, resolved path): a directory that is no symlink resolves to its resolved
    # parent plus its name, without the system call per path component of os.path.realpath
    stack = [(top, start, real_top)]
    while stack:
        path, rel, real_path = stack.pop()
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            notices.append(f"{rel or '.'}: cannot list directory ({exc.strerror})")
            continue
        subdirs = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            if _excluded(child_rel, exclude):
                continue
            real: str | None = ""
            try:
                if entry.is_symlink():
                    real = _resolved_link(entry.path, child_rel, real_root, notices)
                    if real is None:
                        continue
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS:
                    continue
                real = real or os.path.join(real_path, entry.name)
                if real in seen_dirs:
                    continue  # a symlink loop or a second link to the same directory
                seen_dirs.add(real)
                yield entry.path, child_rel, True
                subdirs.append((entry.path, child_rel, real))
            elif entry.is_file(follow_symlinks=True):
                yield entry.path, child_rel, False
        stack.extend(reversed(subdirs))


def _walk_order(rel: str) -> tuple[tuple[int, str], ...]:
    """The order `_walk` yields files in (a directory's files by name, then its subdirectories), so
    that a run lists a tree in the same order with git as without."""
    parts = rel.split("/")
    return (*((1, p) for p in parts[:-1]), (0, parts[-1]))


def _from_git(root: str, listing: list[str], exclude: list[str], notices: list[str]) -> Iterator[tuple[str, str, bool]]:
    """The entries of git's listing, with the exclude globs, SKIP_DIRS and the symlink policy of
    `_walk` applied on top. git lists a symlink as a file of its own: a link to a file inside the
    root is read through, a link to a directory is skipped (git lists that directory's files under
    their own path, and an ignored directory stays ignored). A directory git lists as one entry (a
    submodule, or an untracked repository inside this one: `dir/`) is walked as without git."""
    real_root = os.path.realpath(root)
    dirs: set[str] = set()
    for rel in sorted((p.rstrip("/") for p in listing), key=_walk_order):
        parts = rel.split("/")
        if any(part in SKIP_DIRS for part in parts[:-1]) or _excluded(rel, exclude):
            continue
        path = os.path.join(root, rel)
        try:
            st = os.lstat(path)
            is_link = stat.S_ISLNK(st.st_mode)
            if is_link:
                if _resolved_link(path, rel, real_root, notices) is None:
                    continue
                st = os.stat(path)
        except OSError:
            continue  # tracked, but deleted from the work tree
        is_dir = stat.S_ISDIR(st.st_mode)
        if not is_dir and not stat.S_ISREG(st.st_mode):
            continue
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in dirs:
                dirs.add(parent)
                yield os.path.join(root, parent), parent, True
        if not is_dir:
            yield path, rel, False
        elif not is_link and parts[-1] not in SKIP_DIRS:
            yield path, rel, True
            yield from _walk(root, exclude, notices, rel)


def listed(root: str, exclude: list[str], notices: list[str]) -> Iterator[tuple[str, str, bool]]:
    """The entries under root: git's listing inside a git work tree, else a walk of the directory."""
    listing, problem = git_listing(root)
    if problem:
        notices.append(f"{problem}; files listed without .gitignore")
    if listing is None:
        return _walk(root, exclude, notices)
    if not listing:  # an empty report would not say why
        notices.append("git lists no file here: the directory is empty or ignored by git")
    return _from_git(root, listing, exclude, notices)


def read_tree(
    root: str, exclude: list[str] | None = None, max_size: int = 8 * 1024 * 1024, max_files: int = MAX_FILES
) -> Tree:
    """List every file under root; read the text of YAML, Alloy and TOML files. A tree with more than
    max_files of them (or ten times as many files in all) is refused before any is read."""
    tree = Tree(root=root)
    exclude = exclude or []
    if os.path.isfile(root):
        entries: Iterable[tuple[str, str, bool]] = [(root, os.path.basename(root), False)]
        tree.root = os.path.dirname(root) or "."
    else:
        entries = listed(root, exclude, tree.notices)
    to_read: list[tuple[str, str, str]] = []
    for path, rel, is_dir in entries:
        if is_dir:
            tree.dirs.add(rel)
            continue
        tree.paths.add(rel)
        kind = file_kind(rel)
        if kind != "other" or os.path.basename(rel) == ".sops.yaml":
            to_read.append((path, rel, kind))
        if len(to_read) > max_files or len(tree.paths) > max_files * 10:
            raise UsageError(
                f"{root}: more than {max_files} YAML, Alloy and TOML files (or {max_files * 10} files) to lint; if "
                f"this is not the repository you meant, run obslint inside it or mark its root with {CONFIG_NAMES[0]}, "
                "else leave directories out with `exclude` there"
            )
    tree.files = [read_file(path, rel, kind, max_size) for path, rel, kind in to_read]
    for sf in tree.files:
        # Most TOML files are not Vector's (pyproject.toml, Cargo.toml): one that cannot be read
        # is reported only when its name says it is meant for Vector (obslint.model.vector_toml).
        if sf.kind == "toml" and not os.path.basename(sf.rel).lower().startswith("vector"):
            sf.problems.clear()
    return tree


def read_file(path: str, rel: str, kind: str, max_size: int) -> SourceFile:
    sf = SourceFile(path=path, rel=rel, kind=kind)
    try:
        sf.size = os.path.getsize(path)
        if sf.size > max_size:
            sf.problems.append(
                (
                    "file-skipped",
                    1,
                    1,
                    f"file is {_size(sf.size)}, over the {_size(max_size)} limit; not linted",
                )
            )
            return sf
        with open(path, "rb") as fh:
            raw = fh.read(max_size + 1)
    except OSError as exc:
        sf.problems.append(("unparseable-file", 1, 1, f"cannot read file ({exc.strerror})"))
        return sf
    if b"\0" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
        sf.problems.append(("file-skipped", line, 1, "binary content (NUL byte); not linted"))
        return sf
    try:
        sf.text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        sf.problems.append(("unparseable-file", line, col, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); not linted"))
    return sf


def _size(n: int) -> str:
    """A size as max-file-size-mb counts it (1 MB = 2**20 bytes)."""
    if n < 2**20 // 10:
        return f"{n:,} bytes"
    return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"
