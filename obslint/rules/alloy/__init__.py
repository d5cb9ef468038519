"""ALLOY: River configs - syntax, component graph, pipelines, endpoints."""

from obslint.alloy import configs as _configs  # noqa: F401  (registers the "alloy.configs" provider)
