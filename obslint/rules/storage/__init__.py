"""STOR, LOKI, GRAF, VEC: retention and volumes, Loki limits, endpoints, Grafana datasources, Vector pipelines."""

from obslint.rules.storage import endpoints, grafana, loki, loki_rules, prometheus_retention, vector  # noqa: F401
