"""A check that runs out of stack (RecursionError) or memory (MemoryError) on hostile input: where in
the repository it was, and what to say.

obslint walks untrusted structures (route trees, nested values, kustomize bases); the loaders cap
what they read (obslint.load.yamlfile MAX_DEPTH, MAX_EXPANDED), but a walk that recurses a few frames
per level can still reach Python's recursion limit below those caps. Such a failure is reported as a
finding of CORE006 too-complex at the innermost repository node the failing code was handling, not
as a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from obslint.findings import Loc
from obslint.load import SourceFile, YMap, YSeq
from obslint.objects import K8sObject

EXHAUSTION = (RecursionError, MemoryError)
REPOSITORY = Loc(".", 1, 1)  # where nothing more precise is known
T = TypeVar("T")


def exhaustion_loc(exc: BaseException) -> Loc:
    """The position of the innermost YAML node or object the failing frames held in a local
    variable (the structure being walked when the stack or memory ran out), else of the innermost
    file they held."""
    frames: list[TracebackType] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    file_loc: Loc | None = None
    for frame in reversed(frames):
        for value in frame.tb_frame.f_locals.values():
            if isinstance(value, SourceFile):
                file_loc = file_loc or value.loc(1, 1)
                continue
            loc = _node_loc(value)
            if loc is not None:
                return loc
    return file_loc or REPOSITORY


def _node_loc(value: Any) -> Loc | None:
    try:
        if isinstance(value, (YMap, YSeq, K8sObject)):
            return value.loc()
    except Exception:  # a half-built node: keep looking further out
        return None
    return None


def exhaustion_message(what: str, exc: BaseException) -> str:
    """Why `what` (a rule, a build step) stopped, in the words of a finding."""
    if isinstance(exc, MemoryError):
        return f"{what} ran out of memory here; not checked"
    return f"{what} stopped here: the structure nests too deeply to walk (Python's recursion limit); not checked"


def contained(over_limit: Callable[[Loc, str], None], what: str, fallback: T, fn: Callable[[], T]) -> T:
    """fn(), or `fallback` when it runs out of stack or memory, recorded with `over_limit` (one
    step of building the model - a patch, a substitution - that must not end the whole run)."""
    try:
        return fn()
    except EXHAUSTION as exc:
        over_limit(exhaustion_loc(exc), exhaustion_message(what, exc))
        return fallback
