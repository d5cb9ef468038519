"""ALLOY: River configs - syntax, component graph, pipelines, endpoints, component stability."""

from obslint.rules.alloy import rules as _rules  # noqa: F401
from obslint.rules.alloy import stability as _stability  # noqa: F401
