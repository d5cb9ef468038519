"""Reported false positives of the SEC family: what is a credential, who creates a Secret.

Each test rewrites one reduced reproducer of ../shared/reports/false-positives as a small
repository, checks that the false finding is gone, and that a nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.rules.secrets.examples import ENC_VALUE, RECIPIENT, sops_metadata
from tests.conftest import check
from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kustomization, rules_of, swap

APPS = "-- clusters/home/apps.yaml --\n" + kustomization("apps", "./apps")

REPO = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: "https://example.org/charts"}
"""

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app, namespace: flux-system}
spec:
  interval: 1h
  chart: {spec: {chart: app, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts}}}
"""

# apps/repo.yaml and apps/hr.yaml: a release that reads the app Secret CloudNativePG makes
DATABASE_USER = (
    "-- apps/repo.yaml --\n"
    + REPO
    + "-- apps/hr.yaml --\n"
    + RELEASE
    + """\
  values:
    env:
      DB_URI: {valueFrom: {secretKeyRef: {name: app-postgres-app, key: uri}}}
"""
)

PASSWORD_HASH = """\
-- tools/adguard/AdGuardHome.yaml --
users:
  - name: admin
    password: $2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234
clients: {persistent: []}
"""


def test_a_password_hash_is_no_clear_text_credential(repo):
    """crypt(5): a bcrypt (`$2y$`), argon2 or sha-crypt string is a one-way hash that services such
    as AdGuard Home compare against; it reveals no password. Reported: SEC005 on a bcrypt hash."""
    finding = fixed(
        repo, PASSWORD_HASH, "SEC005", "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "Adm1n-pass"
    )
    assert "Adm1n-pass" not in finding.message + finding.hint


SECRET_NAMES_IN_VALUES = (
    BOOTSTRAP
    + "-- clusters/home/app.yaml --\n"
    + REPO
    + "---\n"
    + RELEASE
    + """\
  values:
    existingSecretAdminPassword: app-admin-secret
    existingSecretAdminPasswordKey: ADMIN_PASSWORD
    global:
      existingSecretApiKey: OPENAI_API_KEY
    sealedSecrets:
      DB_PASSWD: "AgA9HrkcQUgHZVw0aouj1uM1VVkuOFY4ICehkNmyWEUdGF/FpEQzxyN1L9iRJH3u3hXmNxQuR8xv4inP9fZZNvD32BFqj8Tq\\
        zA5ChFTRlOk229uABvt7Saw+RGyNArZX0yEK6bUf1K2z6TMRbVNZIUQ8ywT8iq8NCyKBqjCWbUCUfo6dG7s3JVfpTYKWVos4"
"""
)


def test_existing_secret_keys_name_a_secret(repo):
    """Charts (harbor, bitnami, many others): `existingSecret...Password` / `...ApiKey` values name
    a Secret or a key in it, never the credential; sealed-secrets ciphertext is no clear text.
    Reported: SEC005 on `existingSecretAdminPassword` (10, h-fp2)."""
    finding = fixed(repo, SECRET_NAMES_IN_VALUES, "SEC005", "existingSecretAdminPassword:", "adminPassword:")
    assert "app-admin-secret" not in finding.message + finding.hint


OPERATOR_SECRETS = (
    BOOTSTRAP
    + APPS
    + DATABASE_USER
    + """\
    volumes:
      - {name: talos, secret: {secretName: runner}}
-- apps/operators.yaml --
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: app-postgres, namespace: flux-system}
spec: {instances: 1, storage: {size: 1Gi}}
---
apiVersion: talos.dev/v1alpha1
kind: ServiceAccount
metadata: {name: runner, namespace: flux-system}
spec: {roles: ["os:admin"]}
"""
)


def test_operators_create_secrets_from_their_resources(repo):
    """Operators create Secrets from custom resources: CloudNativePG makes `<cluster>-app` for each
    Cluster (cloudnative-pg docs, Secrets), Talos makes a Secret named after each talos.dev
    ServiceAccount (Talos docs, Talos API access from Kubernetes). Reported: SEC006 (11, h-fp11)."""
    finding = fixed(
        repo,
        OPERATOR_SECRETS,
        "SEC006",
        "kind: ServiceAccount\nmetadata: {name: runner",
        "kind: ServiceAccount\nmetadata: {name: builder",
    )
    assert "runner" in finding.message
    finding = fixed(repo, OPERATOR_SECRETS, "SEC006", "{name: app-postgres, namespace", "{name: db, namespace")
    assert "app-postgres-app" in finding.message


SUBSTITUTED_OPERATOR = (
    BOOTSTRAP
    + "-- clusters/home/apps.yaml --\n"
    + kustomization(
        "apps",
        "./apps",
        "targetNamespace: flux-system",
        "components: [../components/cnpg]",
        "postBuild: {substitute: {APP: app}}",
    )
    + "-- apps/kustomization.yaml --\nresources: [repo.yaml, hr.yaml]\n"
    + DATABASE_USER
    + """\
-- components/cnpg/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [cluster.yaml]
-- components/cnpg/cluster.yaml --
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: "${APP}-postgres"}
spec: {instances: 1, storage: {size: 1Gi}}
"""
)


def test_operator_resource_names_are_substituted_first(repo):
    """Flux: the operator resource's name comes from postBuild substitution (`${APP}-postgres`,
    fluxcd/pkg kustomize/kustomize_varsub.go); the Secret CloudNativePG makes is named after the
    substituted name. Reported: SEC006 on the CNPG app Secret (11b)."""
    finding = fixed(repo, SUBSTITUTED_OPERATOR, "SEC006", "{APP: app}", "{APP: web}")
    assert "app-postgres-app" in finding.message


UNAPPLIED_FILE = (
    BOOTSTRAP
    + "-- clusters/home/mon.yaml --\n"
    + kustomization("mon", "./mon")
    + """\
-- mon/kustomization.yaml --
namespace: monitoring
resources:
  - externalsecret.yaml
  # removed: MinIO is no longer scraped
  # - minio-exporter.yaml
-- mon/externalsecret.yaml --
# this cluster's Secrets come from the repository, so one nothing creates is missing
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: minio-admin}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store}
  dataFrom: [{extract: {key: minio-admin}}]
-- mon/minio-exporter.yaml --
apiVersion: apps/v1
kind: Deployment
metadata: {name: minio-exporter}
spec:
  selector: {matchLabels: {app: minio-exporter}}
  template:
    metadata: {labels: {app: minio-exporter}}
    spec:
      containers:
        - name: exporter
          image: example.org/minio-exporter:1.0.0
          env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: minio-monitor-token, key: token}}}]
"""
)


def test_an_unapplied_file_is_reported_as_such_not_its_references(repo):
    """Flux applies only what the kustomization.yaml lists: a file no entry includes is never
    applied, so the Secrets it names are nobody's concern. Switched off in a comment it is quiet;
    left out silently it is one FLUX007, never a SEC006 per reference. Reported: SEC006 (23)."""
    assert rules_of(repo(UNAPPLIED_FILE)) == []
    forgotten = swap(UNAPPLIED_FILE, "  # - minio-exporter.yaml\n", "")
    assert rules_of(repo(forgotten)) == ["FLUX007"]
    applied = swap(UNAPPLIED_FILE, "  # - minio-exporter.yaml\n", "  - minio-exporter.yaml\n")
    (finding,) = findings(repo(applied), "SEC006")
    assert "minio-monitor-token" in finding.message


PARENT_DECRYPTION = (
    BOOTSTRAP
    + "-- .sops.yaml --\n"
    + f"creation_rules: [{{path_regex: .*\\.sops\\.yaml$, age: {RECIPIENT}}}]\n"
    + "-- clusters/home/apps.yaml --\n"
    + kustomization(
        "cluster-apps",
        "./apps",
        "decryption: {provider: sops}",
        """\
patches:
  - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}
    patch: |-
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata: {name: _}
      spec:
        decryption: {provider: sops}""",
    )
    + "-- apps/kustomization.yaml --\nresources: [./grafana.yaml]\n-- apps/grafana.yaml --\n"
    + kustomization("grafana", "./apps/grafana", "targetNamespace: monitoring")
    + """\
-- apps/grafana/kustomization.yaml --
resources: [./secret.sops.yaml]
-- apps/grafana/secret.sops.yaml --
apiVersion: v1
kind: Secret
metadata: {name: grafana-admin}
"""
    + f"stringData:\n  password: {ENC_VALUE}\n"
    + sops_metadata()
)


def test_parent_patches_give_children_decryption(repo):
    """Flux: the parent's `spec.patches` inject `decryption` into every child Kustomization it
    applies (kustomize-controller docs, spec.patches and spec.decryption).
    Reported: SEC004 no decryption on the child (h-fp1)."""
    found = findings(repo(PARENT_DECRYPTION), "SEC004")
    assert found == [], detail(found)
    variant = swap(PARENT_DECRYPTION, "        decryption: {provider: sops}", "        timeout: 5m")
    (finding,) = findings(repo(variant), "SEC004")
    assert "grafana" in finding.message


UNENCRYPTED_BY_RULE = """\
-- .sops.yaml --
creation_rules:
  - path_regex: talos/.*\\.sops\\.ya?ml
    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
-- bootstrap/talos/talsecret.sops.yaml --
cluster: {id: abc, secret: not-encrypted-at-all}
"""


def test_a_file_a_rule_takes_but_not_encrypted_is_said_so(repo):
    """SOPS: a creation rule says how files it matches are to be encrypted; a matching file that is
    not encrypted is the file's problem, never a reason to delete the rule.
    Reported: SEC002 "stale rule, delete it" (h-fp12)."""
    (finding,) = findings(repo(UNENCRYPTED_BY_RULE), "SEC002")
    text = (finding.message + " " + finding.hint).lower()
    assert "not sops-encrypted" in text and "encrypt" in finding.hint
    assert "delete" not in text and "remove" not in text and "stale" not in text
    assert "not-encrypted-at-all" not in text


def test_a_sops_config_that_is_a_bare_list_is_no_internal_error(repo):
    """Bad input gets a finding or nothing, never an internal error: a .sops.yaml whose rules were
    written without the `creation_rules:` key."""
    path = repo({".sops.yaml": f"- path_regex: .*\\.sops\\.yaml$\n  age: {RECIPIENT}\n"})
    assert check(path).errors == []
