"""Which kustomize builds read only what the repository holds, so `kubectl kustomize` may run them.

kustomize loads every path field of a kustomization through the same loader
(sigs.k8s.io/kustomize/api/loader/fileloader.go): an `http(s)://` value is downloaded, a git
remote (`https://...?ref=`, `git@host:org/repo`, `github.com/org/repo//dir`) is cloned with the
`git` binary, and an absolute or `../` path reads the machine running the build (Flux builds with
LoadRestrictionsNone). In a checked repository, which may come from a pull request, each of those
would fetch from an address the author chose or read the runner's files. So a build is refused,
and left unknown, when any kustomization it reaches names such a path in any of its path fields -
not only `resources`, the field the model follows.

The path fields are those of kustomize's Kustomization type (api/types/kustomization.go), plus
the `path`/`files`/`envs`/`env` fields of the transformer, generator and validator configs those
fields name (a PatchTransformer's `path` is loaded the same way).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.index import Index, memoised
from obslint.model.flux.kinds import is_remote

_LIST_FIELDS = (
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "patchesStrategicMerge",
)
_PATH_KEYED = ("patches", "patchesJson6902", "replacements")  # [{path: ...}]
_GENERATORS = ("configMapGenerator", "secretGenerator")  # files ([key=]path), envs, env
PLUGIN_FIELDS = ("generators", "transformers", "validators")  # entries that are config files
_CONFIG_KEYS = ("path", "files", "envs", "env")
# scp-like git remotes (`git@github.com:org/repo`, `host:org/repo.git`), which kustomize clones
_SCP = re.compile(r"^(?:[\w.-]+@)?[\w-]+(?:\.[\w-]+)+:")


@dataclass(frozen=True)
class NonLocal:
    kustomization: str  # the file that names it, relative to the root
    field: str
    value: str
    why: str  # "a URL or git remote" | "an absolute path" | "a path outside the repository"

    def __str__(self) -> str:
        return f"{self.kustomization}: {self.field} names {self.why}"


def _inline(value: str) -> bool:
    """An inline patch or transformer config, not a path."""
    return "\n" in value or value.lstrip().startswith(("apiVersion", "kind", "{", "["))


def why_not_local(value: str, base: str) -> str | None:
    """Why kustomize would reach outside the repository for a path written in directory `base`."""
    v = value.strip()
    if is_remote(v) or _SCP.match(v):
        return "a URL or git remote"
    if v.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", v):
        return "an absolute path"
    target = posixpath.normpath(posixpath.join(base, v))
    if target == ".." or target.startswith("../"):
        return "a path outside the repository"
    return None


def path_fields(data: Any) -> Iterator[tuple[str, str]]:
    """(field, value) of every path a kustomization's fields name."""
    if not isinstance(data, dict):
        return
    for fld in _LIST_FIELDS:
        seq = data.get(fld)
        for v in seq if isinstance(seq, list) else ():
            if isinstance(v, str) and v.strip() and not _inline(v):
                yield fld, v
    for fld in _PATH_KEYED:
        seq = data.get(fld)
        for item in seq if isinstance(seq, list) else ():
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield f"{fld}.path", item["path"]
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield "openapi.path", openapi["path"]
    for fld in _GENERATORS:
        seq = data.get(fld)
        for gen in seq if isinstance(seq, list) else ():
            yield from ((f"{fld}.{k}", v) for k, v in _source_paths(gen))


def _source_paths(node: Any) -> Iterator[tuple[str, str]]:
    """(key, path) of the `files`/`envs`/`env` of a generator, `path` of a transformer config."""
    if not isinstance(node, dict):
        return
    for key in _CONFIG_KEYS:
        items = node.get(key)
        for v in [items] if isinstance(items, str) else items if isinstance(items, list) else ():
            if isinstance(v, str) and v.strip():
                yield key, v.partition("=")[2] if key == "files" and "=" in v else v


def config_paths(data: Any) -> Iterator[tuple[str, str]]:
    """Path fields anywhere in a transformer/generator/validator config (they nest: a
    PatchTransformer's `path`, a ReplacementTransformer's `replacements[].path`)."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield from _source_paths(node)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))


@dataclass
class LocalPaths:
    """For every kustomization directory: what it names outside the repository, and the
    kustomization directories its builds read."""

    refused: dict[str, list[NonLocal]]
    reads: dict[str, list[str]]

    def why_refused(self, root: str) -> NonLocal | None:
        """The first non-local path a build of `root` would load, if any."""
        seen, stack = {root}, [root]
        while stack:
            d = stack.pop()
            if self.refused.get(d):
                return self.refused[d][0]
            for nxt in self.reads.get(d, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return None


@memoised
def local_paths(index: Index) -> LocalPaths:
    graph = index.graph
    kfiles = graph.kustomize_files if graph is not None else {}
    refused: dict[str, list[NonLocal]] = {}
    reads: dict[str, list[str]] = {}
    for d, kf in kfiles.items():
        bad: list[NonLocal] = []
        for fld, value in path_fields(kf.data):
            why = why_not_local(value, d)
            if why is not None:
                bad.append(NonLocal(kf.rel, fld, value.strip(), why))
                continue
            target = posixpath.normpath(posixpath.join(d, value.strip()))
            target = "" if target == "." else target
            if target in kfiles:
                reads.setdefault(d, []).append(target)
            elif fld in PLUGIN_FIELDS:
                bad.extend(_config_file(index, fld, target, d))
        refused[d] = bad
    return LocalPaths(refused, reads)


def _config_file(index: Index, fld: str, rel: str, base: str) -> list[NonLocal]:
    """Non-local paths in a config file; they are loaded relative to the kustomization (`base`)."""
    sf = index.file(rel)
    out = []
    for doc in sf.documents if sf is not None else ():
        for key, value in config_paths(doc.data):
            why = why_not_local(value, base)
            if why is not None:
                out.append(NonLocal(rel, f"{fld} config {key}", value.strip(), why))
    return out
