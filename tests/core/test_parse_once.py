"""Identical files are parsed once per run and copied for each file: each copy must be exactly what
parsing it would give - its own source, the same positions, aliases still shared, the same problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from obslint.load import load_tree
from obslint.load.walk import read_tree
from obslint.load.yamlfile import YMap, YSeq, load_documents

TEXTS = {
    "anchors": "base: &b {a: 1, l: [x, {y: 2}]}\nuse: *b\nmerged:\n  <<: *b\n  a: 3\n",
    "documents": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- 1\n- on\n---\nkind: K\nv: on\n",
    "problems": "a: 1\na: 2\nb: [1, 2\n",
    "template": "name: {{ .x }}\n",
    "kustomization.yaml": "resources: [a.yaml]\nnamePrefix: on\n",
}


def _same(a, b, src_a, src_b) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is YMap:
        return (
            a.src is src_a
            and b.src is src_b
            and (a.line, a.col) == (b.line, b.col)
            and list(a) == list(b)
            and a._kpos == b._kpos
            and all(_same(a[k], b[k], src_a, src_b) for k in a)
        )
    if type(a) is YSeq:
        return (
            a.src is src_a
            and b.src is src_b
            and (a.line, a.col, a._ipos) == (b.line, b.col, b._ipos)
            and len(a) == len(b)
            and all(_same(x, y, src_a, src_b) for x, y in zip(a, b, strict=True))
        )
    return a == b


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_copy_is_what_parsing_it_gives(tmp_path: Path, name: str):
    file = "kustomization.yaml" if name.endswith(".yaml") else f"{name}.yaml"
    for d in ("one", "two", "three"):
        (tmp_path / d).mkdir()
        (tmp_path / d / file).write_text(TEXTS[name])
    copied = load_tree(str(tmp_path))
    parsed = read_tree(str(tmp_path))
    for sf in parsed.files:
        load_documents(sf)  # each on its own, no sharing
    assert len(copied.files) == 3
    for c, p in zip(copied.files, parsed.files, strict=True):
        assert c.rel == p.rel and c.problems == p.problems and c.sops == p.sops
        assert [(d.index, d.line, d.col, d.sops) for d in c.documents] == [
            (d.index, d.line, d.col, d.sops) for d in p.documents
        ]
        for dc, dp in zip(c.documents, p.documents, strict=True):
            assert _same(dc.data, dp.data, c, p)
    if name == "anchors":
        first, second = (f.documents[0].data for f in copied.files[:2])
        assert second["base"] is second["use"] and second["base"] is not first["base"]
        assert second["merged"]["a"] == 3 and second["merged"].loc("l").path == copied.files[1].rel
    if name == "problems":
        assert any(p[0] == "duplicate-key" for p in copied.files[2].problems)


def test_copies_are_independent(tmp_path: Path):
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "f.yaml").write_text(TEXTS["anchors"])
    one, two = (f.documents[0].data for f in load_tree(str(tmp_path)).files)
    two["base"]["a"] = 9
    assert one["base"]["a"] == 1
