"""SemVer versions and the version constraints Flux accepts for a chart.

Flux (source-controller, for `HelmChart.spec.version` and `OCIRepository.spec.ref.semver`) reads
constraints with Masterminds/semver v3 (github.com/Masterminds/semver, constraints.go):

* `,` or a space joins constraints that must all hold; `||` separates alternatives;
* operators `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~` / `~>` (patch-level changes), `^` (changes that
  keep the first non-zero part);
* `x`, `X` and `*` are wildcards, and a missing part counts as one (`1.2` is `1.2.x`);
* `1.2 - 1.4.5` is a hyphen range (`>=1.2 <=1.4.5`);
* a pre-release version satisfies a constraint only when the constraint names a pre-release itself.

Only what choosing a chart version needs is here: parsing, ordering and `satisfies`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, total_ordering

_VERSION = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    def _key(self) -> tuple:
        # SemVer 2 §11: a pre-release sorts below its release; numeric identifiers below alphanumeric ones.
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return text + ("-" + ".".join(str(p) for p in self.pre) if self.pre else "")


def _pre(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


@cache
def parse(text: str) -> Version | None:
    """A version such as `80.6.0`, `v1.2.3`, `2.0.0-rc.1` (or Masterminds' loose `1.2`), else None."""
    m = _VERSION.match(str(text).strip())
    if m is None:
        return None
    return Version(int(m["major"]), int(m["minor"] or 0), int(m["patch"] or 0), _pre(m["pre"]))


def is_exact(text: str) -> bool:
    """Whether the text names one version (all three parts), not a constraint."""
    m = _VERSION.match(str(text).strip())
    return m is not None and m["minor"] is not None and m["patch"] is not None


# --- constraints ---------------------------------------------------------------------------------
_PART = r"(?:[0-9]+|[xX*])"
_TERM = re.compile(
    rf"^(?P<op>!=|>=|=>|<=|=<|~>|[=<>~^])?\s*v?(?P<major>{_PART})(?:\.(?P<minor>{_PART}))?(?:\.(?P<patch>{_PART}))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")
_OP_SPACE = re.compile(r"(!=|>=|=>|<=|=<|~>|[=<>~^])\s+")


@dataclass(frozen=True)
class _Term:
    """One comparison against a version with `parts` significant parts (fewer parts: a wildcard)."""

    op: str
    version: Version
    parts: int  # 0: `*`, 1: `1.x`, 2: `1.2.x`, 3: exact

    def holds(self, v: Version) -> bool:
        base = self.version
        if self.op in ("", "="):
            if self.parts == 3:
                return v == base
            return self._low() <= v < self._high()
        if self.op == "!=":
            return not (self._low() <= v < self._high()) if self.parts < 3 else v != base
        if self.op == ">":
            return v >= self._high() if self.parts < 3 else v > base
        if self.op == ">=":
            return v >= base
        if self.op == "<":
            return v < base
        if self.op == "<=":
            return v < self._high() if self.parts < 3 else v <= base
        if self.op == "~":  # ~1.2.3 -> <1.3.0; ~1 -> <2.0.0
            upper = Version(base.major + 1, 0, 0) if self.parts == 1 else Version(base.major, base.minor + 1, 0)
            return base <= v < _floor(upper)
        # ^: the first non-zero part stays (^0.2.3 -> <0.3.0, ^0.0.3 -> <0.0.4, ^1.2 -> <2.0.0)
        if base.major > 0 or self.parts == 1:
            upper = Version(base.major + 1, 0, 0)
        elif base.minor > 0 or self.parts == 2:
            upper = Version(0, base.minor + 1, 0)
        else:
            upper = Version(0, 0, base.patch + 1)
        return base <= v < _floor(upper)

    def _low(self) -> Version:
        return self.version if self.parts else Version(0, 0, 0)

    def _high(self) -> Version:
        b = self.version
        if self.parts == 0:
            return Version(1 << 62, 0, 0)
        if self.parts == 1:
            return _floor(Version(b.major + 1, 0, 0))
        if self.parts == 2:
            return _floor(Version(b.major, b.minor + 1, 0))
        return b


def _floor(v: Version) -> Version:
    """The lowest version of a release line: below every pre-release of `v` (`2.0.0-0`)."""
    return Version(v.major, v.minor, v.patch, (0,))


def _term(text: str) -> _Term | None:
    m = _TERM.match(text.strip())
    if m is None:
        return None
    parts = []
    for name in ("major", "minor", "patch"):
        value = m[name]
        if value is None or value in "xX*":
            break
        parts.append(int(value))
    version = Version(*(parts + [0] * (3 - len(parts))), _pre(m["pre"]))  # type: ignore[arg-type]
    op = {"=>": ">=", "=<": "<=", "~>": "~"}.get(m["op"] or "", m["op"] or "")
    return _Term(op, version, len(parts))


@dataclass(frozen=True)
class Constraint:
    alternatives: tuple[tuple[_Term, ...], ...]  # any alternative whose terms all hold

    def allows(self, v: Version) -> bool:
        for terms in self.alternatives:
            # Masterminds v3: a pre-release matches only a constraint that names a pre-release
            if v.pre and not any(t.version.pre for t in terms):
                continue
            if all(t.holds(v) for t in terms):
                return True
        return False


@cache
def constraint(text: str) -> Constraint | None:
    """The constraint of a chart version field, or None when it does not parse."""
    text = str(text).strip()
    if not text or len(text) > 256:
        return None
    alternatives = []
    for alt in text.split("||"):
        hyphen = _HYPHEN.match(alt)
        pieces = [f">={hyphen[1]}", f"<={hyphen[2]}"] if hyphen else _OP_SPACE.sub(r"\1", alt).replace(",", " ").split()
        terms = [_term(p) for p in pieces]
        if not terms or any(t is None for t in terms):
            return None
        alternatives.append(tuple(t for t in terms if t is not None))
    return Constraint(tuple(alternatives))
