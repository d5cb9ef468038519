"""Find the files of the checked tree and read each of them once.

Symlinks are followed only while they stay inside the root (a link out of the tree is
skipped, a link loop is visited once). Files are read as bytes and decoded strictly, so
invalid UTF-8, binary content and oversized files become findings instead of crashes.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from obslint.load.source import SourceFile

YAML_SUFFIXES = (".yaml", ".yml")
ALLOY_SUFFIXES = (".alloy", ".river")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".terraform"}


def file_kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES):
        return "yaml"
    if lower.endswith(ALLOY_SUFFIXES):
        return "alloy"
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


def walk(root: str, exclude: list[str], notices: list[str]) -> Iterator[tuple[str, str, bool]]:
    """Yield (absolute path, relative path, is_dir) without leaving the root or looping."""
    real_root = os.path.realpath(root)
    seen_dirs = {real_root}
    # (path, relative path, resolved path): a directory that is no symlink resolves to its resolved
    # parent plus its name, without the system call per path component of os.path.realpath
    stack = [(root, "", real_root)]
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
            real = ""
            try:
                is_link = entry.is_symlink()
                if is_link:
                    real = os.path.realpath(entry.path)
                    if real != real_root and not real.startswith(real_root + os.sep):
                        notices.append(f"{child_rel}: symlink points outside the checked tree; skipped")
                        continue
                    if not os.path.exists(real):
                        notices.append(f"{child_rel}: broken symlink; skipped")
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


def read_tree(root: str, exclude: list[str] | None = None, max_size: int = 8 * 1024 * 1024) -> Tree:
    """List every file under root; read the text of YAML and Alloy files."""
    tree = Tree(root=root)
    exclude = exclude or []
    if os.path.isfile(root):
        entries: Iterable[tuple[str, str, bool]] = [(root, os.path.basename(root), False)]
        tree.root = os.path.dirname(root) or "."
    else:
        entries = walk(root, exclude, tree.notices)
    for path, rel, is_dir in entries:
        if is_dir:
            tree.dirs.add(rel)
            continue
        tree.paths.add(rel)
        kind = file_kind(rel)
        if kind == "other" and os.path.basename(rel) != ".sops.yaml":
            continue
        tree.files.append(read_file(path, rel, kind, max_size))
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
                    f"file is {sf.size / 1e6:.1f} MB, over the {max_size / 1e6:.1f} MB limit; not linted",
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
