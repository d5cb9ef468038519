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


@mutation("alert-without-severity", {"PROM004"})
def alert_without_severity(stack: StackCopy) -> None:
    """CertificateExpiringSoon loses its severity label."""
    stack.replace(
        RULES,
        "          for: 1h\n          labels:\n            severity: warning\n          annotations:\n"
        "            summary: Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days\n",
        "          for: 1h\n          labels:\n            team: platform\n          annotations:\n"
        "            summary: Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days\n",
    )


@mutation("alert-without-annotations", {"PROM005"})
def alert_without_annotations(stack: StackCopy) -> None:
    """LokiNoLogsReceived loses its summary and description."""
    stack.replace(
        RULES,
        "          annotations:\n            summary: Loki has received no log lines for 30 minutes\n"
        "            description: >-\n"
        "              Loki is up but no log lines arrived in the last 30 minutes; the Alloy DaemonSet is probably\n"
        "              not shipping logs (check the alloy pods in the monitoring namespace).\n",
        "",
    )


@mutation("alert-without-threshold", {"PROM007"})
def alert_without_threshold(stack: StackCopy) -> None:
    """CertificateExpiringSoon loses its comparison: it fires for every certificate."""
    stack.replace(
        RULES,
        "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
        "certmanager_certificate_expiration_timestamp_seconds - time()",
    )


@mutation("flappy-alert-short-for", {"PROM010"})
def flappy_alert_short_for(stack: StackCopy) -> None:
    """LokiDown (absent of up == 1) waits only 30 seconds, one scrape interval of the stack's Prometheus."""
    stack.replace(
        RULES,
        "          for: 10m\n          labels:\n            severity: critical\n            namespace: monitoring\n",
        "          for: 30s\n          labels:\n            severity: critical\n            namespace: monitoring\n",
    )


@mutation("rule-range-beyond-retention", {"PROM003"})
def rule_range_beyond_retention(stack: StackCopy) -> None:
    """LokiNoLogsReceived looks at 8 days of data; the Prometheus keeps 7."""
    stack.replace(
        RULES,
        'sum(rate(loki_distributor_lines_received_total{namespace="monitoring"}[15m])) == 0',
        'sum(rate(loki_distributor_lines_received_total{namespace="monitoring"}[8d])) == 0',
    )


@mutation("alert-annotation-label-aggregated-away", {"PROM006"})
def annotation_label_aggregated_away(stack: StackCopy) -> None:
    """FluxReconciliationFailure aggregates customresource_kind away; its summary still names it."""
    stack.replace(
        RULES,
        "max by (exported_namespace, name, customresource_kind) (\n"
        '              gotk_resource_info{ready="False", suspended!="true"}\n'
        "            ) > 0\n"
        "          for: 15m\n",
        "max by (exported_namespace, name) (\n"
        '              gotk_resource_info{ready="False", suspended!="true"}\n'
        "            ) > 0\n"
        "          for: 15m\n",
    )


@mutation("alert-on-removed-flux-metric", {"PROM008"})
def alert_on_removed_flux_metric(stack: StackCopy) -> None:
    """FluxReconciliationFailureLong goes back to the removed gotk_reconcile_condition metric."""
    stack.replace(
        RULES,
        "max by (exported_namespace, name, customresource_kind) (\n"
        '              gotk_resource_info{ready="False", suspended!="true"}\n'
        "            ) > 0\n"
        "          for: 2h\n",
        "max by (exported_namespace, name, customresource_kind) (\n"
        '              gotk_reconcile_condition{type="Ready", status="False"}\n'
        "            ) > 0\n"
        "          for: 2h\n",
    )


@mutation("alert-defined-twice", {"PROM009"})
def alert_defined_twice(stack: StackCopy) -> None:
    """A stale PrometheusRule still defines CertificateExpiryImminent with an older threshold."""
    stack.append(
        RULES,
        "---\n"
        "apiVersion: monitoring.coreos.com/v1\n"
        "kind: PrometheusRule\n"
        "metadata:\n"
        "  name: cert-manager-old\n"
        "  namespace: monitoring\n"
        "  labels:\n"
        "    release: kube-prometheus-stack\n"
        "spec:\n"
        "  groups:\n"
        "    - name: cert-manager-old\n"
        "      rules:\n"
        "        - alert: CertificateExpiryImminent\n"
        "          expr: certmanager_certificate_expiration_timestamp_seconds - time() < 7 * 24 * 3600\n"
        "          for: 1h\n"
        "          labels:\n"
        "            severity: critical\n"
        "          annotations:\n"
        "            summary: Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within a week\n"
        "            description: cert-manager has not renewed {{ $labels.namespace }}/{{ $labels.name }}.\n",
    )


@mutation("annotation-query-with-nested-template", {"PROM011"})
def annotation_query_with_nested_template(stack: StackCopy) -> None:
    """CertificateExpiryImminent lists not-ready certificates with a query whose text holds {{ $labels.name }}."""
    stack.replace(
        RULES,
        "              cert-manager has not renewed it.\n",
        "              cert-manager has not renewed it.\n"
        "              {{ range query \"certmanager_certificate_ready_status{name='{{ $labels.name }}', "
        "condition='False'}\" }}Not ready: {{ .Labels.name }}{{ end }}\n",
    )
