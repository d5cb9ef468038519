"""PROM: Prometheus rules and their selection."""

from obslint.model import rulegroups as _rulegroups  # noqa: F401  (registers "rules.groups")
from obslint.rules.prometheus import (
    alerts,  # noqa: F401
    duplicates,  # noqa: F401
    labels,  # noqa: F401
    metrics,  # noqa: F401
    retention,  # noqa: F401
    selection,  # noqa: F401
    validity,  # noqa: F401
)
from obslint.tools import promtool as _promtool  # noqa: F401  (registers "promtool.rules")
