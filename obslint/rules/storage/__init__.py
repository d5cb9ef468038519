"""STOR, LOKI, GRAF: retention and volumes, Loki limits, endpoints, Grafana datasources."""

from obslint.rules.storage import endpoints, grafana, loki, loki_rules, prometheus_retention  # noqa: F401
