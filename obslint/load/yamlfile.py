"""YAML documents with a position for every node, parsed safely.

libyaml (through PyYAML's C parser) produces events at C speed with line and column on
every node; we build plain dict/list trees (`YMap`, `YSeq`) that remember where each
key and value stood. Plain scalars are typed as the Go decoder that reads the document does
(obslint.load.goresolve), not by PyYAML's YAML 1.1 resolver: a Kubernetes object (a mapping with
a `kind`) as kustomize's kyaml (go-yaml v3: `yes` is a string, `0o555` the integer
365), any other document (Helm values, application configs) as sigs.k8s.io/yaml (go-yaml v2:
`yes` is true).

Hostile input is refused before it can hurt: nesting deeper than MAX_DEPTH, alias graphs
that expand past MAX_EXPANDED nodes (billion laughs, counted over the whole text: one document
or many) or that are recursive. Every YAML text obslint reads from the checked repository goes
through `parse_yaml` - files, values embedded in them, base64 Secret data, the configuration -
and a refusal for a limit is a problem named LIMIT_EXCEEDED. The trees are
built from libyaml's event stream without recursion (its composer recurses in C and
crashes the interpreter on deep input). Nothing is ever executed: only
the safe loader's standard tags are interpreted, any other tag keeps its plain value.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import yaml

from obslint.findings import Loc
from obslint.load.goresolve import KYAML, YAML_V2, resolve
from obslint.load.source import Document, Source, SourceFile

try:  # pragma: no branch
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_DEPTH = 500
# Keys and short values repeat endlessly (`alert`, `severity: warning`, the same expression in
# every cluster): one shared string each instead of a new one per occurrence.
_INTERN_MAX = 512
_intern = sys.intern
MAX_EXPANDED = 1_000_000
# The problem name of a text refused for a limit above (a top-level file reports it as
# unparseable-file; text embedded in a value as obslint.rules.core too-complex)
LIMIT_EXCEEDED = "limit-exceeded"

_SC = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"


class YAMLLoadError(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1, limit: bool = False):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col
        self.limit = limit  # refused for a limit (depth, alias expansion), not for its syntax


# Positions are packed into one int per key or item: a (line, col, line, col, style) tuple with
# its int objects took ~150 bytes per key, a third of a loaded tree (lines and columns are
# 32-bit fields, styles a 3-bit code).
_STYLES = ("", "|", ">", '"', "'")
_STYLE_CODE = {s: i for i, s in enumerate(_STYLES)}
_M32 = 0xFFFFFFFF


def _pack_item(line: int, col: int, style: str) -> int:
    return (min(line, _M32) << 35) | (min(col, _M32) << 3) | _STYLE_CODE.get(style, 0)


def _unpack_item(p: int) -> tuple[int, int, str]:
    return p >> 35, (p >> 3) & _M32, _STYLES[p & 7]


def _pack_entry(kline: int, kcol: int, vline: int, vcol: int, style: str) -> int:
    return (((min(kline, _M32) << 32) | min(kcol, _M32)) << 67) | _pack_item(vline, vcol, style)


class YMap(dict):
    """A mapping that knows where it, its keys and its values stand in its source.

    A mapping derived from others (a patched or substituted copy of an object, merged chart
    values) can hold keys taken from another source: `take` records that source per key, so a
    finding on a patched value points into the patch, not into the object it was applied to."""

    __slots__ = ("_kpos", "_xsrc", "col", "line", "src")

    def __init__(self, src: Source, line: int, col: int):
        super().__init__()
        self.src, self.line, self.col = src, line, col
        self._kpos: dict[Any, int] = {}  # key -> packed (key line, key col, value line, value col, style)
        self._xsrc: dict[Any, Source] | None = None  # key -> its source, where not `src`

    def set_pos(self, key: Any, kline: int, kcol: int, vline: int, vcol: int, style: str = "") -> None:
        self._kpos[key] = _pack_entry(kline, kcol, vline, vcol, style)

    def has_pos(self, key: Any = None) -> bool:
        """Whether `key` (any key, when None) has a position in the source."""
        return bool(self._kpos) if key is None else key in self._kpos

    def src_of(self, key: Any) -> Source:
        """The source `key` and its value were read from."""
        return self._xsrc.get(key, self.src) if self._xsrc else self.src

    def copy_pos(self, key: Any, other: YMap, other_key: Any) -> None:
        """Give `key` the position (and source) of `other_key` in `other` (when that has one)."""
        if other_key in other._kpos:
            self._kpos[key] = other._kpos[other_key]
            src = other.src_of(other_key)
            if src is not self.src:
                if self._xsrc is None:
                    self._xsrc = {}
                self._xsrc[key] = src
            elif self._xsrc:
                self._xsrc.pop(key, None)

    def take(self, key: Any, value: Any, other: YMap, other_key: Any) -> None:
        """Set `key` to `value`, positioned where `other_key` stands in `other`."""
        self[key] = value
        self.copy_pos(key, other, other_key)

    def copy_positions(self, other: YMap) -> None:
        """Take every key position of `other` (for a mapping derived from it)."""
        self._kpos = dict(other._kpos)
        self._xsrc = dict(other._xsrc) if other._xsrc else None

    def clone(self) -> YMap:
        """A shallow copy that keeps every position."""
        out = YMap(self.src, self.line, self.col)
        out.update(self)
        out.copy_positions(self)
        return out

    def key_pos(self, key: Any) -> tuple[int, int]:
        p = self._kpos.get(key)
        return (p >> 99, (p >> 67) & _M32) if p is not None else (self.line, self.col)

    def value_pos(self, key: Any) -> tuple[int, int, str]:
        """(line, col, style) of the value; style is '|', '>', '"', "'" or '' (plain)."""
        p = self._kpos.get(key)
        return _unpack_item(p & ((1 << 67) - 1)) if p is not None else (self.line, self.col, "")

    def loc(self, key: Any = None) -> Loc:
        """Where the value of `key` stands (the mapping itself when key is None or absent)."""
        if key is None or key not in self._kpos:
            return self.src.loc(self.line, self.col)
        line, col, _ = self.value_pos(key)
        return self.src_of(key).loc(line, col)

    def key_loc(self, key: Any) -> Loc:
        return self.src_of(key).loc(*self.key_pos(key))


class YSeq(list):
    """A sequence that knows where it and each of its items stand in its source (items taken
    from another sequence keep that one's source, as for `YMap.take`)."""

    __slots__ = ("_ipos", "_xsrc", "col", "line", "src")

    def __init__(self, src: Source, line: int, col: int):
        super().__init__()
        self.src, self.line, self.col = src, line, col
        self._ipos: list[int] = []  # packed (line, col, style) of each item
        self._xsrc: dict[int, Source] | None = None  # item index -> its source, where not `src`

    def add_pos(self, line: int, col: int, style: str = "") -> None:
        """Record the position of the item just appended."""
        self._ipos.append(_pack_item(line, col, style))

    def src_of(self, index: int) -> Source:
        return self._xsrc.get(index, self.src) if self._xsrc else self.src

    def take(self, value: Any, other: YSeq, other_index: int) -> None:
        """Append `value`, positioned where item `other_index` of `other` stands."""
        self.append(value)
        i = len(self) - 1
        pos = other._ipos[other_index] if 0 <= other_index < len(other._ipos) else _pack_item(other.line, other.col, "")
        while len(self._ipos) < i:  # items appended without a position
            self._ipos.append(_pack_item(self.line, self.col, ""))
        self._ipos[i:] = [pos]
        src = other.src_of(other_index)
        if src is not self.src:
            if self._xsrc is None:
                self._xsrc = {}
            self._xsrc[i] = src

    def clone(self) -> YSeq:
        """A shallow copy that keeps every position."""
        out = YSeq(self.src, self.line, self.col)
        out.extend(self)
        out._ipos = list(self._ipos)
        out._xsrc = dict(self._xsrc) if self._xsrc else None
        return out

    def value_pos(self, index: int) -> tuple[int, int, str]:
        try:
            return _unpack_item(self._ipos[index])
        except IndexError:
            return (self.line, self.col, "")

    def loc(self, index: int | None = None) -> Loc:
        if index is None:
            return self.src.loc(self.line, self.col)
        line, col, _ = self.value_pos(index)
        return self.src_of(index).loc(line, col)


_MERGE = _TAG + "merge"


def _scalar(tag: str, value: str) -> Any:
    if not tag.startswith(_TAG):
        return value
    kind = tag[len(_TAG) :]
    if kind == "str":
        return value
    if kind == "null":
        return None
    try:
        node = yaml.ScalarNode(tag, value)
        if kind == "bool":
            return _SC.construct_yaml_bool(node)
        if kind == "int":
            return _SC.construct_yaml_int(node)
        if kind == "float":
            return _SC.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        pass
    return value  # timestamps, binary and odd values keep their text


def _mark(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Frame:
    __slots__ = ("anchor", "explicit", "key", "merge_next", "merges", "obj", "size")

    def __init__(self, obj: YMap | YSeq, anchor: str | None):
        self.obj = obj
        self.anchor = anchor
        self.size = 1
        self.key: tuple[Any, int, int] | None = None  # pending mapping key (value, line, col)
        self.merge_next = False
        self.merges: list[Any] = []
        self.explicit: set = set()


def _document_schema(events: list[Any]) -> str:
    """KYAML for a Kubernetes object or a kustomize patch of one (a mapping with a scalar `kind` at
    its top level; a patch may lack apiVersion): kustomize reads it. YAML_V2 for anything else:
    Helm values, application configs, JSON 6902 patches (a list)."""
    depth, is_key, pending = 0, True, False
    for event in events:
        cls = type(event)
        if cls is yaml.ScalarEvent or cls is yaml.AliasEvent:
            if depth != 1:
                continue
            if is_key:
                pending = cls is yaml.ScalarEvent and event.value == "kind"
            elif pending and cls is yaml.ScalarEvent:
                return KYAML
            is_key = not is_key
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            if depth == 0 and cls is yaml.SequenceStartEvent:
                return YAML_V2
            depth += 1
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            depth -= 1
            if depth == 0:
                return YAML_V2
            if depth == 1:
                is_key = not is_key  # a mapping or sequence done at the top level
    return YAML_V2


class _Builder:
    """Builds YMap/YSeq/scalars straight from libyaml's event stream.

    Working from events (not PyYAML's composer) keeps everything iterative, allows an anchor
    to be redefined (YAML 1.2 and Go's yaml.v3 accept it; home-ops repos reuse `&host`),
    and lets us count the expanded size of aliases as we go.
    """

    def __init__(self, src: Source, problems: list[tuple[str, int, int, str]], schema: str | None = None):
        self.src = src
        self.problems = problems
        self.schema = schema  # how plain scalars are typed; None: by document (_document_schema)
        self.docs: list[tuple[Any, int, int]] = []
        # nodes aliases added, over every document: a bomb spread over many documents (each
        # below MAX_EXPANDED) costs every walk of the trees as much as one big bomb
        self.aliased = 0

    def run(self, text: str) -> None:
        # One document's events are kept until its end: which decoder reads it (and so what
        # `yes` is) depends on its top-level keys, which may come after other values.
        events: list[Any] = []
        try:
            for event in yaml.parse(text, Loader=_Loader):
                events.append(event)
                if type(event) is yaml.DocumentEndEvent:
                    self._build(events)
                    events = []
        except yaml.YAMLError:
            with contextlib.suppress(YAMLLoadError):
                self._build(events)  # keep what was complete before the syntax error
            raise

    def _build(self, events: list[Any]) -> None:
        schema = self.schema or _document_schema(events)
        stack: list[_Frame] = []
        anchors: dict[str, tuple[Any, int]] = {}
        for event in events:
            cls = type(event)
            if cls is yaml.ScalarEvent:
                tag = event.tag
                text = event.value
                if tag is None and event.implicit[0]:  # plain and untagged: typed as the reader does
                    merge = text == "<<"
                    frame = stack[-1] if stack else None
                    if frame is not None and frame.key is None and not frame.merge_next and type(frame.obj) is YMap:
                        # A key: typed decoders match it by its text, kyaml's map[string]interface{}
                        # keeps the text; `on:` stays "on" (YAML 1.1 boolean words are values only).
                        value = text if merge else resolve(text, KYAML)
                    else:
                        value = resolve(text, schema)
                else:
                    value = text if tag is None or tag == "!" else _scalar(tag, text)
                    merge = tag == _MERGE
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = _intern(value)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                self._add(stack, value, _mark(event.start_mark), event.style or "", 1, merge=merge)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    line, col = _mark(event.start_mark)
                    raise YAMLLoadError(f"nesting deeper than {MAX_DEPTH} levels; not loaded", line, col, limit=True)
                line, col = _mark(event.start_mark)
                obj = YMap(self.src, line, col) if cls is yaml.MappingStartEvent else YSeq(self.src, line, col)
                stack.append(_Frame(obj, event.anchor))
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                if frame.merges:
                    self._merge(frame)
                if frame.anchor:
                    anchors[frame.anchor] = (frame.obj, frame.size)
                obj = frame.obj
                self._add(stack, obj, (obj.line, obj.col), "", frame.size)
            elif cls is yaml.AliasEvent:
                line, col = _mark(event.start_mark)
                if event.anchor not in anchors:
                    if any(f.anchor == event.anchor for f in stack):
                        raise YAMLLoadError("recursive YAML alias; not loaded", line, col)
                    raise YAMLLoadError(f"undefined YAML alias {event.anchor!r}", line, col)
                value, size = anchors[event.anchor]
                self.aliased += size
                if self.aliased > MAX_EXPANDED:
                    raise self._bomb(line, col)
                self._add(stack, value, (line, col), "", size)

    def _add(self, stack: list[_Frame], value: Any, pos: tuple[int, int], style: str, size: int, merge: bool = False):
        if not stack:
            self.docs.append((value, pos[0], pos[1]))
            return
        frame = stack[-1]
        frame.size += size
        if frame.size > MAX_EXPANDED:
            raise self._bomb(*pos)
        obj = frame.obj
        if isinstance(obj, YSeq):
            obj.append(value)
            obj._ipos.append(_pack_item(pos[0], pos[1], style))
            return
        if frame.key is None and not frame.merge_next:
            if merge:
                frame.merge_next = True
                return
            if isinstance(value, (YMap, YSeq)):
                # JSON and Kubernetes have no such keys: in practice an unquoted `{{ .x }}` template
                self.problems.append(("complex-key", pos[0], pos[1], "a mapping or sequence used as a key"))
                value = f"<complex key at line {pos[0]}>"
            frame.key = (value, pos[0], pos[1])
            return
        if frame.merge_next:
            frame.merge_next = False
            frame.merges.extend(value if isinstance(value, YSeq) else [value])
            return
        key, kline, kcol = frame.key  # type: ignore[misc]
        frame.key = None
        if key in frame.explicit:
            self.problems.append(("duplicate-key", kline, kcol, f"duplicate key {key!r}"))
        frame.explicit.add(key)
        obj[key] = value
        obj._kpos[key] = _pack_entry(kline, kcol, pos[0], pos[1], style)

    @staticmethod
    def _bomb(line: int, col: int) -> YAMLLoadError:
        message = f"YAML aliases expand to more than {MAX_EXPANDED:,} nodes (alias bomb); not loaded"
        return YAMLLoadError(message, line, col, limit=True)

    def _merge(self, frame: _Frame) -> None:
        target = frame.obj
        for source in frame.merges:
            if not isinstance(source, YMap):
                self.problems.append(("unparseable-file", target.line, target.col, "merge key `<<` needs a mapping"))
                continue
            for key, value in source.items():
                if key not in frame.explicit and key not in target:
                    target[key] = value
                    target._kpos[key] = source._kpos[key]


def _error(exc: yaml.YAMLError) -> YAMLLoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return YAMLLoadError(message)
    return YAMLLoadError(message, mark.line + 1, mark.column + 1)


def parse_yaml(
    src: Source, text: str | None = None, schema: str | None = None
) -> tuple[list[tuple[Any, int, int]], list[tuple[str, int, int, str]]]:
    """Parse every document of `src` (or `text` attributed to it), its plain scalars typed as
    `schema` (goresolve.KYAML or YAML_V2) reads them; by default as the reader of each document
    (`_document_schema`).

    Returns ([(data, line, col) per document], problems). Documents before a syntax error are
    kept; the error is one problem ("unparseable-file", line, col, message), or (LIMIT_EXCEEDED, ...)
    when the text was refused for a limit (nesting depth, alias expansion).
    """
    text = src.text if text is None else text
    problems: list[tuple[str, int, int, str]] = []
    builder = _Builder(src, problems, schema)
    try:
        builder.run(text)
    except YAMLLoadError as exc:
        problems.append((LIMIT_EXCEEDED if exc.limit else "unparseable-file", exc.line, exc.col, exc.message))
    except yaml.YAMLError as exc:
        err = _error(exc)
        problems.append(("unparseable-file", err.line, err.col, err.message))
    except RecursionError:
        problems.append((LIMIT_EXCEEDED, 1, 1, "YAML nested too deeply to load"))
    return builder.docs, problems


def load_text(text: str, name: str) -> list[Any]:
    """The documents of a YAML text that is no manifest of the checked tree (obslint's configuration
    file, its packaged data), through `parse_yaml` like everything else. Raises YAMLLoadError on a
    syntax error or a refusal for a limit; `name` only names the text."""
    docs, problems = parse_yaml(SourceFile(name, name, "yaml", text=text))
    for kind, line, col, message in problems:
        if kind in ("unparseable-file", LIMIT_EXCEEDED):
            raise YAMLLoadError(message, line, col, limit=kind == LIMIT_EXCEEDED)
    return [data for data, _, _ in docs]


def is_sops_document(data: Any) -> bool:
    """A document SOPS encrypted: a top-level `sops` mapping with its metadata."""
    meta = data.get("sops") if isinstance(data, dict) else None
    return isinstance(meta, dict) and bool({"mac", "lastmodified", "version"} & meta.keys())


def rehome(root: Any, src: Source) -> Any:
    """A copy of a parsed tree whose mappings and sequences belong to `src`: what parsing the same
    text for `src` gives, without parsing it. Scalars are shared (immutable), and so is a node
    reached twice (a YAML alias) in the copy as in the original. Iterative: trees are up to
    MAX_DEPTH deep."""
    if type(root) is not YMap and type(root) is not YSeq:
        return root
    copies: dict[int, Any] = {}

    def fresh(node: YMap | YSeq) -> YMap | YSeq:
        xsrc = {k: src if s is node.src else s for k, s in node._xsrc.items()} if node._xsrc else None
        if type(node) is YMap:
            out: YMap | YSeq = YMap(src, node.line, node.col)
            out._kpos = dict(node._kpos)
        else:
            out = YSeq(src, node.line, node.col)
            out._ipos = list(node._ipos)
        out._xsrc = xsrc  # type: ignore[assignment]
        copies[id(node)] = out
        stack.append((node, out))
        return out

    stack: list[tuple[Any, Any]] = []
    top = fresh(root)
    while stack:
        old, new = stack.pop()
        if type(old) is YMap:
            for key, value in old.items():
                if type(value) is YMap or type(value) is YSeq:
                    copy = copies.get(id(value))  # (an empty copy is falsy: compare with None)
                    value = fresh(value) if copy is None else copy
                dict.__setitem__(new, key, value)
        else:
            for value in old:
                if type(value) is YMap or type(value) is YSeq:
                    copy = copies.get(id(value))
                    value = fresh(value) if copy is None else copy
                list.append(new, value)
    return top


# Parse results by (text, schema) for one load: a repository of many clusters holds the same
# files many times over, and a copy is rebuilt from the first parse (rehome) several times faster.
Parsed = dict[tuple[str, str | None], tuple[list[tuple[Any, int, int]], list[tuple[str, int, int, str]]]]


def load_documents(sf: SourceFile, parsed: Parsed | None = None) -> None:
    """Fill `sf.documents` and `sf.problems` from `sf.text` (or from an identical text in `parsed`)."""
    # kustomize reads its own kustomization files with kyaml, apiVersion and kind or not
    kustomization = sf.rel.rsplit("/", 1)[-1] in ("kustomization.yaml", "kustomization.yml", "Kustomization")
    schema = KYAML if kustomization else None
    first = parsed.get((sf.text, schema)) if parsed is not None else None
    if first is not None:
        docs = [(rehome(data, sf), line, col) for data, line, col in first[0]]
        problems = list(first[1])
    else:
        docs, problems = parse_yaml(sf, schema=schema)
        if parsed is not None:
            parsed[(sf.text, schema)] = (docs, list(problems))
    complex_keys = [p for p in problems if p[0] == "complex-key"]
    problems = [p for p in problems if p[0] != "complex-key"]
    if "{{" in sf.text:
        # Go/Helm template directives break YAML syntax; say so rather than report a syntax error.
        problems = [
            ("template-file", line, col, "file holds template directives ({{ ... }}) and is not valid YAML; not linted")
            if name == "unparseable-file"
            else (name, line, col, msg)
            for name, line, col, msg in problems
        ]
        if complex_keys:
            # `name: {{ .app_namespace }}` parses, as a mapping for a key: a template that happens
            # to be YAML, not a manifest
            _, line, col, _ = complex_keys[0]
            if not any(p[0] == "template-file" for p in problems):
                message = "file holds template directives ({{ ... }}); not linted as a manifest"
                problems.append(("template-file", line, col, message))
            sf.problems.extend(_as_unparseable(problems))
            return
    sf.problems.extend(_as_unparseable(problems))
    for i, (data, line, col) in enumerate(docs):
        sops = is_sops_document(data)
        sf.documents.append(Document(sf, i, data, line, col, sops))
        sf.sops = sf.sops or sops


def _as_unparseable(problems: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """A file refused for a limit is one CORE001 unparseable-file finding, whatever else it holds
    (`{{` in a comment does not turn an alias bomb into a template notice)."""
    return [("unparseable-file", *p[1:]) if p[0] == LIMIT_EXCEEDED else p for p in problems]
