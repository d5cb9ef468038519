"""AM: Alertmanager route trees, receivers, inhibit rules."""

from obslint.model import alertmanager as _model  # noqa: F401  (registers the providers)
from obslint.rules.alertmanager import config, grouping, inhibit, receivers, routes  # noqa: F401
