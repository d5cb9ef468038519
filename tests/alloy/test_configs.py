"""The alloy.configs provider: files, ConfigMap keys and HelmRelease values, positions mapped."""

from __future__ import annotations

from obslint.alloy import iter_attributes, static_value
from obslint.alloy.configs import AlloyConfig, alloy_configs
from obslint.config import Config
from obslint.index import Index
from obslint.load import load_tree

REPO = {
    "alloy/config.alloy": """\
        // top
        loki.write "default" {
          endpoint {
            url = "http://loki:3100/loki/api/v1/push"
          }
        }
    """,
    "alloy/kustomization.yaml": """\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: logging
        resources: [helmrelease.yaml, cm.yaml]
    """,
    "alloy/cm.yaml": """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: alloy-extra
          namespace: logging
        data:
          other.txt: hello
          extra.alloy: |
            loki.write "cm" {
              endpoint {
                url = "http://loki:3100/loki/api/v1/push"
              }
            }
    """,
    "alloy/helmrelease.yaml": """\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: alloy
          namespace: logging
        spec:
          chart:
            spec:
              chart: alloy
          values:
            alloy:
              configMap:
                content: |
                  prometheus.remote_write "default" {
                    endpoint {
                      url = "http://mimir/api/v1/push"
                      basic_auth {
                        password = "hunter2"
                      }
                    }
                  }
    """,
}


def _index(path) -> Index:
    return Index.build(load_tree(str(path)), Config())


def test_provider_finds_all_three_kinds_with_file_positions(repo) -> None:
    from obslint.rules import alloy  # noqa: F401

    index = _index(repo(REPO))
    configs: list[AlloyConfig] = alloy_configs(index)
    by_where = {c.key or "file": c for c in configs}
    assert set(by_where) == {"alloy.configMap.content", "extra.alloy", "file"}
    assert all(c.diagnostics == [] for c in configs)
    assert all(c.namespace == "logging" for c in configs)

    hr = by_where["alloy.configMap.content"]
    ((_path, attr), (path2, attr2)) = list(iter_attributes(hr.ast.body))
    assert attr.name == "url" and str(hr.loc(attr)) == "alloy/helmrelease.yaml:16:15"
    assert attr2.name == "password" and static_value(attr2.value) == "hunter2"
    assert AlloyConfig.path_of(path2) == "prometheus.remote_write.default/endpoint/basic_auth"
    assert str(hr.loc(attr2.value)) == "alloy/helmrelease.yaml:18:28"

    cm = by_where["extra.alloy"]
    block = cm.ast.body[0]
    assert str(cm.loc(block)) == "alloy/cm.yaml:9:5"

    f = by_where["file"]
    assert str(f.loc(f.ast.body[0])) == "alloy/config.alloy:2:1" and f.unit.endswith("|alloy")
