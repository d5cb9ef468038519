"""YAML documents with a position for every node, parsed safely.

libyaml (through PyYAML's C parser) produces events at C speed with line and column on
every node; we build plain dict/list trees (`YMap`, `YSeq`) that remember where each
key and value stood. YAML 1.1 scalar resolution matches the Go yaml.v2 decoders that
Kubernetes, Prometheus and Alertmanager use (`yes`/`on` are booleans there too).

Hostile input is refused before it can hurt: nesting deeper than MAX_DEPTH, alias graphs
that expand past MAX_EXPANDED nodes (billion laughs) or that are recursive. The trees are
built from libyaml's event stream without recursion (its composer recurses in C and
crashes the interpreter on deep input). Nothing is ever executed: only
the safe loader's standard tags are interpreted, any other tag keeps its plain value.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from obslint.findings import Loc
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

_SC = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"


class YAMLLoadError(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


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


_RESOLVER = yaml.resolver.Resolver()
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


class _Builder:
    """Builds YMap/YSeq/scalars straight from libyaml's event stream.

    Working from events (not PyYAML's composer) keeps everything iterative, allows an anchor
    to be redefined (YAML 1.2 and Go's yaml.v3 accept it; home-ops repos reuse `&host`),
    and lets us count the expanded size of aliases as we go.
    """

    def __init__(self, src: Source, problems: list[tuple[str, int, int, str]]):
        self.src = src
        self.problems = problems
        self.docs: list[tuple[Any, int, int]] = []

    def run(self, text: str) -> None:
        stack: list[_Frame] = []
        anchors: dict[str, tuple[Any, int]] = {}
        for event in yaml.parse(text, Loader=_Loader):
            cls = type(event)
            if cls is yaml.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
                value = _scalar(tag, event.value)
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = _intern(value)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                self._add(stack, value, _mark(event.start_mark), event.style or "", 1, merge=tag == _MERGE)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    line, col = _mark(event.start_mark)
                    raise YAMLLoadError(f"nesting deeper than {MAX_DEPTH} levels; not loaded", line, col)
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
                self._add(stack, value, (line, col), "", size)
            elif cls is yaml.DocumentStartEvent:
                anchors.clear()
            elif cls is yaml.DocumentEndEvent:
                pass

    def _add(self, stack: list[_Frame], value: Any, pos: tuple[int, int], style: str, size: int, merge: bool = False):
        if not stack:
            self.docs.append((value, pos[0], pos[1]))
            return
        frame = stack[-1]
        frame.size += size
        if frame.size > MAX_EXPANDED:
            raise YAMLLoadError(
                f"YAML aliases expand to more than {MAX_EXPANDED:,} nodes (alias bomb); not loaded", *pos
            )
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
    src: Source, text: str | None = None
) -> tuple[list[tuple[Any, int, int]], list[tuple[str, int, int, str]]]:
    """Parse every document of `src` (or `text` attributed to it).

    Returns ([(data, line, col) per document], problems). Documents before a syntax error are
    kept; the error is one problem ("unparseable-file", line, col, message).
    """
    text = src.text if text is None else text
    problems: list[tuple[str, int, int, str]] = []
    builder = _Builder(src, problems)
    try:
        builder.run(text)
    except YAMLLoadError as exc:
        problems.append(("unparseable-file", exc.line, exc.col, exc.message))
    except yaml.YAMLError as exc:
        err = _error(exc)
        problems.append(("unparseable-file", err.line, err.col, err.message))
    except RecursionError:
        problems.append(("unparseable-file", 1, 1, "YAML nested too deeply to load"))
    return builder.docs, problems


def is_sops_document(data: Any) -> bool:
    """A document SOPS encrypted: a top-level `sops` mapping with its metadata."""
    meta = data.get("sops") if isinstance(data, dict) else None
    return isinstance(meta, dict) and bool({"mac", "lastmodified", "version"} & meta.keys())


def load_documents(sf: SourceFile) -> None:
    """Fill `sf.documents` and `sf.problems` from `sf.text`."""
    docs, problems = parse_yaml(sf)
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
            sf.problems.extend(problems)
            return
    sf.problems.extend(problems)
    for i, (data, line, col) in enumerate(docs):
        sops = is_sops_document(data)
        sf.documents.append(Document(sf, i, data, line, col, sops))
        sf.sops = sf.sops or sops
