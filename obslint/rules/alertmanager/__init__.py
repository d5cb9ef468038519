"""AM: Alertmanager route trees, receivers, inhibit rules, timings and time intervals."""

from obslint.rules.alertmanager import (  # noqa: F401
    braces,
    config,
    deprecated,
    grouping,
    inhibit,
    intervals,
    native,
    receivers,
    routes,
    template_labels,
    template_names,
    template_syntax,
    templates,
    timing,
)
