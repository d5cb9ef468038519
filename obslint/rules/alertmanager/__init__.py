"""AM: Alertmanager route trees, receivers, inhibit rules."""

from obslint.rules.alertmanager import config, grouping, inhibit, receivers, routes, templates  # noqa: F401
