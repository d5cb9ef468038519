"""A finding's fingerprint: what stays the same when lines move, so a baseline (`--baseline`), a
comparison with another commit (`--diff`) and SARIF's `partialFingerprints` recognise a finding
after an unrelated edit above it.

It hashes three things:

* the rule;
* the identity of what the finding is about: the Kubernetes object written at its location
  (API group, kind, namespace, name), or, where there is none (a kustomization.yaml, a values
  file, an Alloy config), the file path and the YAML path of the location (`spec.values.ruler`);
* the message key: the redacted message with the line and column numbers of places it names
  taken out (`retention set at a.yaml:16:20` -> `retention set at a.yaml`).

Identical findings share a fingerprint; callers count them (a multiset), so two copies of one
mistake are two findings. The hash is computed from the redacted message, so a fingerprint
never carries a secret a report would not show either.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from obslint.findings import Finding
from obslint.index import Index
from obslint.load import Document, SourceFile, YMap, YSeq
from obslint.objects import K8sObject
from obslint.redact import Redactor

if TYPE_CHECKING:
    from obslint.result import RunResult

# The key of SARIF's partialFingerprints (SARIF 2.1.0 §3.27.17: "a string of the form
# name/vN"); the version changes whenever the hashed parts do.
SARIF_KEY = "obslintFinding/v1"
# A YAML path deeper than this is cut (aliases can nest a document far deeper than it is long).
_MAX_DEPTH = 64
# `path:12` or `path:12:3` (a place named in a message); the path is checked against the tree.
_PLACE = re.compile(r"(?P<path>[^\s:()\[\]'\"`,]+):(?P<line>\d+)(?::\d+)?(?!\d)")
_LINE_WORDS = re.compile(r"\b(?P<word>lines?|columns?|col)\s+\d+(?:\s*-\s*\d+)?\b", re.IGNORECASE)


class Fingerprinter:
    """Fingerprints of the findings of one run (one index: its objects, paths and redactor)."""

    def __init__(self, index: Index | None, stored: Mapping[Finding, tuple[str, str]] | None = None) -> None:
        """`stored`: (fingerprint, message key) of findings whose run is not at hand (read back from the cache)."""
        self._index = index
        self._stored = stored or {}
        self._redactor = index.redactor if index is not None else Redactor()
        self._paths: set[str] = set(index.tree.paths) if index is not None else set()
        # file -> written objects of that file, in the order they start
        self._objects: dict[str, list[tuple[tuple[int, int], K8sObject]]] = {}
        for obj in index.written if index is not None else ():
            start = (obj.data.line, obj.data.col)
            self._objects.setdefault(obj.doc.file.rel, []).append((start, obj))
        for entries in self._objects.values():
            entries.sort(key=lambda entry: entry[0])

    @classmethod
    def of(cls, result: RunResult) -> Fingerprinter:
        return cls(result.index, result.fingerprints)

    def __call__(self, finding: Finding) -> str:
        known = self._stored.get(finding)
        if known is not None:
            return known[0]
        return fingerprint(finding.rule, self.identity(finding), self.message_key(finding.message))

    def finding_key(self, finding: Finding) -> str:
        """The message key of a finding (see `message_key`)."""
        known = self._stored.get(finding)
        return known[1] if known is not None else self.message_key(finding.message)

    def message_key(self, message: str) -> str:
        """The redacted message without the line and column numbers in it."""
        text = self._redactor.redact(message)
        text = _PLACE.sub(lambda m: m["path"] if m["path"] in self._paths else m[0], text)
        return _LINE_WORDS.sub(lambda m: f"{m['word']} #", text)

    def identity(self, finding: Finding) -> str:
        """`object:GROUP/KIND/NAMESPACE/NAME`, or `file:PATH#YAML.PATH` where no object is written
        at the finding's location."""
        path, pos = finding.loc.path, (finding.loc.line, finding.loc.col)
        sf = self._index.file(path) if self._index is not None else None
        doc = _document_at(sf, pos) if sf is not None else None
        if doc is None:
            return f"file:{path}"
        obj = self._object_at(path, doc, pos)
        if obj is not None:
            return f"object:{obj.group}/{obj.kind}/{obj.namespace or ''}/{obj.name}"
        return f"file:{path}#{'.'.join(yaml_path(doc.data, pos))}"

    def _object_at(self, path: str, doc: Document, pos: tuple[int, int]) -> K8sObject | None:
        """The last object of `doc` that starts at or before `pos` (a List holds several), when it
        has a name to tell it by (a kustomization.yaml's Kustomization has none)."""
        entries = self._objects.get(path, [])
        i = bisect.bisect_right(entries, pos, key=lambda entry: entry[0])
        for _, obj in reversed(entries[:i]):
            if obj.doc is doc:
                return obj if obj.name else None
        return None


def fingerprint(rule: str, identity: str, message_key: str) -> str:
    """The hex SHA-256 of the three parts."""
    return hashlib.sha256("\0".join((rule, identity, message_key)).encode("utf-8")).hexdigest()


def fingerprints(index: Index | None, findings: Iterable[Finding]) -> list[str]:
    fp = Fingerprinter(index)
    return [fp(f) for f in findings]


def _document_at(sf: SourceFile, pos: tuple[int, int]) -> Document | None:
    """The document of `sf` that holds `pos`: the last one starting at or before it."""
    docs = sf.documents
    i = bisect.bisect_right(docs, pos, key=lambda d: (d.line, d.col))
    return docs[i - 1] if i else (docs[0] if docs else None)


def yaml_path(node: Any, pos: tuple[int, int]) -> list[str]:
    """The keys (and `[i]` indexes) leading to the deepest node at or before `pos`: in a mapping
    or sequence, the entry holding `pos` is the last one that starts at or before it."""
    path: list[str] = []
    seen: set[int] = set()
    while len(path) < _MAX_DEPTH and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, YMap):
            best, best_pos = None, (0, 0)
            for key in node:
                key_pos = node.key_pos(key) if node.has_pos(key) else None
                if key_pos is not None and best_pos <= key_pos <= pos:
                    best, best_pos = key, key_pos
            if best is None:
                break
            path.append(str(best))
            node = node[best]
        elif isinstance(node, YSeq):
            chosen = None
            for i in range(len(node)):
                if node.value_pos(i)[:2] <= pos:
                    chosen = i
            if chosen is None:
                break
            path.append(f"[{chosen}]")
            node = node[chosen]
        else:
            break
    return path
