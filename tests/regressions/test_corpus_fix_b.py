"""False positives found on full repositories: YAML typing as kustomize reads it (FLUX050).

Each test writes the reduced shape as a small repository, checks that the false finding is gone,
and that a nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.load.goresolve import KYAML, YAML_V2, resolve
from tests.regressions.helpers import BOOTSTRAP, detail, findings, kps_release, kustomization, swap

APPS = "-- clusters/home/apps.yaml --\n" + kustomization("apps", "./apps")

# --- FLUX050: scalars typed as go-yaml v3 (kyaml) types them ------------------------------------

CRONJOB = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
resources: [cronjob.yaml]
-- apps/cronjob.yaml --
apiVersion: batch/v1
kind: CronJob
metadata: {name: doctor, namespace: default}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: doctor
              image: busybox:1.36
              env:
                - name: VPN_ENABLED
                  value: yes
              volumeMounts: [{name: script, mountPath: /script}]
          volumes:
            - name: script
              configMap:
                name: doctor
                defaultMode: 0o555
"""
)


def test_yaml_12_octal_and_yes_are_what_kustomize_applies(repo):
    """kustomize reads manifests with kyaml (go-yaml v3, resolve.go): `0o555` is the integer 365
    (`kubectl kustomize` writes `defaultMode: 365`) and `yes` is the string "yes" (only
    true/false are booleans). Reported: FLUX050 on both, read with YAML 1.1 rules."""
    found = findings(repo(CRONJOB), "FLUX050")
    assert not found, detail(found)
    # a real type error nearby still fires: a mode written as text
    (finding,) = findings(repo(swap(CRONJOB, "defaultMode: 0o555", 'defaultMode: "0o555"')), "FLUX050")
    assert "defaultMode" in finding.message
    # and a boolean for an env value (true is a boolean in every YAML version)
    (finding,) = findings(repo(swap(CRONJOB, "value: yes", "value: true")), "FLUX050")
    assert "env[0].value" in finding.message


def test_yaml_11_word_where_kubernetes_wants_a_boolean(repo):
    """The other side of the same rule: kyaml keeps `yes` a string, so a boolean field written
    `yes` is rejected by the API server (`must be of type boolean`)."""
    variant = swap(CRONJOB, "restartPolicy: OnFailure", "restartPolicy: OnFailure\n          hostNetwork: yes")
    (finding,) = findings(repo(variant), "FLUX050")
    assert "hostNetwork" in finding.message


def test_values_files_keep_yaml_11_booleans():
    """Helm reads values (and valuesFrom ConfigMaps) with sigs.k8s.io/yaml, go-yaml v2: there
    `yes`/`on` are booleans, as documents without a `kind` are read (obslint.load.yamlfile)."""
    assert resolve("yes", YAML_V2) is True and resolve("off", YAML_V2) is False
    assert resolve("yes", KYAML) == "yes" and resolve("on", KYAML) == "on"
    for schema in (KYAML, YAML_V2):
        assert resolve("0o555", schema) == 365 and resolve("0555", schema) == 365
        assert resolve("1e3", schema) == 1000.0 and resolve("1:30", schema) == "1:30"


VALUES_FROM = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
resources: [kps.yaml]
configMapGenerator:
  - name: kps-values
    namespace: monitoring
    files: [values.yaml]
-- apps/values.yaml --
prometheus:
  enabled: no
-- apps/kps.yaml --
"""
    + kps_release("monitoring")
    + """\
  valuesFrom:
    - kind: ConfigMap
      name: kps-values
"""
)


def test_values_file_no_disables_prometheus(repo):
    """`enabled: no` in a values file is false for Helm (go-yaml v2): no Prometheus, so no
    finding about its storage; with `enabled: yes` in the same file it is there (STOR003)."""
    found = [f for f in findings(repo(VALUES_FROM), "STOR003") if f.message.startswith("Prometheus")]
    assert not found, detail(found)
    found = findings(repo(swap(VALUES_FROM, "enabled: no", "enabled: yes")), "STOR003")
    assert any(f.message.startswith("Prometheus") for f in found), detail(found)
