"""Helpers for the Flux family tests: build an index of a small repository."""

from __future__ import annotations

from pathlib import Path

from obslint.config import Config
from obslint.index import Index
from obslint.load import load_tree


def index_of(path: Path) -> Index:
    import obslint.model.flux
    import obslint.model.services  # noqa: F401

    tree = load_tree(str(path))
    return Index.build(tree, Config())
