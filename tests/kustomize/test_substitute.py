"""Flux postBuild substitution (fluxcd/pkg kustomize/kustomize_varsub.go and envsubst/)."""

from __future__ import annotations

import base64

import pytest

from obslint.kustomize.substitute import (
    Vars,
    expand,
    is_unknown,
    postbuild_vars,
    substitute_object,
    substitute_tree,
    substitution_disabled,
)
from obslint.load.yamlfile import YMap, YSeq
from tests.kustomize.helpers import doc

KNOWN = Vars(
    {
        "var01": "abcdEFGH28ij",
        "upper": "ABCDEFGH28IJ",
        "path_name": "/home/bozo/ideas/thoughts.for.today",
        "filename": "bash.string.txt",
        "rel": "path/to/file",
        "abs": "/path/to/file",
        "stringZ": "abcABC123ABCabc",
        "slashes": "foo/bar/baz",
        "dotted": "foo.bar",
        "empty": "",
        "default_var": "foo",
    }
)


# The expectations of fluxcd/pkg envsubst/eval_test.go TestExpand.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abcdEFGH28ij", "abcdEFGH28ij"),
        ("${#var01}", "12"),
        ("${var01^}", "AbcdEFGH28ij"),
        ("${var01^^}", "ABCDEFGH28IJ"),
        ("${upper,}", "aBCDEFGH28IJ"),
        ("${upper,,}", "abcdefgh28ij"),
        ("${path_name:11}", "ideas/thoughts.for.today"),
        ("${path_name:11:5}", "ideas"),
        ("${var01=xyz}", "abcdEFGH28ij"),
        ("something ${unset=${default_var}}", "something foo"),
        ("foo: ${unset=${default_var}-suffix}", "foo: foo-suffix"),
        ("foo: ${unset=prefix${default_var}-suffix}", "foo: prefixfoo-suffix"),
        ("${unset:=xyz}", "xyz"),
        ("${stringZ/%abc/XYZ}", "abcABC123ABCXYZ"),
        ("${stringZ/#abc/XYZ}", "XYZABC123ABCabc"),
        ("${var01/#/prefix-}", "prefix-abcdEFGH28ij"),
        ("${var01/%/-suffix}", "abcdEFGH28ij-suffix"),
        ("${stringZ//abc/xyz}", "xyzABC123ABCxyz"),
        ("${stringZ/abc/xyz}", "xyzABC123ABCabc"),
        ("${filename#*.}", "string.txt"),
        ("${rel#*/}", "to/file"),
        ("${abs#*/}", "path/to/file"),
        ("${filename##*.}", "txt"),
        ("${rel##*/}", "file"),  # envsubst's `*` also matches `/`
        ("${abs##*/}", "file"),
        ("${filename%.*}", "bash.string"),
        ("${filename%%.*}", "bash"),
        ("${unset=${var01^^}}", "ABCDEFGH28IJ"),
        ("$${var01}", "${var01}"),
        ("some text ${var01}$${var$${var01}$var01${var01}", "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij"),
        ("something $${var=${default_var}}", "something ${var=foo}"),
        ("${dotted/./}", "foobar"),
        (r"${slashes//\//-}", "foo-bar-baz"),
        (r"\\something ${unset=${default_var}}", r"\\something foo"),  # no escapes outside ${...}
    ],
)
def test_envsubst_upstream_cases(text, expected):
    assert expand(text, KNOWN).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$var01 and $HOME", "$var01 and $HOME"),  # only ${...} substitutes
        ("$$$", "$$"),  # `$$` is one `$`, the third stays
        ("$$${var01}", "$abcdEFGH28ij"),
        ("${empty:-d}", "d"),  # an empty value takes the default (toDefault)
        ("${empty=d}", "d"),
        ("${var01:+alt}", "abcdEFGH28ij"),  # `:+` is a default in envsubst, not the shell's alternative
        ("${var01:?msg}", "abcdEFGH28ij"),
        ("${unset:?msg}", "msg"),
        ("${unset:=}", ""),
        ("${var01:-1}", "abcdEFGH28ij"),  # `:-` is a default, not a negative offset
        ("${var01:1:-1}", "bcdEFGH28i"),  # a negative length counts from the end (funcs.go toSubstr)
        ("${var01:-2:1}", "abcdEFGH28ij"),
        ("${var01: -2}", "abcdEFGH28ij"),  # Atoi refuses ` -2`: the value is kept
        ("${var01:40}", ""),
        ("${var01:2:100}", "cdEFGH28ij"),
        ("${var01:x}", "abcdEFGH28ij"),
        ("${var01,^}", "abcdEFGH28ij"),  # an unknown casing keeps the value (lookupFunc default)
    ],
)
def test_envsubst_details(text, expected):
    assert expand(text, KNOWN).text == expected


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("${}", True),
        ("${X-default}", True),  # Flux's fork reads `X` then wants `}`: a shell default is an error
        ("${a b}", True),
        ("${var01:}", True),
        ("${var01::2}", True),
        ("${var01#}", True),
        ("${var01:1${var01}}", True),
        ("${@}", True),
        ("${#array[@]}", True),
        ("${", False),  # the value ends inside ${...}: what follows it in the object decides
        ("${var01", False),
        ("${var01:-abc", False),
        ("${var01/a", False),
        ("${stringZ/abc}", False),  # `}` is part of the pattern: a later `/` in the object could end it
    ],
)
def test_bad_substitution(text, certain):
    result = expand(text, KNOWN)
    assert result.error is not None and result.certain is certain
    assert result.text == text


def test_undefined_variable_stays_unknown():
    """Design choice: kustomize-controller would write "" for an undefined variable, but obslint
    cannot know that it is undefined: the reference is kept and the value is unknown."""
    result = expand("http://${HOST}:${PORT}/", Vars({"PORT": "80"}))
    assert result.text == "http://${HOST}:80/" and is_unknown(result.text)
    assert not is_unknown(expand("${PORT}", Vars({"PORT": "80"})).text)
    assert not is_unknown(8080) and not is_unknown(None)


def test_transformations_of_unknown_values_stay_unknown():
    v = Vars({"A": "x"}, unknown=frozenset({"SECRET"}))
    for text in ("${SECRET}", "${SECRET^^}", "${SECRET:-d}", "${SECRET/a/b}", "${#SECRET}", "${NONE^^}", "${NONE#x}"):
        assert expand(text, v).text == text
    assert expand("${NONE:-d}", v).text == "d"  # certainly undefined: the default is taken


def test_open_vars_do_not_take_defaults():
    """A substituteFrom source outside the repository may define any variable."""
    v = Vars({"A": "a"}, open=True)
    assert expand("${B:-d}", v).text == "${B:-d}"
    assert expand("${A:-d}", v).text == "a"
    assert expand("${U:=${A}}", v).text == "${U:=${A}}"


def test_unsupported_forms_are_unknown():
    v = Vars({"A": "ÉCOLE", "B": "abc"})
    assert expand("${A,,}", v).text == "${A,,}"  # Go's and Python's case mappings differ outside ASCII
    assert expand("${A:1}", v).text == "${A:1}"  # byte offsets
    assert expand("${B#?}", v).text == "${B#?}"  # only `*` and literals are read as globs
    assert expand("${B%[a-c]}", v).text == "${B%[a-c]}"
    assert expand("${#A}", v).text == "6"  # a byte length is exact: É is two bytes


def test_no_variable_means_no_substitution():
    """`if len(vars) > 0`: without variables even `$$` stays as written."""
    assert expand("$${X} ${Y}", Vars()).text == "$${X} ${Y}"
    obj = doc("a: $${X}\n")
    assert substitute_tree(obj, Vars()) is obj
    assert substitute_object(obj, Vars()).applied is False


def test_hostile_nesting_and_size():
    deep = "${a:=" * 300 + "x" + "}" * 300
    assert expand(deep, Vars({"b": "1"})).text == deep  # left unknown, no recursion error
    long = "${A%%*b}" + "a" * 50_000
    assert expand(long, Vars({"A": "ab" * 20_000})).error is None
    text = "${A}" * 20_000
    assert expand(text, Vars({"A": "z"})).text == "z" * 20_000


# --- variables ------------------------------------------------------------------------------------


def test_postbuild_vars_sources_in_order_inline_last():
    cm = doc(
        """
        apiVersion: v1
        kind: ConfigMap
        data:
          A: from-configmap
          B: "multi\\nline"
        """
    )
    secret = doc(
        f"""
        apiVersion: v1
        kind: Secret
        data:
          A: {base64.b64encode(b"from-secret").decode()}
          C: not-base64!
          D: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]
        stringData:
          E: plain
        """
    )
    v, problems = postbuild_vars({"substitute": {"E": "inline"}}, [cm, secret])
    assert problems == ()
    assert v.values == {"A": "from-secret", "B": "multiline", "E": "inline"}
    assert v.unknown == {"C", "D"}
    assert not v.open and v.active


def test_secret_string_data_overrides_data():
    secret = doc(f"kind: Secret\ndata:\n  A: {base64.b64encode(b'old').decode()}\nstringData:\n  A: new\n")
    assert postbuild_vars(None, [secret])[0].values == {"A": "new"}


def test_source_outside_the_repository_opens_the_variables():
    v, _ = postbuild_vars({"substitute": {"A": "1"}}, [None])
    assert v.open and v.lookup("ANY") is not None and expand("${ANY}", v).text == "${ANY}"


def test_invalid_variable_name_fails_every_object():
    cm = doc("kind: ConfigMap\ndata:\n  my-key: x\n  ok_key: y\n", "cm.yaml")
    v, problems = postbuild_vars(None, [cm])
    assert v.values == {"my-key": "x", "ok_key": "y"}
    (p,) = problems
    assert p.kind == "invalid-variable-name" and "'my-key'" in p.message and p.certain
    assert str(p.loc) == "cm.yaml:3:3"


def test_inline_values_must_be_strings():
    kustomization = doc("spec:\n  postBuild:\n    substitute:\n      REPLICAS: 3\n", "ks.yaml")
    v, problems = postbuild_vars(kustomization["spec"]["postBuild"])
    (p,) = problems
    assert p.kind == "substitute-not-string" and str(p.loc) == "ks.yaml:4:17"
    assert "REPLICAS" in v.unknown


def test_disabled_by_label_or_annotation():
    for field in ("labels", "annotations"):
        obj = doc(f"metadata:\n  {field}:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\nvalue: ${{A}}\n")
        assert substitution_disabled(obj)
        result = substitute_object(obj, Vars({"A": "x"}))
        assert result.data is obj and not result.applied
    assert not substitution_disabled(
        doc("metadata:\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: Disabled\n")
    )


# --- trees ----------------------------------------------------------------------------------------


OBJECT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${ENV}
spec:
  replicas: "${REPLICAS}"
  paused: ${PAUSED}
  ratio: ${RATIO}
  hosts: ${HOSTS}
  address: ${HOST}:${PORT}
  quoted: '"${PORT}"'
  unknown: ${UNSET}
  empty: ${EMPTY}
  config: |
    port: ${PORT}
  ${KEY}: key
  untouched:
    - a
    - b
"""
VARS = Vars(
    {
        "ENV": "prod",
        "REPLICAS": "3",
        "PAUSED": "yes",
        "RATIO": "1.5",
        "HOSTS": "[a.example, b.example]",
        "HOST": "db",
        "PORT": "5432",
        "EMPTY": "",
        "KEY": "k",
    }
)


def test_values_are_substituted_and_retyped_like_yaml_v2():
    obj = doc(OBJECT, "app.yaml")
    result = substitute_object(obj, VARS)
    assert result.applied and result.problems == ()
    spec = result.data["spec"]
    assert result.data["metadata"]["name"] == "app-prod"
    assert spec["replicas"] == 3 and type(spec["replicas"]) is int  # quotes are gone once parsed
    assert spec["paused"] is True  # YAML 1.1 boolean
    assert spec["ratio"] == 1.5
    assert spec["hosts"] == ["a.example", "b.example"] and isinstance(spec["hosts"], YSeq)
    assert spec["address"] == "db:5432"
    assert spec["quoted"] == '"5432"'  # written quoted by yaml.v2: stays a string
    assert spec["unknown"] == "${UNSET}"
    assert spec["empty"] is None  # an empty plain scalar is null
    assert spec["config"] == "port: 5432\n"  # literal block: substituted, not retyped
    assert "${KEY}" in spec and "k" not in spec  # keys are not substituted
    # Positions are kept; a value parsed from the substituted text points at the value.
    assert str(spec.loc("replicas")) == "app.yaml:6:13"
    assert str(spec["hosts"].loc(1)) == "app.yaml:9:10"


def test_copy_on_write():
    obj = doc(OBJECT)
    result = substitute_tree(obj, VARS)
    assert result is not obj and result["spec"] is not obj["spec"]
    assert result["spec"]["untouched"] is obj["spec"]["untouched"]  # unchanged subtree shared
    assert obj["spec"]["replicas"] == "${REPLICAS}"  # the input is never changed
    assert isinstance(result, YMap) and result.src is obj.src
    same = doc("a: plain\nb: [1, 2]\nc: $text\n")
    assert substitute_tree(same, VARS) is same


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("on", True),
        ("y", True),  # yaml.v2 resolves y/n as booleans
        ("0x1F", 31),
        ("0o17", 15),
        ("017", 15),  # strconv.ParseInt base 0: a leading 0 is octal
        ("1_000", 1000),
        ("1e3", 1000),  # a float with an integral value comes back from JSON as an integer
        ("2.50", 2.5),
        ("~", None),
        ("1:20", "1:20"),  # no sexagesimal numbers in yaml.v2
        ("2024-01-01", "2024-01-01"),  # timestamps decode into interface{} as strings
        ("a # comment", "a"),
        ("'quoted'", "quoted"),
        ("{a: 1}", {"a": 1}),
    ],
)
def test_retyping(value, expected):
    obj = doc("v: ${X}\n")
    assert substitute_tree(obj, Vars({"X": value}))["v"] == expected


def test_retyping_needs_a_plain_original():
    for source in ("v: ' ${X}'\n", "v: '#${X}'\n", "v: '${X}: y'\n", "v: '- ${X}'\n"):
        obj = doc(source)
        assert isinstance(substitute_tree(obj, Vars({"X": "3"}))["v"], str), source


def test_substituted_text_that_is_not_yaml():
    obj = doc("a: ${X}\nb: ${Y}\nc: ${Z}\n", "bad.yaml")
    result = substitute_object(obj, Vars({"X": "k: v", "Y": "*alias", "Z": ".nan"}))
    assert [p.kind for p in result.problems] == ["substituted-yaml-invalid"] * 3
    assert [str(p.loc) for p in result.problems] == ["bad.yaml:1:4", "bad.yaml:2:4", "bad.yaml:3:4"]


def test_bad_substitution_in_an_object():
    obj = doc("a: ${A}\nb: 'echo ${HOME-/root}'\n", "job.yaml")
    result = substitute_object(obj, Vars({"A": "1"}))
    (p,) = result.problems
    assert p.kind == "bad-substitution" and p.certain and str(p.loc) == "job.yaml:2:4"
    assert result.data["a"] == 1 and result.data["b"] == "echo ${HOME-/root}"


def test_escaped_reference_is_not_retyped():
    obj = doc("a: $${X}\n")
    assert substitute_tree(obj, Vars({"Y": "1"}))["a"] == "${X}"


def test_deep_tree():
    obj = doc("a: " + "[" * 400 + "'${X}'" + "]" * 400 + "\n")
    result = substitute_tree(obj, Vars({"X": "1"}))
    node = result["a"]
    for _ in range(399):
        node = node[0]
    assert node == [1]


def test_bad_substitution_inside_a_literal_block_points_at_its_line():
    obj = doc('script: |\n  set -e\n  echo "${BASH_REMATCH[1]}"\n', "job.yaml")
    (p,) = substitute_object(obj, Vars({"A": "1"})).problems
    assert str(p.loc) == "job.yaml:3:9" and p.certain
