"""Bootstrap steps of scripts and task runners, resolved against the repository.

Scripts are `*.sh` (and bash/zsh), Makefiles, justfiles and Taskfiles (a YAML file with `version`
and a `tasks` mapping, https://taskfile.dev/reference/schema/: every string under `tasks` is a
command; the string `vars` of all Taskfiles fill in `{{.NAME}}`, as included Taskfiles see the
variables of the including one). Their commands become steps (bootstrap_steps.py), here resolved:

- a path is looked up from the script's directory, then from the repository root; a path written
  after a variable nobody can expand here (`${ROOT_DIR}/x`, `{{.ROOT_DIR}}/x`) is looked up as
  the tail of a repository path, taken when it names at most a few;
- a file yields the objects written in it, a directory with `-k` (or `kustomize build`) what
  kustomize builds from it (obslint.model.flux.build), a directory with `-f` its manifests
  (kubectl reads the .yaml/.yml/.json files of a directory, below it with `-R`);
- `kubectl apply -f "$var"` applying a variable (a loop over a list) applies any CRD URL and any
  manifest file the same text names.

Kept: CRDs (CustomResourceDefinition manifests, remote CRD resources), Namespaces, Secrets and
ConfigMaps. Nothing is run, fetched or expanded.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc
from obslint.load import Document, SourceFile, YMap
from obslint.model.bootstrap_helmfile import chart_name
from obslint.model.bootstrap_steps import Apply, Chart, Create, Step, command_steps
from obslint.model.charts import CHART_CRDS, ChartCRDs, remote_crd_kinds
from obslint.model.helm import merge_values, values_bool
from obslint.objects import K8sObject, dig, walk_strings

if TYPE_CHECKING:
    from obslint.index import Index
    from obslint.model.bootstrap import Bootstrap
    from obslint.model.flux.graph import FluxGraph

_SCRIPT_NAMES = frozenset({"makefile", "gnumakefile", "justfile", ".justfile"})
_SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".just", ".mk")
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# a leading `${VAR}/`, `$VAR/`, `{{ ... }}/` or `$(...)/`: where the path starts is not known
_VAR_PREFIX = re.compile(r"(?:\$\{?\w{1,100}\}?|\{\{[^{}]{0,200}\}\}|\$\([^()]{0,200}\))/+")
# a word that is one variable: `$crd`, `${crd}`, `$(CRD)` (make), `{{.ITEM}}` (Task)
_PURE_VAR = re.compile(r"\$\{?\w{1,100}\}?|\$\(\w{1,100}\)|\{\{-?\s*\.\w{1,100}\s*-?\}\}")
_TASK_VAR = re.compile(r"\{\{\s*\.(\w{1,100})\s*\}\}")
_URL = re.compile(r"https?://[^\s'\"<>|;)]{1,2000}")
_WORD_BREAK = re.compile(r"[\s'\"()=,;|<>]+")
_UNRESOLVED = ("$", "{{", "`", "*", "?", "<(", "\\")
MAX_TAILS = 4  # a path tail naming more repository paths than this is too vague to take
MAX_STRINGS = 20_000  # strings read from one Taskfile
MAX_FILLED = 1_000_000  # characters of a Taskfile text once its variables are filled in


def is_script(rel: str) -> bool:
    base = posixpath.basename(rel)
    return base.lower() in _SCRIPT_NAMES or base.endswith(_SCRIPT_SUFFIXES)


def is_taskfile(docs: list[Any]) -> bool:
    return any(isinstance(d, dict) and "version" in d and isinstance(d.get("tasks"), dict) for d in docs)


def _strings(node: Any) -> Iterator[tuple[str, int]]:
    """(string, line) below node, of the first MAX_STRINGS scalars."""
    for n, (_path, container, key) in enumerate(walk_strings(node)):
        if n >= MAX_STRINGS:
            return
        value = container[key]
        if isinstance(value, str):
            yield value, container.loc(key).line if hasattr(container, "loc") else 1


class Reader:
    """Turns the steps of one repository's scripts into what `Bootstrap` records."""

    def __init__(self, index: Index, g: FluxGraph, out: Bootstrap):
        self.index, self.g, self.out = index, g, out
        self._taskfiles: list[tuple[str, SourceFile]] = []
        self._tails: dict[str, list[str]] = {}
        self._by_base: dict[str, list[str]] | None = None
        self._files: dict[str, SourceFile] = {}

    # --- sources -----------------------------------------------------------------------
    def script(self, rel: str, text: str) -> None:
        self.steps(rel, command_steps(text), text)

    def taskfile(self, rel: str, sf: SourceFile) -> None:
        self._taskfiles.append((rel, sf))  # read once the variables of every Taskfile are known

    def finish(self) -> None:
        known: dict[str, str] = {}
        for _rel, sf in self._taskfiles:
            for doc in sf.documents:
                variables = doc.data.get("vars") if isinstance(doc.data, dict) else None
                for k, v in variables.items() if isinstance(variables, dict) else ():
                    if isinstance(k, str) and isinstance(v, str):
                        known.setdefault(k, v)

        def fill(text: str) -> str:
            for _ in range(4):  # variables defined through variables, within bounds
                new = _TASK_VAR.sub(lambda m: known.get(m.group(1), m.group(0)), text)
                if new == text or len(new) > MAX_FILLED:
                    break
                text = new
            return text

        for rel, sf in self._taskfiles:
            whole = fill(sf.text)
            for doc in sf.documents:
                tasks = doc.data.get("tasks") if isinstance(doc.data, dict) else None
                if isinstance(tasks, dict):
                    for text, line in _strings(tasks):
                        self.steps(rel, command_steps(fill(text), line), whole)

    def steps(self, rel: str, steps: Iterable[Step], text: str = "") -> None:
        base = posixpath.dirname(rel)
        loose = False
        for step in steps:
            if isinstance(step, Create):
                self._create(rel, step)
            elif isinstance(step, Chart):
                self._chart(rel, step, base)
            elif not self._apply(rel, step, base) and _PURE_VAR.fullmatch(step.target):
                loose = True
            self.out.source(rel)
        if loose and text:
            self._loose(rel, text, base)

    # --- paths -------------------------------------------------------------------------
    def resolve(self, word: str, base: str) -> list[str]:
        """The repository paths (files or directories) a path word names; [] when it holds an
        unexpanded variable, lies outside the repository or names nothing."""
        w, anchored = word.strip(), False
        while m := _VAR_PREFIX.match(w):
            w, anchored = w[m.end() :], True
        w = w.rstrip("/")
        if not w or "://" in w or w.startswith(("/", "~")) or any(t in w for t in _UNRESOLVED):
            return []
        exists = self.index.exists
        if not anchored:
            for cand in (posixpath.join(base, w), w):
                c = posixpath.normpath(cand)
                if c not in (".", "") and not c.startswith("..") and exists(c):
                    return [c]
            return []
        c = posixpath.normpath(w)
        if c in (".", "") or c.startswith(".."):
            return []
        if exists(c):
            return [c]
        # the variable may stand for more (or other) directories than the path now has: try the
        # tail with fewer leading directories, down to two components
        parts = c.split("/")
        for k in range(len(parts) - 1):
            found = self._tail("/".join(parts[k:]))
            if found:
                return found
        return []

    def _tail(self, tail: str) -> list[str]:
        got = self._tails.get(tail)
        if got is None:
            if self._by_base is None:  # repository paths by their last component, built once
                self._by_base = {}
                for p in (*self.index.tree.paths, *self.index.tree.dirs):
                    self._by_base.setdefault(posixpath.basename(p), []).append(p)
            end = "/" + tail
            got = sorted(p for p in self._by_base.get(posixpath.basename(tail), ()) if p.endswith(end))
            got = got if len(got) <= MAX_TAILS else []
            self._tails[tail] = got
        return got

    # --- steps -------------------------------------------------------------------------
    def _apply(self, rel: str, step: Apply, base: str) -> bool:
        if "://" in step.target or step.target.startswith("github.com/"):
            for gk in remote_crd_kinds(step.target):
                self.out.add(("Kind", *gk), Loc(rel, step.line, 1), rel)
            return True
        paths = self.resolve(step.target, base)
        for p in paths:
            if self.index.is_dir(p):
                if step.kustomize:
                    self._built(p, step.namespace)
                else:
                    self._manifests(p, step)
            elif not step.kustomize:
                self._objects(self.g.objects_in(p), step.namespace, p)
        return bool(paths)

    def _built(self, d: str, namespace: str | None) -> None:
        built = self.g.builder.build(d)
        origin = d + "/"
        for item in built.items:
            self._object(item.written, item.data, item.name, item.namespace or namespace, origin)
        for e in built.remote:
            for gk in remote_crd_kinds(e.value):
                self.out.add(("Kind", *gk), e.loc, origin)

    def _manifests(self, d: str, step: Apply) -> None:
        prefix = d + "/"
        for rel in self.g.sorted_yaml:
            if rel.startswith(prefix) and (step.recursive or "/" not in rel[len(prefix) :]):
                self._objects(self.g.objects_in(rel), step.namespace, prefix)

    def _objects(self, objs: list[K8sObject], namespace: str | None, origin: str) -> None:
        for obj in objs:
            self._object(obj, obj.data, obj.name, obj.namespace or namespace, origin)

    def _object(self, obj: K8sObject, data: Any, name: str, namespace: str | None, origin: str) -> None:
        if "${" in name or (namespace and "${" in namespace):
            return  # Flux substitutes it: the plain file holds no usable name
        if obj.group == "" and obj.kind in ("Secret", "ConfigMap") and name:
            self.out.add((obj.kind, namespace or "", name), obj.loc(), origin, obj)
        elif obj.group == "" and obj.kind == "Namespace" and name:
            self.out.add(("Namespace", name), obj.loc(), origin)
        elif obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io":
            group, kind = dig(data, "spec", "group"), dig(data, "spec", "names", "kind")
            if isinstance(group, str) and isinstance(kind, str):
                self.out.add(("Kind", group, kind), obj.loc(), origin)

    def _create(self, rel: str, step: Create) -> None:
        if any(t in step.name for t in _UNRESOLVED) or not step.name:
            return
        ns = step.namespace if step.namespace and not any(t in step.namespace for t in _UNRESOLVED) else None
        loc = Loc(rel, step.line, 1)
        if step.kind == "Namespace":
            self.out.add(("Namespace", step.name), loc, rel)
            return
        self.out.add((step.kind, ns or "", step.name), loc, rel, self._stand_in(rel, step, ns))

    def _stand_in(self, rel: str, step: Create, ns: str | None) -> K8sObject:
        """An object standing for what `kubectl create secret|configmap` makes, at the command."""
        sf = self.index.file(rel) or self._files.get(rel)
        if sf is None:
            sf = SourceFile(os.path.join(self.index.root, rel), rel, "other")
            self._files[rel] = sf
        data = YMap(sf, step.line, 1)
        meta = YMap(sf, step.line, 1)
        meta["name"] = step.name
        if ns:
            meta["namespace"] = ns
        data.update({"apiVersion": "v1", "kind": step.kind, "metadata": meta})
        return K8sObject("v1", step.kind, step.name, ns, data, Document(sf, 0, data, step.line, 1))

    def _chart(self, rel: str, step: Chart, base: str) -> None:
        name = chart_name(step.chart)
        if not name or any(t in name for t in _UNRESOLVED):
            return
        self.out.charts.add(name)
        loc = Loc(rel, step.line, 1)
        crds = CHART_CRDS.get(name)
        if crds is not None and self._crds_on(crds, step, base):
            for gk in crds.kinds:
                self.out.add(("Kind", *gk), loc, rel)
        if step.create_namespace and step.namespace and not any(t in step.namespace for t in _UNRESOLVED):
            self.out.add(("Namespace", step.namespace), loc, rel)

    def _crds_on(self, crds: ChartCRDs, step: Chart, base: str) -> bool:
        """Whether the chart installs its CRDs with these values (a values file not found in the
        repository may switch them on: then they are taken as installed)."""
        if crds.in_crds_dir and not step.crds_dir:
            return False
        if not crds.switches:
            return True
        values: Any = {}
        for word in step.values:
            found = self.resolve(word, base)
            sf = self.index.file(found[0]) if found else None
            if sf is None:
                return True
            for doc in sf.documents[:1]:
                values = merge_values(values, doc.data) if isinstance(doc.data, dict) else values
        sets = dict(step.sets)  # `--set a.b=c` overrides the values files

        def switch(path: tuple[str, ...]) -> Any:
            return sets.get(".".join(path), dig(values, *path))

        return any(values_bool(switch(p), d) for p, d in crds.switches)

    def _loose(self, rel: str, text: str, base: str) -> None:
        """A script applying a variable: the CRD URLs and manifest files its text names (comment
        lines aside)."""
        loc = Loc(rel, 1, 1)
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            for url in _URL.findall(line):
                for gk in remote_crd_kinds(url):
                    self.out.add(("Kind", *gk), loc, rel)
            for word in _WORD_BREAK.split(line):
                if not word.endswith(_MANIFEST_SUFFIXES):
                    continue
                for p in self.resolve(word, base):
                    if p.endswith(_MANIFEST_SUFFIXES) and not self.index.is_dir(p):
                        self._objects(self.g.objects_in(p), None, p)
