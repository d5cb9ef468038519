"""Severities, source locations and findings: the data every layer shares."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from obslint.fix.edits import Fix


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Basis(enum.Enum):
    """What a verdict rests on; it caps the severity (README, "Severity policy").

    The world is open: things are installed at bootstrap, operators create Secrets, clusters share a
    repository, values come from places obslint cannot read. Only what obslint reads may make an
    error; a verdict that needs an assumption about the rest of the world is at most a warning."""

    CERTAIN = "certain"  # what obslint reads decides it
    ASSUMPTION = "assumption"  # rests on an assumption about the world: likely, not certain
    STYLE = "style"  # a choice or a convention

    @property
    def ceiling(self) -> Severity:
        """The most severe level a finding on this basis may have."""
        return _CEILING[self]

    def __str__(self) -> str:
        return self.value


_CEILING = {Basis.CERTAIN: Severity.ERROR, Basis.ASSUMPTION: Severity.WARNING, Basis.STYLE: Severity.INFO}


@dataclass(frozen=True, order=True)
class Loc:
    """A position in a file of the checked tree: path relative to the root, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Related:
    """Another place that takes part in a finding (the producer of a missing dependency, the
    first copy of a duplicate, the alerts a dropped route swallows)."""

    loc: Loc
    message: str


@dataclass(frozen=True)
class Finding:
    """What a rule reports. Rules fill loc, message and hint; the runner stamps the rule fields.

    One cause gives one finding: the other places it involves go in `related`. `clusters` names
    the clusters in which it arises (empty when the repository defines no cluster, or the rule
    does not reason per cluster); the runner merges a finding that arises identically in several
    clusters into one that names them all."""

    loc: Loc
    message: str
    hint: str = ""
    rule: str = ""
    name: str = ""
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = field(default=(), compare=False, hash=False)
    clusters: frozenset[str] = field(default=frozenset(), compare=False, hash=False)
    # Extra structured facts for machine consumers (never secret values).
    data: dict = field(default_factory=dict, compare=False, hash=False)
    basis: Basis | None = field(default=None, compare=False, hash=False)
    # The edit that resolves it, for `obslint check --fix` (rules declared `fixable` only).
    fix: Fix | None = field(default=None, compare=False, hash=False, repr=False)

    def stamped(self, rule: str, name: str, severity: Severity) -> Finding:
        """The finding of `rule` at `severity`, lowered to what its own basis allows."""
        if self.basis is not None:
            severity = min(severity, self.basis.ceiling)
        return replace(self, rule=rule, name=name, severity=severity)

    @property
    def sort_key(self) -> tuple:
        return (self.loc.path, self.loc.line, self.loc.col, self.rule, self.message)


def few(names: Sequence[str], shown: int = 3) -> str:
    """`a, b, c and 4 more`: the first names of a list and how many are left out."""
    head = ", ".join(names[:shown])
    return f"{head} and {len(names) - shown} more" if len(names) > shown else head


def cluster_names(cluster: object | None) -> frozenset[str]:
    """`Finding.clusters` for a finding that arises in `cluster` (None: no cluster known)."""
    return frozenset({str(cluster)}) if cluster is not None else frozenset()
