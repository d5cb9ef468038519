"""External tool runs (promtool, amtool) by exactly what the tool was given.

obslint.tools.start_tool writes `files` into an empty private directory and runs `argv` there with
a fixed environment, so the tool's output is a function of the tool, its arguments and those
files. The key is the tool's identity (obslint.cache.fingerprint), the arguments, each file's name
and SHA-256, and obslint's version. Runs that timed out or could not start are not stored; the
texts stored pass through the caller's redactor first, as they would before being shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from hashlib import sha256

from obslint import __version__
from obslint.cache import store
from obslint.cache.fingerprint import tool_identity

KIND = "tool"


def tool_key(argv: Sequence[str], files: Mapping[str, str]) -> str:
    contents = sorted((name, sha256(text.encode()).hexdigest()) for name, text in files.items())
    return store.key_of(KIND, __version__, tool_identity(argv[0]), list(argv[1:]), contents)


def lookup(key: str) -> tuple[int, str, str] | None:
    """(returncode, stdout, stderr) of a stored run."""
    value = store.get(KIND, key)
    try:
        code, out, err = value["returncode"], value["stdout"], value["stderr"]
    except (TypeError, KeyError):
        return None
    if not (isinstance(code, int) and isinstance(out, str) and isinstance(err, str)):
        return None
    return code, out, err


def save(key: str, returncode: int, stdout: str, stderr: str, redact: Callable[[str], str]) -> None:
    try:  # in the tool's thread, while rules may still register secrets with the redactor
        value = {"returncode": returncode, "stdout": redact(stdout), "stderr": redact(stderr)}
    except Exception:
        return  # not stored rather than stored unredacted
    store.put(KIND, key, value)
