"""Where a run's repository starts, and which of its findings the PATH arguments ask for.

The root is found the way ruff finds its project (https://docs.astral.sh/ruff/configuration/,
"Config file discovery"): the nearest directory, from the PATHs - or the current directory - up,
that holds `.git`, `.obslint.yaml` / `.obslint.yml`, or a pyproject.toml with a `[tool.obslint]`
table. Without one, the root is the single PATH given (as before), or the current directory
when no PATH is given; several PATHs need a repository that holds them all.

The whole root is analysed, because obslint reads a repository as one system (Flux roots,
`dependsOn` and kustomize references across directories); the PATHs only narrow which findings
are reported. They never widen the run to a common parent of theirs.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from obslint.config_files import CONFIG_NAMES
from obslint.errors import UsageError

GIT_MARKER = ".git"  # a directory, or a file in worktrees and submodules (gitrepository-layout(5))
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Scope:
    """The root a run analyses, and the paths under it (relative, `/`-separated) whose findings it
    reports; no paths: all of them."""

    root: str
    only: tuple[str, ...] = ()

    def reports(self, rel: str) -> bool:
        return not self.only or any(_under(rel, p) for p in self.only)

    def unlisted(self, listed: Iterable[str]) -> list[str]:
        """Notices for the PATHs that hold no file of the run (gitignored, excluded or empty): their
        report would be empty without saying why."""
        empty = [p for p in self.only if not any(_under(rel, p) for rel in listed)]
        return [f"{p}: no file there is linted (ignored by git, excluded, or empty)" for p in empty]


def _under(rel: str, path: str) -> bool:
    return rel == path or rel.startswith(path + "/")


def has_root_marker(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, GIT_MARKER)) or has_obslint_config(directory)


def has_obslint_config(directory: str) -> bool:
    if any(os.path.isfile(os.path.join(directory, name)) for name in CONFIG_NAMES):
        return True
    return _pyproject_has_obslint(os.path.join(directory, PYPROJECT))


def _pyproject_has_obslint(path: str) -> bool:
    """A pyproject.toml marks the root only with a [tool.obslint] table (ruff: [tool.ruff]). One that
    does not parse still marks it when it names the table, so that loading it reports the error."""
    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return b"tool.obslint" in raw
    tool = data.get("tool")
    return isinstance(tool, dict) and "obslint" in tool


def _ancestors(directory: str) -> Iterable[str]:
    """directory, its parent, ... up to the filesystem root."""
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def find_root(directory: str) -> str | None:
    """The nearest directory at or above `directory` (absolute) that holds a root marker."""
    return next((d for d in _ancestors(directory) if has_root_marker(d)), None)


def git_work_tree(directory: str) -> str | None:
    """The nearest directory at or above `directory` (absolute) that holds `.git`: the top of the
    git work tree it lies in, found without running git."""
    return next((d for d in _ancestors(directory) if os.path.exists(os.path.join(d, GIT_MARKER))), None)


def discover(paths: list[str], cwd: str | None = None) -> Scope:
    """The root to analyse and what to report, for `obslint check [PATH...]`; a usage error for a
    missing PATH, PATHs in different repositories, or a root that is the home directory or `/`.

    PATHs in different repositories are refused rather than run one after another: one run has one
    configuration, one report and one exit code."""
    here = os.path.realpath(cwd or os.getcwd())
    if not paths:
        root = find_root(here) or here
        _refuse_broad_root(root)
        return Scope(root)
    real = {p: os.path.realpath(os.path.join(here, p)) for p in paths}
    for p, r in real.items():
        if not os.path.exists(r):
            raise UsageError(f"{p}: no such file or directory")
    found = {p: find_root(r if os.path.isdir(r) else os.path.dirname(r)) for p, r in real.items()}
    roots = sorted({r for r in found.values() if r is not None})
    if len(roots) > 1:
        named = ", ".join(f"{p} ({found[p]})" for p in paths)
        raise UsageError(f"the PATHs are in different repositories: {named}; run obslint once for each")
    if roots:
        root = roots[0]
    elif len(paths) == 1:
        root = real[paths[0]]  # no marker anywhere above: the PATH itself is the root, as before
    else:  # their common parent would be a guess, and may be /tmp or a home directory
        raise UsageError(
            f"{', '.join(paths)}: no repository holds these PATHs (no .git, {' / '.join(CONFIG_NAMES)} or "
            f"[tool.obslint] above them); check one at a time, or mark their repository's root with {CONFIG_NAMES[0]}"
        )
    _refuse_broad_root(root)
    only = []
    for p in paths:
        rel = os.path.relpath(real[p], root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise UsageError(f"{p} is outside the repository root {root}")
        if rel == os.curdir:
            return Scope(root)  # the whole root asked for
        only.append(rel.replace(os.sep, "/"))
    return Scope(root, tuple(only))


def _refuse_broad_root(root: str) -> None:
    """A root that is the home directory or `/` is a mistake (obslint run outside any repository,
    or a home directory under git for its dotfiles): it would read every file below, for minutes.
    An obslint configuration there says it is meant."""
    home = os.path.realpath(os.path.expanduser("~"))
    if root in (home, os.path.realpath(os.sep)) and not has_obslint_config(root):
        where = "the home directory" if root == home else "/"
        raise UsageError(
            f"the repository root would be {where} ({root}); run obslint inside the repository, or mark "
            f"its root with an {CONFIG_NAMES[0]} file"
        )


def repository_base(root: str) -> tuple[str, str]:
    """(the top of the git work tree the root lies in - else the root's directory -, and what to put
    before a root-relative path to make it relative to that top: `""` or `dir/`). GitHub resolves the
    paths of annotations and code-scanning results against the top of the repository, not against
    the directory obslint ran in (docs.github.com, "SARIF support for code scanning",
    physicalLocation: "a relative path from the root of the GitHub repository being analyzed")."""
    directory = os.path.abspath(root if os.path.isdir(root) else os.path.dirname(root))
    top = git_work_tree(directory) or directory
    rel = os.path.relpath(directory, top)
    return top, "" if rel == os.curdir else rel.replace(os.sep, "/") + "/"
