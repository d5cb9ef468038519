"""Loading: files -> documents with source positions. Never executes anything it reads."""

from obslint.load.source import Document, EmbeddedSource, Source, SourceFile
from obslint.load.walk import Tree, read_tree
from obslint.load.yamlfile import Parsed, YMap, YSeq, load_documents, parse_yaml


def load_tree(root: str, exclude: list[str] | None = None, max_size: int = 8 * 1024 * 1024) -> Tree:
    """Read the tree under root and parse every YAML file once."""
    tree = read_tree(root, exclude, max_size)
    parsed: Parsed = {}  # identical files (copies of one stack in many clusters) are parsed once
    for sf in tree.files:
        if sf.kind == "yaml" and sf.text:
            load_documents(sf, parsed)
    return tree


__all__ = [
    "Document",
    "EmbeddedSource",
    "Source",
    "SourceFile",
    "Tree",
    "YMap",
    "YSeq",
    "load_documents",
    "load_tree",
    "parse_yaml",
]
