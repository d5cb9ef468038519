"""What a controller would refuse, or do differently from what the author wrote."""

from __future__ import annotations

from dataclasses import dataclass

from obslint.findings import Loc


@dataclass(frozen=True)
class Problem:
    """One problem met while building objects.

    `kind` is a stable kebab-case name callers dispatch on; `message` is one line for a finding
    (never a secret value). `certain` is False when the outcome depends on something obslint
    cannot see (text around a value, a controller version): callers report those as warnings
    at most."""

    kind: str
    message: str
    loc: Loc | None = None
    certain: bool = True
