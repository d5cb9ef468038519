"""PROM: Prometheus rules and their selection."""
