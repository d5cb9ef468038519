"""What identifies the code that produced a cached output: obslint itself and the tools it ran.

obslint is identified by its version and by the size and modification time of every file of the
package (an edited checkout is a different obslint even at the same version); rule plugins are
the run cache's business (obslint.cache.run_results). A tool is identified by its resolved path and its
file's size, modification and change times: a reinstalled or upgraded binary is a new tool,
without starting it to ask for its version.
"""

from __future__ import annotations

import functools
import os
import sys

import obslint
from obslint import __version__

_PACKAGE = os.path.dirname(os.path.abspath(obslint.__file__))


@functools.cache
def obslint_fingerprint() -> list:
    files = []
    for dirpath, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            files.append([os.path.relpath(path, _PACKAGE), st.st_size, st.st_mtime_ns])
    return [__version__, list(sys.version_info[:3]), files]


def tool_identity(path: str | None) -> list | None:
    """[resolved path, size, mtime, ctime] of a tool's file; None when it is not installed."""
    if path is None:
        return None
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return [real]
    return [real, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
