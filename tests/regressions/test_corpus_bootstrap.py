"""What a cluster has before Flux runs, from bootstrap steps obslint reads without running them:
helmfiles of any name, scripts and task runners applying CRDs, Secrets created with kubectl or
decrypted by sops into `kubectl apply`.

Each test writes the shape of a corpus false positive as a small repository, checks that the
false finding is gone, and that the same repository without the bootstrap step still gets it.
"""

from __future__ import annotations

from obslint.model.bootstrap_steps import Apply, Chart, Create, argv_steps, command_steps
from obslint.model.charts import remote_crd_kinds
from obslint.model.shell import pipelines
from obslint.rules.secrets.examples import ENC_VALUE, sops_metadata
from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kustomization, swap
from tests.regressions.test_reported_flux import BOOTSTRAP_CRDS

# --- CRDs ---------------------------------------------------------------------------------

# A cluster whose ExternalSecret users do not depend on the Kustomization of the chart: the shape
# of the bootstrap-helmfile regression, its helmfile.yaml left out.
ESO_CLUSTER = BOOTSTRAP_CRDS[: BOOTSTRAP_CRDS.index("-- bootstrap/helmfile.yaml --")]

# A helmfile named for its stage, its releases taking their chart from a template it inherits.
HELMFILE_ANY_NAME = (
    ESO_CLUSTER
    + """\
-- bootstrap/helmfile/apps.yaml --
---
# yaml-language-server: $schema=https://json.schemastore.org/helmfile
helmDefaults: {wait: true}
bases: [default.yaml]
defaultInherit: default
releases:
  - name: cert-manager
    namespace: cert-manager
  - name: external-secrets
    namespace: external-secrets
    needs: [cert-manager/cert-manager]
-- bootstrap/helmfile/default.yaml --
templates:
  default:
    chart: oci://ghcr.io/example/{{ .Release.Name }}
"""
)


def test_a_helmfile_is_known_by_its_sections_not_its_name(repo):
    """helmfile: `helmfile -f FILE` takes a state file of any name, whose top-level sections are
    repositories, releases, helmDefaults, bases, templates... (helmfile docs/configuration.md).
    Reported: FLUX002 on every ExternalSecret, the chart installed by bootstrap/helmfile/apps.yaml."""
    # with a key no helmfile has, it is some other YAML file: nothing is installed before Flux
    finding = fixed(repo, HELMFILE_ANY_NAME, "FLUX002", "helmDefaults: {wait: true}\n", "kind: Config\n", clean=False)
    assert "ExternalSecret" in finding.message


PROM_CLUSTER = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("crds", "./apps/crds")
    + "---\n"
    + kustomization("app", "./apps/app", "dependsOn: [{name: crds}]")
    + """\
-- apps/crds/helmrelease.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: prometheus-community, namespace: flux-system}
spec: {interval: 1h, type: oci, url: "oci://ghcr.io/prometheus-community/charts"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: prometheus-operator-crds, namespace: flux-system}
spec:
  interval: 1h
  chart:
    spec:
      chart: prometheus-operator-crds
      version: 19.0.0
      sourceRef: {kind: HelmRepository, name: prometheus-community}
-- apps/app/rule.yaml --
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: app, namespace: default}
spec: {groups: []}
"""
)
CRD_URL = (
    "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/{{.PROMETHEUS_OPERATOR_VERSION}}"
    "/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
)
TASKFILE_CRDS = (
    PROM_CLUSTER
    + f"""\
-- .taskfiles/Flux/Taskfile.yaml --
version: "3"
vars:
  PROMETHEUS_OPERATOR_VERSION: v0.80.0
tasks:
  bootstrap:
    desc: Bootstrap Flux into a Kubernetes cluster
    cmds:
      - kubectl apply --kubeconfig {{{{.KUBECONFIG_FILE}}}} --server-side --filename {CRD_URL}
"""
)


def test_crds_applied_from_a_url_by_a_task_are_there_before_flux(repo):
    """A Taskfile task (taskfile.dev: every `cmds` entry is a shell command) that runs `kubectl
    apply -f URL` of a prometheus-operator CRD installs that kind before Flux runs; the dependsOn
    on a Kustomization that does not wait for the CRD chart orders nothing then. Reported: FLUX003
    (and FLUX002 elsewhere) on PrometheusRule users."""
    # controller-gen names each CRD file <group>_<plural>.yaml: the ServiceMonitor CRD alone
    # does not make PrometheusRule
    finding = fixed(repo, TASKFILE_CRDS, "FLUX003", "_prometheusrules.yaml", "_servicemonitors.yaml", clean=False)
    assert "prometheus-operator-crds" in finding.message


SCRIPT_CRDS = (
    PROM_CLUSTER
    + """\
-- scripts/bootstrap-apps.sh --
#!/usr/bin/env bash
set -Eeuo pipefail
function apply_crds() {
    local -r crds=(
        # renovate: datasource=github-releases depName=prometheus-operator/prometheus-operator
        https://github.com/prometheus-operator/prometheus-operator/releases/download/v0.84.0/stripped-down-crds.yaml
    )
    for crd in "${crds[@]}"; do
        if kubectl apply --server-side --filename "${crd}" &>/dev/null; then
            echo "CRDs applied"
        fi
    done
}
apply_crds
"""
)


def test_a_script_applying_a_list_of_crd_urls_installs_them(repo):
    """A bootstrap script that runs `kubectl apply -f "$crd"` over a list of URLs applies every
    CRD bundle URL the script names (prometheus-operator stripped-down-crds.yaml holds all its
    CRDs). Reported: FLUX002 on ServiceMonitor users."""
    fixed(repo, SCRIPT_CRDS, "FLUX003", 'kubectl apply --server-side --filename "${crd}"', 'echo "${crd}"', clean=False)


KUSTOMIZE_CRDS = (
    ESO_CLUSTER
    + """\
-- kubernetes/bootstrap/crds/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - https://raw.githubusercontent.com/external-secrets/external-secrets/main/config/crds/bases/external-secrets.io_externalsecrets.yaml
-- Taskfile.yml --
version: "3"
vars:
  CLUSTER_DIR: "{{.ROOT_DIR}}/kubernetes"
tasks:
  bootstrap:
    cmds:
      - |
        kubectl apply --server-side --kustomize {{.CLUSTER_DIR}}/bootstrap/crds/
"""
)


def test_a_kustomization_of_crds_applied_with_kubectl(repo):
    """`kubectl apply -k DIR` applies what kustomize builds from DIR: here the remote CRD of
    ExternalSecret (the Taskfile variable resolved, ROOT_DIR the repository). Reported: FLUX002 on
    ExternalSecret users of a cluster whose bootstrap/crds installs them."""
    finding = fixed(repo, KUSTOMIZE_CRDS, "FLUX002", "io_externalsecrets.yaml", "io_secretstores.yaml", clean=False)
    assert "ExternalSecret" in finding.message


# --- Secrets ------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: default}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: app
          image: example.org/app:1.0.0
          envFrom: [{{secretRef: {{name: {name}}}}}]
"""

# This cluster's other Secrets come from the repository, so one nothing creates is reported.
SECRET_CLUSTER = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("apps", "./apps")
    + "-- apps/kustomization.yaml --\nresources: [sonarr.yaml, other.sops.yaml]\n"
    + "-- apps/sonarr.yaml --\n"
    + DEPLOYMENT.format(name="sonarr")
    + f"""\
-- apps/other.sops.yaml --
apiVersion: v1
kind: Secret
metadata: {{name: other, namespace: default}}
stringData: {{token: "{ENC_VALUE}"}}
{sops_metadata()}"""
)
CREATE_SECRET = (
    SECRET_CLUSTER
    + """\
-- bootstrap/secrets.sh --
#!/bin/bash
# managed by hand: no external-secrets on this cluster
kubectl create secret generic sonarr -n default --from-env-file=<(doppler secrets download -p sonarr --format docker)
"""
)


def test_a_secret_created_by_kubectl_in_a_script(repo):
    """`kubectl create secret generic NAME -n NS` creates Secret NS/NAME (kubectl reference,
    kubectl create secret generic). Reported: SEC006 on apps whose Secrets a script creates."""
    assert findings(repo(CREATE_SECRET), "SEC006") == []
    for old, new in (
        ("-n default", "-n media"),  # another namespace
        ("generic sonarr", "sonarr"),  # `kubectl create secret` needs a type: this creates nothing
        ("kubectl create", "echo kubectl create"),  # only printed
    ):
        (finding,) = findings(repo(swap(CREATE_SECRET, old, new)), "SEC006")
        assert "sonarr" in finding.message


HOOK_SECRET = (
    SECRET_CLUSTER
    + """\
-- bootstrap/helmfile.d/01-apps.yaml --
releases:
  - name: sonarr-deps
    namespace: default
    chart: oci://example.org/charts/app
    hooks:
      - events: ["presync"]
        command: sh
        args:
          - -c
          - |
            set -x
            sops -d ../secrets/sonarr.sops.yaml | kubectl apply --server-side=true -f -
"""
    + f"""\
-- bootstrap/secrets/sonarr.sops.yaml --
apiVersion: v1
kind: Secret
metadata: {{name: sonarr, namespace: default}}
stringData: {{token: "{ENC_VALUE}"}}
{sops_metadata()}"""
)


def test_a_secret_decrypted_into_kubectl_apply_by_a_helmfile_hook(repo):
    """A helmfile hook runs its command from the helmfile's directory (helmfile docs/hooks.md,
    docs/paths.md); `sops -d FILE | kubectl apply -f -` applies the Secret the file holds.
    Reported: SEC006 on a Secret only the bootstrap helmfile applies."""
    # decrypted to a file, not applied
    finding = fixed(repo, HOOK_SECRET, "SEC006", "| kubectl apply --server-side=true -f -", "> x.yaml", clean=False)
    assert "sonarr" in finding.message


DECRYPTION = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization("keys", "./keys")
    + "---\n"
    + kustomization("apps", "./apps", "decryption: {provider: sops, secretRef: {name: sops-age}}")
    + """\
-- keys/externalsecret.yaml --
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: sops-age, namespace: flux-system}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store}
  target: {name: sops-age}
  dataFrom: [{extract: {key: sops-age}}]
-- apps/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: default}
data: {a: b}
-- .taskfiles/Flux/Taskfile.yaml --
version: "3"
tasks:
  bootstrap:
    cmds:
      - cat {{.AGE_FILE}} | kubectl -n flux-system create secret generic sops-age --from-file=age.agekey=/dev/stdin
"""
)


def test_the_decryption_secret_created_at_bootstrap_needs_no_depends_on(repo):
    """The key Secret a bootstrap task creates (`kubectl -n flux-system create secret generic
    sops-age`, Flux's SOPS guide) exists before any Kustomization decrypts with it, whatever else
    later manages it. Reported: FLUX002 on the decryption secretRef of the cluster's Kustomizations."""
    # printed as YAML into a file, the Secret is not created
    dry_run = "--dry-run=client -o yaml > key.yaml"
    finding = fixed(repo, DECRYPTION, "FLUX002", "--from-file=age.agekey=/dev/stdin", dry_run, clean=False)
    assert "sops-age (decryption)" in finding.message
    # piped into kubectl apply, it is
    applied = swap(DECRYPTION, "--from-file=age.agekey=/dev/stdin", "--dry-run=client -o yaml | kubectl apply -f -")
    assert findings(repo(applied), "FLUX002") == []


def _cluster(name: str) -> str:
    """A cluster bootstrapped at kubernetes/<name>/flux whose apps read Secret `sonarr`."""
    return f"""\
-- kubernetes/{name}/flux/flux-system.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: flux-system, namespace: flux-system}}
spec: {{interval: 1m, url: "ssh://git@example.com/me/repo", ref: {{branch: main}}}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: flux-system, namespace: flux-system}}
spec:
  interval: 10m
  path: ./kubernetes/{name}/flux
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
---
{kustomization("apps", f"./kubernetes/{name}/apps")}-- kubernetes/{name}/apps/kustomization.yaml --
resources: [sonarr.yaml, other.sops.yaml]
-- kubernetes/{name}/apps/sonarr.yaml --
{DEPLOYMENT.format(name="sonarr")}-- kubernetes/{name}/apps/other.sops.yaml --
apiVersion: v1
kind: Secret
metadata: {{name: other, namespace: default}}
stringData: {{token: "{ENC_VALUE}"}}
{sops_metadata()}"""


TWO_CLUSTERS = (
    _cluster("main")
    + _cluster("nas")
    + """\
-- kubernetes/nas/bootstrap/secrets.sh --
kubectl create secret generic sonarr -n default --from-literal=token=x
"""
)


def test_a_bootstrap_script_of_one_cluster_directory_serves_that_cluster(repo):
    """What kubernetes/nas/bootstrap/ creates is there in the cluster of kubernetes/nas only: the
    other cluster still lacks the Secret."""
    found = findings(repo(TWO_CLUSTERS), "SEC006")
    assert [sorted(f.clusters) for f in found] == [["kubernetes/main/flux"]], detail(found)


# --- reading commands ---------------------------------------------------------------------


def test_commands_are_read_as_words_never_run():
    """POSIX quoting, pipes, continuation lines, here-documents and expansions kept verbatim."""
    text = (
        "kubectl create secret generic -n flux-system \\\n    token --from-literal t=$(op read 'op://v/i/f')\n"
        "cat <<EOF | kubectl apply -f -\nkubectl create namespace not-a-command\nEOF\n"
        'kubectl get {{.ITEM}} {{.CLI_ARGS | default "-A"}}\n'
        + "x" * 30_000
        + " | kubectl create namespace too-long\n"
        + "echo 'unterminated | kubectl apply -f x.yaml\n"
    )
    steps = list(command_steps(text))
    assert steps == [Create("Secret", "token", "flux-system", 1)], steps
    assert [len(p.segments) for p in pipelines("a | b && c; d")] == [2, 1, 1]


def test_steps_of_kubectl_helm_and_sops():
    steps = list(
        command_steps(
            "helm upgrade --install cm jetstack/cert-manager -n cert-manager --create-namespace \\\n"
            "  --set crds.enabled=true\n"
            "kustomize build ./crds | kubectl apply --server-side -f -\n"
            "sops exec-file secret.sops.yaml 'kubectl apply -n flux-system -f {}'\n"
        )
    )
    assert steps == [
        Chart("jetstack/cert-manager", "cert-manager", 1, True, True, (("crds.enabled", "true"),), ()),
        Apply("./crds", None, 3, kustomize=True),
        Apply("secret.sops.yaml", "flux-system", 4),
    ], steps
    hook = ["kubectl", "apply", "--server-side", "--filename=../apps/x.yaml"]
    assert list(argv_steps(hook, 4)) == [Apply("../apps/x.yaml", None, 4)]


def test_one_crd_file_url_installs_one_kind():
    base = "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.80.0/example/"
    assert remote_crd_kinds(base + "prometheus-operator-crd/monitoring.coreos.com_prometheuses.yaml") == {
        ("monitoring.coreos.com", "Prometheus")
    }
    assert len(remote_crd_kinds(base + "prometheus-operator-crd-full/bundle.yaml")) == 10
    eso = "https://raw.githubusercontent.com/external-secrets/external-secrets/main/config/crds/bases/"
    assert remote_crd_kinds(eso + "generators.external-secrets.io_passwords.yaml") == set()
