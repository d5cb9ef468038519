"""STOR, LOKI, GRAF: retention and volumes, Loki limits, endpoints, Grafana datasources."""
