"""Every finding reads well (tests/core/test_messages.py) on a sample of the real repositories in
../shared/corpus-full: small and medium ones that together fire most families (tests/corpus/shared.py: skipped
without the corpus, required in CI)."""

from __future__ import annotations

import pytest

from tests.conftest import check
from tests.core.test_messages import finding_problems
from tests.corpus.shared import CORPUS_FULL, absent_reason, present

SAMPLE = (
    "fluxcd__flux2-monitoring-example",
    "kmjayadeep__homelab-k8s",
    "CowDogMoo__Walls-of-Excellence",
    "toboshii__home-ops",
)


@pytest.mark.skipif(not present(CORPUS_FULL), reason=absent_reason(CORPUS_FULL))
@pytest.mark.parametrize("name", SAMPLE)
def test_messages_on_corpus_sample(name):
    repo = CORPUS_FULL / name
    assert repo.is_dir(), f"{repo} is missing from the corpus"
    result = check(repo)
    assert result.findings
    assert finding_problems(result.findings) == []
