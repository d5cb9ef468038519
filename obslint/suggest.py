"""Did-you-mean suggestions for names the user wrote and the names that exist.

`closest` is case-insensitive first (`Summary` is `summary` misspelt), then difflib's ratio
(https://docs.python.org/3/library/difflib.html#difflib.get_close_matches) above `cutoff`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

DEFAULT_CUTOFF = 0.75


def closest(word: str, candidates: Iterable[str], cutoff: float = DEFAULT_CUTOFF) -> str | None:
    """The candidate the word most likely meant, or None when none is close enough."""
    lowered: dict[str, str] = {}
    for c in candidates:
        lowered.setdefault(c.lower(), c)
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = DEFAULT_CUTOFF) -> str:
    """`" (did you mean X?)"` to append to a message, or "" when nothing is close."""
    found = closest(word, candidates, cutoff)
    return f" (did you mean {found}?)" if found is not None and found != word else ""
