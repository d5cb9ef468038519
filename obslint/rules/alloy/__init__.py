"""ALLOY: River configs - syntax, component graph, pipelines, endpoints."""

from obslint.rules.alloy import rules as _rules  # noqa: F401
