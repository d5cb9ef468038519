"""GRAF001 datasource-not-discovered."""

from __future__ import annotations

from tests.conftest import check


def run(root):
    result = check(root, select=["GRAF001"])
    assert not result.errors, result.errors
    return result.findings


def kps(sidecar: str = "") -> str:
    body = "\n".join("          " + line for line in sidecar.strip("\n").splitlines())
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata: {name: kube-prometheus-stack, namespace: monitoring}\n"
        "spec:\n  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}\n"
        "  values:\n    grafana:\n      sidecar:\n        datasources:\n" + (body or "          enabled: true") + "\n"
    )


def cm(labels: str, namespace: str = "monitoring", name: str = "ds") -> str:
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {namespace}
  labels: {labels}
data:
  ds.yaml: |
    apiVersion: 1
    datasources:
      - {{name: Loki, type: loki, url: http://loki.logs.svc:3100}}
"""


def test_missing_label(repo):
    (f,) = run(repo({"kps.yaml": kps(), "ds.yaml": cm("{app: loki}")}))
    assert (f.loc.path, f.loc.line) == ("ds.yaml", 6)
    assert "grafana_datasource: '1'" in f.message
    # the sidecar that would load it is the related place
    assert [r.loc.path for r in f.related] == ["kps.yaml"] and "HelmRelease kube-prometheus-stack" in f.related[
        0
    ].message


def test_wrong_label_value(repo):
    (f,) = run(repo({"kps.yaml": kps(), "ds.yaml": cm('{grafana_datasource: "true"}')}))
    assert "it has grafana_datasource: 'true'" in f.message


def test_label_ok(repo):
    assert not run(repo({"kps.yaml": kps(), "ds.yaml": cm('{grafana_datasource: "1"}')}))


def test_custom_label_from_values(repo):
    sidecar = "label: my_ds\nlabelValue: ''"
    assert not run(repo({"kps.yaml": kps(sidecar), "ds.yaml": cm("{my_ds: anything}")}))
    assert run(repo({"kps.yaml": kps(sidecar), "ds.yaml": cm('{grafana_datasource: "1"}')}))


def test_other_namespace_not_searched(repo):
    (f,) = run(repo({"kps.yaml": kps(), "ds.yaml": cm('{grafana_datasource: "1"}', "logs")}))
    assert "namespace logs" in f.message and "monitoring" in f.message and f.loc.line == 5
    sidecar = "searchNamespace: ALL"
    assert not run(repo({"kps.yaml": kps(sidecar), "ds.yaml": cm('{grafana_datasource: "1"}', "logs")}))
    sidecar = "searchNamespace: monitoring,logs"
    assert not run(repo({"kps.yaml": kps(sidecar), "ds.yaml": cm('{grafana_datasource: "1"}', "logs")}))


def test_sidecar_disabled_or_no_grafana(repo):
    assert not run(repo({"kps.yaml": kps("enabled: false"), "ds.yaml": cm("{}")}))
    assert not run(repo({"ds.yaml": cm("{}")}))


def test_mounted_configmap_is_skipped(repo):
    text = kps() + "      extraConfigmapMounts:\n        - {name: ds, configMap: ds, mountPath: /etc/x}\n"
    assert not run(repo({"kps.yaml": text, "ds.yaml": cm("{}")}))


def test_grafana_chart_sidecar_defaults(repo):
    gr = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata: {name: grafana, namespace: monitoring}\n"
        "spec:\n  chart: {spec: {chart: grafana, version: 8.0.0}}\n"
        "  values:\n    sidecar:\n      datasources: {enabled: true}\n"
    )
    # grafana chart: labelValue "" = any value of the label
    assert not run(repo({"g.yaml": gr, "ds.yaml": cm("{grafana_datasource: whatever}")}))
    assert run(repo({"g.yaml": gr, "ds.yaml": cm("{}")}))


DS_FILE = "apiVersion: 1\ndatasources:\n  - {name: Loki, type: loki, url: http://loki.monitoring.svc:3100}\n"


def test_config_map_generator(repo):
    kust = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: monitoring
configMapGenerator:
  - name: loki-datasource
    files:
      - loki.yaml=datasources/loki.yaml
    options:
      labels:
        LABELS
"""
    files = {"kps.yaml": kps(), "apps/datasources/loki.yaml": DS_FILE}
    files["apps/kustomization.yaml"] = kust.replace("LABELS", "app: loki")
    (f,) = run(repo(files))
    assert (f.loc.path, f.loc.line) == ("apps/kustomization.yaml", 10)
    assert f.message.startswith("generated ConfigMap loki-datasource ")
    files["apps/kustomization.yaml"] = kust.replace("LABELS", 'grafana_datasource: "1"')
    assert not run(repo(files))
    files["apps/kustomization.yaml"] = kust.replace("LABELS", 'grafana_datasource: "1"').replace(
        "namespace: monitoring", "namespace: logs"
    )
    (f,) = run(repo(files))
    assert "namespace logs" in f.message and f.loc.line == 3


def test_generator_of_other_files_is_ignored(repo):
    kust = "configMapGenerator:\n  - name: cfg\n    files: [app.yaml]\n"
    files = {"kps.yaml": kps(), "apps/kustomization.yaml": kust, "apps/app.yaml": "a: 1\n"}
    assert not run(repo(files))


def test_external_secret_template_is_not_a_datasource_holder(repo):
    external_secret = """\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: ds-secret, namespace: monitoring}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  target:
    template:
      templateFrom:
        - configMap: {name: ds-tpl, items: [{key: ds.yaml}]}
      metadata:
        labels: {grafana_datasource: "1"}
"""
    files = {"kps.yaml": kps(), "ds.yaml": cm("{app: loki}", name="ds-tpl")}
    assert len(run(repo(files))) == 1
    assert run(repo({**files, "es.yaml": external_secret})) == []
