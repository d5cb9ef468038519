"""STOR, LOKI, GRAF: retention and volumes, Loki limits, endpoints, Grafana datasources."""

from obslint.model import loki as _loki_model  # noqa: F401  (registers providers "loki.configs", "loki.writers")
from obslint.model import storage as _storage_model  # noqa: F401  (registers provider "storage.tsdb")
from obslint.rules.storage import endpoints, grafana, loki, prometheus_retention  # noqa: F401
