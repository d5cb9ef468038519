"""obslint.goregex: Go RE2 regexps evaluated with Python `re`, for Alertmanager (anchored) and
sops (search), checked case by case and against amtool (Go's regexp package) on many patterns."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from obslint import goregex
from obslint.goregex import GoRegexError, InvalidGoRegex, UnsupportedGoRegex, compile_go, translate
from tests.conftest import require_tool


def full(pattern: str, value: str) -> bool:
    """Alertmanager: the value must match `^(?:pattern)$`."""
    return compile_go(pattern, anchored=True).search(value) is not None


def found(pattern: str, value: str) -> bool:
    """sops: MatchString, a search."""
    return compile_go(pattern, anchored=False).search(value) is not None


# --- Alertmanager family (anchored) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("regex", "yes", "no"),
    [
        ("abc", ["abc"], ["abcd", "xabc", "abc\n"]),
        ("a$", ["a"], ["a\n"]),
        ("(?i)ab", ["AB", "aB"], ["abc"]),
        ("a{,2}", ["a{,2}"], ["a", "aa"]),
        ("[[:digit:]]+", ["123"], ["12a"]),
        (r"\Qa.b\E", ["a.b"], ["axb"]),
        (r"\d+", ["42"], ["٤٢"]),
        (r"\w+", ["a_1"], ["é"]),
        (r"\s", [" ", "\t"], ["\v"]),
        (r"x\z", ["x"], ["x\n"]),
        ("a|b", ["a", "b"], ["ab"]),
        ("a.c", ["abc"], ["a\nc"]),
        ("(?s)a.c", ["a\nc"], []),
        ("[^a]", ["b", "\n"], ["a"]),
        (r"\x41\x{42}", ["AB"], []),
        ("a*?b", ["aab"], []),
        ("[]a]+", ["]a"], ["b"]),
        ("[a-]+", ["a-"], ["b"]),
        (".*", ["", "anything"], []),
        ("critical|warning", ["critical", "warning"], ["critical|warning", "Critical"]),
        # Alertmanager anchors the Go string `^(?:re)$`: unbalanced parentheses split it into
        # `^(?:a)` or `(b)$`, and Go's MatchString searches
        ("a)|(b", ["a", "b", "ab", "xb"], ["ba", "x"]),
    ],
)
def test_alertmanager_anchored(regex, yes, no):
    for v in yes:
        assert full(regex, v), (regex, v)
    for v in no:
        assert not full(regex, v), (regex, v)


# --- sops family (search) -------------------------------------------------------------------
SOPS_KEYS = r"((?i)(pass|secret($|[^N])|key|token|^data$|^stringData))"


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        (r"kubernetes/.*\.sops\.ya?ml", "repo/kubernetes/a/b.sops.yaml", True),  # search, not full match
        (r"^kubernetes/.*\.sops\.ya?ml$", "repo/kubernetes/a/b.sops.yaml", False),
        (SOPS_KEYS, "stringData", True),
        (SOPS_KEYS, "secretName", False),
        (SOPS_KEYS, "PASSWORD", True),
        (r"a(?i)b|c", "C", True),  # the flag runs on across the alternation
        (r"a(?i)b|c", "AB", False),
        (r"[[:digit:]]+\z", "abc123", True),
        (r"\Qa.b\E", "axb", False),
        (r"\Qa.b\E", "a.b", True),
        (r"(?P<x>enc)\.yaml", "s.enc.yaml", True),
        (r"(?<x>enc)\.yaml", "s.enc.yaml", True),
        (r".*\.ya?ml$", "a.yaml\n", False),
        (r"\Qa.b", "xa.b", True),  # an unterminated \Q runs to the end
        (r"\Qa.b", "xaxb", False),  # $ is the end of the text, not before a final newline
    ],
)
def test_sops_search(pattern, subject, expected):
    assert found(pattern, subject) is expected


# --- features, each firing and not ----------------------------------------------------------
@pytest.mark.parametrize(
    ("regex", "yes", "no"),
    [
        # flags: scoped groups, the rest of the group (across |), clearing, restoring at ')'
        ("(?i:a)b", ["Ab"], ["AB"]),
        ("(a(?i)b|c)d", ["aBd", "Cd"], ["aBD", "Ad"]),
        ("(?i)a(?-i)b", ["Ab"], ["AB"]),
        ("(?i-i)a", ["a"], ["A"]),
        ("(?m)a$\nb", ["a\nb"], []),
        ("a$\nb", [], ["a\nb"]),
        ("(?m)^b", ["b"], ["a\nb"]),  # anchored with \A: the value still starts there
        ("(?s:.)x", ["\nx"], []),
        (".x", ["ax"], ["\nx"]),
        ("(?U)a+", ["aaa"], [""]),  # greediness never changes whether a match exists
        ("(?U)a+?b", ["aab"], ["b"]),
        ("(?)a", ["a"], ["A"]),  # an empty flag group is valid Go
        # case folding: Go's simple folding (Kelvin sign, long s) but not the Turkish i
        ("(?i)k", ["K", "k", "\u212a"], ["x"]),
        ("(?i)s", ["S", "\u017f"], ["x"]),
        ("(?i)i", ["i", "I"], ["\u0131", "\u0130"]),
        ("(?i)\u0131", ["\u0131"], ["i", "I", "\u0130"]),
        ("(?i)[^i]", ["\u0131", "\u0130", "x"], ["i", "I"]),
        ("(?i)[h-j]", ["I", "h"], ["\u0131", "\u0130"]),
        (r"(?i)\W", ["-"], ["s", "k", "\u017f", "\u212a", "S"]),
        ("(?i)é", ["É"], ["e"]),
        # classes
        ("[[:alpha:]]+", ["abZ"], ["ab1", "é"]),
        ("[[:^alpha:]]", ["1", "é", "\n"], ["a"]),
        ("[[:^alpha:]x]+", ["1x"], ["a"]),
        ("[[:word:]]+", ["a_1"], ["-"]),
        ("[[:space:]]", ["\v", "\n"], ["a"]),
        ("[[:punct:]]+", ["!-/:@[`{~"], ["a"]),
        ("[[:xdigit:]]+", ["0fA"], ["g"]),
        (r"[^\D_]", ["5"], ["a", "_"]),
        (r"[\d-z]+", ["1-z"], ["y"]),
        (r"[\S\s]", ["\n", "a"], []),
        (r"\D\W\S", ["a-b", "a b"], ["1-b", "a-\t"]),
        ("[a-c-e]+", ["b-e"], ["d"]),
        (r"[\]\\]+", ["]\\"], ["a"]),
        (r"\pL+", ["aé日"], ["1", "_"]),
        (r"\PL", ["1"], ["a"]),
        (r"\p{Lu}", ["É"], ["é"]),
        (r"\p{^Lu}", ["é"], ["É"]),
        (r"\P{^Lu}", ["É"], ["é"]),
        (r"\pN+", ["12\u0663"], ["a"]),
        (r"[\p{Nd}x]+", ["4x"], ["y"]),
        (r"\p{Any}", ["\n", "a"], [""]),
        (r"(?i)\p{Lu}", ["a", "A"], ["1"]),
        # empty-width assertions
        (r"\Aab", ["ab"], []),
        (r"a\b-", ["a-"], []),
        (r"a\bb", [], ["ab"]),
        (r"\B", [""], []),  # Go's \B matches in an empty text (Python's never does)
        (r"é\b", [], ["é"]),  # \b is ASCII in Go
        ("^*a", ["a"], []),  # an assertion may be repeated in Go
        # escapes
        (r"\101\0\12", ["A\x00\n"], []),
        (r"\777", ["\u01ff"], []),
        (r"\x{10FFFF}", ["\U0010ffff"], []),
        (r"\x7e\_\-\ ", ["~_- "], []),
        (r"\a\f\t\v\r\n", ["\x07\x0c\t\x0b\r\n"], []),
        (r"\Qa*\E", ["a*"], ["aaa"]),
        (r"\Qab\E*", ["abbb", "a"], ["abab"]),  # the repetition applies to the last literal
        # repetition
        ("a{2}", ["aa"], ["a", "aaa"]),
        ("a{2,}", ["aaaa"], ["a"]),
        ("a{0,1000}", ["a" * 1000], ["a" * 1001]),
        ("(a{10}){100}", ["a" * 1000], ["a" * 999]),
        ("a{1,2", ["a{1,2"], ["a"]),
        ("a{01}", ["a{01}"], ["a"]),
        ("a{2}(?i)*", ["", "aaaa"], ["a"]),  # a flag group pushes nothing: the * repeats a{2}
        ("x{1}\\Q\\E*", ["", "xx"], []),
        ("(a)|b", ["a", "b"], [""]),
        ("(|a)", ["", "a"], ["b"]),
    ],
)
def test_features(regex, yes, no):
    for v in yes:
        assert full(regex, v), (regex, v, translate(regex, anchored=True))
    for v in no:
        assert not full(regex, v), (regex, v, translate(regex, anchored=True))


@pytest.mark.parametrize(
    ("regex", "code"),
    [
        ("(?=a)", "invalid or unsupported Perl syntax"),
        ("(?!a)", "invalid or unsupported Perl syntax"),
        ("(?<=a)b", "invalid named capture"),
        ("(?<!a)b", "invalid named capture"),
        (r"(a)\1", "invalid escape sequence"),
        ("a**", "invalid nested repetition operator"),
        ("a*+", "invalid nested repetition operator"),
        ("a*??", "invalid nested repetition operator"),
        ("(?>a)", "invalid or unsupported Perl syntax"),
        ("(?#c)", "invalid or unsupported Perl syntax"),
        ("(?x)a", "invalid or unsupported Perl syntax"),
        ("(?i-)a", "invalid or unsupported Perl syntax"),
        ("(?P=n)", "invalid or unsupported Perl syntax"),
        ("(?P<n!>a)", "invalid named capture"),
        ("(?P<>a)", "invalid named capture"),
        ("a{2}{3}", "invalid nested repetition operator"),
        ("a{1001}", "invalid repeat count"),
        ("a{2,1}", "invalid repeat count"),
        ("(a{100}){20}", "invalid repeat count"),
        ("((a{10}){10}){11}", "invalid repeat count"),
        (r"\Z", "invalid escape sequence"),
        (r"\C", "invalid escape sequence"),
        (r"\e", "invalid escape sequence"),
        (r"\8", "invalid escape sequence"),
        (r"\E", "invalid escape sequence"),
        (r"\é", "invalid escape sequence"),
        (r"\x4", "invalid escape sequence"),
        (r"\x{110000}", "invalid escape sequence"),
        (r"\x{}", "invalid escape sequence"),
        (r"[\b]", "invalid escape sequence"),
        (r"[\Q]\E]", "invalid escape sequence"),
        (r"[a-\d]", "invalid escape sequence"),
        ("[z-a]", "invalid character class range"),
        ("[[:foo:]]", "invalid character class range"),
        ("[[:a]b:]]", "invalid character class range"),
        (r"\p", "invalid character class range"),
        (r"\p{L", "invalid character class range"),
        ("a\\", "trailing backslash at end of expression"),
        ("(", "missing closing )"),
        ("a)", "unexpected )"),
        ("*a", "missing argument to repetition operator"),
        ("a|*", "missing argument to repetition operator"),
        ("(?i)*", "missing argument to repetition operator"),
        ("{2}", "missing argument to repetition operator"),
        ("[a", "missing closing ]"),
        ("[]", "missing closing ]"),
    ],
)
def test_invalid_in_go(regex, code):
    with pytest.raises(InvalidGoRegex) as exc:
        compile_go(regex, anchored=False)
    assert exc.value.code == code
    assert exc.value.invalid
    assert str(exc.value).startswith(f"error parsing regexp: {code}: `")


@pytest.mark.parametrize(
    "regex",
    [
        r"\p{Greek}",  # scripts: which names Go accepts depends on its Unicode version
        r"\pC",  # Go 1.25 added unassigned code points to C
        r"\p{Letter}",  # category aliases exist since Go 1.25 only
        r"[\p{Han}a]",
        "(" * 101 + "a" + ")" * 101,
        "(" + "a" * 4000 + "){1000}",  # past Go's compiled-size budget (parse.go maxSize)
        r"\pL{1000}",  # valid Go, but past RE2's memory budget (re2.h max_mem, 8 MiB)
    ],
)
def test_declined_not_guessed(regex):
    with pytest.raises(UnsupportedGoRegex) as exc:
        compile_go(regex, anchored=True)
    assert exc.value.invalid is False
    assert isinstance(exc.value, GoRegexError)


@pytest.mark.parametrize(
    ("regex", "yes", "no"),
    [
        # repetitions of variable repetitions, once declined for backtracking risk: RE2 is linear
        ("(a+)+$", ["a", "aaa"], ["", "ab", "b"]),
        ("(a|b*)*c", ["c", "abbac"], ["ab", "cc"]),
        ("a*(?i)*", ["", "aaa"], ["A"]),  # Go: (a*)*, the `i` comes after the a
        ("((x{1,3})){2}", ["xx", "xxxxxx"], ["x", "xxxxxxx"]),
        ("(a|a)*b", ["b", "aab"], ["a" * 40]),
        ("(a|aa)*c", ["aaac"], ["a" * 5000]),
        ("(.*a){20}", ["a" * 20], ["a" * 19 + "b"]),
        (r"(\w+\s?)*$", ["ab cd"], ["ab cd!"]),
    ],
)
def test_nested_repetition_is_evaluated(regex, yes, no):
    for v in yes:
        assert full(regex, v), (regex, v)
    for v in no:
        assert not full(regex, v), (regex, v)


def test_fixed_repetition_of_groups_is_evaluated():
    assert full(r"(\w+\.)?example", "www.example")
    assert full("(ab){2}", "abab")
    assert full("(a+){1}", "aaa")


def test_compile_is_cached_per_anchoring():
    assert compile_go("a|b", anchored=True) is compile_go("a|b", anchored=True)
    assert compile_go("a|b", anchored=True) is not compile_go("a|b", anchored=False)
    assert not full("a|b", "xa") and found("a|b", "xa")


def test_text_that_is_not_utf8_reads_as_go_reads_it():
    """Go's regexp reads each byte that is not UTF-8 as U+FFFD, one rune wide. A file name with
    such bytes reaches Python as surrogateescape code points, one per byte."""
    name = b"secret-\xff\xfe.yaml".decode("utf-8", "surrogateescape")
    assert found(r"secret-..\.yaml$", name)
    assert not found(r"secret-.\.yaml$", name)
    assert found(r"-\x{fffd}{2}\.", name)
    assert full("a.b", "a\ud800b") is False  # a lone surrogate is three bytes, three runes for Go
    assert full("a...b", "a\ud800b")
    assert compile_go(".*", anchored=True).match("x\udcff") is not None


def test_pattern_that_is_not_utf8_is_refused_like_go():
    with pytest.raises(InvalidGoRegex) as exc:
        compile_go("a\ud800", anchored=False)
    assert exc.value.code == "invalid UTF-8"


def test_without_re2_every_pattern_is_declined(monkeypatch):
    """No backtracking fallback: without the RE2 binding a valid pattern is declined (the
    callers' "cannot tell"), and Go's verdict on an invalid one is still given."""
    goregex._compile.cache_clear()
    monkeypatch.setattr(goregex, "re2", None)
    try:
        with pytest.raises(UnsupportedGoRegex, match="google-re2 is not installed"):
            compile_go("(a|a)*b", anchored=True)
        with pytest.raises(InvalidGoRegex):
            compile_go("(a", anchored=True)
    finally:
        goregex._compile.cache_clear()


@pytest.mark.parametrize("value", [None, 3, ["a"]])
def test_not_a_string(value):
    with pytest.raises(InvalidGoRegex):
        compile_go(value, anchored=False)  # type: ignore[arg-type]


# --- against Go's regexp package (amtool) ---------------------------------------------------
VALUES = ["", "a", "A", "ab", "aB", "i", "I", "\u0131", "\u0130", "a\nb", "\n", "a-b", "_", "1", "12", "é", "É", "k"]
VALUES += ["\u212a", "\u017f", "s", " ", "x y", "aaa", "a.b", "[", "]", "\\", "{", "}", "ab\n", "\t", "\v", "日"]
VALUES += ["a" * 40, "a" * 20 + "b"]
ATOMS = [
    *["a", "b", "i", "I", "\u0131", "k", "s", ".", r"\.", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", r"\b", r"\B"],
    *["^", "$", r"\A", r"\z", "[a-c]", "[^a]", r"[^\D_]", "[[:alpha:]]", "[[:^alpha:]1]", r"[\d-z]", "[]a]", "[a-]"],
    *[r"[^\n]", r"\n", r"\x41", r"\x{e9}", r"\101", r"\0", r"\Qa.b\E", r"\pL", r"\PL", r"\p{Lu}", r"\p{^Ll}"],
    *[r"[\pN_]", r"\_", r"\-", "{", "}", "]", "é", " ", "[[:space:]]", "[[:word:]]", r"\v", "[iI]", "[^\u0131]"],
    *["(?i)", "(?-i)", "(?s)", "(?m)", "(?U)", "(?i:", "(?s:", "(?m:", "(?:", "(", "(?P<n>", ")", "|", "*", "+", "?"],
    *["*?", "{2}", "{1,2}", "{0,}", "{,2}", "??", "(?=a)", r"\1", r"\Z", "*+", "(?#x)", "(?x)", r"\C", r"\8", "[z-a]"],
    *[r"\x{110000}", "(?i-)", "(?)", "[[:foo:]]", "{1001}", "(?P=n)", r"\e", r"\Qa", r"\E", "[a"],
]
CURATED = [
    *["crit.*", "critical|warning", "(?i)CRIT.*", "[0-9]+", "[[:alpha:]]+", ".+", r"a\.b", r"\Qa.b\E", "warn(ing)?"],
    *["(?i)[^i]", r"(?i)\W", r"(?i)[h-j]", r"\B", "^*a", "a*(?i)*", r"\Qab\E*", "(?)a", "a)|(b", "(?U)a+?", "(?m)^a$"],
    *[r"[^\D_]+", r"\p{^Ll}", r"\pN", r"(?i)\p{Lu}", r"[[:^alpha:]x]", "(?s).", r"\777", "a{0,2}b{2,}", "(a{10}){100}"],
    *["(a{100}){20}", "[[:a]b:]]", r"[\Q]\E]", r"\E", "(?i)\u0131", r"\x{212a}"],
    *["(a+)+$", "(a|b*)*c", "((x{1,3})){2}", "(a|a)*b", "(a|aa)*c", "(.*a){20}", r"(\w+\s?)*$", r"\x{fffd}"],
]


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_agrees_with_go_regexp_via_amtool(tmp_path: Path):
    """Every pattern: Go accepts it exactly when we do (or we decline), and, for each value,
    Alertmanager routes the value to the pattern's route exactly when we match it."""
    amtool = require_tool("amtool")
    rng = random.Random(20261123)
    patterns = list(dict.fromkeys(CURATED + ["".join(rng.choices(ATOMS, k=rng.randint(1, 4))) for _ in range(300)]))
    files = []
    for k, p in enumerate(patterns):
        path = tmp_path / f"p{k}.yml"
        route = {"receiver": "r", "routes": [{"receiver": "hit", "matchers": [f"l=~{_quote(p)}"]}]}
        path.write_text(yaml.safe_dump({"route": route, "receivers": [{"name": "r"}, {"name": "hit"}]}))
        files.append(str(path))
    out = subprocess.run([amtool, "check-config", *files], capture_output=True, text=True, timeout=120).stdout
    go_valid = {f: f"Checking '{f}'  SUCCESS" in out for f in files}
    assert any(go_valid.values()) and not all(go_valid.values())

    ours: dict[str, re.Pattern | None] = {}
    routes = []
    for f, p in zip(files, patterns, strict=True):
        try:
            ours[p] = compile_go(p, anchored=True)
        except UnsupportedGoRegex:
            continue
        except InvalidGoRegex:
            ours[p] = None
        assert (ours[p] is not None) == go_valid[f], (p, "Go accepts" if go_valid[f] else "Go rejects")
        if ours[p] is not None:
            routes.append({"receiver": f"r{len(routes)}", "matchers": [f"l=~{_quote(p)}"], "continue": True})
    checked = [p for p in ours if ours[p] is not None]
    assert len(checked) > 100
    config = {"route": {"receiver": "none", "routes": routes}}
    config["receivers"] = [{"name": "none"}] + [{"name": f"r{k}"} for k in range(len(routes))]
    path = tmp_path / "all.yml"
    path.write_text(yaml.safe_dump(config))
    for v in VALUES:
        res = subprocess.run(
            [amtool, "config", "routes", "test", f"--config.file={path}", f"l={_quote(v)}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 0, res.stderr
        hit = set(res.stdout.strip().split(","))
        for k, p in enumerate(checked):
            assert (f"r{k}" in hit) == (ours[p].search(v) is not None), (p, v)
