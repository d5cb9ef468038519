"""Writing a report to `-o FILE` without ever writing through a symbolic link.

`obslint check . -o obslint.sarif` usually runs inside the checked repository, which is untrusted:
a committed `obslint.sarif` symlink would otherwise make obslint overwrite whatever file it points
at. The name is checked before the run (a clear usage error instead of a wasted run) and opened
with O_NOFOLLOW when written, so a link that appears in between is refused by the kernel too
(open(2): "If the trailing component of pathname is a symbolic link, then the open fails, with
the error ELOOP"). Directories on the way to the file are the caller's choice and are followed.
"""

from __future__ import annotations

import errno
import os

from obslint.errors import UsageError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def check_output_path(path: str, what: str = "the report") -> None:
    """Raise UsageError when `path` cannot take a report: a symlink, a directory, or a name in a
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
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:  # a full disk, a quota
        raise UsageError(f"cannot write {what} to {path}: {exc.strerror}") from None
