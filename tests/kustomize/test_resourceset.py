"""flux-operator ResourceSet expansion (internal/builder/resourceset.go and its testdata, internal/
inputs, docs/api/v1/resourceset.md) and the Go template subset it uses."""

from __future__ import annotations

import zlib

import pytest

from obslint.kustomize.gotemplate import UNKNOWN, Action, TemplateError, go_float, go_quote, lex, render
from obslint.kustomize.resourceset import expand_resourceset, is_unrendered, normalize_name
from obslint.load.yamlfile import YMap
from tests.kustomize.helpers import doc

HEAD = """\
apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata:
  name: app1
  namespace: apps
spec:
"""

# internal/builder/testdata/resourceset/default.yaml, reduced.
DEFAULT = (
    HEAD
    + """\
  inputs:
    - tenant: team1
      semver: ">=1.0.0-rc.0"
      replicas: "2"
    - tenant: team2
      semver: ">=1.0.0"
      replicas: 3
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1beta2
      kind: OCIRepository
      metadata: {name: "<< inputs.tenant >>-app1", namespace: apps}
      spec:
        ref:
          semver: << inputs.semver | quote >>
    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata:
        name: << inputs.tenant >>-app1
        namespace: apps
        labels:
          replicas: << inputs.replicas | quote >>
      spec:
        values:
          replicas: << inputs.replicas | int >>
"""
)


def item(kind: str, name: str, api: str = "v1", indent: int = 4, namespace: str = "") -> str:
    """One flow-style resource of a list."""
    ns = f", namespace: {namespace}" if namespace else ""
    return f"{' ' * indent}- {{apiVersion: {api}, kind: {kind}, metadata: {{name: '{name}'{ns}}}}}\n"


def expand(text: str, rel: str = "rset.yaml"):
    return expand_resourceset(doc(text, rel))


def only(text: str):
    (obj,) = expand(text).objects
    return obj


def names(expansion) -> list[str]:
    return [o.data["metadata"]["name"] for o in expansion.objects]


def test_resources_rendered_per_input():
    e = expand(DEFAULT)
    assert e.problems == () and not e.partial
    assert [(o.data["kind"], o.data["metadata"]["name"], o.input_index) for o in e.objects] == [
        ("OCIRepository", "team1-app1", 0),
        ("OCIRepository", "team2-app1", 1),
        ("HelmRelease", "team1-app1", 0),
        ("HelmRelease", "team2-app1", 1),
    ]
    oci1, _, hr1, hr2 = (o.data for o in e.objects)
    assert oci1["spec"]["ref"]["semver"] == ">=1.0.0-rc.0"  # quoted, then parsed: a plain string
    assert hr1["metadata"]["labels"]["replicas"] == "2" and hr2["metadata"]["labels"]["replicas"] == "3"
    assert hr1["spec"]["values"]["replicas"] == 2 and type(hr2["spec"]["values"]["replicas"]) is int
    assert all(o.exact for o in e.objects)
    # Positions stay in the ResourceSet's file.
    assert str(hr2.loc("kind")) == "rset.yaml:22:13"
    assert str(hr2["spec"]["values"].loc("replicas")) == "rset.yaml:30:21"


def test_inputs_are_json_numbers():
    """GetInputs unmarshals JSON into `any`: every number is a float64, printed as Go's %v."""
    obj = only(
        HEAD
        + "  inputs:\n    - {n: 2, big: 1000000, ratio: 0.5}\n  resources:\n"
        + "    - {apiVersion: v1, kind: ConfigMap, metadata: {name: 'cm-<< inputs.n >>-<< inputs.big >>'},"
        + " data: {r: '<< inputs.ratio >>', n: '<< inputs.n >>'}}\n"
    )
    assert obj.data["metadata"]["name"] == "cm-2-1e+06"
    assert obj.data["data"] == {"r": 0.5, "n": 2}  # plain scalars are retyped once parsed back


def test_shared_objects_are_deduplicated():
    """Deduplication by group, kind, namespace and name (docs: Resource deduplication)."""
    e = expand(
        HEAD
        + "  inputs: [{t: a}, {t: b}]\n  resources:\n"
        + item("OCIRepository", "shared", "source.toolkit.fluxcd.io/v1", namespace="apps")
        + item("OCIRepository", "shared", "source.toolkit.fluxcd.io/v1beta2", namespace="apps")
        + item("Namespace", "<< inputs.t >>")
    )
    assert [(o.data["kind"], o.data["metadata"]["name"]) for o in e.objects] == [
        ("OCIRepository", "shared"),
        ("Namespace", "a"),
        ("Namespace", "b"),
    ]


def test_missing_input_key_fails_the_resourceset():
    """testdata/resourceset/missing-inputs.yaml: `map has no entry for key "semver"`."""
    e = expand(
        HEAD
        + "  inputs:\n    - {tenant: team1, semver: 1.x}\n    - {tenant: team2}\n  resources:\n"
        + "    - apiVersion: source.toolkit.fluxcd.io/v1beta2\n      kind: OCIRepository\n"
        + "      metadata: {name: 'app1-<< inputs.tenant >>'}\n      spec:\n        ref:\n"
        + "          semver: << inputs.semver >>\n"
    )
    (p,) = e.problems
    assert e.objects == () and p.kind == "resourceset-failed" and p.certain
    assert "no entry for key 'semver'" in p.message and str(p.loc) == "rset.yaml:16:19"


def test_unquoted_template_that_breaks_yaml():
    """docs: quote strings; `>=1.0.0` rendered as a plain scalar starts a folded block."""
    e = expand(
        HEAD
        + "  inputs: [{semver: '>=1.0.0'}]\n  resources:\n"
        + "    - {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {v: '<< inputs.semver >>'}}\n"
    )
    assert e.objects == () and e.problems[0].kind == "resourceset-failed"


def test_no_inputs_renders_once():
    e = expand(HEAD + "  resources:\n    - {apiVersion: v1, kind: Namespace, metadata: {name: plain}}\n")
    assert names(e) == ["plain"] and e.objects[0].input_index is None and not e.partial
    failing = expand(
        HEAD + "  resources:\n    - {apiVersion: v1, kind: Namespace, metadata: {name: '<< inputs.x >>'}}\n"
    )
    assert failing.objects == () and "no entry for key 'x'" in failing.problems[0].message


def test_excluded_objects():
    """docs: Conditionally resource exclusion with `fluxcd.controlplane.io/reconcile: disabled`."""
    text = HEAD + (
        "  inputs: [{tenant: team1}, {tenant: team2}]\n  resources:\n"
        "    - apiVersion: v1\n      kind: ServiceAccount\n      metadata:\n        name: flux\n"
        "        namespace: << inputs.tenant >>\n        annotations:\n"
        "          fluxcd.controlplane.io/reconcile: << inputs.tenant | lower >>\n"
        "    - apiVersion: v1\n      kind: Namespace\n      metadata:\n        name: gone\n"
        "        annotations: {fluxcd.controlplane.io/reconcile: disabled}\n"
    )
    e = expand(text.replace("<< inputs.tenant | lower >>", "disabled"))
    assert e.objects == ()
    e = expand(
        text.replace(
            "<< inputs.tenant | lower >>", '<< if eq inputs.tenant "team1" >>enabled<< else >>disabled<< end >>'
        )
    )
    # The condition is not evaluated: both objects are kept, marked inexact.
    assert [o.data["metadata"]["namespace"] for o in e.objects] == ["team1", "team2"]
    assert not any(o.exact for o in e.objects)
    assert is_unrendered(e.objects[0].data["metadata"]["annotations"]["fluxcd.controlplane.io/reconcile"])


def test_resources_template():
    resources = item("OCIRepository", "apps", "source.toolkit.fluxcd.io/v1", namespace="flux-system")
    text = (
        HEAD
        + "  inputs: [{bundle: addons}, {bundle: apps}]\n  resources:\n"
        + resources
        + (
            "  resourcesTemplate: |\n"
            "    ---\n"
            "    apiVersion: source.toolkit.fluxcd.io/v1\n"
            "    kind: OCIRepository\n"
            "    metadata:\n"
            "      name: << inputs.bundle >>\n"
            "      namespace: flux-system\n"
            "    spec:\n"
            "      url: oci://registry.example.com/<< inputs.bundle >>\n"
            "    <</* a comment */>>\n"
        )
    )
    e = expand(text)
    assert e.problems == () and not e.partial
    assert [(o.origin, o.data["metadata"]["name"]) for o in e.objects] == [
        ("resources", "apps"),  # the object from `resources` wins over the template's
        ("resourcesTemplate", "addons"),
    ]
    addons = e.objects[1].data
    assert addons["spec"]["url"] == "oci://registry.example.com/addons"
    assert str(addons.loc("kind")) == "rset.yaml:13:11" and str(addons["metadata"].loc("name")) == "rset.yaml:15:13"


def test_resources_template_with_control_structures_is_not_evaluated():
    """docs example with range and if: beyond the evaluated subset, so the objects are unknown."""
    text = HEAD + (
        "  inputs: [{bundle: addons, components: [a, b]}]\n"
        "  resourcesTemplate: |\n"
        "    <<- range $component := inputs.components >>\n"
        "    ---\n"
        "    apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "    kind: Kustomization\n"
        "    metadata:\n"
        "      name: << $component >>\n"
        "    <<- end >>\n"
    )
    e = expand(text)
    (p,) = e.problems
    assert e.objects == () and e.partial and p.kind == "resourceset-not-evaluated" and not p.certain


def test_trim_markers_in_a_template_keep_lines_approximate():
    template = '    apiVersion: v1\n    kind: Namespace\n    metadata:\n      labels: {a: b}\n      <<- "" >>\n'
    obj = only(HEAD + "  inputs: [{name: x}]\n  resourcesTemplate: |\n" + template + "      name: << inputs.name >>\n")
    assert obj.data["metadata"]["name"] == "x" and obj.data["metadata"]["labels"]["a"] == "b"
    # The trim removed a line: every position is that of the template itself.
    assert str(obj.data.loc("kind")) == str(obj.data["metadata"].loc("name")) == "rset.yaml:8:22"


def test_inputs_from_providers_make_the_expansion_partial():
    inputs = "  inputsFrom: [{kind: ResourceSetInputProvider, name: prs}]\n  inputs: [{branch: main}]\n"
    text = HEAD + inputs + "  resources:\n" + item("Namespace", "app-<< inputs.branch >>") + item("Namespace", "shared")
    e = expand(text)
    assert e.partial and e.problems == ()
    summary = [(o.data["metadata"]["name"], o.exact, o.input_index) for o in e.objects]
    assert summary == [("app-main", True, 0), ("app-<< inputs.branch >>", False, None), ("shared", True, 0)]
    assert is_unrendered(e.objects[1].data["metadata"]["name"]) and not is_unrendered("app-main")


def test_permute_scopes_inputs_and_gives_ids():
    """internal/inputs/permuter.go: inputs under the normalised provider name, id = adler32."""
    head = HEAD.replace("name: app1", "name: My-App.1")
    inputs = "  inputStrategy: {name: Permute}\n  inputs: [{env: dev}, {env: prod}]\n"
    text = head + inputs + "  resources:\n" + item("Namespace", "<< inputs.my_app1.env >>-<< inputs.id >>")
    assert normalize_name("My-App.1") == "my_app1"
    expected = [f"{env}-{zlib.adler32(f'my_app1={i}'.encode())}" for i, env in enumerate(("dev", "prod"))]
    assert names(expand(text)) == expected


def test_provider_reference_and_id_of_inline_inputs():
    text = HEAD + (
        "  inputs: [{a: x}]\n  resources:\n"
        "    - {apiVersion: v1, kind: ConfigMap, metadata: {name: '<< inputs.provider.name >>'},"
        " data: {id: '<< inputs.id >>', kind: '<< inputs.provider.kind >>'}}\n"
    )
    obj = only(text)
    assert obj.data["metadata"]["name"] == "app1" and obj.data["data"]["kind"] == "ResourceSet"
    assert obj.data["data"]["id"] == "<< inputs.id >>" and not obj.exact


def test_common_metadata_and_owner_labels():
    text = HEAD + (
        "  commonMetadata:\n    labels: {app.kubernetes.io/name: podinfo}\n"
        "    annotations: {fluxcd.controlplane.io/prune: disabled}\n"
        "  resources:\n    - apiVersion: v1\n      kind: Namespace\n"
        "      metadata: {name: n, labels: {app.kubernetes.io/name: old}}\n"
        "    - {apiVersion: v1, kind: Namespace}\n"
    )
    first, second = expand(text).objects
    meta = first.data["metadata"]
    assert meta["labels"] == {
        "app.kubernetes.io/name": "podinfo",
        "resourceset.fluxcd.controlplane.io/name": "app1",
        "resourceset.fluxcd.controlplane.io/namespace": "apps",
    }
    assert meta["annotations"] == {"fluxcd.controlplane.io/prune": "disabled"}
    assert str(meta["labels"].loc("app.kubernetes.io/name")) == "rset.yaml:8:38"
    assert str(meta["labels"].loc("resourceset.fluxcd.controlplane.io/name")) == "rset.yaml:4:9"
    assert isinstance(second.data["metadata"], YMap) and second.data["metadata"]["annotations"]


def test_steps():
    first = "    - name: first\n      resources:\n" + item("Namespace", "<< inputs.t >>", indent=8)
    steps = (
        HEAD
        + "  inputs: [{t: a}]\n  steps:\n"
        + first
        + (
            "    - name: second\n      resourcesTemplate: |\n        apiVersion: v1\n        kind: Namespace\n"
            "        metadata: {name: 'b-<< inputs.t >>'}\n"
        )
    )
    e = expand(steps)
    assert [(o.step, o.data["metadata"]["name"]) for o in e.objects] == [("first", "a"), ("second", "b-a")]
    duplicate = expand(steps.replace("'b-<< inputs.t >>'", "'<< inputs.t >>'"))
    assert duplicate.objects == () and "already defined in step 'first'" in duplicate.problems[0].message
    both = expand(steps.replace("  steps:\n", "  resources: [{apiVersion: v1, kind: Namespace}]\n  steps:\n"))
    assert both.objects == () and "excludes" in both.problems[0].message


def test_hostile_input():
    unclosed = expand(HEAD + "  resources:\n    - {apiVersion: v1, kind: Namespace, metadata: {name: '<< inputs.x'}}\n")
    assert unclosed.objects == () and "unclosed" in unclosed.problems[0].message
    many = (
        HEAD
        + "  inputs:\n"
        + "".join(f"    - {{i: n{i}}}\n" for i in range(1000))
        + ("  resources:\n    - {apiVersion: v1, kind: Namespace, metadata: {name: '<< inputs.i >>'}}\n")
    )
    assert len(expand(many).objects) == 1000
    not_objects = expand(HEAD + "  resourcesTemplate: |\n    - a\n    - b\n")
    assert not_objects.objects == () and not_objects.problems[0].kind == "resourceset-failed"
    assert expand("kind: ResourceSet\nspec: 3\n") == expand_resourceset(doc("kind: ResourceSet\n"))


# --- the template subset --------------------------------------------------------------------------


DATA = {"s": "team1", "n": 2.0, "e": "", "z": 0.0, "nil": None, "m": {"k": "v"}, "u": UNKNOWN, "q": 'a"b\\c\td'}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<< inputs.s >>", "team1"),
        ("<<inputs.s>>", "team1"),
        ("<< inputs.m.k >>", "v"),
        ("<< inputs.n >>", "2"),
        ("<< inputs.n | int >>", "2"),
        ("<< inputs.n | quote >>", '"2"'),
        ("<< inputs.s | squote >>", "'team1'"),
        ("<< quote inputs.s >>", '"team1"'),
        ("<< inputs.q | quote >>", '"a\\"b\\\\c\\td"'),
        ('<< inputs.e | default "x" >>', "x"),
        ('<< inputs.z | default "x" >>', "x"),  # sprig empty(): zero is empty
        ('<< inputs.s | default "x" >>', "team1"),
        ("<< inputs.nil >>", "<no value>"),
        ("<< inputs.s | upper >>", "TEAM1"),
        ("<< inputs.n | toString >>", "2"),
        ('<< " x " | trim >>', "x"),
        ('<< "2.0" | int >>', "2"),
        ("<< true >>", "true"),
        ("a <<- inputs.s ->> b", "ateam1b"),
        ("a <</* c */>> b", "a  b"),
        ("a <<- /* c */ ->> b", "ab"),
        ('<< "x >> y" >>', "x >> y"),
        ("<<-3>>", "-3"),  # no space after the dash: a negative number, no trim
    ],
)
def test_template_values(text, expected):
    result = render(text, DATA)
    assert (result.text, result.unknown, result.unsupported) == (expected, False, False)


@pytest.mark.parametrize(
    "text",
    [
        "<< inputs.m >>",
        "<< inputs.s | slugify >>",
        "<< inputs.m | toYaml | nindent 4 >>",
        "<< $x >>",
        "<< if true >>a<< end >>",
    ],
)
def test_template_unsupported_kept_as_written(text):
    result = render(text, DATA)
    assert result.unsupported and result.text == text


def test_template_unknown_inputs():
    result = render("x-<< inputs.u >>-<< inputs.u.deep | quote >>-<< inputs.s >>", DATA)
    assert result.unknown and result.text == "x-<< inputs.u >>-<< inputs.u.deep | quote >>-team1"
    assert render("<< inputs.anything >>", UNKNOWN).unknown


@pytest.mark.parametrize(
    "text",
    [
        "<< inputs.missing >>",
        "<< inputs.s.k >>",
        "<< inputs.nil.k >>",
        "<< inputs.n | upper >>",
        "<< inputs.s",
        "<</* x >>",
        "<< 'a >>",
    ],
)
def test_template_errors(text):
    with pytest.raises(TemplateError):
        render(text, DATA)


def test_lex():
    parts = lex("a << x >> b <<- y ->>")
    assert parts == ["a ", Action(2, 9, "x", False, False), " b ", Action(12, 21, "y", True, True), ""]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (2.5, "2.5"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (-0.0, "-0"),
    ],
)
def test_go_float(value, text):
    assert go_float(value) == text


def test_go_quote():
    assert go_quote("é\x01") == '"é\\x01"'


def test_provider_inputs_with_a_template_and_with_permute():
    providers = "  inputsFrom: [{kind: ResourceSetInputProvider, name: prs}]\n"
    template = "  resourcesTemplate: |\n    apiVersion: v1\n    kind: Namespace\n"
    template += "    metadata: {name: 'pr-<< inputs.id >>'}\n"
    e = expand(HEAD + providers + template)
    (obj,) = e.objects
    assert e.partial and not obj.exact and obj.data["metadata"]["name"] == "pr-<< inputs.id >>"
    permute = HEAD + providers + "  inputStrategy: {name: Permute}\n  inputs: [{a: b}]\n" + template
    (obj,) = expand(permute).objects  # every permutation holds a provider's inputs: one unknown render
    assert not obj.exact and obj.input_index is None
