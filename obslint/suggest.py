"""Did-you-mean suggestions for names written by hand: rule names, directives, configuration keys.

Every place that rejects a name the user typed offers the closest known one, so a typo costs one
look instead of a search through the documentation. Matching is case-insensitive (rule ids are
upper-case, names lower-case, and both are accepted in either case) and uses difflib's ratio, which
rewards long common runs: `disabel` -> `disable`, `AM03` -> `AM003`, `unused-receivers` ->
`unused-receiver`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# One dropped, doubled or changed character in a name of four characters or more still matches
# (`AM03`, `disabel`); difflib's default of 0.6 also pairs different words (`enable` -> `disable`).
CUTOFF = 0.75


def closest(word: str, candidates: Iterable[str], n: int = 1, cutoff: float = CUTOFF) -> list[str]:
    """Up to n candidates close to `word`, best first, in their own spelling. A candidate equal
    to `word` but for case counts as the closest of all."""
    by_folded: dict[str, str] = {}
    for c in candidates:
        by_folded.setdefault(c.casefold(), c)
    folded = word.strip().casefold()
    if not folded:
        return []
    if folded in by_folded:
        return [by_folded[folded]]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(folded)
    scored = []
    for key, original in by_folded.items():
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff:
                scored.append((-score, original))
    # Equal scores in alphabetical order, so the suggestion does not depend on the registry's order.
    return [original for _, original in sorted(scored)[:n]]


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1, cutoff: float = CUTOFF) -> str:
    """` (did you mean X?)` to append to a message about `word`, or "" when nothing is close.
    With n > 1: ` (did you mean X, Y or Z?)`."""
    found = closest(word, candidates, n, cutoff)
    if not found or found == [word]:
        return ""
    names = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} or {found[-1]}"
    return f" (did you mean {names}?)"
