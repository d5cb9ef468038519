"""STOR, LOKI, GRAF, VEC: retention and volumes, Uptime Kuma's data, Loki limits, endpoints, Grafana
datasources and grafana-operator, Vector pipelines."""

from obslint.rules.storage import (  # noqa: F401
    endpoints,
    grafana,
    grafana_operator,
    loki,
    loki_rules,
    prometheus_retention,
    uptime_kuma,
    vector,
)
