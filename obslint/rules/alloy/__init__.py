"""ALLOY: River configs - syntax, component graph, pipelines, endpoints."""
