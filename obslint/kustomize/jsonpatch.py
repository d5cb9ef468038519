"""JSON patches (RFC 6902) as kustomize applies them.

Upstream: kustomize api/filters/patchjson6902 applies evanphx/json-patch v5 (Patch.Apply with its
default options) to the object's JSON. Operations `add`, `remove`, `replace`, `move`, `copy` and
`test`, in order; a path is an RFC 6901 pointer (`/a/b`, `~1` for `/`, `~0` for `~`). On a list,
an index may be negative (counted from the end) and `add` accepts `-` (append) or an index up to
the length. `replace`, `remove`, `move` and `copy` need their path to exist; `add` needs its
parent; the empty pointer (the whole object) is refused. The first failing operation fails the
patch (and the build): PatchError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from obslint.findings import Loc
from obslint.kustomize.smp import PatchError
from obslint.load.yamlfile import YMap, YSeq

_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
_INDEX = re.compile(r"[+-]?[0-9]+\Z")
_MISSING = object()


def _loc(container: Any, key: Any) -> Loc | None:
    return container.loc(key) if isinstance(container, (YMap, YSeq)) else None


def parse_pointer(pointer: str) -> list[str]:
    """The reference tokens of a JSON pointer; PatchError for the empty or a relative pointer."""
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} does not address a field (it must start with /)")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _index(token: str, length: int, append: bool = False) -> int:
    """A list index as evanphx/json-patch reads it (strconv.Atoi, negative from the end)."""
    if append and token == "-":
        return length
    if not _INDEX.match(token):
        raise PatchError(f"{token!r} is not a list index")
    index = int(token)
    if index < 0:
        index += length
    if not 0 <= index <= (length if append else length - 1):
        raise PatchError(f"list index {token} is out of range (length {length})")
    return index


class _Placed:
    """A value with the place it stands in its source (a mapping entry or a list item)."""

    __slots__ = ("container", "key", "value")

    def __init__(self, value: Any, container: Any, key: Any):
        self.value, self.container, self.key = value, container, key


def _with_position(value: _Placed, target: YMap | YSeq | None) -> tuple[Any, Any]:
    """A one-entry holder that gives `target.take` the position of `value`."""
    src = value.container
    if isinstance(src, YMap):
        return src, value.key
    if isinstance(src, YSeq):
        holder = YMap(src.src_of(value.key), src.line, src.col)
        line, col, style = src.value_pos(value.key)
        holder[0] = value.value
        holder.set_pos(0, line, col, line, col, style)
        return holder, 0
    return None, None


def _put_in_map(out: Any, key: Any, value: _Placed) -> None:
    holder, hkey = _with_position(value, out)
    if isinstance(out, YMap) and holder is not None:
        out.take(key, value.value, holder, hkey)
    else:
        out[key] = value.value


def _list_with(seq: list, index: int, value: _Placed | None, insert: bool) -> Any:
    """`seq` with the item at `index` replaced (or `value` inserted there; None: the item removed)."""
    if not isinstance(seq, YSeq):
        items = list(seq)
        if value is None:
            del items[index]
        elif insert:
            items.insert(index, value.value)
        else:
            items[index] = value.value
        return items
    out = YSeq(seq.src, seq.line, seq.col)
    for i in range(len(seq) + 1):
        if i == index and value is not None:
            holder, hkey = _with_position(value, out)
            if isinstance(holder, YMap):
                one = YSeq(holder.src_of(hkey), holder.line, holder.col)
                line, col, style = holder.value_pos(hkey)
                one.append(value.value)
                one.add_pos(line, col, style)
                out.take(value.value, one, 0)
            else:
                out.append(value.value)
                out.add_pos(seq.line, seq.col)
        if i < len(seq) and not (i == index and not insert):
            out.take(seq[i], seq, i)
    return out


def _get(doc: Any, tokens: list[str]) -> _Placed:
    node, container, key = doc, None, None
    for token in tokens:
        if isinstance(node, Mapping):
            if token not in node:
                raise PatchError(f"there is no field {token!r}")
            container, key, node = node, token, node[token]
        elif isinstance(node, list):
            index = _index(token, len(node))
            container, key, node = node, index, node[index]
        else:
            raise PatchError(f"{token!r} is below a scalar")
    return _Placed(node, container, key)


def _change(doc: Any, tokens: list[str], op: str, value: _Placed | None) -> Any:
    """doc with `op` (add, replace, remove) done at `tokens`, copying only the path to it."""
    if not tokens:
        raise PatchError("an operation on the whole object is not supported")
    head, rest = tokens[0], tokens[1:]
    if isinstance(doc, Mapping):
        if rest:
            if head not in doc:
                raise PatchError(f"there is no field {head!r}")
            out = doc.clone() if isinstance(doc, YMap) else dict(doc)
            out[head] = _change(doc[head], rest, op, value)
            return out
        if op != "add" and head not in doc:
            raise PatchError(f"there is no field {head!r} to {op}")
        out = doc.clone() if isinstance(doc, YMap) else dict(doc)
        if value is None:
            del out[head]
        else:
            _put_in_map(out, head, value)
        return out
    if isinstance(doc, list):
        if rest:
            index = _index(head, len(doc))
            return _list_with(doc, index, _Placed(_change(doc[index], rest, op, value), doc, index), insert=False)
        index = _index(head, len(doc), append=op == "add")
        return _list_with(doc, index, value, insert=op == "add")
    raise PatchError(f"{head!r} is below a scalar")


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _field(op: Mapping, name: str, required: bool = True) -> Any:
    value = op.get(name, _MISSING)
    if value is _MISSING and required:
        raise PatchError(f"operation {op.get('op')!r} has no {name!r}", _loc(op, "op"))
    return value


def apply_operation(doc: Any, op: Any) -> Any:
    """doc with one operation applied; PatchError when it does not apply."""
    if not isinstance(op, Mapping) or op.get("op") not in _OPS:
        kind = op.get("op") if isinstance(op, Mapping) else op
        raise PatchError(f"{kind!r} is not a JSON patch operation", _loc(op, "op"))
    name = op["op"]
    path = _field(op, "path")
    try:
        tokens = parse_pointer(path if isinstance(path, str) else "")
        if name in ("add", "replace"):
            return _change(doc, tokens, name, _Placed(_field(op, "value"), op, "value"))
        if name == "remove":
            return _change(doc, tokens, "remove", None)
        if name == "test":
            expected = _field(op, "value")
            try:
                actual = _get(doc, tokens).value
            except PatchError:
                actual = _MISSING
            if (actual is _MISSING and expected is not None) or (
                actual is not _MISSING and not _json_equal(actual, expected)
            ):
                raise PatchError(f"test of {path!r} fails: the value differs")
            return doc
        source = _field(op, "from")
        from_tokens = parse_pointer(source if isinstance(source, str) else "")
        moved = _get(doc, from_tokens)
        if name == "move":
            if tokens[: len(from_tokens)] == from_tokens and len(tokens) > len(from_tokens):
                raise PatchError(f"cannot move {source!r} into itself")
            doc = _change(doc, from_tokens, "remove", None)
        return _change(doc, tokens, "add", moved)
    except PatchError as exc:
        raise PatchError(f"{name} {path!r}: {exc.message}", exc.loc or _loc(op, "path")) from None


def apply_json_patch(doc: Any, ops: list) -> Any:
    """doc with every operation applied in order (copy-on-write); PatchError for the first that
    does not apply."""
    for op in ops:
        doc = apply_operation(doc, op)
    return doc
