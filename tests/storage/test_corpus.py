"""STOR/LOKI/GRAF over the real repositories in ../shared/corpus: no crash, and known findings."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED, check

CORPUS = sorted(p for p in (SHARED / "corpus").glob("*") if p.is_dir()) if (SHARED / "corpus").is_dir() else []


@pytest.mark.parametrize("root", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_runs_clean(root, shared):
    result = check(root, select=["STOR", "LOKI", "GRAF"])
    assert not result.errors, result.errors


def test_corpus_known_findings(shared):
    root = shared / "corpus" / "fluxcd__flux2-monitoring-example"
    if not root.is_dir():
        pytest.skip("corpus repository not present")
    found = {(f.rule, f.loc.path, f.loc.line) for f in check(root, select=["STOR", "LOKI", "GRAF"]).findings}
    # retention_period 24h with no compactor retention; Promtail tenant "1" to a single-tenant Loki;
    # Prometheus without storageSpec (emptyDir)
    assert ("LOKI001", "monitoring/controllers/loki-stack/release.yaml", 54) in found
    assert ("LOKI005", "monitoring/controllers/loki-stack/promtail-release.yaml", 24) in found
    assert ("STOR003", "monitoring/controllers/kube-prometheus-stack/release.yaml", 30) in found  # valuesFrom read
