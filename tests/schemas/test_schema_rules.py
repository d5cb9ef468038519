"""FLUX050 schema-invalid and FLUX051 helm-values-unknown-key (version resolution and FLUX052: test_chart_values)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from obslint.model.chart_keys import key_tree
from tests.conftest import DATA, ROOT, check

KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: {interval}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  annotations:
    deployed: 2024-01-01
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: {port}
"""


def findings(repo, files, rule="FLUX050", **kw):
    return [f for f in check(repo(files), select=[rule], **kw).findings if f.rule == rule]


# --- FLUX050 -------------------------------------------------------------------------------------------------
def test_valid_objects_pass(repo):
    assert findings(repo, {"ks.yaml": KS.format(interval="10m"), "d.yaml": DEPLOY.format(replicas=2, port=80)}) == []


def test_flux_duration_with_days_fires_at_the_value(repo):
    (f,) = findings(repo, {"ks.yaml": KS.format(interval="1d")})
    assert (f.loc.line, f.loc.col) == (7, 13)
    assert "spec.interval" in f.message and "`1d`" in f.message and "the pattern is" in f.hint


def test_unknown_field_points_at_the_key_with_a_suggestion(repo):
    text = KS.format(interval="10m") + "  dependson:\n    - name: infra\n"
    (f,) = findings(repo, {"ks.yaml": text})
    assert (f.loc.line, f.loc.col) == (13, 3)
    assert "unknown field dependson" in f.message
    assert "dependsOn" in f.hint


def test_core_kind_wrong_type_and_unknown_field(repo):
    text = DEPLOY.format(replicas=2, port='"80"').replace("          image:", "          imagee: x\n          image:")
    found = findings(repo, {"d.yaml": text})
    messages = sorted(f.message for f in found)
    assert len(found) == 2, messages
    assert any("containerPort" in m and "integer" in m for m in messages)
    assert any("unknown field imagee" in m for m in messages)


def test_missing_required_field(repo):
    text = KS.format(interval="10m").replace("  prune: true\n", "")
    (f,) = findings(repo, {"ks.yaml": text})
    assert "spec: prune is required" in f.message


def test_prometheus_rule_duration_and_enum(repo):
    text = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: r
spec:
  groups:
    - name: g
      rules:
        - alert: Down
          expr: up == 0
          for: 5 minutes
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: am
spec:
  type: alertmanger
  address: http://alertmanager:9093/api/v2/alerts/
"""
    found = findings(repo, {"r.yaml": text})
    assert sorted(f.loc.line for f in found) == [11, 18]


def test_flux_substitution_is_not_a_type_error(repo):
    assert findings(repo, {"d.yaml": DEPLOY.format(replicas="${REPLICAS}", port="${PORT:=80}")}) == []
    assert findings(repo, {"ks.yaml": KS.format(interval="${INTERVAL}")}) == []


RESOURCESET = """\
apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata: {name: previews, namespace: flux-system}
spec:
  inputsFrom:
    - {kind: ResourceSetInputProvider, name: pull-requests}
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata:
        name: pr-<< inputs.id >>
        namespace: preview-<< inputs.id >>
      spec:
        interval: 10m
        url: https://git.example.org/app
        ref: {commit: << inputs.sha >>}
"""


def test_resourceset_template_with_unknown_inputs_is_not_invalid(repo):
    # The inputs come from a provider at run time: the names are unknown, not invalid.
    assert findings(repo, {"rset.yaml": RESOURCESET}) == []
    bad = RESOURCESET.replace("interval: 10m", "interval: 1d")  # Flux durations have no `d`: still reported
    assert [f.loc.line for f in findings(repo, {"rset.yaml": bad})] == [14]


def test_sops_encrypted_secret_is_not_flagged(repo):
    text = """\
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: monitoring
type: Opaque
stringData:
  token: ENC[AES256_GCM,data:abc=,iv:def=,tag:ghi=,type:str]
sops:
  age:
    - recipient: age1xyz
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        -----END AGE ENCRYPTED FILE-----
  lastmodified: "2024-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]
  version: 3.9.0
"""
    assert findings(repo, {"secret.enc.yaml": text}) == []


def test_kustomize_patch_files_and_patched_objects_are_not_full_manifests(repo):
    files = {
        "apps/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [ks.yaml]
patches:
  - path: patch-replicas.yaml
  - target: {kind: Kustomization, group: kustomize.toolkit.fluxcd.io}
    patch: |
      - op: add
        path: /spec/interval
        value: 10m
""",
        "apps/patch-replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "spec: {replicas: 3}\n",
        "apps/ks.yaml": KS.format(interval="10m").replace("  interval: 10m\n", ""),
    }
    assert findings(repo, files) == []


def test_unknown_kinds_are_not_checked(repo):
    text = """\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: c
spec:
  whatever: [1, 2]
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: r
spec:
  bogus: true
"""
    assert findings(repo, {"x.yaml": text}) == []


def test_kubernetes_version_option(repo, tmp_path):
    root = repo({"d.yaml": DEPLOY.format(replicas=1, port=80)})
    (root / ".obslint.yaml").write_text("options:\n  FLUX050:\n    kubernetes_version: '1.29'\n")
    result = check(root, select=["FLUX050"])
    assert not result.errors and result.findings == []
    (root / ".obslint.yaml").write_text("options:\n  schema-invalid:\n    kubernetes_version: '1.10'\n")
    result = check(root, select=["FLUX050"])
    assert any("no schemas for Kubernetes 1.10" in n for n in result.notices), result.notices


# --- FLUX051 -------------------------------------------------------------------------------------------------
HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: monitoring
spec:
  interval: 1h
  chart:
    spec:
      chart: {chart}
      version: "{version}"
      sourceRef:
        kind: HelmRepository
        name: charts
  values:
{values}
"""


def hr(values: str, chart="kube-prometheus-stack", version="80.6.0", name="kps") -> str:
    return HR.format(name=name, chart=chart, version=version, values=values)


def test_values_typo_fires_with_did_you_mean(repo):
    values = "    prometheus:\n      prometheusSpec:\n        retention: 7d\n        retentionsize: 45GB\n"
    (f,) = findings(repo, {"hr.yaml": hr(values)}, rule="FLUX051")
    assert (f.loc.line, f.loc.col) == (19, 9)
    assert "prometheus.prometheusSpec.retentionsize" in f.message
    assert "'prometheus.prometheusSpec.retentionSize'" in f.hint
    values = "    alertmanager:\n      alertmanagerSpec:\n        retension: 120h\n"
    (f,) = findings(repo, {"hr.yaml": hr(values)}, rule="FLUX051")
    assert "did you mean 'alertmanager.alertmanagerSpec.retention'?" in f.hint


def test_values_known_keys_and_free_form_places_pass(repo):
    values = """\
    prometheus:
      prometheusSpec:
        retentionSize: 45GB
        podMetadata: {labels: {a: b}}
        storageSpec:
          volumeClaimTemplate:
            spec: {resources: {requests: {storage: 50Gi}}}
    alertmanager:
      config:
        route: {receiver: pushover, routes: [{matchers: ["severity=critical"]}]}
        receivers: [{name: pushover}]
      alertmanagerSpec:
        podMetadata: {annotations: {x: y}}
    grafana:
      sidecar: {datasources: {searchNamespace: ALL, madeUpSubchartKey: true}}
      admin: {existingSecret: grafana-admin}
    kube-state-metrics:
      anythingGoes: 1
    additionalPrometheusRulesMap:
      my-rules: {groups: []}
    commonLabels: {team: sre}
"""
    assert findings(repo, {"hr.yaml": hr(values)}, rule="FLUX051") == []


def test_loki_and_alloy(repo):
    loki = """\
    deploymentMode: SingleBinary
    loki:
      structuredConfig: {anything: {goes: here}}
      limits_config: {retention_period: 168h, max_query_series: 10}
      commonConfig: {replication_factor: 1}
      storage: {type: filesystem}
    singleBinary:
      replicas: 1
      persistance: {size: 20Gi}
"""
    alloy = """\
    alloy:
      configMap: {content: "logging {}"}
      mounts: {varlog: true}
    controller:
      type: daemonset
      tolerations: [{operator: Exists}]
    agent:
      clustering: {enabled: false}
"""
    found = findings(
        repo,
        {"loki.yaml": hr(loki, "loki", "6.46.0", "loki"), "alloy.yaml": hr(alloy, "alloy", "1.5.1", "alloy")},
        rule="FLUX051",
    )
    assert [f.message.split(": ", 1)[1] for f in found] == [
        "loki 6.46.0 has no value 'singleBinary.persistance'; Helm ignores it"
    ]
    assert "'singleBinary.persistence'" in found[0].hint


@pytest.mark.parametrize("version", ["39.0.0", "999.0.0", ">=999", "not a version", "1.2.3 ||| 4"])
def test_unknown_versions_and_charts_are_not_checked(repo, version):
    """No known version of that major, nothing satisfying the range, an unparsable version: not checked."""
    values = "    prometheus:\n      prometheusSpec:\n        retentionsize: 45GB\n"
    assert findings(repo, {"hr.yaml": hr(values, version=version)}, rule="FLUX051") == []
    assert findings(repo, {"hr.yaml": hr(values, chart="podinfo", version="6.0.0")}, rule="FLUX051") == []


def _unknown(values, tree, path=()):
    out = []
    for k, v in values.items():
        sub = tree.get(str(k))
        if sub is None:
            out.append(".".join(map(str, (*path, k))))
        elif isinstance(sub, dict) and isinstance(v, dict):
            out.extend(_unknown(v, sub, (*path, k)))
    return out


CHARTS = DATA / "charts"


@pytest.mark.parametrize(
    ("chart", "version", "pattern"),
    [
        ("kube-prometheus-stack", "80.6.0", "ci/*.yaml"),
        ("alloy", "1.5.1", "ci/*.yaml"),
        ("loki", "6.46.0", "**/*.yaml"),
    ],
)
def test_chart_ci_values_use_known_keys(chart, version, pattern):
    """The charts' own CI value files: only the keys the chart really dropped are reported."""
    tree = key_tree(chart, version)
    assert tree
    # Loki 6 keeps CI files with keys removed from values.yaml (legacy `monitoring.*`, `bloomCompactor`,
    # `memcached.replicas`, `write.persistence.enabled` - the key is volumeClaimsEnabled): real dead keys.
    dead = {
        "bloomCompactor",
        "monitoring.enabled",
        "monitoring.lokiCanary",
        "memcached.replicas",
        "storage",
        "write.persistence.enabled",
        "backend.persistence.enabled",
    }
    reported = set()
    files = [
        p
        for p in (CHARTS / f"{chart}-{version}").glob(pattern)
        if p.name not in ("values.yaml", "Chart.yaml", "Chart.lock")
    ]
    assert files
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict):
                reported.update(_unknown(doc, tree))
    assert reported <= (dead if chart == "loki" else set()), sorted(reported)


# --- packaging -----------------------------------------------------------------------------------------------
def test_schemas_ship_in_the_wheel(tmp_path):
    """The package build (build_py, which `pip wheel` runs) carries schemas/ as obslint/schemas."""
    build = tmp_path / "build"
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    packaged = build / "obslint" / "schemas"
    assert not packaged.is_symlink()
    shipped = sorted(p.relative_to(packaged) for p in packaged.rglob("*.json"))
    source = sorted(p.relative_to(ROOT / "schemas") for p in (ROOT / "schemas").rglob("*.json"))
    assert shipped == source
    assert (packaged / "crds" / "_defs.json").is_file()
    charts = sorted(p.name for p in (build / "obslint" / "data" / "charts").glob("*.json.gz"))
    assert "kube-prometheus-stack.json.gz" in charts and len(charts) == 14, charts


def test_chart_ref_to_an_oci_repository_tag(repo):
    text = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  interval: 12h
  url: oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack
  ref:
    tag: 80.6.0
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kps
  namespace: monitoring
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: kube-prometheus-stack
  values:
    alertmanager:
      ingress:
        pathType: Prefix
      enabeld: true
"""
    (f,) = findings(repo, {"hr.yaml": text}, rule="FLUX051")
    assert "kube-prometheus-stack 80.6.0 has no value 'alertmanager.enabeld'" in f.message
    assert (f.loc.line, f.loc.col) == (26, 7)
    (f,) = findings(repo, {"hr.yaml": text.replace("tag: 80.6.0", "tag: 88.3.0")}, rule="FLUX051")
    assert "kube-prometheus-stack 88.3.0 has no value 'alertmanager.enabeld'" in f.message
    digest = text.replace("tag: 80.6.0", "digest: sha256:" + "0" * 64)
    assert findings(repo, {"hr.yaml": digest}, rule="FLUX051") == []  # which version: unknown here


def test_keys_documented_only_in_comments_are_known():
    """values.yaml documents some keys only as commented-out examples; the templates read them."""
    from scripts.gen_chart_keys import add_commented, commented_keys

    text = (
        "prometheus:\n  ingress:\n    enabled: false\n    # pathType: ImplementationSpecific\n"
        "  spec:\n    # storage:\n    #   volumeClaimTemplate:\n    #     spec: {}\n"
        "  list:\n    - name: a\n      # hidden: true\n## Note: prose\n"
    )
    paths = commented_keys(text)
    assert ("prometheus", "ingress", "pathType") in paths
    assert ("prometheus", "spec", "storage", "volumeClaimTemplate") in paths
    assert not any("hidden" in p or "Note" in p for p in paths)
    keys = {"prometheus": {"ingress": {"enabled": 1}, "spec": {"x": 1}}}
    add_commented(keys, paths)
    assert keys["prometheus"]["ingress"]["pathType"] == 1
    tree = key_tree("kube-prometheus-stack", "80.6.0")
    assert tree["kubeEtcd"]["service"]["selector"] == 1
    assert tree["alertmanager"]["ingress"]["pathType"] == 1


def test_messages_enum_suggestion_one_of_and_no_sensitive_values(repo):
    text = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: slack
spec:
  type: slackk
  proxy: socks5://user:hunter2@proxy:1080
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  interval: 5m
"""
    found = sorted(findings(repo, {"x.yaml": text}), key=lambda f: f.loc.line)
    assert [f.loc.line for f in found] == [6, 7, 14]
    assert "did you mean 'slack'?" in found[0].hint
    assert "hunter2" not in found[1].message and "spec.proxy: the value does not match" in found[1].message
    assert "spec: exactly one of chart, chartRef is required" in found[2].message
