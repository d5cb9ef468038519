"""The Alloy parser and ALLOY006 on the Alloy configs of real repositories in ../shared/corpus
(tests/corpus/shared.py: skipped without the corpus, required in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from obslint.alloy import parse
from tests.conftest import check
from tests.corpus.shared import CORPUS_SLICES, absent_reason, params, present

BJW_S_ALLOY = CORPUS_SLICES / "bjw-s-labs__home-ops/kubernetes/apps/observability/alloy/app/resources/config.alloy"


def _configs() -> list[Path]:
    return sorted(p for p in CORPUS_SLICES.rglob("*") if p.suffix in (".alloy", ".river") and p.is_file())


@pytest.mark.parametrize("path", params(CORPUS_SLICES, _configs()))
def test_corpus_files_parse(path: Path) -> None:
    assert [str(d) for d in parse(path.read_text()).diagnostics] == []


@pytest.mark.skipif(not present(CORPUS_SLICES), reason=absent_reason(CORPUS_SLICES))
def test_known_attributes_pass(tmp_path) -> None:
    assert BJW_S_ALLOY.is_file(), f"{BJW_S_ALLOY} is missing from the corpus"
    (tmp_path / "alloy").mkdir()
    (tmp_path / "alloy" / "config.alloy").write_text(BJW_S_ALLOY.read_text())
    assert check(tmp_path, select=["ALLOY006"]).findings == []
