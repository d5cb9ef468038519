"""Conformance of the Alloy parser with upstream fixtures (tests/data/alloy)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from obslint.alloy import (
    MAX_DEPTH,
    Access,
    Array,
    Binary,
    Block,
    Call,
    Ident,
    Index,
    Literal,
    Object,
    Unary,
    iter_attributes,
    parse,
    parse_expression,
    reference_path,
    static_value,
    tokenize,
    unquote,
)
from tests.conftest import DATA

FIXTURES = DATA / "alloy"


def _expected():
    return yaml.safe_load((FIXTURES / "parser_fixtures_expected.yaml").read_text())


def _syntax_cases():
    return yaml.safe_load((FIXTURES / "syntax_cases.yaml").read_text())


def _valid_fixture_files() -> list[Path]:
    files = sorted((FIXTURES / "parser-testdata" / "valid").glob("*.alloy"))
    files += sorted((FIXTURES / "printer-testdata").glob("*.in"))
    files += sorted(p for p in (FIXTURES / "converted").rglob("*") if p.suffix in (".alloy", ".river"))
    return [f for f in files if "error" not in f.name]


@pytest.mark.parametrize("path", _valid_fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_valid_fixture_parses_without_diagnostics(path: Path) -> None:
    result = parse(path.read_text(encoding="utf-8"))
    assert [str(d) for d in result.diagnostics] == []
    assert result.body or result.comments or not path.read_text().strip()


def test_invalid_fixtures_report_each_declared_error_at_its_position() -> None:
    expected = _expected()
    assert expected["error_files"]
    for name, spec in expected["error_files"].items():
        result = parse((FIXTURES / "parser-testdata" / name).read_text(encoding="utf-8"))
        got = [(d.line, d.col, d.message) for d in result.diagnostics]
        assert len(got) == len(spec["expected_errors"]), (name, got)
        for want, (line, col, message) in zip(spec["expected_errors"], got, strict=True):
            assert (line, col) == (want["line"], want["column"]), (name, want, got)
            assert re.search(want["message_regex"], message), (name, want, message)


def test_fuzz_inputs_terminate_with_diagnostics_not_exceptions() -> None:
    paths = sorted((FIXTURES / "parser-testdata" / "fuzz" / "FuzzParser").iterdir())
    assert paths
    for path in paths:
        m = re.search(r'\[\]byte\("(.*)"\)', path.read_text())
        assert m
        data = m.group(1).encode().decode("unicode_escape")
        parse(data)  # must not raise


def test_printer_error_case() -> None:
    expected = _expected()
    for case in expected["printer_cases"]:
        if "error_contains" not in case:
            continue
        result = parse((FIXTURES / "printer-testdata" / case["in"]).read_text())
        assert any(case["error_contains"] in d.message for d in result.diagnostics), result.diagnostics


def test_scanner_tokens() -> None:
    cases = _syntax_cases()["scanner"]["tokens"]["cases"]
    for case in cases:
        tokens, comments, errors = tokenize(case["literal"])
        assert not errors, case
        if case["token"] == "COMMENT":
            assert len(comments) == 1 and comments[0][0] == case["literal"].replace("\r", "").rstrip("\n")
            continue
        kinds = [t[0] for t in tokens if t[0] not in ("TERMINATOR", "EOF")]
        expected_kind = case["token"]
        names = {
            "ADD": "+",
            "SUB": "-",
            "MUL": "*",
            "DIV": "/",
            "MOD": "%",
            "POW": "^",
            "AND": "&&",
            "OR": "||",
            "EQ": "==",
            "LT": "<",
            "GT": ">",
            "ASSIGN": "=",
            "NOT": "!",
            "NEQ": "!=",
            "LTE": "<=",
            "GTE": ">=",
            "LPAREN": "(",
            "LBRACK": "[",
            "LCURLY": "{",
            "COMMA": ",",
            "DOT": ".",
            "RPAREN": ")",
            "RBRACK": "]",
            "RCURLY": "}",
        }
        assert kinds == [names.get(expected_kind, expected_kind)], case


def test_scanner_errors() -> None:
    for case in _syntax_cases()["scanner"]["errors"]["cases"]:
        if case["input"] is None:  # invalid UTF-8: the loader rejects such files before parsing
            continue
        _tokens, _, errors = tokenize(case["input"])
        if case["error"] is None:
            assert errors == [], case
        else:
            assert errors, case
            offset, message = errors[0]
            assert message == case["error"] or message.startswith(case["error"]), (case, errors)
            # upstream offsets count bytes; inputs with multi-byte characters before the error differ
            byte_offset = len(case["input"][:offset].encode())
            assert byte_offset == case["error_offset"], (case, errors)


def test_identifier_validity() -> None:
    from obslint.alloy.parser import is_valid_identifier

    for case in _syntax_cases()["scanner"]["identifier_valid"]["cases"]:
        assert is_valid_identifier(case["input"]) == case["valid"], case


def test_valid_expressions() -> None:
    for text in _syntax_cases()["parser"]["valid_expressions"]["cases"]:
        expr, diags = parse_expression(text)
        assert expr is not None and diags == [], (text, diags)


def test_expression_errors() -> None:
    for case in _syntax_cases()["parser"]["expression_errors"]["cases"]:
        _, diags = parse_expression(case["input"])
        assert diags and str(diags[0]) == case["error"], (case, diags)


def test_validator_syntax_errors_case() -> None:
    text = (FIXTURES / "validator-testdata" / "default" / "syntax_errors.txtar").read_text()
    files = dict(re.findall(r"^-- (\S+) --\n(.*?)(?=^-- |\Z)", text, re.S | re.M))
    main = [str(d) for d in parse(files["main.alloy"]).diagnostics]
    assert main == [
        "2:18: string literal not terminated",
        '2:18: expected block label to be a valid identifier, but got "applogs "',
        "3:5: expected TERMINATOR, got IDENT",
        "4:1: expected identifier, got }",
    ]
    secondary = [str(d) for d in parse(files["secondary.alloy"]).diagnostics]
    assert secondary == [
        "3:59: missing ',' in expression list",
        "4:1: expected expression, got }",
        "5:1: expected ], got EOF",
    ]


def test_precedence_and_associativity() -> None:
    expr, _ = parse_expression("1 + 2 * 3 ^ 2 ^ 2 == 7 || !a && -b.c[0](1)")
    assert isinstance(expr, Binary) and expr.op == "||"
    eq = expr.left
    assert isinstance(eq, Binary) and eq.op == "=="
    add = eq.left
    assert isinstance(add, Binary) and add.op == "+"
    mul = add.right
    assert isinstance(mul, Binary) and mul.op == "*"
    pow1 = mul.right
    assert isinstance(pow1, Binary) and pow1.op == "^" and isinstance(pow1.right, Binary)  # right-assoc
    land = expr.right
    assert isinstance(land, Binary) and land.op == "&&"
    assert isinstance(land.left, Unary) and land.left.op == "!"
    neg = land.right
    assert isinstance(neg, Unary) and isinstance(neg.value, Call)
    assert isinstance(neg.value.func, Index) and isinstance(neg.value.func.value, Access)
    expr, _ = parse_expression("-2 ^ 2")
    assert isinstance(expr, Binary) and expr.op == "^" and isinstance(expr.left, Unary)
    expr, _ = parse_expression("42.0^-2")
    assert isinstance(expr, Binary) and isinstance(expr.right, Unary)


def test_literals_and_escapes() -> None:
    f = parse(
        'a = "x\\ty\\u00e9\\U0001F600\\101\\x41\\"q"\n'
        "b = `raw \\n\nline`\n"
        "c = 1.5e3\nd = 042\ne = .5\nf = true\ng = null\n"
        'h = { "app.kubernetes.io/name" = "x", k = [1, 2,], }\n'
    )
    assert f.diagnostics == []
    values = {a.name: static_value(a.value) for a in f.attributes()}
    assert values["a"] == 'x\tyé😀AA"q'
    assert values["b"] == "raw \\n\nline"
    assert values["c"] == 1500.0 and values["d"] == 42 and values["e"] == 0.5
    assert values["f"] is True and values["g"] is None
    assert values["h"] == {"app.kubernetes.io/name": "x", "k": [1, 2]}
    errors: list = []
    unquote('"\\q \\uD800 \\x4g"', 0, errors)
    assert [m for _, m in errors] == [
        "unknown escape sequence",
        "escape sequence is invalid Unicode code point",
        "illegal character U+0067 'g' in escape sequence",
    ]
    assert parse('a = "\\\'"').diagnostics  # \' is not an escape in Alloy


def test_positions_on_nodes() -> None:
    f = parse('// c\nloki.write "default" {\n  endpoint {\n    url = "http://x"\n  }\n}\n')
    block = f.body[0]
    assert isinstance(block, Block) and (block.line, block.col) == (2, 1)
    assert block.id == "loki.write.default" and (block.label_line, block.label_col) == (2, 12)
    ((path, attr),) = list(iter_attributes(f.body))
    assert [b.name for b in path] == ["loki.write", "endpoint"]
    assert (attr.line, attr.col) == (4, 5) and (attr.value.line, attr.value.col) == (4, 11)
    assert f.comments == [("// c", 1, 1)]


def test_references() -> None:
    expr, _ = parse_expression("[loki.write.default.receiver, x[0].y]")
    assert isinstance(expr, Array)
    assert reference_path(expr.elements[0]) == ("loki", "write", "default", "receiver")
    assert reference_path(expr.elements[1]) is None
    assert isinstance(expr.elements[0], Access) and isinstance(parse_expression("a")[0], Ident)
    assert isinstance(parse_expression("{}")[0], Object) and isinstance(parse_expression('"s"')[0], Literal)


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("(", ")"), ("{a=", "}"), ("-", ""), ("!", ""), ("1^", "1")])
def test_deep_nesting_is_a_diagnostic(opener: str, closer: str) -> None:
    text = "x = " + opener * 100_000 + "1" + closer * 100_000 + "\n"
    f = parse(text)
    assert any("nesting deeper" in d.message for d in f.diagnostics)
    blocks = "a {\n" * (MAX_DEPTH + 5) + "}\n" * (MAX_DEPTH + 5)
    assert any("nesting deeper" in d.message for d in parse(blocks).diagnostics)


def test_nesting_within_limit_parses() -> None:
    depth = MAX_DEPTH - 2
    assert parse("x = " + "[" * depth + "]" * depth + "\n").diagnostics == []


def test_garbage_never_raises() -> None:
    for text in ["\x00", "a = \ufeff", "'x", "a = 1 |", "a = 10E", "/* open", "#x", "a.b.c", "}}}", "a = [", "`"]:
        f = parse(text)
        assert f.diagnostics, text
