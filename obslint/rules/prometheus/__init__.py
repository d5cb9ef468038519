"""PROM: Prometheus rules and their selection."""

from obslint.rules.prometheus import (
    alerts,  # noqa: F401
    duplicates,  # noqa: F401
    labels,  # noqa: F401
    metrics,  # noqa: F401
    retention,  # noqa: F401
    selection,  # noqa: F401
    templates,  # noqa: F401
    validity,  # noqa: F401
)
