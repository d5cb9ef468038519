"""The TOML locator (obslint.load.toml_positions) and the positioned tree built on it
(obslint.load.tomlfile): every key, table and array item at its line and column, the enclosing
table's header where a position cannot be found, and limits on hostile text."""

from __future__ import annotations

import tomllib

import pytest

from obslint.load import LIMIT_EXCEEDED, SourceFile, YMap, YSeq
from obslint.load.toml_positions import locate
from obslint.load.tomlfile import MAX_CHARS, _positioned, parse_toml
from obslint.objects import loc_of

CONFIG = """\
# comment with [brackets] and = signs
data_dir = "/var/lib/vector"

[sources.in]
type = "file" # trailing comment
include = ["/a", '/b',
  "/c"]

[sinks."lo.ki"]
type = 'loki'
inputs = [ "in" ]
encoding = { codec = "json", x.y = 1 }
labels.app = "{{ app }}"
text = \"\"\"one "quoted" line
with ]} and # inside""\"""
when = 1979-05-27 07:32:00Z
"quoted\\u0041" = 2

[[sinks."lo.ki".arr]]
q = 1

[[sinks."lo.ki".arr]]
q = 2

[sinks."lo.ki".arr.sub]
z = 3
"""


def place(text: str, *path):
    placed = locate(text).by_path[path]
    return placed.key, placed.value


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("data_dir",), (2, 1), (2, 12)),
        (("sources", "in"), (4, 10), (4, 1)),  # header: its key part, and the `[`
        (("sources", "in", "type"), (5, 1), (5, 8)),
        (("sources", "in", "include", 1), (6, 18), (6, 18)),
        (("sources", "in", "include", 2), (7, 3), (7, 3)),  # an array over two lines
        (("sinks", "lo.ki"), (9, 8), (9, 1)),  # a quoted key with a dot in it
        (("sinks", "lo.ki", "inputs", 0), (11, 12), (11, 12)),
        (("sinks", "lo.ki", "encoding", "codec"), (12, 14), (12, 22)),  # inline table
        (("sinks", "lo.ki", "encoding", "x", "y"), (12, 32), (12, 36)),  # dotted key in it
        (("sinks", "lo.ki", "labels"), (13, 1), (13, 1)),  # the first part of a dotted key
        (("sinks", "lo.ki", "labels", "app"), (13, 8), (13, 14)),
        (("sinks", "lo.ki", "when"), (16, 1), (16, 8)),  # after a multi-line string
        (("sinks", "lo.ki", "quotedA"), (17, 1), (17, 18)),  # escapes decoded as tomllib does
        (("sinks", "lo.ki", "arr", 0), (19, 1), (19, 1)),
        (("sinks", "lo.ki", "arr", 1, "q"), (23, 1), (23, 5)),
        (("sinks", "lo.ki", "arr", 1, "sub", "z"), (26, 1), (26, 5)),  # a table below the latest element
    ],
)
def test_positions(path, key, value):
    assert tomllib.loads(CONFIG)  # the locator only runs on text tomllib accepts
    assert place(CONFIG, *path) == (key, value)


def test_a_table_is_where_it_is_defined_not_where_it_is_first_implied():
    text = "[sinks.loki.encoding]\ncodec = 'json'\n\n[sinks.loki]\ntype = 'loki'\n"
    assert place(text, "sinks", "loki") == ((4, 8), (4, 1))
    assert place(text, "sinks") == ((1, 2), (1, 2))


def test_a_text_the_locator_cannot_follow_keeps_what_it_placed_before():
    text = "[sinks.a]\ntype = 'x'\n@ = 1\n[sinks.b]\n"  # not TOML: the locator stops at `@`
    places = locate(text).by_path
    assert places[("sinks", "a", "type")].value == (2, 8)
    assert ("sinks", "b") not in places


def test_parse_gives_positioned_mappings():
    data = parse_toml(SourceFile("/x", "vector.toml", "toml", text=CONFIG)).data
    assert isinstance(data, YMap)
    sink = data["sinks"]["lo.ki"]
    assert isinstance(sink, YMap) and isinstance(sink["inputs"], YSeq)
    assert loc_of(data, "sinks", "lo.ki").line == 9
    assert (loc_of(sink, "inputs", 0).line, loc_of(sink, "inputs", 0).col) == (11, 12)
    assert (loc_of(sink, "encoding", "codec").line, loc_of(sink, "encoding", "codec").col) == (12, 22)
    assert sink["text"] == 'one "quoted" line\nwith ]} and # inside""'
    assert sink["arr"][1]["sub"]["z"] == 3 and loc_of(sink, "arr", 1, "sub", "z").line == 26


def test_a_key_without_a_position_points_at_its_table_header():
    text = "data_dir = 'x'\n\n[sinks.a]\ntype = 'x'\nendpoint = 'http://a'\n"
    places = locate(text)
    del places.by_path[("sinks", "a", "endpoint")]  # as if the locator had missed it
    data = _positioned(tomllib.loads(text), SourceFile("/x", "vector.toml", "toml", text=text), places)
    assert (loc_of(data, "sinks", "a", "endpoint").line, loc_of(data, "sinks", "a", "endpoint").col) == (3, 1)
    assert loc_of(data, "sinks", "a", "type").line == 4


@pytest.mark.parametrize(
    ("text", "kind", "where", "words"),
    [
        ("[sinks.a]\ntype = \n", "unparseable-file", (2, 8), "invalid TOML: Invalid value"),
        ("[sinks.a]\ntype = 'x'\n[sinks.a]\n", "unparseable-file", (3, 9), "Cannot declare"),
        ("v = " + "[" * 5000 + "]" * 5000, LIMIT_EXCEEDED, (1, 1), "nested deeper than"),
        ("v = " + "[" * 150 + "]" * 150, LIMIT_EXCEEDED, (1, 1), "nested deeper than"),
        ("[" + ".".join(["x"] * 3000) + "]\n", LIMIT_EXCEEDED, (1, 1), "nested deeper than"),
        ("v = " + "{a=" * 400 + "1" + "}" * 400, LIMIT_EXCEEDED, (1, 1), "nested deeper than"),
        ("v = [" + "1," * (MAX_CHARS // 2) + "]", LIMIT_EXCEEDED, (1, 1), "over 1,000,000 characters"),
    ],
)
def test_bad_and_hostile_text_is_a_problem_not_a_traceback(text, kind, where, words):
    parsed = parse_toml(SourceFile("/x", "vector.toml", "toml", text=text))
    assert parsed.data is None and parsed.problem is not None
    assert parsed.problem[0] == kind and parsed.problem[1:3] == where and words in parsed.problem[3]


def test_a_large_array_under_the_limit_is_read():
    text = "[sinks.a]\ntype = 'console'\nv = [" + "1, " * 200_000 + "]\n"
    data = parse_toml(SourceFile("/x", "vector.toml", "toml", text=text)).data
    assert data is not None and len(data["sinks"]["a"]["v"]) == 200_000
    assert loc_of(data, "sinks", "a", "v", 199_999).col == 6 + 3 * 199_999
