"""YAML documents with a position for every node, parsed safely.

libyaml (through PyYAML's C composer) builds the node graph at C speed with line and column
on every node; we then build plain dict/list trees (`YMap`, `YSeq`) that remember where each
key and value stood. YAML 1.1 scalar resolution matches the Go yaml.v2 decoders that
Kubernetes, Prometheus and Alertmanager use (`yes`/`on` are booleans there too).

Hostile input is refused before it can hurt: nesting deeper than MAX_DEPTH (libyaml's
composer recurses in C and would crash the interpreter), alias graphs that expand past
MAX_EXPANDED nodes (billion laughs) or that are recursive. Nothing is ever executed: only
the safe loader's standard tags are interpreted, any other tag keeps its plain value.
"""

from __future__ import annotations

from typing import Any

import yaml

from obslint.findings import Loc
from obslint.load.source import Document, Source, SourceFile

try:  # pragma: no branch
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_DEPTH = 500
MAX_EXPANDED = 1_000_000

_SC = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"


class YAMLLoadError(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


class YMap(dict):
    """A mapping that knows where it, its keys and its values stand in its source."""

    __slots__ = ("_kpos", "col", "line", "src")

    def __init__(self, src: Source, line: int, col: int):
        super().__init__()
        self.src, self.line, self.col = src, line, col
        self._kpos: dict[Any, tuple[int, int, int, int, str]] = {}

    def key_pos(self, key: Any) -> tuple[int, int]:
        p = self._kpos.get(key)
        return (p[0], p[1]) if p else (self.line, self.col)

    def value_pos(self, key: Any) -> tuple[int, int, str]:
        """(line, col, style) of the value; style is '|', '>', '"', "'" or '' (plain)."""
        p = self._kpos.get(key)
        return (p[2], p[3], p[4]) if p else (self.line, self.col, "")

    def loc(self, key: Any = None) -> Loc:
        """Where the value of `key` stands (the mapping itself when key is None or absent)."""
        if key is None or key not in self._kpos:
            return self.src.loc(self.line, self.col)
        line, col, _ = self.value_pos(key)
        return self.src.loc(line, col)

    def key_loc(self, key: Any) -> Loc:
        return self.src.loc(*self.key_pos(key))


class YSeq(list):
    """A sequence that knows where it and each of its items stand in its source."""

    __slots__ = ("_ipos", "col", "line", "src")

    def __init__(self, src: Source, line: int, col: int):
        super().__init__()
        self.src, self.line, self.col = src, line, col
        self._ipos: list[tuple[int, int, str]] = []

    def value_pos(self, index: int) -> tuple[int, int, str]:
        try:
            return self._ipos[index]
        except IndexError:
            return (self.line, self.col, "")

    def loc(self, index: int | None = None) -> Loc:
        if index is None:
            return self.src.loc(self.line, self.col)
        line, col, _ = self.value_pos(index)
        return self.src.loc(line, col)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if not tag.startswith(_TAG):
        return node.value
    kind = tag[len(_TAG) :]
    try:
        if kind == "str":
            return node.value
        if kind == "null":
            return None
        if kind == "bool":
            return _SC.construct_yaml_bool(node)
        if kind == "int":
            return _SC.construct_yaml_int(node)
        if kind == "float":
            return _SC.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        pass
    return node.value  # timestamps, binary and odd values keep their text


def _style(node: yaml.Node) -> str:
    return getattr(node, "style", None) or ""


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
    return f"<complex key at line {node.start_mark.line + 1}>"


def _check_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases and alias graphs that expand past MAX_EXPANDED nodes."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            on_path.discard(nid)
            if isinstance(node, yaml.MappingNode):
                total = 1 + sum(size[id(k)] + size[id(v)] for k, v in node.value)
            else:
                total = 1 + sum(size[id(c)] for c in node.value)
            size[nid] = total
            if total > MAX_EXPANDED:
                line, col = _pos(node)
                raise YAMLLoadError(
                    f"YAML aliases expand to more than {MAX_EXPANDED:,} nodes (alias bomb); not loaded", line, col
                )
            continue
        if nid in size:
            continue
        if nid in on_path:
            line, col = _pos(node)
            raise YAMLLoadError("recursive YAML alias; not loaded", line, col)
        if isinstance(node, yaml.ScalarNode):
            size[nid] = 1
            continue
        on_path.add(nid)
        stack.append((node, True))
        children = [c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode) else node.value
        stack.extend((c, False) for c in children)


class _Builder:
    """Turns one composed node graph into YMap/YSeq/scalars without recursion."""

    def __init__(self, src: Source, problems: list[tuple[str, int, int, str]]):
        self.src = src
        self.problems = problems
        self.aliased = False

    def build(self, root: yaml.Node) -> Any:
        if isinstance(root, yaml.ScalarNode):
            return _scalar(root)
        memo: dict[int, Any] = {}
        merges: list[tuple[YMap, list[yaml.Node], set]] = []
        top = self._container(root, memo)
        stack: list[yaml.Node] = [root]
        while stack:
            node = stack.pop()
            obj = memo[id(node)]
            if isinstance(node, yaml.MappingNode):
                explicit: set = set()
                merge_sources: list[yaml.Node] = []
                for knode, vnode in node.value:
                    if knode.tag == _TAG + "merge":
                        merge_sources.extend(vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode])
                        stack.extend(self._pending(n, memo) for n in merge_sources if id(n) not in memo)
                        continue
                    key = _key(knode)
                    if key in explicit:
                        kl, kc = _pos(knode)
                        self.problems.append(("duplicate-key", kl, kc, f"duplicate key {key!r}"))
                    explicit.add(key)
                    obj[key] = self._child(vnode, memo, stack)
                    kl, kc = _pos(knode)
                    vl, vc = _pos(vnode)
                    obj._kpos[key] = (kl, kc, vl, vc, _style(vnode))
                if merge_sources:
                    merges.append((obj, merge_sources, explicit))
            else:
                for item in node.value:
                    obj.append(self._child(item, memo, stack))
                    vl, vc = _pos(item)
                    obj._ipos.append((vl, vc, _style(item)))
        for target, sources, explicit in reversed(merges):
            for snode in sources:
                source = memo.get(id(snode))
                if not isinstance(source, YMap):
                    line, col = _pos(snode)
                    self.problems.append(("unparseable-file", line, col, "merge key `<<` needs a mapping"))
                    continue
                for key, value in source.items():
                    if key not in explicit and key not in target:
                        target[key] = value
                        target._kpos[key] = source._kpos[key]
        return top

    def _container(self, node: yaml.Node, memo: dict[int, Any]) -> Any:
        line, col = _pos(node)
        obj = YMap(self.src, line, col) if isinstance(node, yaml.MappingNode) else YSeq(self.src, line, col)
        memo[id(node)] = obj
        return obj

    def _pending(self, node: yaml.Node, memo: dict[int, Any]) -> yaml.Node:
        self._container(node, memo)
        return node

    def _child(self, node: yaml.Node, memo: dict[int, Any], stack: list[yaml.Node]) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        nid = id(node)
        if nid in memo:
            self.aliased = True
            return memo[nid]
        obj = self._container(node, memo)
        stack.append(node)
        return obj


def _nesting_bound(text: str) -> int:
    """A cheap upper bound of the nesting depth; the exact depth is only computed above it."""
    flow = text.count("[") + text.count("{")
    lead = 0
    for line in text.splitlines():
        n = len(line) - len(line.lstrip(" -?:"))
        if n > lead:
            lead = n
    return flow + lead + 2


def _check_depth(text: str) -> None:
    if _nesting_bound(text) <= MAX_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                m = event.start_mark
                raise YAMLLoadError(f"nesting deeper than {MAX_DEPTH} levels; not loaded", m.line + 1, m.column + 1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _error(exc: yaml.YAMLError) -> YAMLLoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return YAMLLoadError(message)
    return YAMLLoadError(message, mark.line + 1, mark.column + 1)


def parse_yaml(
    src: Source, text: str | None = None
) -> tuple[list[tuple[Any, int, int]], list[tuple[str, int, int, str]]]:
    """Parse every document of `src` (or `text` attributed to it).

    Returns ([(data, line, col) per document], problems). Documents before a syntax error are
    kept; the error is one problem ("unparseable-file", line, col, message).
    """
    text = src.text if text is None else text
    docs: list[tuple[Any, int, int]] = []
    problems: list[tuple[str, int, int, str]] = []
    try:
        _check_depth(text)
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                builder = _Builder(src, problems)
                data = builder.build(node)
                if builder.aliased:
                    _check_expansion(node)
                line, col = _pos(node)
                docs.append((data, line, col))
        finally:
            loader.dispose()
    except YAMLLoadError as exc:
        problems.append(("unparseable-file", exc.line, exc.col, exc.message))
    except yaml.YAMLError as exc:
        err = _error(exc)
        problems.append(("unparseable-file", err.line, err.col, err.message))
    except RecursionError:
        problems.append(("unparseable-file", 1, 1, "YAML nested too deeply to load"))
    return docs, problems


def is_sops_document(data: Any) -> bool:
    """A document SOPS encrypted: a top-level `sops` mapping with its metadata."""
    meta = data.get("sops") if isinstance(data, dict) else None
    return isinstance(meta, dict) and bool({"mac", "lastmodified", "version"} & meta.keys())


def load_documents(sf: SourceFile) -> None:
    """Fill `sf.documents` and `sf.problems` from `sf.text`."""
    docs, problems = parse_yaml(sf)
    if "{{" in sf.text:
        # Go/Helm template directives break YAML syntax; say so rather than report a syntax error.
        problems = [
            ("template-file", line, col, "file holds template directives ({{ ... }}) and is not valid YAML; not linted")
            if name == "unparseable-file"
            else (name, line, col, msg)
            for name, line, col, msg in problems
        ]
    sf.problems.extend(problems)
    for i, (data, line, col) in enumerate(docs):
        sops = is_sops_document(data)
        sf.documents.append(Document(sf, i, data, line, col, sops))
        sf.sops = sf.sops or sops
