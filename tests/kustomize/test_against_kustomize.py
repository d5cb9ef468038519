"""The patch engine against the real kustomize (`kubectl kustomize`): same objects, same order of
list items. Each case is a kustomization's resources and `patches:` entries."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from obslint.kustomize.patch import Patch, Resource, Target, apply_patches
from tests.conftest import require_tool
from tests.kustomize.helpers import docs

RESOURCES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  labels: {app: web, tier: "1"}
  finalizers: [a, b]
spec:
  replicas: 1
  template:
    spec:
      containers:
        - image: foo1:1
          name: foo1
          env: [{name: A, value: "1"}, {name: C, value: "3"}]
          ports: [{containerPort: 8080, protocol: TCP}, {containerPort: 8080, protocol: UDP}]
          volumeMounts: [{name: data, mountPath: /data}]
        - {name: foo2, image: foo2:1}
      volumes: [{name: data, emptyDir: {}}]
      tolerations: [{key: a}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
spec:
  ports: [{port: 80, protocol: TCP, targetPort: 8080}, {port: 443, targetPort: 8443}]
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: loki
  namespace: apps
  labels: {tier: "2"}
spec:
  valuesFrom: [{kind: Secret, name: a}, {kind: Secret, name: b}]
  values: {loki: {auth_enabled: false, limits: {retention: 7d}}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: apps
data: {a: "1"}
"""

POD_PATCH = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\nspec:\n  template:\n    spec:\n"
)

CASES = {
    "merge keys and order": [
        {
            "patch": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: apps
                  finalizers: [c, a]
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - {name: foo2, image: foo2:2}
                        - name: foo0
                        - name: foo1
                          env: [{name: B, value: "2"}, {name: A, value: "9"}]
                          ports: [{containerPort: 8080, protocol: UDP, name: u}, {containerPort: 9090}]
                          volumeMounts: [{name: cache, mountPath: /cache}]
                      volumes: [{name: cache, emptyDir: {}}]
                      tolerations: [{key: b}]
                """
        },
        {
            "patch": """\
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: apps}
                spec:
                  ports: [{port: 443, targetPort: 9443}, {port: 8080}]
                """
        },
    ],
    "directives": [
        {
            "patch": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: apps}
                spec:
                  replicas: null
                  template:
                    spec:
                      containers:
                        - {name: foo2, $patch: delete}
                        - {name: foo1, $patch: replace, image: ignored}
                      volumes:
                        - {name: other}
                        - $patch: replace
                      tolerations:
                        - $patch: delete
                """
        },
        {"patch": "$patch: delete\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: apps}\n"},
    ],
    "multi-key quirks": [
        {
            "patch": POD_PATCH
            + "      containers:\n        - name: foo1\n          ports:\n"
            + "            - {containerPort: 8080, name: http}\n            - {containerPort: 53, protocol: TCP}\n"
        },
        {
            "patch": """\
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: apps}
                spec:
                  ports: [{port: 80, name: lost}, {port: 443, $patch: delete}, {port: 80, protocol: UDP}]
                """
        },
    ],
    "keyless item": [{"patch": POD_PATCH + "      volumes: [{emptyDir: {}}]\n"}],
    "custom resources replace lists": [
        {
            "patch": """\
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: any}
                spec:
                  valuesFrom: [{kind: ConfigMap, name: c}]
                  values:
                    loki:
                      limits: {retention: 30d, max: 1}
                      auth_enabled: null
                """,
            "target": {"kind": "HelmRelease", "labelSelector": "tier in (2,3)"},
        }
    ],
    "targets and json 6902": [
        {
            "patch": """\
                - {op: add, path: /metadata/labels/patched, value: "yes"}
                - {op: replace, path: /spec/template/spec/containers/0/image, value: foo1:2}
                - {op: add, path: /spec/template/spec/containers/1/args, value: [--x]}
                - {op: move, from: /spec/template/spec/tolerations, path: /spec/template/spec/t2}
                """,
            "target": {"kind": "Deploy.*", "name": "web|api", "namespace": "apps"},
        },
        {
            "patch": "- {op: add, path: /metadata/annotations, value: {a: b}}\n",
            "target": {"labelSelector": "tier!=1"},
        },
        {
            "patch": "- {op: add, path: /data/b, value: '2'}\n",
            "target": {"version": "v1", "kind": "ConfigMap", "annotationSelector": "missing notin (x)"},
        },
    ],
}


def _plain(data):
    return json.loads(json.dumps(data))


def _kustomize(tmp_path: Path, entries: list[dict]) -> dict:
    kubectl = require_tool("kubectl")
    (tmp_path / "resources.yaml").write_text(RESOURCES)
    patches = [
        {"patch": textwrap.dedent(e["patch"]), **({"target": e["target"]} if "target" in e else {})} for e in entries
    ]
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({"resources": ["resources.yaml"], "patches": patches}))
    out = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, check=True).stdout
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_objects_as_kustomize(tmp_path, case):
    entries = CASES[case]
    expected = _kustomize(tmp_path, entries)
    resources = [Resource(d) for d in docs(RESOURCES, "resources.yaml")]
    patches = [
        Patch(tuple(docs(e["patch"], "patch.yaml")), Target.from_mapping(e["target"]) if "target" in e else None)
        for e in entries
    ]
    result = apply_patches(resources, patches)
    assert not [p for p in result.problems if p.certain]
    got = {(r.kind, r.name): _plain(r.data) for r in result.resources}
    assert got == expected
