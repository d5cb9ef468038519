"""Where the cache lives and how entries are written and read.

Like ruff's cache, it is per user: `$OBSLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/obslint`, else
`~/.cache/obslint` (XDG Base Directory Specification). The directory is private (mode 0700) and
must belong to the user running obslint; otherwise nothing is cached.

An entry is a JSON file named by its key: the key and kind again, the value, and the SHA-256 of
the value's JSON. It is written to a temporary file and renamed into place, so a reader never
sees half an entry; an entry that does not parse, names another key or fails its hash is a miss
(and removed). The cache is kept under MAX_BYTES by removing the least recently used entries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import time
from typing import Any

ENV = "OBSLINT_CACHE_DIR"
MAX_BYTES = 256 * 1024 * 1024
# Pruning lists every entry; it runs after a run that wrote, at most this often.
_PRUNE_EVERY = 3600
_LAYOUT = "v1"  # bump when the entry format or the layout (<kind>/<key>.json) changes
_disabled = False


def set_enabled(enabled: bool) -> None:
    """`--no-cache` turns it off: nothing is read or written until it is turned on again."""
    global _disabled
    _disabled = not enabled


def cache_dir() -> str:
    explicit = os.environ.get(ENV)
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "obslint")


@functools.cache
def _root(path: str) -> str | None:
    """The versioned directory under `path`, created private; None when it cannot be used."""
    root = os.path.join(path, _LAYOUT)
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        for d in (path, root):
            st = os.stat(d)
            getuid = getattr(os, "getuid", None)  # POSIX only
            if getuid is not None and st.st_uid != getuid():  # another user's directory could hold anything
                return None
            if st.st_mode & 0o077:
                os.chmod(d, 0o700)
    except OSError:
        return None
    return root


def _dir() -> str | None:
    return None if _disabled else _root(cache_dir())


def key_of(*parts: Any) -> str:
    """A key: the SHA-256 of the parts' JSON form."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _entry_path(root: str, kind: str, key: str) -> str:
    return os.path.join(root, kind, key + ".json")


def get(kind: str, key: str) -> Any | None:
    """The value stored under (kind, key), or None: missing, unreadable or not intact."""
    root = _dir()
    if root is None:
        return None
    path = _entry_path(root, kind, key)
    try:
        with open(path, "rb") as fh:
            entry = json.loads(fh.read())
        value = entry["value"]
        intact = (
            entry["kind"] == kind
            and entry["key"] == key
            and entry["sha256"] == hashlib.sha256(_dump(value).encode()).hexdigest()
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        intact = False
    if not intact:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return value


def put(kind: str, key: str, value: Any) -> None:
    """Store a JSON-able value; a cache that cannot be written is skipped silently."""
    root = _dir()
    if root is None:
        return
    path = _entry_path(root, kind, key)
    body = _dump(value)
    entry = json.dumps({"kind": kind, "key": key, "sha256": hashlib.sha256(body.encode()).hexdigest(), "value": value})
    try:
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(entry)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return
    _maybe_prune(root)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_pruned = False


def _maybe_prune(root: str) -> None:
    """Prune at most once per process, and only when the last pruning is old."""
    global _pruned
    if _pruned:
        return
    _pruned = True
    stamp = os.path.join(root, ".pruned")
    try:
        if time.time() - os.stat(stamp).st_mtime < _PRUNE_EVERY:
            return
    except OSError:
        pass
    prune(root)
    with contextlib.suppress(OSError), open(stamp, "w"):
        pass


def prune(root: str, max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently used entries until the cache holds at most max_bytes, and the
    temporary files of runs that were killed while writing (older than a day)."""
    entries = []
    now = time.time()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if name.startswith(".tmp-"):
                if now - st.st_mtime > 86400:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            elif name.endswith(".json"):
                entries.append((st.st_mtime, st.st_size, path))
    total = sum(size for _t, size, _p in entries)
    for _mtime, size, path in sorted(entries):
        if total <= max_bytes:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            total -= size
