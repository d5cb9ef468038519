"""STOR/LOKI/GRAF over the monitoring slices of real repositories in ../shared/corpus: no crash, and known
findings (tests/corpus/shared.py: skipped without the corpus, required in CI)."""

from __future__ import annotations

import pytest

from tests.conftest import check
from tests.corpus.shared import CORPUS_SLICES, absent_reason, params, present

FLUX2_MONITORING_EXAMPLE = CORPUS_SLICES / "fluxcd__flux2-monitoring-example"


@pytest.mark.parametrize("root", params(CORPUS_SLICES, sorted(p for p in CORPUS_SLICES.glob("*") if p.is_dir())))
def test_corpus_runs_clean(root):
    result = check(root, select=["STOR", "LOKI", "GRAF"])
    assert not result.errors, result.errors


@pytest.mark.skipif(not present(CORPUS_SLICES), reason=absent_reason(CORPUS_SLICES))
def test_corpus_known_findings():
    assert FLUX2_MONITORING_EXAMPLE.is_dir(), f"{FLUX2_MONITORING_EXAMPLE} is missing from the corpus"
    found = {
        (f.rule, f.loc.path, f.loc.line)
        for f in check(FLUX2_MONITORING_EXAMPLE, select=["STOR", "LOKI", "GRAF"]).findings
    }
    # retention_period 24h with no compactor retention; Promtail tenant "1" to a single-tenant Loki;
    # Prometheus without storageSpec (emptyDir)
    assert ("LOKI001", "monitoring/controllers/loki-stack/release.yaml", 54) in found
    assert ("LOKI005", "monitoring/controllers/loki-stack/promtail-release.yaml", 24) in found
    assert ("STOR003", "monitoring/controllers/kube-prometheus-stack/release.yaml", 30) in found  # valuesFrom read
