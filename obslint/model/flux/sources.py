"""Which Flux sources are this repository, and where a Kustomization's path lands in it.

A Kustomization's `spec.path` is resolved inside its source's artifact. It names files of this
repository when the source is this repository: the source a cluster root syncs (a bootstrapped
GitRepository, a FluxInstance's `spec.sync`), another source with the same URL, or a source that
nothing in the cluster defines (the `flux bootstrap` one, created out of band). A source with
another URL is another repository: its path, files and objects are unknown, never judged here.

An OCIRepository is this repository pushed as an artifact (`flux push artifact --path=./kubernetes`),
so its root may be a sub-directory; an ExternalArtifact is written by an ArtifactGenerator
(Flux 2.7 source-watcher) that copies directories of such a source.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from obslint.load import YMap
from obslint.model.flux.kinds import BOOTSTRAP_NAMESPACE, norm_path
from obslint.objects import K8sObject

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def normal_url(url: Any) -> str:
    """A repository URL reduced to host/path, so ssh://git@github.com/o/r.git, git@github.com:o/r
    and https://github.com/o/r compare equal."""
    if not isinstance(url, str):
        return ""
    u = _SCHEME.sub("", url.strip().lower())
    u = u.split("@", 1)[1] if "@" in u.split("/", 1)[0] else u
    host, _, rest = u.partition("/")
    if ":" in host and not host.split(":", 1)[1].isdigit():  # scp-like git@host:owner/repo
        host, _, first = host.partition(":")
        rest = f"{first}/{rest}" if rest else first
    host = host.split(":", 1)[0]
    rest = rest.rstrip("/").removesuffix(".git")
    return f"{host}/{rest}"


@dataclass
class SourceTable:
    """The repository's own URLs (from cluster roots) and the source objects of each cluster."""

    own_urls: set[str] = field(default_factory=set)

    def is_own(self, url: Any) -> bool:
        n = normal_url(url)
        return bool(n) and n in self.own_urls


def artifact_root(path: str, dirs: Iterable[str], hint: str | None = None) -> str | None:
    """The directory of this repository that an artifact's root stands for, given a path inside
    the artifact: "" when the path is a directory from the repository root, else the single prefix
    under which it exists (or `hint`, the root other Kustomizations of the same source use, when
    several fit); None when it does not resolve."""
    if not path:
        return hint if hint is not None else ""
    found = []
    for d in dirs:
        if d == path:
            return ""
        if d.endswith("/" + path):
            found.append(d[: -len(path) - 1])
    if len(found) == 1:
        return found[0]
    if hint is not None and hint in found:
        return hint
    return None


def through_generator(gen: K8sObject, artifact: YMap, path: str) -> tuple[str, tuple[Any, str, str]] | None:
    """(path in the source, (kind, namespace, name) of the source) for `path` of an ArtifactGenerator
    artifact, from a directory `copy` entry to `"@artifact/dest/"`. As source-watcher copies
    (internal/builder/builder.go): `"@alias/dir/**"` puts the contents of dir into dest
    (calculateGlobDestination strips the prefix), `"@alias/dir/"` puts dir itself there, as dest/<dir's
    name>/ (applySingleDirectoryCopy, like `cp -r`). Globs on file names, and single-file copies, are not
    followed.

    A path above the only copy that lands under it (`dir/` copied to `@artifact/a/b/`, applied at `./a/b`)
    holds that copy alone and no kustomization.yaml: kustomize-controller generates one that takes the
    copied directory in (fluxcd/pkg kustomize/kustomize_generator.go scanManifests), so it builds as dir."""
    sources: dict[str, tuple[Any, str, str]] = {}
    items = gen.spec.get("sources")
    for src in items if isinstance(items, list) else ():
        if isinstance(src, dict) and isinstance(src.get("alias"), str) and isinstance(src.get("name"), str):
            ns = src.get("namespace") if isinstance(src.get("namespace"), str) else None
            sources[src["alias"]] = (src.get("kind"), ns or gen.namespace or BOOTSTRAP_NAMESPACE, src["name"])
    copies = artifact.get("copy")
    below: list[tuple[str, tuple[Any, str, str]] | None] = []  # what lands under `path`
    for c in copies if isinstance(copies, list) else ():
        if not isinstance(c, dict) or not isinstance(c.get("from"), str) or not isinstance(c.get("to"), str):
            continue
        frm, to = c["from"].strip(), c["to"].strip()
        if not frm.startswith("@") or not to.startswith("@artifact"):
            continue
        dest = norm_path(to[len("@artifact") :])
        copied = _directory_copy(frm, sources)
        if copied is None:
            if not path or dest == path or dest.startswith(path + "/"):
                below.append(None)  # something obslint does not follow lands there
            continue
        src_dir, contents, source = copied
        if src_dir and not contents:  # the directory itself lands in dest, under its own name
            dest = norm_path(posixpath.join(dest, posixpath.basename(src_dir)))
        if not dest or path == dest or path.startswith(dest + "/"):
            rest = path[len(dest) :].lstrip("/") if dest else path
            return norm_path(posixpath.join(src_dir, rest)) if src_dir or rest else "", source
        if not path or dest.startswith(path + "/"):
            below.append((src_dir, source))
    if len(below) == 1 and below[0] is not None:
        return below[0]
    return None


def _directory_copy(
    frm: str, sources: dict[str, tuple[Any, str, str]]
) -> tuple[str, bool, tuple[Any, str, str]] | None:
    """(source directory, whether only its contents are copied, the source) of a `from` that copies a
    directory (`@alias/dir/` or `@alias/dir/**`); None for files, globs and unknown aliases."""
    alias, _, inner = frm[1:].partition("/")
    if alias not in sources:
        return None
    contents = inner.endswith("/**")
    if contents:
        inner = inner[:-3]
    elif not inner.endswith("/") and inner:
        return None  # a file or a glob: not a directory copy
    if any(ch in inner for ch in "*?["):
        return None
    return norm_path(inner), contents, sources[alias]


def artifact_dirs(artifact: YMap) -> list[str] | None:
    """The paths an artifact's copies create (a copied directory, or a copied file's path), or None when a
    copy is a glob or malformed: what it creates is not known."""
    out: list[str] = []
    copies = artifact.get("copy")
    for c in copies if isinstance(copies, list) else ():
        if not isinstance(c, dict) or not isinstance(c.get("from"), str) or not isinstance(c.get("to"), str):
            return None
        frm, to = c["from"].strip(), c["to"].strip()
        if not frm.startswith("@") or not to.startswith("@artifact") or "/" not in frm:
            return None
        inner = frm[1:].partition("/")[2]
        if any(ch in inner.removesuffix("/**") for ch in "*?["):
            return None
        dest = norm_path(to[len("@artifact") :])
        name = posixpath.basename(norm_path(inner))
        if inner.endswith("/**") or not name:
            out.append(dest)  # the contents land in dest
        elif inner.endswith("/") or to.endswith("/"):
            out.append(norm_path(posixpath.join(dest, name)))  # a directory, or a file into a directory
        else:
            out.append(dest)  # a file under another name (or a directory copied as dest/<name>: below it)
    return out


def in_artifact(dirs: list[str], path: str) -> bool:
    """Whether `path` may exist in an artifact whose copies create `dirs`: inside one, or above one."""
    return any(not path or not d or d == path or d.startswith(path + "/") or path.startswith(d + "/") for d in dirs)
