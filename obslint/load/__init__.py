"""Loading: files -> documents with source positions. Never executes anything it reads."""

from obslint.load.source import Document, EmbeddedSource, Source, SourceFile
from obslint.load.walk import Tree, read_tree
from obslint.load.yamlfile import (
    LIMIT_EXCEEDED,
    Parsed,
    YAMLLoadError,
    YMap,
    YSeq,
    load_documents,
    load_text,
    parse_yaml,
)


def load_tree(root: str, exclude: list[str] | None = None, max_size: int = 8 * 1024 * 1024) -> Tree:
    """Read the tree under root and parse every YAML file once."""
    tree = read_tree(root, exclude, max_size)
    parsed: Parsed = {}  # identical files (copies of one stack in many clusters) are parsed once
    for sf in tree.files:
        if sf.kind == "yaml" and sf.text:
            load_documents(sf, parsed)
    return tree


__all__ = [
    "LIMIT_EXCEEDED",
    "Document",
    "EmbeddedSource",
    "Source",
    "SourceFile",
    "Tree",
    "YAMLLoadError",
    "YMap",
    "YSeq",
    "load_documents",
    "load_text",
    "load_tree",
    "parse_yaml",
]
