"""One file's edits: only the edited lines change, expectations are checked, odd files refused."""

from __future__ import annotations

import pytest

from obslint.fix.edits import MISSING, AddItem, Fix, ReplaceKeys, SetKey
from obslint.fix.yamledit import EditError, edit_file, splice
from tests.fix.helpers import changed_lines

TEXT = """\
# a comment that ruamel keeps
apiVersion: v1   # odd spacing before this comment
kind: ConfigMap
metadata:
  name: app
  labels:
    app: web   # the app
data:
  config.yaml: |
    keep:    this   spacing
  anchored: &a {x: 1}
  other: *a
  list:
    - one
    - two
"""


def _fix(line: int, col: int, *edits) -> Fix:
    return Fix("f.yaml", line, col, tuple(edits), "test")


def test_only_the_edited_lines_change():
    out = edit_file(TEXT, [_fix(7, 5, SetKey("release", "kube-prometheus-stack", expect=MISSING))])
    assert not out.refused
    assert changed_lines(TEXT, out.text) == ([], ["    release: kube-prometheus-stack"])


def test_a_value_read_as_another_type_is_quoted():
    out = edit_file(TEXT, [_fix(7, 5, SetKey("grafana_datasource", "1"), SetKey("enabled", "true"))])
    assert changed_lines(TEXT, out.text) == ([], ['    grafana_datasource: "1"', '    enabled: "true"'])


def test_items_are_added_once_at_the_place_asked():
    out = edit_file(TEXT, [_fix(9, 3, AddItem("list", "zero", at=0), AddItem("list", "two"), AddItem("new", "x"))])
    assert changed_lines(TEXT, out.text) == ([], ["    - zero", "  new:", "    - x"])


def test_lines_ruamel_would_rewrite_stay_as_written():
    # the anchor of an unused alias-free mapping and the odd comment spacing are not reproduced by
    # ruamel, but an edit elsewhere leaves them alone
    out = edit_file(TEXT, [_fix(9, 3, AddItem("list", "three"))])
    assert out.text == TEXT.replace("    - two\n", "    - two\n    - three\n")


def test_an_expectation_that_does_not_hold_refuses_the_fix():
    fixes = [
        _fix(7, 5, SetKey("app", "api", expect="db")),
        _fix(7, 5, SetKey("app", "api", expect=MISSING)),
        _fix(7, 5, AddItem("app", "x")),
        _fix(9, 3, ReplaceKeys(("match",), "matchers", ("a=b",))),
        _fix(40, 1, SetKey("a", "b")),
    ]
    out = edit_file(TEXT, fixes)
    assert not out.applied and out.text == ""
    reasons = [reason for _fix, reason in out.refused]
    assert reasons == [
        "no mapping at line 40, column 1",
        "`app` is not 'db' in the file",
        "`app` is already set",
        "`app` is not a list",
        "none of match is set",
    ]


def test_one_refused_fix_does_not_stop_the_others():
    out = edit_file(TEXT, [_fix(7, 5, SetKey("app", "api", expect="db")), _fix(7, 5, SetKey("tier", "front"))])
    assert len(out.applied) == 1 and len(out.refused) == 1
    assert changed_lines(TEXT, out.text) == ([], ["    tier: front"])


def test_replace_keys_puts_the_list_where_the_old_key_was():
    text = "route:\n  receiver: a\n  match:\n    severity: critical\n  match_re:\n    team: db\n  continue: true\n"
    out = edit_file(text, [_fix(2, 3, ReplaceKeys(("match", "match_re"), "matchers", ('s="c"', 't=~"db"')))])
    assert out.text == 'route:\n  receiver: a\n  matchers:\n    - s="c"\n    - t=~"db"\n  continue: true\n'


def test_crlf_and_a_missing_final_newline_are_kept():
    text = "a: 1\r\nb:\r\n  c: 2"
    out = edit_file(text, [_fix(3, 3, SetKey("d", "3"))])
    assert out.text == "a: 1\r\nb:\r\n  c: 2\r\n  d: '3'" or out.text == 'a: 1\r\nb:\r\n  c: 2\r\n  d: "3"'


def test_an_edit_among_lines_ruamel_rewrites_is_refused():
    # sequences indented two ways in one file: whichever way ruamel writes, one of them differs
    text = "a:\n  - x\n  - y\nb:\n- p\n- q\nc: 1\n"
    out = edit_file(text, [_fix(1, 1, AddItem("b", "r"))])
    if out.applied:  # ruamel reproduced b's style: then the edit is exact
        assert changed_lines(text, out.text) == ([], ["- r"])
    else:
        assert out.refused[0][1] == "ruamel.yaml would reformat the lines around the edit"


def test_a_file_ruamel_cannot_load_is_refused_whole():
    out = edit_file("a: !!binary not-base64\n", [_fix(1, 1, SetKey("b", "c"))])
    assert not out.applied and out.refused[0][1] == "ruamel.yaml cannot load it (ConstructorError)"


def test_a_python_tag_is_never_constructed_and_the_file_is_refused():
    out = edit_file("a: !!python/name:os.system\n", [_fix(1, 1, SetKey("b", "c"))])
    assert not out.applied and out.refused[0][1] == "the edited file would not parse (ConstructorError)"


def test_splice_checks_the_result_reads_as_the_edit():
    with pytest.raises(EditError):
        # the change between the two dumps cannot be placed: neither it nor its neighbours are in
        # the original
        splice("x: 1\ny: 2\n", "p: 1\nq: 2\n", "p: 1\nq: 3\n")
