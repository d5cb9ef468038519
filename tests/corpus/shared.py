"""Where the corpus of real repositories lives, and what the corpus suite does without it.

The corpus (`corpus/`: monitoring slices, `corpus-full/`: full trees of public GitOps repositories) is not part of
the project and is never copied into it. It sits in ../shared beside the repository, or wherever the environment
variable OBSLINT_SHARED points (a relative value is taken from the repository root, like the default).

Without it the suite is still collected, each test skipped with the reason (so no parameter list comes out empty
unnoticed); in CI (the `CI` variable, as for the external tools: tests.conftest.in_ci) a missing corpus fails the
collection instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import ROOT, in_ci

SHARED_ENV = "OBSLINT_SHARED"


def shared_dir() -> Path:
    value = os.environ.get(SHARED_ENV)
    return ROOT / value if value else ROOT.parent / "shared"  # an absolute value replaces ROOT


SHARED = shared_dir()
CORPUS_FULL = SHARED / "corpus-full"
CORPUS_SLICES = SHARED / "corpus"


def absent_reason(corpus: Path) -> str:
    return f"corpus {corpus} not present (set {SHARED_ENV} to the directory holding corpus/ and corpus-full/)"


def present(corpus: Path) -> bool:
    """Whether the corpus directory is there; in CI its absence fails the collection of the calling module."""
    if corpus.is_dir():
        return True
    if in_ci():
        pytest.fail(f"{absent_reason(corpus)}: the corpus suite requires it in CI", pytrace=False)
    return False


def params(corpus: Path, items: Iterable[Path]) -> list:
    """One parameter per item (its id the path below the corpus); with the corpus absent, a single skipped one."""
    if not present(corpus):
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=absent_reason(corpus)))]
    out = [pytest.param(p, id=p.relative_to(corpus).as_posix()) for p in items]
    assert out, f"nothing to test in the corpus {corpus}"
    return out
