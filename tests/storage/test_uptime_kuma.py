"""STOR005 uptime-kuma-data-not-persistent and STOR006 uptime-kuma-rolling-update: the dirsigler chart for the
version a release pins, and Deployments/StatefulSets of an uptime-kuma image."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from obslint.model.uptime_kuma import surges
from tests.conftest import check

URL = "https://dirsigler.github.io/uptime-kuma-helm"


def run(root, rule: str) -> list:
    result = check(root, select=[rule])
    assert not result.errors, result.errors
    return [f for f in result.findings if f.rule == rule]


def release(version: str, values: str = "", url: str = URL, extra: str = "") -> str:
    body = "".join(f"    {line}\n" for line in values.strip("\n").splitlines()) if values.strip() else "    {}\n"
    return f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: kuma, namespace: monitoring}}
spec: {{url: "{url}"}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: uptime-kuma, namespace: monitoring}}
spec:
  chart:
    spec: {{chart: uptime-kuma, version: "{version}", sourceRef: {{kind: HelmRepository, name: kuma}}}}
{extra}  values:
{body}"""


def pvc(name: str = "kuma-data", modes: str = "[ReadWriteOnce]", namespace: str = "monitoring") -> str:
    return f"""\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  accessModes: {modes}
  resources: {{requests: {{storage: 1Gi}}}}
"""


def deployment(
    mounts: str = "[{name: data, mountPath: /app/data}]",
    volumes: str = "[{name: data, persistentVolumeClaim: {claimName: kuma-data}}]",
    env: str = "[]",
    strategy: str = "",
    image: str = "docker.io/louislam/uptime-kuma:1.23.16",
    kind: str = "Deployment",
    extra: str = "",
) -> str:
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata: {{name: kuma, namespace: monitoring}}
spec:
{strategy}  selector: {{matchLabels: {{app: kuma}}}}
  template:
    metadata: {{labels: {{app: kuma}}}}
    spec:
      containers:
        - name: kuma
          image: {image}
          env: {env}
          volumeMounts: {mounts}
      volumes: {volumes}
{extra}"""


# --- STOR005 ---------------------------------------------------------------------------------------------------
def test_chart_volume_switched_off_is_an_error_at_the_switch(repo):
    (f,) = run(repo({"kuma.yaml": release("2.21.3", "volume:\n  enabled: false\n")}), "STOR005")
    assert f.severity is Severity.ERROR
    assert f.message == (
        "Uptime Kuma (HelmRelease monitoring/uptime-kuma) keeps its database (monitors, users, notification "
        "settings, history) on the container's own filesystem: every restart starts from an empty Uptime Kuma"
    )
    assert (f.loc.line, "volume.enabled" in f.hint) == (14, True)
    assert run(repo({"kuma.yaml": release("4.1.0", "volume:\n  enabled: 'false'\n")}), "STOR005")


@pytest.mark.parametrize(
    "values",
    [
        "",  # the chart's default: a claim
        "volume:\n  enabled: true\n",
        "volume:\n  enabled: false\nmariadb:\n  enabled: true\n",  # 2.21.3 to 3.x: the Bitnami subchart
        "volume:\n  enabled: false\nexternalDatabase:\n  enabled: true\n",
        "volume:\n  enabled: false\npodEnv:\n  - {name: UPTIME_KUMA_DB_TYPE, value: mariadb}\n",
    ],
)
def test_chart_with_a_claim_or_a_database_is_clean(repo, values):
    assert run(repo({"kuma.yaml": release("2.22.1", values)}), "STOR005") == []


def test_chart_additional_volume_or_moved_data_dir(repo):
    """additionalVolumeMounts (2.14.0 on) and podEnv go into the pod as written: a volume of one's own at
    /app/data keeps the data, an emptyDir there does not, and DATA_DIR elsewhere leaves the chart's claim."""
    own = (
        "volume:\n  enabled: false\nadditionalVolumeMounts:\n  - {name: db, mountPath: /app/data}\n"
        "additionalVolumes:\n  - {name: db, persistentVolumeClaim: {claimName: kuma-data}}\n"
    )
    assert run(repo({"kuma.yaml": release("2.21.3", own) + "---\n" + pvc()}), "STOR005") == []
    (f,) = run(
        repo(
            {
                "kuma.yaml": release(
                    "2.21.3", own.replace("persistentVolumeClaim: {claimName: kuma-data}", "emptyDir: {}")
                )
            }
        ),
        "STOR005",
    )
    assert "on an emptyDir" in f.message and f.loc.line == 18
    # the claim of one's own is the Deployment's: with the chart's RollingUpdate it is STOR006's too
    (f,) = run(repo({"kuma.yaml": release("4.1.0", own) + "---\n" + pvc()}), "STOR006")
    assert "claim kuma-data" in f.message
    moved = "podEnv:\n  - {name: DATA_DIR, value: /data}\n"
    (f,) = run(repo({"kuma.yaml": release("2.21.3", moved)}), "STOR005")
    assert "own filesystem" in f.message and f.loc.line == 14
    unread = "podEnv:\n  - name: DATA_DIR\n    valueFrom: {configMapKeyRef: {name: a, key: b}}\n"
    assert run(repo({"kuma.yaml": release("2.21.3", unread)}), "STOR005") == []


def test_chart_not_judged_where_obslint_cannot_see_or_the_chart_is_another(repo):
    hidden = release(
        "2.21.3",
        "volume:\n  enabled: false\n",
        extra="  valuesFrom:\n    - {kind: Secret, name: kuma-values}\n",
    )
    assert run(repo({"kuma.yaml": hidden}), "STOR005") == []
    other = release("2.21.3", "volume:\n  enabled: false\n", url="oci://ghcr.io/pascaliske/helm-charts")
    assert run(repo({"kuma.yaml": other}), "STOR005") == []
    assert run(repo({"kuma.yaml": release("1.2.0", "volume:\n  enabled: false\n")}), "STOR005") == []


def test_workload_without_a_volume_or_on_an_emptydir(repo):
    (f,) = run(repo({"kuma.yaml": deployment(mounts="[]", volumes="[]")}), "STOR005")
    assert "Uptime Kuma (Deployment monitoring/kuma)" in f.message and "own filesystem" in f.message
    assert f.loc.line == 11  # the image: no mount to point at
    empty = deployment(volumes="[{name: data, emptyDir: {}}]")
    (f,) = run(repo({"kuma.yaml": empty}), "STOR005")
    assert "on an emptyDir" in f.message and "mount a persistentVolumeClaim volume at /app/data" in f.hint
    sqlite = deployment(volumes="[{name: data, emptyDir: {}}]", env="[{name: UPTIME_KUMA_DB_TYPE, value: sqlite}]")
    assert run(repo({"kuma.yaml": sqlite}), "STOR005")
    moved = deployment(env="[{name: DATA_DIR, value: /data}]")  # the claim is at /app/data, the data is not
    assert run(repo({"kuma.yaml": pvc() + "---\n" + moved}), "STOR005")


@pytest.mark.parametrize(
    "workload",
    [
        deployment(),
        deployment(mounts="[{name: data, mountPath: /app}]"),
        deployment(env="[{name: DATA_DIR, value: /data/}]", mounts="[{name: data, mountPath: /data}]"),
        deployment(env="[{name: DATA_DIR, value: ./store}]", mounts="[{name: data, mountPath: /app/store}]"),
        deployment(mounts="[]", volumes="[]", env="[{name: UPTIME_KUMA_DB_TYPE, value: mariadb}]"),
        deployment(
            mounts="[]", volumes="[]", env="[{name: DATA_DIR, valueFrom: {configMapKeyRef: {name: a, key: b}}}]"
        ),
        deployment(volumes="[{name: data, hostPath: {path: /srv/kuma}}]"),
        deployment(mounts="[]", volumes="[]", image="ghcr.io/example/uptime-kuma-exporter:1"),
        deployment(
            kind="StatefulSet",
            volumes="[]",
            extra="  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {accessModes: [ReadWriteOnce]}\n",
        ),
    ],
)
def test_workloads_with_their_data_on_a_volume_or_elsewhere_are_clean(repo, workload):
    assert run(repo({"kuma.yaml": pvc() + "---\n" + workload}), "STOR005") == []


def test_env_from_may_choose_the_database(repo):
    text = deployment(mounts="[]", volumes="[]").replace(
        "          env: []\n", "          envFrom: [{secretRef: {name: db}}]\n"
    )
    assert run(repo({"kuma.yaml": text}), "STOR005") == []


# --- STOR006 ---------------------------------------------------------------------------------------------------
def test_surge():
    assert surges(None) and surges({"rollingUpdate": {"maxSurge": 1}}) and surges({"rollingUpdate": {"maxSurge": "1%"}})
    assert not surges({"rollingUpdate": {"maxSurge": 0}}) and not surges({"rollingUpdate": {"maxSurge": "0%"}})


def test_workload_rolling_update_on_a_rwo_claim(repo):
    (f,) = run(repo({"kuma.yaml": pvc() + "---\n" + deployment()}), "STOR006")
    assert f.severity is Severity.WARNING
    assert f.message == (
        "Uptime Kuma (Deployment monitoring/kuma) updates with RollingUpdate (the Deployment default) on the "
        "ReadWriteOnce claim kuma-data: a new pod on another node cannot attach it"
    )
    rolling = deployment(strategy="  strategy: {type: RollingUpdate}\n")
    (f,) = run(repo({"kuma.yaml": pvc(modes="[ReadWriteOncePod]") + "---\n" + rolling}), "STOR006")
    assert f.loc.line == 12 and "updates with RollingUpdate on the ReadWriteOncePod claim" in f.message


@pytest.mark.parametrize(
    ("claim", "workload"),
    [
        (pvc(), deployment(strategy="  strategy: {type: Recreate}\n")),
        (pvc(), deployment(strategy="  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n")),
        (pvc(modes="[ReadWriteMany]"), deployment()),
        ("", deployment()),  # a claim the repository does not hold: its access mode is not known
        (pvc(namespace="other"), deployment()),
        (pvc(), deployment(kind="StatefulSet")),
    ],
)
def test_workloads_that_replace_the_pod_or_share_the_volume_are_clean(repo, claim, workload):
    assert run(repo({"kuma.yaml": (claim + "---\n" if claim else "") + workload}), "STOR006") == []


def test_a_chart_ref_is_known_by_its_source_not_by_the_sources_name(repo):
    """An OCIRepository named uptime-kuma that serves bjw-s' app-template is not the Uptime Kuma chart; nor is
    a chartRef whose source the repository does not hold."""
    app_template = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: uptime-kuma, namespace: monitoring}
spec:
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
  ref: {tag: 5.0.1}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: uptime-kuma, namespace: monitoring}
spec:
  chartRef: {kind: OCIRepository, name: uptime-kuma}
  values: {}
"""
    assert run(repo({"kuma.yaml": app_template}), "STOR006") == []
    unseen = app_template.split("---\n", 1)[1]
    assert run(repo({"kuma.yaml": unseen}), "STOR006") == []
    own = app_template.replace("oci://ghcr.io/bjw-s-labs/helm/app-template", "oci://ghcr.io/dirsigler/uptime-kuma")
    own = own.replace("tag: 5.0.1", "tag: 4.1.0")
    assert run(repo({"kuma.yaml": own}), "STOR006")  # the chart itself, through an OCI artifact


def test_chart_default_strategy_follows_the_pinned_version(repo):
    (f,) = run(repo({"kuma.yaml": release("4.1.0")}), "STOR006")
    assert "updates with RollingUpdate (the chart's default in this version) on the ReadWriteOnce claim" in f.message
    assert "uptime-kuma-pvc" in f.message and "strategy.type in the HelmRelease values" in f.hint
    assert run(repo({"kuma.yaml": release("2.23.1")}), "STOR006")
    assert run(repo({"kuma.yaml": release("2.21.3")}), "STOR006") == []  # Recreate up to 2.22.x
    assert run(repo({"kuma.yaml": release("2.0.0")}), "STOR006")  # no strategy rendered: Kubernetes' default
    (f,) = run(repo({"kuma.yaml": release("2.21.3", "strategy:\n  type: RollingUpdate\n")}), "STOR006")
    assert f.loc.line == 14 and "updates with RollingUpdate on" in f.message


@pytest.mark.parametrize(
    "values",
    [
        "strategy:\n  type: Recreate\n",
        "useDeploy: false\n",  # a StatefulSet
        "volume:\n  enabled: false\n",  # STOR005's business
        "volume:\n  accessMode: ReadWriteMany\n",
        "volume:\n  existingClaim: shared\n",  # a claim the repository does not hold
    ],
)
def test_chart_values_that_avoid_the_second_pod_are_clean(repo, values):
    assert run(repo({"kuma.yaml": release("4.1.0", values)}), "STOR006") == []


def test_chart_existing_claim_is_looked_up_in_the_release_namespace(repo):
    values = "volume:\n  existingClaim: kuma-data\n"
    (f,) = run(repo({"kuma.yaml": release("4.1.0", values) + "---\n" + pvc()}), "STOR006")
    assert "claim kuma-data" in f.message
    rwx = release("4.1.0", values) + "---\n" + pvc(modes="[ReadWriteMany]")
    assert run(repo({"kuma.yaml": rwx}), "STOR006") == []


# --- STOR007 ---------------------------------------------------------------------------------------------------
def test_workload_claim_nothing_creates(repo):
    text = pvc(name="kuma-data2") + "---\n" + deployment()
    (f,) = run(repo({"kuma.yaml": text}), "STOR007")
    assert f.severity is Severity.WARNING and f.loc.line == 21
    assert f.message == (
        "Uptime Kuma (Deployment monitoring/kuma) mounts PersistentVolumeClaim kuma-data (did you mean "
        "kuma-data2?), which nothing in the repository creates in namespace monitoring: the pod stays Pending"
    )


def test_chart_existing_claim_in_another_namespace(repo):
    text = release("4.1.0", "volume:\n  existingClaim: kuma-data\n") + "---\n" + pvc(namespace="default")
    (f,) = run(repo({"kuma.yaml": text}), "STOR007")
    assert "HelmRelease monitoring/uptime-kuma" in f.message and f.loc.line == 14
    assert f.hint.startswith("it exists in namespace default, and a pod mounts only claims of its own namespace")
    assert run(repo({"kuma.yaml": release("4.1.0") + "---\n" + pvc(name="other")}), "STOR007") == []  # its own


RD = """\
apiVersion: volsync.backube/v1alpha1
kind: ReplicationDestination
metadata: {name: kuma-data-dst, namespace: monitoring}
spec:
  kopia: {destinationPVC: kuma-data}
"""


@pytest.mark.parametrize(
    "others",
    [
        pvc(),  # there
        "",  # the repository creates no claim at all: not where claims come from
        RD + "---\n" + pvc(name="other"),  # a custom resource of the namespace names it
        release("4.1.0").replace("name: uptime-kuma,", "name: kuma,") + "---\n" + pvc(name="other"),
    ],
)
def test_claims_that_exist_or_may_come_from_elsewhere(repo, others):
    text = deployment() + ("---\n" + others if others else "")
    assert run(repo({"kuma.yaml": text}), "STOR007") == []
    variable = deployment(volumes="[{name: data, persistentVolumeClaim: {claimName: '${APP}'}}]")
    assert run(repo({"kuma.yaml": variable + "---\n" + pvc(name="other")}), "STOR007") == []


def test_values_and_pods_of_the_wrong_shape_give_no_traceback(repo):
    odd_values = (
        "volume: 5\nstrategy: [1]\npodEnv: 7\nadditionalVolumeMounts: {a: b}\nadditionalVolumes: x\n"
        "useDeploy: maybe\nmariadb: []\n"
    )
    odd_pod = deployment(mounts="7", volumes="{a: 1}", env="[3, {name: DATA_DIR, value: 4}]").replace(
        "          env:", "          args: 9\n          env:"
    )
    odd_pod += "---\n" + deployment(mounts="[{mountPath: 3}, 5]", env="x", strategy="  strategy: 3\n")
    root = repo({"kuma.yaml": release("4.1.0", odd_values), "pod.yaml": odd_pod})
    result = check(root, select=["STOR005", "STOR006", "STOR007"])
    assert not result.errors, result.errors


def test_values_a_version_does_not_read_yet_change_nothing(repo):
    """existingClaim is read from 2.2.7 and strategy from 2.3.6: before, the chart's claim and Kubernetes'
    RollingUpdate apply whatever the values say."""
    claim = release("2.1.7", "volume:\n  existingClaim: kuma-data\n") + "---\n" + pvc(name="other")
    assert run(repo({"kuma.yaml": claim}), "STOR007") == []
    assert "claim uptime-kuma-pvc" in run(repo({"kuma.yaml": claim}), "STOR006")[0].message
    assert run(repo({"kuma.yaml": release("2.3.5", "strategy:\n  type: Recreate\n")}), "STOR006")
    assert run(repo({"kuma.yaml": release("2.3.6", "strategy:\n  type: Recreate\n")}), "STOR006") == []
