"""PROM008 removed-metric: knowledge base lookups over the AST's metric names."""

from __future__ import annotations

import pytest

from obslint.rules.prometheus.metrics import knowledge_base, lookup
from tests.conftest import check


def _file(expr: str, extra: str = "") -> dict[str, str]:
    return {
        "rules.yaml": f"groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: '{expr}'\n{extra}"
    }


@pytest.mark.parametrize(
    "expr, fires",
    [
        ('gotk_reconcile_condition{type="Ready", status="False"} == 1', True),
        ("sum(gotk_suspend_status) > 0", True),
        ('{__name__="gotk_reconcile_condition"}', True),
        ("sum by (namespace) (kube_pod_container_resource_requests_cpu_cores)", True),
        ("kube_hpa_status_current_replicas", True),
        ("rate(node_cpu[5m])", True),
        ("rate(node_cpu_seconds_total[5m])", False),
        ('gotk_resource_info{ready="False"}', False),
        ("kube_daemonset_status_updated_number_scheduled or kube_daemonset_updated_number_scheduled", False),
        ("kube_horizontalpodautoscaler_status_current_replicas", False),
    ],
)
def test_removed_metrics(repo, expr, fires):
    result = check(repo(_file(expr)), select=["PROM008"])
    assert not result.errors
    assert bool(result.findings) == fires, result.findings
    if fires:
        assert result.findings[0].loc.line == 5
        assert "http" in result.findings[0].hint.splitlines()[1]  # the source of the removal


def test_metrics_recorded_in_the_repo_are_not_reported(repo):
    extra = "      - record: node_cpu\n        expr: sum(node_cpu_seconds_total)\n"
    result = check(repo(_file("rate(node_cpu[5m])", extra)), select=["PROM008"])
    assert result.findings == []


def test_knowledge_base_cites_a_source_for_every_entry():
    exact, prefixes = knowledge_base()
    assert "gotk_reconcile_condition" in exact and "kube_hpa_" in prefixes
    for entry in [*exact.values(), *prefixes.values()]:
        assert entry.source.startswith("https://"), entry
        assert entry.replacement and entry.advice
    assert lookup("kube_hpa_spec_max_replicas").replacement == "kube_horizontalpodautoscaler_spec_max_replicas"
