"""Writing files without ever writing through a symbolic link: one report (`-o FILE`), or a tree of
files under a destination directory (`obslint init`).

`obslint check . -o obslint.sarif` usually runs inside the checked repository, which is untrusted:
a committed `obslint.sarif` symlink would otherwise make obslint overwrite whatever file it points
at. The name is checked before the run (a clear usage error instead of a wasted run) and opened
with O_NOFOLLOW when written, so a link that appears in between is refused by the kernel too
(open(2): "If the trailing component of pathname is a symbolic link, then the open fails, with
the error ELOOP"). Directories on the way to the report are the caller's choice and are followed.

`obslint init --force DIR` writes dozens of files into a directory someone else may have prepared
(or a checked-out repository): there a symlink can stand at a file name (`x.yaml -> ~/.bashrc`) or
at any directory on the way (`clusters -> ~`). `write_under` walks from DIR one component at a
time with directory descriptors (openat(2), mkdirat(2)): each directory is created with mkdir,
which never follows a link (mkdir(2): EEXIST "pathname already exists (not necessarily as a
directory). This includes the case where pathname is a symbolic link, dangling or not"), then
opened with O_NOFOLLOW | O_DIRECTORY, so no link below DIR is followed even if one is swapped in
while obslint runs. DIR itself is the caller's choice and is followed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from obslint.errors import UsageError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
# No O_TRUNC: the file is truncated only once fstat has shown a regular file with no other name.
# O_NONBLOCK: a FIFO left at the name fails with ENXIO instead of blocking until a reader comes.
_TREE_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_TREE_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def check_output_path(path: str, what: str = "the report") -> None:
    """Raise UsageError when `path` cannot take `what`: a symlink, a directory, or a name in a
    directory that does not exist."""
    if os.path.islink(path):
        raise UsageError(f"refusing to write {what} to {path}: it is a symbolic link")
    if os.path.isdir(path):
        raise UsageError(f"cannot write {what} to {path}: it is a directory")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise UsageError(f"cannot write {what} to {path}: directory {parent} does not exist")


def write_output(path: str, text: str, what: str = "the report") -> None:
    """Replace the contents of `path` with `text` (UTF-8), never following a symlink at `path`.
    `what` names the text in errors ("the report", "the fix")."""
    check_output_path(path, what)
    try:
        fd = os.open(path, _FLAGS, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise UsageError(f"refusing to write {what} to {path}: it is a symbolic link") from None
        raise UsageError(f"cannot write {what} to {path}: {exc.strerror}") from None
    _write_fd(fd, text, f"{what} to {path}")


def write_under(root: Path, rel: str, text: str) -> Path:
    """Write `text` (UTF-8) to root/rel, creating the directories on the way; returns root/rel.

    Raises UsageError, naming the path, when a component of `rel` is a symbolic link (file or
    directory), a directory stands at the file name, a non-directory at a directory name, or the
    file already exists as something other than a regular file with a single name (a hard link
    would carry the write to its other name, outside `root`). `root` must exist."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or any(p in (".", "..") for p in parts):
        raise ValueError(f"not a relative path below the destination: {rel!r}")
    target = root.joinpath(*parts)
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {root}: {exc.strerror}") from None
    try:
        for depth, name in enumerate(parts[:-1], start=1):
            sub_fd = _enter_directory(dir_fd, name, root.joinpath(*parts[:depth]), target)
            os.close(dir_fd)
            dir_fd = sub_fd
        fd = _open_regular_file(dir_fd, parts[-1], target)
    finally:
        os.close(dir_fd)
    _write_fd(fd, text, str(target))
    return target


def _enter_directory(parent_fd: int, name: str, shown: Path, target: Path) -> int:
    """A descriptor of the directory `name` in `parent_fd`, made if missing; never a symlink."""
    try:
        os.mkdir(name, 0o777, dir_fd=parent_fd)
    except FileExistsError:
        pass  # a directory from an earlier file or an earlier run, or something the open below refuses
    except OSError as exc:
        raise UsageError(f"cannot write {target}: cannot create directory {shown}: {exc.strerror}") from None
    try:
        return os.open(name, _TREE_DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        # Linux answers ENOTDIR for a symlink opened with O_DIRECTORY | O_NOFOLLOW; other systems ELOOP.
        if _is_symlink(parent_fd, name):
            raise UsageError(f"refusing to write {target}: {shown} is a symbolic link") from None
        if exc.errno == errno.ENOTDIR:
            raise UsageError(f"cannot write {target}: {shown} is not a directory") from None
        raise UsageError(f"cannot write {target}: {shown}: {exc.strerror}") from None


def _open_regular_file(dir_fd: int, name: str, target: Path) -> int:
    """A descriptor of the file `name` in `dir_fd`, created or emptied; never through a link."""
    try:
        fd = os.open(name, _TREE_FILE_FLAGS, 0o666, dir_fd=dir_fd)
    except OSError as exc:
        if _is_symlink(dir_fd, name):
            raise UsageError(f"refusing to write {target}: it is a symbolic link") from None
        if exc.errno == errno.EISDIR:
            raise UsageError(f"cannot write {target}: it is a directory") from None
        if exc.errno == errno.ENXIO:
            raise UsageError(f"refusing to write {target}: it is not a regular file") from None
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "it is not a regular file"
    elif info.st_nlink > 1:
        problem = "it has other hard links, which would be written too"
    if problem:
        os.close(fd)
        raise UsageError(f"refusing to write {target}: {problem}")
    try:
        os.set_blocking(fd, True)
        os.ftruncate(fd, 0)
    except OSError as exc:
        os.close(fd)
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return fd


def _is_symlink(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _write_fd(fd: int, text: str, shown: str) -> None:
    """Write `text` to the open descriptor `fd` and close it; a failure is a UsageError naming `shown`."""
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:  # a full disk, a quota
        raise UsageError(f"cannot write {shown}: {exc.strerror}") from None
