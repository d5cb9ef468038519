"""Edits of one YAML file through a ruamel.yaml round trip, spliced into the original text.

ruamel.yaml keeps comments, key order and quoting, but its output is not always the input byte
for byte: it normalises indentation, drops unused anchors and writes a null as nothing. The file
is therefore dumped twice, before and after the edits; only the lines that differ between the two
dumps are replaced in the original text, and only when the lines around them are ones ruamel
reproduced exactly. Everything outside an edit stays byte-identical; an edit next to lines ruamel
would rewrite is refused rather than applied with a reformatted neighbourhood. The result is
parsed again and must equal the edited document.
"""

from __future__ import annotations

import difflib
import io
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from obslint.fix.edits import ANY, MISSING, AddItem, Edit, Fix, ReplaceKeys, SetKey

# (mapping, sequence, offset) indentations tried, the one reproducing most lines wins:
# `key:\n  - item` (kubectl, Helm charts) and `key:\n- item` (kustomize, go-yaml v3), at 2 and 4.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0))


class EditError(Exception):
    """A fix that cannot be applied to the file as it is."""


@dataclass
class FileEdit:
    text: str  # the new text ("" unchanged when nothing applied)
    applied: list[Fix]
    refused: list[tuple[Fix, str]]


def _yaml(indent: tuple[int, int, int]) -> YAML:
    yaml = YAML()  # round trip: comments, order and quotes are kept
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never fold a long line
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def _dump(yaml: YAML, docs: list[Any], explicit_start: bool) -> str:
    yaml.explicit_start = explicit_start
    out = io.StringIO()
    yaml.dump_all(docs, out)
    return out.getvalue()


def _mappings(node: Any) -> Iterator[CommentedMap]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, CommentedMap):
            yield cur
            stack.extend(cur.values())
        elif isinstance(cur, CommentedSeq):
            stack.extend(cur)


def _locate(docs: list[Any], line: int, col: int) -> CommentedMap:
    for doc in docs:
        for m in _mappings(doc):
            if m.lc.line == line - 1 and m.lc.col == col - 1:
                return m
    raise EditError(f"no mapping at line {line}, column {col}")


def yaml_value(value: Any) -> Any:
    """A Python value as ruamel will write it: a string that plain YAML would read as something
    else (`null`, `1`, `true`) double-quoted; mappings and lists in block style."""
    if isinstance(value, str):
        if value == "" or _plain_reads_as(value) != value:
            return DoubleQuotedScalarString(value)
        return value
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = yaml_value(v)
        return m
    if isinstance(value, (list, tuple)):
        return CommentedSeq(yaml_value(v) for v in value)
    return value


def _plain_reads_as(text: str) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(text)
    except Exception:  # not a valid plain scalar: the emitter quotes it itself
        return text


def _check(m: CommentedMap, edit: Edit) -> None:
    """Raise EditError when the mapping is not what the edit expects."""
    if isinstance(edit, SetKey):
        if edit.expect is MISSING and edit.key in m:
            raise EditError(f"`{edit.key}` is already set")
        if edit.expect not in (ANY, MISSING) and (edit.key not in m or m[edit.key] != edit.expect):
            raise EditError(f"`{edit.key}` is not {edit.expect!r} in the file")
    elif isinstance(edit, AddItem):
        if edit.key in m and not isinstance(m[edit.key], CommentedSeq):
            raise EditError(f"`{edit.key}` is not a list")
    elif isinstance(edit, ReplaceKeys):
        if not any(k in m for k in edit.old):
            raise EditError(f"none of {', '.join(edit.old)} is set")
        if edit.new in m and not isinstance(m[edit.new], CommentedSeq):
            raise EditError(f"`{edit.new}` is not a list")


def _insert_after(m: CommentedMap, after: str | None, key: str, value: Any) -> None:
    if after is not None and after in m:
        m.insert(list(m).index(after) + 1, key, value)
    else:
        m[key] = value


def _apply(m: CommentedMap, edit: Edit) -> None:
    if isinstance(edit, SetKey):
        value = yaml_value(edit.value)
        if edit.flow and isinstance(value, CommentedSeq):
            value.fa.set_flow_style()
        if edit.key in m:
            m[edit.key] = value
        else:
            _insert_after(m, edit.after, edit.key, value)
    elif isinstance(edit, AddItem):
        seq = m.get(edit.key)
        if seq is None:
            m[edit.key] = yaml_value([edit.value])
        elif edit.value not in seq:
            seq.insert(len(seq) if edit.at is None else edit.at, yaml_value(edit.value))
    elif isinstance(edit, ReplaceKeys):
        first = next(k for k in m if k in edit.old)
        seq = m.get(edit.new)
        if seq is None:
            m.insert(list(m).index(first), edit.new, yaml_value(list(edit.items)))
        else:
            seq.extend(yaml_value(v) for v in edit.items if v not in seq)
        for k in edit.old:
            m.pop(k, None)


def edit_file(text: str, fixes: list[Fix]) -> FileEdit:
    """Apply every fix it can to `text` (one YAML file); fixes whose target or expectation does
    not hold are refused one by one, a file ruamel cannot reproduce around the edits as a whole."""
    with warnings.catch_warnings():  # a reused anchor is valid YAML, which ruamel warns about on stderr
        warnings.simplefilter("ignore")
        return _edit_file(text, fixes)


def _edit_file(text: str, fixes: list[Fix]) -> FileEdit:
    newline = "\r\n" if "\r\n" in text else "\n"
    original = text.replace("\r\n", "\n")
    final_newline = original.endswith("\n")
    if not final_newline:
        original += "\n"
    try:
        indent, docs, before = _best_round_trip(original)
    except Exception as exc:  # ruamel refuses what obslint's loader accepted (a tag, a deep tree)
        reason = f"ruamel.yaml cannot load it ({type(exc).__name__})"
        return FileEdit("", [], [(f, reason) for f in fixes])
    applied: list[Fix] = []
    refused: list[tuple[Fix, str]] = []
    targets: list[tuple[Fix, CommentedMap]] = []
    for fix in fixes:  # all targets are found by their original positions, before any edit
        try:
            targets.append((fix, _locate(docs, fix.line, fix.col)))
        except EditError as exc:
            refused.append((fix, str(exc)))
    for fix, m in targets:
        try:
            for edit in fix.edits:
                _check(m, edit)
        except EditError as exc:
            refused.append((fix, str(exc)))
            continue
        for edit in fix.edits:
            _apply(m, edit)
        applied.append(fix)
    if not applied:
        return FileEdit("", [], refused)
    after = _dump(_yaml(indent), docs, _explicit_start(original))
    try:
        result = splice(original, before, after)
    except EditError as exc:
        return FileEdit("", [], refused + [(f, str(exc)) for f in applied])
    if result == original:
        return FileEdit("", [], refused)
    if not final_newline and result.endswith("\n"):
        result = result[:-1]
    return FileEdit(result.replace("\n", newline), applied, refused)


def _explicit_start(text: str) -> bool:
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            return line.startswith("---")
    return False


def _best_round_trip(text: str) -> tuple[tuple[int, int, int], list[Any], str]:
    """(indentation, loaded documents, dump) for the indentation reproducing most lines."""
    lines = Counter(text.split("\n"))
    best: tuple[int, tuple[int, int, int], str] | None = None
    explicit = _explicit_start(text)
    for indent in _INDENTS:
        yaml = _yaml(indent)
        dumped = _dump(yaml, list(yaml.load_all(text)), explicit)
        if dumped == text:
            best = (len(lines), indent, dumped)
            break
        same = sum((Counter(dumped.split("\n")) & lines).values())
        if best is None or same > best[0]:
            best = (same, indent, dumped)
    assert best is not None
    yaml = _yaml(best[1])
    return best[1], list(yaml.load_all(text)), best[2]


def splice(original: str, before: str, after: str) -> str:
    """`original` with the lines changed between `before` and `after` (two dumps of it) replaced.

    Each changed block of `before`, and the line on each side of it, must stand unchanged in
    `original`, in the same order: the block is then replaced there. The result, read as YAML,
    must equal `after`."""
    o, b, a = original.split("\n"), before.split("\n"), after.split("\n")
    to_original: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, b, o, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                to_original[i1 + k] = j1 + k
    replacements: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes():
        if tag != "equal":
            start = _place(to_original, i1, i2, len(b), len(o))
            replacements.append((start, start + (i2 - i1), a[j1:j2]))
    for start, end, lines in sorted(replacements, reverse=True):
        o[start:end] = lines
    result = "\n".join(o)
    if _read(result) != _read(after):
        raise EditError("the edited file would not read as intended")
    return result


def _place(to_original: dict[int, int], i1: int, i2: int, n_before: int, n_original: int) -> int:
    """Where lines i1:i2 of the first dump stand in the original: found from the lines themselves
    when ruamel reproduced them, else from the unchanged lines on either side of them (for an
    insertion, the line before it: the next one may belong to a less indented block)."""
    block = range(i1, i2)
    if block and all(to_original.get(k) == to_original.get(i1, -1) + (k - i1) for k in block):
        return to_original[i1]
    prev = to_original.get(i1 - 1, -1 if i1 == 0 else None)
    nxt = to_original.get(i2, n_original if i2 >= n_before else None)
    if not block and prev is not None:  # an insertion follows the line before it (a list's last item)
        return prev + 1
    if block and prev is not None and nxt is not None and nxt - prev - 1 == i2 - i1:
        return prev + 1
    raise EditError("ruamel.yaml would reformat the lines around the edit")


def _read(text: str) -> list[Any]:
    try:
        return list(YAML(typ="safe", pure=True).load_all(text))
    except Exception as exc:
        raise EditError(f"the edited file would not parse ({type(exc).__name__})") from None
