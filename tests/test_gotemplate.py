"""obslint.model.gotemplate: Go text/template lexing and what references point at."""

from __future__ import annotations

import pytest

from obslint.model.gotemplate import analyse, lex

PROM = {"$labels": ("Labels",)}


def _paths(text: str, **kw) -> list:
    return [(r.path, r.test) for r in analyse(text, PROM, **kw).refs]


def test_lexer_strings_comments_and_trim_markers():
    actions = lex('a {{- "x }} y" -}} b {{/* {{ .Labels.x }} */}} c {{ `raw }}` }} {{-3}}')
    # the comment is dropped; `{{-3}}` is the number -3, not a trim marker
    assert [a.tokens[0].text for a in actions] == ['"x }} y"', " ", "-3"]
    assert [t.value for t in actions[0].tokens if t.kind == "string"] == ["x }} y"]
    assert [t.value for t in actions[1].tokens if t.kind == "string"] == ["raw }}"]


def test_dot_and_variables_follow_control_structures():
    text = (
        "{{ with .Labels }}{{ .job }}{{ end }}"
        '{{ range $i, $s := query "up" }}{{ $s.Labels.x }}{{ $.Labels.y }}{{ end }}'
        "{{ $l := $labels }}{{ if true }}{{ $m := .Labels }}{{ end }}{{ $l.z }}{{ $m.w }}"
    )
    printed = [p for p, test in _paths(text) if not test]
    assert printed == [("Labels", "job"), None, ("Labels", "y"), ("Labels", "z"), None]


def test_define_bodies_see_what_their_caller_passes():
    text = '{{ define "t" }}{{ .GroupLabels.x }}{{ end }}{{ template "t" .Data }}'
    found = analyse(text, dot=(), define_dots={"t": ()})
    assert [r.path for r in found.refs if r.define == "t"] == [("GroupLabels", "x")]
    assert [(c.name, c.arg) for c in found.calls] == [("t", ("Data",))]
    assert [r.path for r in analyse(text).refs if r.define == "t"] == [None]  # caller unknown


@pytest.mark.parametrize(
    "text",
    ["{{", '{{ "abc', "{{ `x", "{{/* x", "{{ end }}{{ end }}", "{{ else }}", "{{ define }}", "{{ ( }}", "{{ ) }}",
     "{{ index }}", "{{ index $labels }}", "{{ else with }}", "{{ $x := }}", "{{ range $i, $x := . }}{{ $x.y }}"],
)  # fmt: skip
def test_malformed_templates_do_not_raise(text):
    analyse(text, PROM)
