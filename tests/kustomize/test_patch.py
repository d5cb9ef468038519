"""kustomize patches: strategic merge (kyaml merge2, kustomize api/filters/patchstrategicmerge),
JSON 6902 (evanphx/json-patch v5 through api/filters/patchjson6902) and the PatchTransformer rules
(api/internal/builtins/PatchTransformer.go, api/resource/resource.go ApplySmPatch)."""

from __future__ import annotations

from typing import Any

import pytest

from obslint.kustomize.patch import Patch, Resource, Target, apply_patches
from obslint.load.yamlfile import YMap, YSeq
from tests.kustomize.helpers import doc, docs

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  labels: {app: web}
  finalizers: [a, b]
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    spec:
      containers:
        - name: foo1
          image: foo1:1
          env:
            - {name: A, value: "1"}
          ports:
            - {containerPort: 8080, protocol: TCP}
        - name: foo2
          image: foo2:1
      volumes:
        - name: data
          emptyDir: {}
      tolerations:
        - {key: a, operator: Exists}
"""


def deployment() -> Resource:
    return Resource(doc(DEPLOYMENT, "deploy.yaml"))


def patched(patch: str, target: Target | None = None, resources: list[Resource] | None = None, **options):
    patch_docs = tuple(docs(patch, "patch.yaml"))
    result = apply_patches(resources or [deployment()], [Patch(patch_docs, target, **options)])
    return result


def one(result) -> dict:
    assert result.problems == ()
    (res,) = result.resources
    return res.data


def pod_spec(data: Any) -> Any:
    return data["spec"]["template"]["spec"]


HEADER = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\n"
CONTAINERS = HEADER + "spec:\n  template:\n    spec:\n      containers:\n"


def test_maps_merge_scalars_replace_null_deletes():
    data = one(patched(HEADER + "spec:\n  replicas: 3\n  selector: null\n  paused: true\n"))
    assert data["spec"]["replicas"] == 3 and "selector" not in data["spec"] and data["spec"]["paused"] is True
    assert data["metadata"]["labels"] == {"app": "web"}


def test_merge_keyed_lists_patch_items_first():
    """kubernetes-sigs/kustomize#5904: the patch's items come first, then the others."""
    spec = pod_spec(
        one(
            patched(
                HEADER
                + """\
spec:
  template:
    spec:
      containers:
        - name: foo2
          image: foo2:2
        - name: foo0
          image: foo0:1
"""
            )
        )
    )
    assert [c["name"] for c in spec["containers"]] == ["foo2", "foo0", "foo1"]
    assert spec["containers"][0] == {"name": "foo2", "image": "foo2:2"}
    assert spec["containers"][2]["env"] == [{"name": "A", "value": "1"}]  # untouched item kept whole


def test_nested_merge_keys():
    patch = HEADER + (
        "spec:\n  template:\n    spec:\n      containers:\n        - name: foo1\n"
        "          env: [{name: B, value: '2'}, {name: A, value: '9'}]\n"
        "          ports: [{containerPort: 8080, protocol: UDP}, {containerPort: 9090}]\n"
        "          volumeMounts: [{mountPath: /data, name: data}]\n"
    )
    foo1 = next(c for c in pod_spec(one(patched(patch)))["containers"] if c["name"] == "foo1")
    assert foo1["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "9"}]
    # ports pair by containerPort and protocol (x-kubernetes-list-map-keys)
    assert foo1["ports"] == [
        {"containerPort": 8080, "protocol": "UDP"},
        {"containerPort": 9090},
        {"containerPort": 8080, "protocol": "TCP"},
    ]
    assert foo1["volumeMounts"] == [{"mountPath": "/data", "name": "data"}]
    assert foo1["image"] == "foo1:1"


def test_lists_without_merge_strategy_replace():
    spec = pod_spec(one(patched(HEADER + "spec:\n  template:\n    spec:\n      tolerations: [{key: b}]\n")))
    assert spec["tolerations"] == [{"key": "b"}]


def test_primitive_merge_list_is_a_union():
    data = one(patched(HEADER + "  finalizers: [c, a]\n"))
    assert data["metadata"]["finalizers"] == ["c", "a", "b"]


def test_custom_resources_have_no_merge_keys():
    release = Resource(
        doc(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: loki}\n"
            "spec:\n  valuesFrom: [{kind: Secret, name: a}, {kind: Secret, name: b}]\n"
            "  values: {loki: {auth_enabled: false, x: 1}}\n"
        )
    )
    patch = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: loki}\n"
        "spec:\n  valuesFrom: [{kind: Secret, name: c}]\n  values: {loki: {x: 2}}\n"
    )
    data = one(patched(patch, resources=[release]))
    assert data["spec"]["valuesFrom"] == [{"kind": "Secret", "name": "c"}]
    assert data["spec"]["values"] == {"loki": {"auth_enabled": False, "x": 2}}


# Directives: kustomize api/filters/patchstrategicmerge/patchstrategicmerge_test.go cases.


def test_delete_list_item_directive():
    patch = CONTAINERS + "        - {name: foo1, $patch: delete}\n"
    assert [c["name"] for c in pod_spec(one(patched(patch)))["containers"]] == ["foo2"]


def test_delete_whole_list_directive():
    patch = CONTAINERS + "        - whatever\n        - $patch: delete\n"
    assert "containers" not in pod_spec(one(patched(patch)))


def test_replace_whole_list_directive():
    patch = CONTAINERS + "        - {name: new}\n        - $patch: replace\n"
    assert pod_spec(one(patched(patch)))["containers"] == [{"name": "new"}]


def test_merge_list_directive():
    patch = CONTAINERS + "        - {name: foo3}\n        - $patch: merge\n"
    assert [c["name"] for c in pod_spec(one(patched(patch)))["containers"]] == ["foo3", "foo1", "foo2"]


def test_replace_map_directive():
    patch = HEADER + "spec:\n  template:\n    spec:\n      $patch: replace\n      containers: [{name: new}]\n"
    assert pod_spec(one(patched(patch))) == {"containers": [{"name": "new"}]}


def test_delete_map_directive():
    data = one(patched(HEADER + "spec:\n  selector:\n    $patch: delete\n"))
    assert "selector" not in data["spec"]


def test_replace_directive_on_a_merged_item_is_ignored():
    """kubernetes-sigs/kustomize#6146: with ListPrepend the object's item overwrites the merged one."""
    patch = CONTAINERS + "        - {name: foo1, $patch: replace, image: x}\n"
    result = patched(patch)
    (note,) = result.problems
    assert note.kind == "ignored-patch-directive" and not note.certain
    assert str(note.loc) == "patch.yaml:10:11"
    foo1 = pod_spec(result.resources[0].data)["containers"][0]
    assert foo1["image"] == "foo1:1" and foo1["env"]


def test_other_directives_are_left_out_and_reported():
    patch = HEADER + (
        "spec:\n  template:\n    spec:\n      $setElementOrder/containers: [{name: foo2}]\n"
        "      $retainKeys: [containers]\n      extra:\n        $deleteFromPrimitiveList/x: [a]\n        y: 1\n"
    )
    result = patched(patch)
    assert [p.kind for p in result.problems] == ["unsupported-patch-directive"] * 3
    assert not any(p.certain for p in result.problems)
    assert str(result.problems[0].loc) == "patch.yaml:9:7"
    spec = pod_spec(result.resources[0].data)
    assert not any(str(k).startswith("$") for k in spec) and spec["extra"] == {"y": 1}


def test_unknown_directive_fails():
    result = patched(HEADER + "spec:\n  $patch: remove\n")
    (p,) = result.problems
    assert p.kind == "patch-failed" and "unknown patch strategy" in p.message and p.certain
    assert result.resources[0].data["spec"]["replicas"] == 1


def test_kind_mismatch_fails():
    for patch in ("spec:\n  replicas: {a: 1}\n", "spec:\n  selector: 3\n", "spec:\n  template: [1]\n"):
        result = patched(HEADER + patch)
        assert [p.kind for p in result.problems] == ["patch-failed"]


def test_object_deletion():
    patch = "$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\n"
    assert patched(patch).resources == ()


def test_identity_is_kept():
    """The patch cannot rename the object (unless the options allow it) nor move it."""
    data = one(
        patched(
            "apiVersion: apps/v1\nkind: Deploymentx\nmetadata: {name: other, namespace: elsewhere}\n",
            Target(kind="Deployment"),
        )
    )
    assert (data["kind"], data["metadata"]["name"], data["metadata"]["namespace"]) == ("Deployment", "web", "apps")
    renamed = patched(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n",
        Target(kind="Deployment"),
        allow_name_change=True,
    )
    (res,) = renamed.resources
    assert res.name == "other" and res.namespace == "apps" and res.previous == (("web", "apps"),)


def test_positions_come_from_the_patch():
    data = one(patched(HEADER + "spec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{name: foo3}]\n"))
    assert str(data["spec"].loc("replicas")) == "patch.yaml:7:13"
    assert str(data["spec"].key_loc("replicas")) == "patch.yaml:7:3"
    containers = pod_spec(data)["containers"]
    assert str(containers.loc(0)) == "patch.yaml:10:20" and str(containers.loc(1)) == "deploy.yaml:14:11"
    assert str(data["spec"].loc("selector")) == "deploy.yaml:10:13"


def test_copy_on_write():
    original = deployment()
    result = apply_patches([original], [Patch(tuple(docs(HEADER + "spec:\n  replicas: 3\n")))])
    data = result.resources[0].data
    assert data is not original.data and data["spec"]["template"] is original.data["spec"]["template"]
    assert original.data["spec"]["replicas"] == 1
    noop = apply_patches([original], [Patch(tuple(docs(HEADER + "spec:\n  replicas: 1\n")))])
    assert noop.resources[0].data is original.data


# --- which objects a patch applies to -------------------------------------------------------------


def test_patch_without_target_needs_exactly_one_object():
    result = patched("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n")
    (p,) = result.problems  # the object is in `apps`, the patch names `default`
    assert p.kind == "patch-failed" and "no object has the identity" in p.message and p.certain
    other_version = patched("apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\n")
    assert other_version.problems and other_version.problems[0].kind == "patch-failed"


def test_patch_matches_an_earlier_identity():
    renamed = Resource(doc(DEPLOYMENT.replace("name: web", "name: prod-web")), (("web", "apps"),))
    data = one(patched(HEADER + "spec: {replicas: 4}\n", resources=[renamed]))
    assert data["spec"]["replicas"] == 4 and data["metadata"]["name"] == "prod-web"


def test_target_selects_several_or_none():
    second = Resource(doc(DEPLOYMENT.replace("name: web", "name: api")))
    result = patched(
        "kind: Deployment\nmetadata: {name: any}\nspec: {replicas: 5}\n",
        Target(kind="Deployment"),
        [deployment(), second],
    )
    assert [r.data["spec"]["replicas"] for r in result.resources] == [5, 5]
    assert [r.name for r in result.resources] == ["web", "api"]
    none = patched("kind: Deployment\nmetadata: {name: any}\n", Target(kind="StatefulSet"))
    assert none.problems == () and none.resources[0].data["spec"]["replicas"] == 1


def test_patch_without_metadata_cannot_be_parsed():
    """kubernetes-sigs/kustomize#5997: `missing Resource metadata`."""
    result = patched("spec:\n  replicas: 2\n", Target(kind="Deployment"))
    assert result.problems[0].kind == "patch-failed" and "missing Resource metadata" in result.problems[0].message


def test_several_documents_are_several_patches():
    patch = HEADER + "spec: {replicas: 2}\n---\n" + HEADER + "spec: {paused: true}\n"
    data = one(patched(patch))
    assert data["spec"]["replicas"] == 2 and data["spec"]["paused"] is True


def test_unparseable_patches():
    for text in ("- op: add\n  path: /a\n  value: 1\n---\nkind: X\n", "just text\n", ""):
        result = patched(text, Target())
        assert result.problems and result.problems[0].kind == "patch-failed", text
    assert not patched("", Target()).problems[0].certain


# --- JSON 6902 ------------------------------------------------------------------------------------


def json_patched(ops: str, target: Target | None = None):
    return patched(ops, target if target is not None else Target(kind="Deployment"))


def test_json6902_operations():
    ops = """\
- {op: replace, path: /spec/replicas, value: 5}
- {op: add, path: /spec/template/spec/containers/0/args, value: [--x]}
- {op: add, path: /spec/template/spec/containers/-, value: {name: last}}
- {op: add, path: /spec/template/spec/containers/0, value: {name: first}}
- {op: remove, path: /metadata/labels/app}
- {op: copy, from: /spec/replicas, path: /spec/minReadySeconds}
- {op: move, from: /spec/template/spec/tolerations, path: /spec/template/spec/moved}
- {op: test, path: /spec/replicas, value: 5}
- {op: add, path: /metadata/annotations, value: {}}
- {op: add, path: /metadata/annotations/a~1b~0c, value: x}
- {op: add, path: /spec/template/spec/containers/-1/image, value: last:2}
"""
    data = one(json_patched(ops))
    spec = pod_spec(data)
    assert data["spec"]["replicas"] == 5 and data["spec"]["minReadySeconds"] == 5
    assert [c["name"] for c in spec["containers"]] == ["first", "foo1", "foo2", "last"]
    assert spec["containers"][1]["args"] == ["--x"] and spec["containers"][3]["image"] == "last:2"
    assert data["metadata"]["labels"] == {} and data["metadata"]["annotations"] == {"a/b~c": "x"}
    assert "tolerations" not in spec and spec["moved"] == [{"key": "a", "operator": "Exists"}]
    # Added values point into the patch; moved and copied ones keep where they stood.
    assert str(data["spec"].loc("replicas")) == "patch.yaml:1:46"
    assert str(spec["containers"].loc(0)) == "patch.yaml:4:60"
    assert str(spec["containers"].loc(1)) == "deploy.yaml:14:11"
    assert str(spec.loc("moved")) == "deploy.yaml:26:9"
    assert str(data["spec"].loc("minReadySeconds")) == "patch.yaml:1:46"


@pytest.mark.parametrize(
    ("ops", "reason"),
    [
        ("- {op: replace, path: /spec/nope, value: 1}", "no field 'nope'"),
        ("- {op: remove, path: /spec/nope}", "no field 'nope'"),
        ("- {op: add, path: /spec/nope/x, value: 1}", "no field 'nope'"),
        ("- {op: add, path: /spec/replicas/x, value: 1}", "below a scalar"),  # a pointer into a scalar
        ("- {op: add, path: /spec/template/spec/containers/5, value: 1}", "out of range"),
        ("- {op: replace, path: /spec/template/spec/containers/-, value: 1}", "not a list index"),
        ("- {op: remove, path: /spec/template/spec/containers/-3}", "out of range"),
        ("- {op: add, path: '', value: {}}", "must start with /"),
        ("- {op: add, path: spec/replicas, value: 1}", "must start with /"),
        ("- {op: test, path: /spec/replicas, value: '1'}", "differs"),
        ("- {op: frobnicate, path: /spec}", "not a JSON patch operation"),
        ("- {op: add, path: /spec/x}", "has no 'value'"),
        ("- {op: move, from: /spec, path: /spec/inner}", "into itself"),
        ("- {op: copy, from: /nope, path: /spec/x}", "no field 'nope'"),
        ("- not-a-mapping", "not a JSON patch operation"),
    ],
)
def test_json6902_failures(ops, reason):
    result = json_patched(ops)
    (p,) = result.problems
    assert p.kind == "patch-failed" and reason in p.message and p.certain
    assert result.resources[0].data["spec"]["replicas"] == 1  # the patch does not apply


def test_json6902_needs_a_target():
    (p,) = patched("- {op: add, path: /spec/x, value: 1}").problems
    assert "needs a target" in p.message


def test_json6902_can_rename():
    result = json_patched("- {op: replace, path: /metadata/name, value: web2}")
    (res,) = result.resources
    assert res.name == "web2" and res.previous == (("web", "apps"),)


def test_json6902_test_of_a_missing_path_with_null():
    assert json_patched("- {op: test, path: /spec/absent, value: null}").problems == ()
    assert json_patched("- {op: test, path: /spec/replicas, value: 1.0}").problems == ()
    assert json_patched("- {op: test, path: /spec/paused, value: false}").problems  # absent, not false


def test_invalid_target_regex_is_a_problem_not_an_exception():
    result = json_patched("- {op: replace, path: /spec/replicas, value: 2}", Target(name="(web"))
    (p,) = result.problems
    assert p.kind == "invalid-patch-target" and result.resources[0].data["spec"]["replicas"] == 1


# --- hostile input --------------------------------------------------------------------------------


def test_deep_patch():
    depth = 300
    nested = "a: " + "{b: " * depth + "1" + "}" * depth + "\n"
    obj = Resource(doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + nested))
    patch = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + nested.replace("1", "2")
    data = one(patched(patch, resources=[obj]))
    node = data["a"]
    for _ in range(depth - 1):
        node = node["b"]
    assert node == {"b": 2}


def test_huge_lists():
    n = 1000
    items = "".join(f"    - name: c{i}\n      image: i{i}\n" for i in range(n))
    pod = Resource(doc(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n{items}"))
    patch = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: c999, image: new}\n"
    containers = one(patched(patch, resources=[pod]))["spec"]["containers"]
    assert len(containers) == n and containers[0] == {"name": "c999", "image": "new"}
    assert isinstance(containers, YSeq) and isinstance(containers[1], YMap)
    ops = "".join(f"- {{op: add, path: /spec/containers/-, value: {{name: x{i}}}}}\n" for i in range(200))
    assert len(one(patched(ops, Target(kind="Pod"), [pod]))["spec"]["containers"]) == n + 200


# --- kyaml's quirks with merge keys (checked against kustomize in test_against_kustomize) -------


SERVICE_PATCH = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n"
SERVICE = SERVICE_PATCH + "    - {port: 1}\n    - {port: 2, protocol: TCP}\n    - {port: 3, protocol: UDP}\n"


def test_several_merge_keys_keep_the_object_order_and_lose_some_items():
    patch = (
        SERVICE_PATCH
        + "    - {port: 3, name: three}\n    - {port: 2, protocol: UDP}\n    - {port: 1, $patch: delete}\n"
    )
    result = patched(patch, resources=[Resource(doc(SERVICE))])
    assert result.resources[0].data["spec"]["ports"] == [
        {"port": 2, "protocol": "UDP"},
        {"port": 1},
        {"port": 2, "protocol": "TCP"},
        {"port": 3, "protocol": "UDP"},
    ]
    notes = [(p.kind, p.loc.line, p.certain) for p in result.problems]
    assert notes == [("ignored-patch-item", 8, False), ("ignored-patch-item", 6, False)]


def test_item_without_merge_key_empties_the_list():
    result = patched(CONTAINERS + "        - image: nameless\n")
    assert pod_spec(result.resources[0].data)["containers"] == []
    (note,) = result.problems
    assert note.kind == "patch-item-without-merge-key" and "without name" in note.message
