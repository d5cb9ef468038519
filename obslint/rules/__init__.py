"""Rule declaration and the registry.

A rule is a function `check(ctx) -> Iterable[Finding]` declared with `@rule(...)`:

```python
@rule("FLUX002", "missing-depends-on", "warning",
      "A Kustomization or HelmRelease uses what another creates without depending on it",
      basis=Basis.ASSUMPTION, why="...", failing=EXAMPLE_FAIL, passing=EXAMPLE_PASS, fix="...")
def missing_depends_on(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.index.of_kind("Kustomization"):
        yield Finding(obj.loc("spec"), "message", hint="how to fix")
```

`basis` (required) says what the verdict rests on and caps the severity: Basis.CERTAIN (what
obslint reads decides it) allows error, Basis.ASSUMPTION (the world outside the repository could
make it right) at most warning, Basis.STYLE is info. tests/core/test_severity_policy.py holds every
rule to it. A rule whose findings are not all equally sure gives the less sure ones
`Finding(..., basis=Basis.ASSUMPTION)`: the runner stamps them at most a warning.

`scope` says what a finding is about. Scope.APPLIED (the default): what a cluster runs, so a
finding inside a tree nothing applies is folded into that tree's one unapplied-tree finding
(obslint.model.unapplied). Scope.REPOSITORY: the repository itself (a credential committed in
clear leaks whether or not anything applies the file), never folded.

`fixable=True` says that some findings carry `Finding.fix` (obslint.fix.edits): the edit of one
mapping that resolves them, which `obslint check --fix` applies.

Examples are small repositories in a txtar-like form: `-- path/to/file.yaml --` lines start
each file; text before any marker is `example.yaml`. The test suite runs every rule's
failing example (it must fire) and passing example (it must not).

Rules reach the registry when their module is imported. Modules are listed in the
`obslint.rules` entry point group, so a third-party package adds rules by declaring
`[project.entry-points."obslint.rules"] mine = "my_pkg.obslint_rules"`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from obslint.findings import Basis, Finding, Severity

if TYPE_CHECKING:
    from obslint.config import Config
    from obslint.fix.edits import Fix
    from obslint.index import Index

ENTRY_POINT_GROUP = "obslint.rules"


class RuleOptions(BaseModel):
    """Base of every rule's options model: unknown keys are errors (a misspelt option must not be
    ignored silently), fields may be given by name or alias, and pydantic builds the validator only
    when a configuration actually sets options (building all of them cost ~50 ms per run)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class Scope(enum.Enum):
    """What a rule's findings are about (see the module docstring)."""

    APPLIED = "applied"
    REPOSITORY = "repository"


ID_RE = re.compile(r"^[A-Z]+[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BUILTIN_MODULES = (
    "obslint.rules.core",
    "obslint.rules.flux",
    "obslint.rules.secrets",
    "obslint.rules.alertmanager",
    "obslint.rules.prometheus",
    "obslint.rules.storage",
    "obslint.rules.alloy",
    "obslint.rules.network",
)  # always loaded: an install whose metadata predates a family (an editable one) still has it

CheckFn = Callable[["RuleContext"], Iterable[Finding]]


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    name: str
    severity: Severity
    basis: Basis
    summary: str
    why: str
    failing: str
    passing: str
    fix: str
    check: CheckFn
    options: type[RuleOptions] | None = None
    module: str = ""
    scope: Scope = Scope.APPLIED
    fixable: bool = False  # its findings can carry a Finding.fix (`obslint check --fix`)

    @property
    def family(self) -> str:
        return re.sub(r"[0-9]+$", "", self.id)

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.name}>"


@dataclass
class RuleContext:
    """What a rule sees: the index, its validated options and the configuration.

    `options` is an instance of the rule's options model (its defaults when the configuration sets
    none), so rules read `ctx.options.x` and keep their defaults in one place; None for a rule
    without options."""

    index: Index
    rule: Rule
    options: Any
    config: Config

    def __post_init__(self) -> None:
        if self.options is None and self.rule.options is not None:
            self.options = self.rule.options.model_construct()

    def finding(
        self, loc: Any, message: str, hint: str = "", basis: Basis | None = None, fix: Fix | None = None, **data: Any
    ) -> Finding:
        return Finding(loc, message, hint, data=data, basis=basis, fix=fix)


class Registry:
    def __init__(self) -> None:
        self._by_id: dict[str, Rule] = {}
        self._by_name: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        if not ID_RE.match(rule.id):
            raise ValueError(f"rule id {rule.id!r} must be a family prefix and three digits, e.g. FLUX002")
        if not NAME_RE.match(rule.name):
            raise ValueError(f"rule name {rule.name!r} must be kebab-case")
        for table, key in ((self._by_id, rule.id), (self._by_name, rule.name)):
            other = table.get(key)
            if other is not None and other.module != rule.module:
                raise ValueError(f"rule {key} declared twice ({other.module} and {rule.module})")
            table[key] = rule

    def lookup(self, key: str) -> Rule | None:
        return self._by_id.get(key.strip().upper()) or self._by_name.get(key.strip().lower())

    def all(self) -> list[Rule]:
        return sorted(self._by_id.values(), key=lambda r: (r.family, r.id))

    def families(self) -> set[str]:
        return {r.family for r in self._by_id.values()}

    def spellings(self, families: bool = True) -> list[str]:
        """Every accepted way to name rules: ids, names and (where accepted) family prefixes."""
        return [*self._by_id, *self._by_name, *(sorted(self.families()) if families else ())]

    def resolve(self, keys: Iterable[str]) -> tuple[set[str], list[str]]:
        """Rule ids for ids, names or family prefixes; and the keys that named nothing."""
        ids: set[str] = set()
        unknown: list[str] = []
        families = self.families()
        for key in keys:
            key = key.strip()
            if not key:
                continue
            found = self.lookup(key)
            if found:
                ids.add(found.id)
            elif key.upper() in families:
                ids.update(r.id for r in self._by_id.values() if r.family == key.upper())
            else:
                unknown.append(key)
        return ids, unknown


REGISTRY = Registry()
_loaded = False


def rule(
    id: str,
    name: str,
    severity: str,
    summary: str,
    *,
    basis: Basis,
    why: str,
    failing: str,
    passing: str,
    fix: str,
    options: type[RuleOptions] | None = None,
    scope: Scope = Scope.APPLIED,
    fixable: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Declare and register a rule. `basis` is required and must be a Basis: it is what the
    severity policy test checks the severity against. `fixable`: some of its findings carry a
    `Finding.fix` (obslint.fix), which `obslint check --fix` applies."""
    if not isinstance(basis, Basis):
        raise TypeError(f"rule {id}: basis must be a Basis (CERTAIN, ASSUMPTION or STYLE), not {basis!r}")

    def register(fn: CheckFn) -> CheckFn:
        REGISTRY.add(
            Rule(
                id=id,
                name=name,
                severity=Severity.parse(severity),
                basis=basis,
                summary=summary.strip(),
                why=_dedent(why),
                failing=_dedent(failing),
                passing=_dedent(passing),
                fix=_dedent(fix),
                check=fn,
                options=options,
                module=fn.__module__,
                scope=scope,
                fixable=fixable,
            )
        )
        return fn

    return register


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"


def load_rules() -> Registry:
    """Import every rule module named in the `obslint.rules` entry point group (once)."""
    global _loaded
    if _loaded:
        return REGISTRY
    modules: list[str] = list(BUILTIN_MODULES)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        modules.append(ep.value.split(":")[0])
    for module in dict.fromkeys(modules):
        import_module(module)
    _loaded = True
    return REGISTRY


def example_files(text: str, default_name: str = "example.yaml") -> dict[str, str]:
    """Split an explain example into {path: content} (txtar-like `-- path --` markers)."""
    files: dict[str, str] = {}
    current = default_name
    buf: list[str] = []
    marker = re.compile(r"^-- (\S.*?) --$")
    for line in text.splitlines(keepends=True):
        m = marker.match(line.rstrip("\n"))
        if m:
            if buf and "".join(buf).strip():
                files[current] = "".join(buf)
            current, buf = m.group(1), []
        else:
            buf.append(line)
    if buf and "".join(buf).strip():
        files[current] = "".join(buf)
    return files
