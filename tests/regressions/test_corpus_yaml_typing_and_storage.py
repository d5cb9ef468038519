"""False positives found on full repositories: YAML typing as kustomize reads it (FLUX050) and
retentionSize against claims of hostPath-style StorageClasses (STOR002).

Each test writes the reduced shape as a small repository, checks that the false finding is gone,
and that a nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.findings import Finding
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


# --- STOR002: the claimed size of a hostPath-style volume is no limit ---------------------------


def _kps_with_class(storage_class: str, extra: str = "", extra_text: str = "") -> str:
    """Prometheus retentionSize 50GB on a 50Gi claim of `storage_class`; `extra` names one more
    file of apps/ (holding `extra_text`) that defines the class."""
    files = "kps.yaml" + (f", {extra}" if extra else "")
    return (
        BOOTSTRAP
        + APPS
        + f"-- apps/kustomization.yaml --\nresources: [{files}]\n-- apps/kps.yaml --\n"
        + kps_release("monitoring")
        + f"""\
  values:
    prometheus:
      prometheusSpec:
        retention: 14d
        retentionSize: 50GB
        storageSpec:
          volumeClaimTemplate:
            spec:
              storageClassName: {storage_class}
              resources: {{requests: {{storage: 50Gi}}}}
"""
        + (f"-- apps/{extra} --\n{extra_text}" if extra else "")
    )


def _stor002(repo, files: str) -> list[Finding]:
    return findings(repo(files), "STOR002")


def test_local_path_claim_size_is_not_enforced(repo):
    """rancher local-path-provisioner: "No support for the volume capacity limit currently" (its
    README): a 50Gi claim is a directory on the node. Reported: STOR002 on retentionSize 50GB."""
    found = _stor002(repo, _kps_with_class("local-path"))
    assert not found, detail(found)
    # real block storage caps the volume: the same retentionSize fills it
    (finding,) = _stor002(repo, _kps_with_class("ceph-block"))
    assert "as large as its volume (50Gi)" in finding.message
    assert len(_stor002(repo, _kps_with_class("longhorn"))) == 1


OPENEBS = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: openebs, namespace: openebs-system}
spec:
  interval: 1h
  chart: {spec: {chart: openebs, version: 3.10.0, sourceRef: {kind: HelmRepository, name: openebs}}}
  values:
    localprovisioner:
      hostpathClass:
        enabled: true
        name: openebs-hostpath
        isDefaultClass: true
"""


def test_openebs_hostpath_without_quota(repo):
    """OpenEBS Local PV Hostpath enforces the claim only with XFSQuota/EXT4Quota (chart values
    `hostpathClass.xfsQuota.enabled`). Reported: STOR002 on an openebs-hostpath claim."""
    case = _kps_with_class("openebs-hostpath", "openebs.yaml", OPENEBS)
    found = _stor002(repo, case)
    assert not found, detail(found)
    quota = swap(
        case, "        isDefaultClass: true\n", "        isDefaultClass: true\n        xfsQuota: {enabled: true}\n"
    )
    assert len(_stor002(repo, quota)) == 1


DEMOCRATIC = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: local-hostpath, namespace: democratic-csi}
spec:
  interval: 1h
  chart: {spec: {chart: democratic-csi, version: 0.15.1, sourceRef: {kind: HelmRepository, name: democratic-csi}}}
  values:
    csiDriver: {name: local-hostpath.democratic-csi.example.org}
    storageClasses:
      - name: local-nvme
        defaultClass: true
    driver:
      config:
        driver: local-hostpath
"""


def test_democratic_csi_local_hostpath_class_from_the_repository(repo):
    """democratic-csi's local-hostpath driver "simply creates directories to be mounted": the
    class its HelmRelease renders (`storageClasses`) does not enforce sizes. Reported: STOR002 on a
    claim of such a class named after the disk, not the driver."""
    case = _kps_with_class("local-nvme", "local-hostpath.yaml", DEMOCRATIC)
    found = _stor002(repo, case)
    assert not found, detail(found)
    # the ZFS driver makes real volumes of the claimed size
    assert len(_stor002(repo, swap(case, "driver: local-hostpath\n", "driver: zfs-generic-nfs\n"))) == 1


STORAGE_CLASS = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations:
    cas.openebs.io/config: |
      - name: StorageType
        value: hostpath
provisioner: openebs.io/local
"""


def test_storage_class_object_in_the_repository(repo):
    """A StorageClass the repository defines decides, whatever its name: openebs.io/local hostpath
    without a quota is a node directory; the same name on a block provisioner is a real cap."""
    case = _kps_with_class("fast", "storageclass.yaml", STORAGE_CLASS)
    found = _stor002(repo, case)
    assert not found, detail(found)
    quota = swap(
        case, "        value: hostpath\n", '        value: hostpath\n      - name: XFSQuota\n        enabled: "true"\n'
    )
    assert len(_stor002(repo, quota)) == 1
    block = swap(case, "provisioner: openebs.io/local", "provisioner: rook-ceph.rbd.csi.ceph.com")
    assert len(_stor002(repo, block)) == 1
    # local-path with an XFS project quota per volume (local-path-provisioner examples/xfs-quota)
    local = swap(case, "provisioner: openebs.io/local", "provisioner: rancher.io/local-path")
    assert not _stor002(repo, local)
    xfs = swap(
        local,
        "provisioner: rancher.io/local-path",
        "provisioner: rancher.io/local-path\nparameters: {quotaEnforcement: xfs}",
    )
    assert len(_stor002(repo, xfs)) == 1
