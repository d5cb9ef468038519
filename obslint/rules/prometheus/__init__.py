"""PROM: Prometheus rules and their selection."""

from obslint.model import rulegroups as _rulegroups  # noqa: F401  (registers "rules.groups")
