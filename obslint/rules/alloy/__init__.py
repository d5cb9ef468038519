"""ALLOY: River configs - syntax, component graph, pipelines, endpoints."""

from obslint.alloy import configs as _configs  # noqa: F401  (registers the "alloy.configs" provider)
from obslint.alloy import graph as _graph  # noqa: F401  (registers the "alloy.graphs" provider)
from obslint.rules.alloy import rules as _rules  # noqa: F401
