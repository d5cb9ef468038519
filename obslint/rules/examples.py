"""Pieces of explain examples that several rule families share."""

# A PrometheusRule the kube-prometheus-stack Prometheus selects, up to its list of rules.
RULES_HEAD = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
  namespace: monitoring
  labels: {release: kube-prometheus-stack}
spec:
  groups:
    - name: app
      rules:
"""

# An alert on the app's scrape health, up to its annotations.
APP_DOWN = """\
        - alert: AppDown
          expr: up{job="app"} == 0
          for: 5m
          labels:
            severity: critical
"""
