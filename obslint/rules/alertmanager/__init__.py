"""AM: Alertmanager route trees, receivers, inhibit rules."""

from obslint.rules.alertmanager import config, deprecated, grouping, inhibit, receivers, routes, templates  # noqa: F401
