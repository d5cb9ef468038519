"""What `kubectl kustomize <dir>` reads: the files to give the tool, and the content key of a build.

A build reads the kustomization of its directory and, through every path field of it (the fields
obslint.model.flux.local_paths checks before any build may run: resources, components, patches,
generator inputs, transformer configs...), files and further kustomization directories. The
inputs of a build are, for each kustomization directory reached, every regular file directly in
it (so a kustomization file or a resource that obslint's reading of the YAML would not name is
still there), and every other file a path field names. obslint.tools.kubectl writes exactly those
bytes into the private tree the tool runs on and nothing else, so the digest covers everything the
tool could read.

The digest names each file by its path relative to the built directory: two copies of the same
tree (one cluster's apps and another's) have one key, since a build's success depends only on
what it reads and where that lies from the directory. Its error text names repository paths;
obslint.tools.kubectl keys failures by the directory as well.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections import defaultdict

from obslint.index import Index
from obslint.model.flux.local_paths import PLUGIN_FIELDS, config_paths, path_fields

_MISSING = "missing"


# A file a build reads (a generator input, a patch) is held in memory once per run: a checked
# repository naming a huge one must not exhaust it. The repository's own file-size ceiling.
MAX_INPUT_BYTES = 32 * 1024 * 1024


class BuildInputs:
    """The files of the checked tree that builds read, each read once.

    `replaced` gives the bytes of files the tool sees changed (a kustomization.yaml with the Flux
    Kustomization's spec.components added)."""

    def __init__(self, index: Index, replaced: dict[str, bytes]) -> None:
        self.index = index
        graph = index.graph
        self.kfiles = graph.kustomize_files if graph is not None else {}
        self.replaced = replaced
        self.content: dict[str, bytes | None] = {}
        self.oversized: set[str] = set()  # files past MAX_INPUT_BYTES: never read, their builds not run
        self._digests: dict[str, str] = {}
        self.in_dir: dict[str, list[str]] = defaultdict(list)
        for rel in index.tree.paths:
            self.in_dir[posixpath.dirname(rel)].append(rel)
        self.dirs = set(index.tree.dirs) | set(self.in_dir)

    def _read(self, rel: str) -> str:
        """The file's digest; its bytes are kept for the copy. A symbolic link is not given to the
        tool (a copy holds regular files only), so it reads as missing."""
        if rel in self._digests:
            return self._digests[rel]
        data = self.replaced.get(rel)
        if data is None and rel in self.index.tree.paths:
            path = os.path.join(self.index.root, rel)
            try:
                if not os.path.islink(path):
                    with open(path, "rb") as fh:
                        data = fh.read(MAX_INPUT_BYTES + 1)
                    if len(data) > MAX_INPUT_BYTES:
                        self.oversized.add(rel)
                        data = None
            except OSError:
                data = None
        self.content[rel] = data
        self._digests[rel] = _MISSING if data is None else hashlib.sha256(data).hexdigest()
        return self._digests[rel]

    def of(self, root: str, components: list[str]) -> tuple[str, list[str]]:
        """(digest, files) of a build of `root`, a directory relative to the repository root, to
        which Flux adds `components`."""
        records: dict[str, str] = {}
        files: list[str] = []
        seen: set[str] = set()
        stack = [root]

        def record(rel: str) -> None:
            records[_relative(rel, root)] = self._read(rel)
            files.append(rel)

        while stack:
            d = stack.pop()
            if d in seen:
                continue
            seen.add(d)
            records[f"dir:{_relative(d, root)}"] = "listed" if d in self.dirs else _MISSING
            for rel in self.in_dir.get(d, ()):
                record(rel)
            kf = self.kfiles.get(d)
            fields = list(path_fields(kf.data)) if kf is not None else []
            if d == root:
                fields += [("components", c) for c in components]
            for fld, value in fields:
                target = _normal(posixpath.join(d, value.strip()))
                if target is None:
                    records[f"outside:{value}"] = "refused"  # local_paths keeps such a build from running
                elif target in self.kfiles or target in self.dirs:
                    stack.append(target)
                else:
                    record(target)
                    if fld in PLUGIN_FIELDS:
                        for config_input in self._config_inputs(target, d):
                            record(config_input)
        digest = hashlib.sha256(repr(sorted(records.items())).encode()).hexdigest()
        return digest, files

    def _config_inputs(self, config: str, base: str) -> list[str]:
        """Files a transformer/generator config names (relative to the kustomization using it)."""
        sf = self.index.file(config)
        out = []
        for doc in sf.documents if sf is not None else ():
            for _key, value in config_paths(doc.data):
                target = _normal(posixpath.join(base, value.strip()))
                if target is not None:
                    out.append(target)
        return out


def _relative(path: str, root: str) -> str:
    """posixpath.relpath for two normalised repository-relative paths ("" is the root), without its
    abspath calls for the common case of a path below `root`."""
    if path == root:
        return "."
    if not root:
        return path
    if path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return posixpath.relpath(path or ".", root)


def _normal(path: str) -> str | None:
    """A repository-relative path, or None when it leaves the repository."""
    p = posixpath.normpath(path)
    if p == ".." or p.startswith(("../", "/")):
        return None
    return "" if p == "." else p
