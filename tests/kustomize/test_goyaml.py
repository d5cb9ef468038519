"""go-yaml v2 scalars: which strings it writes plain (encode.go stringv, libyaml's analysis) and
what a plain scalar resolves to (resolve.go), after the JSON round trip of sigs.k8s.io/yaml."""

from __future__ import annotations

import math

import pytest

from obslint.kustomize.goyaml import read_back, resolve_plain, written_plain
from tests.kustomize.helpers import doc


@pytest.mark.parametrize(
    "text",
    ["${X}", "a-b", "${A}:${B}", "http://x/${P}", "a#b", "-x", "?x", ":x", "a, b", "a[0]", "${A} ${B}", "é${X}"],
)
def test_written_plain(text):
    assert written_plain(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " x",
        "x ",
        "a: b",
        "a\tb",
        "a\nb",
        "#x",
        "*x",
        "&x",
        "!x",
        "|x",
        ">x",
        "'x",
        '"x',
        "%x",
        "@x",
        "`x",
        "[x",
        "{x",
        "- x",
        "-",
        "? x",
        "---x",
        "...x",
        "a #b",
        "yes",
        "Off",
        "n",
        "~",
        "null",
        "12",
        "0x1F",
        "1.5",
        ".5",
        ".nan",
        "1:30",
        "x:",
    ],
)
def test_written_quoted(text):
    assert not written_plain(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", None),
        ("NULL", None),
        ("Y", True),
        ("TRUE", True),
        ("No", False),
        ("OFF", False),
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        ("0b101", 5),
        ("0o10", 8),
        ("010", 8),
        ("08", 8),  # not an octal integer, but a YAML float: 8.0, then the integer 8
        ("9223372036854775807", 9223372036854775807),
        ("18446744073709551615", 18446744073709551615),
        ("18446744073709551616", 18446744073709551616),  # a float that JSON writes as an integer
        ("1.25", 1.25),
        (".5", 0.5),
        ("-.inf", None),
        ("1e400", "1e400"),  # out of float64 range: strconv.ParseFloat fails, a string
        ("1.2.3", "1.2.3"),
        ("v1", "v1"),
        ("+", "+"),
        ("-x", "-x"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
    ],
)
def test_resolve_plain(text, value):
    if value is None and text not in ("", "NULL"):
        with pytest.raises(ValueError):  # infinities cannot be written as JSON
            resolve_plain(text)
        return
    result = resolve_plain(text)
    assert result == value and type(result) is type(value)


def test_read_back_positions_point_at_the_value():
    container = doc("key: ${X}\n", "f.yaml")
    value = read_back("{a: [1, 2]}", container, "key")
    assert value == {"a": [1, 2]}
    assert str(value.loc("a")) == "f.yaml:1:6" and str(value["a"].loc(1)) == "f.yaml:1:6"
    with pytest.raises(ValueError, match="mapping values"):
        read_back("a: b", container, "key")
    assert math.isclose(read_back("2.5 # c", container, "key"), 2.5)
