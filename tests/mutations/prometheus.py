"""Mutations for the PROM family (Prometheus rules and their selection)."""

from tests.mutations import StackCopy, mutation

RULES = "infrastructure/monitoring/config/prometheusrules.yaml"


@mutation("prometheusrule-bad-expression", {"PROM001"})
def bad_expression(stack: StackCopy) -> None:
    """rate() over an instant vector: promtool rejects the rule file."""
    stack.replace(
        RULES,
        'sum(rate(loki_distributor_lines_received_total{namespace="monitoring"}[15m])) == 0',
        'sum(rate(loki_distributor_lines_received_total{namespace="monitoring"})) == 0',
    )


@mutation("prometheusrule-missing-release-label", {"PROM002"})
def missing_release_label(stack: StackCopy) -> None:
    """The cert-manager PrometheusRule loses the `release` label the chart's ruleSelector wants."""
    stack.replace(
        RULES,
        "  name: cert-manager\n  namespace: monitoring\n  labels:\n    release: kube-prometheus-stack\n",
        "  name: cert-manager\n  namespace: monitoring\n  labels:\n    app: cert-manager\n",
    )
