"""SEC005 plaintext-credential and SEC006 secret-ref-missing."""

from __future__ import annotations

import pytest

from tests.conftest import check
from tests.secrets.helpers import encrypted_secret, flux_ks, helmrelease, secret


def fired(root, rule_id, **kwargs):
    return [f for f in check(root, select=["SEC"], **kwargs).findings if f.rule == rule_id]


# A Secret the repository creates elsewhere: evidence that Secrets come from the repository, which
# secret-ref-missing needs before it calls one missing (without it the Secret is unknown, not absent).
EVIDENCE = {"elsewhere/other.sops.yaml": encrypted_secret("unrelated", "elsewhere")}


def test_secret_refs_are_unknown_when_the_repository_creates_no_secrets(repo):
    files = {"monitoring/grafana.yaml": helmrelease("grafana", "admin:\n  existingSecret: grafana-creds")}
    assert not fired(repo(files), "SEC006")
    assert fired(repo({**files, **EVIDENCE}), "SEC006")


# --- SEC005 plaintext-credential ------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        "adminPassword: ${GRAFANA_ADMIN_PASSWORD}",  # Flux post-build substitution
        "adminPassword: ''",
        "adminPassword: <your-password>",  # placeholder
        "adminPassword: ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]",
        "adminPassword: '{{ .Values.password }}'",
        "admin:\n  existingSecret: grafana-admin\n  userKey: admin-user\n  passwordKey: admin-password",
        "env:\n  GF_AUTH_GENERIC_OAUTH_USE_REFRESH_TOKEN: 'true'",
        "alertmanager:\n  alertmanagerSpec:\n    configSecret: alertmanager-config",
        "grafana.ini:\n  auth.generic_oauth:\n    client_secret: $__file{/etc/secrets/oauth/secret}",
        "extraEnv:\n  - name: PASSWORD\n    valueFrom:\n      secretKeyRef:\n"
        "        name: creds\n        key: password",
        "ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-secret: basic-auth",
        "config:\n  receivers:\n    - name: p\n      pushover_configs:\n"
        "        - user_key_file: /etc/alertmanager/secrets/p/user\n"
        "          token_file: /etc/alertmanager/secrets/p/t",
        "config:\n  receivers:\n    - name: w\n      webhook_configs:\n        - url: http://robusta-runner.robusta:80/api/alerts",
    ],
)
def test_references_and_placeholders_are_quiet(repo, values):
    root = repo({"monitoring/hr.yaml": helmrelease("kube-prometheus-stack", values)})
    assert not fired(root, "SEC005")


def test_grafana_admin_password_fires_with_its_path_and_no_trace_of_the_value(repo):
    root = repo({"monitoring/hr.yaml": helmrelease("kube-prometheus-stack", "grafana:\n  adminPassword: s3cr3t-Adm1n")})
    (f,) = fired(root, "SEC005")
    assert "grafana.adminPassword" in f.message and "sha256:" not in f.message and "s3cr3t" not in f.message
    assert (f.loc.path, f.loc.line, f.loc.col) == ("monitoring/hr.yaml", 16, 22)
    assert "existingSecret" in f.hint


def test_alertmanager_receiver_hint_names_file_form(repo):
    values = "alertmanager:\n  config:\n    receivers:\n      - name: pd\n        pagerduty_configs:\n"
    values += "          - routing_key: R0ut1ngKeyValue42\n"
    root = repo({"monitoring/hr.yaml": helmrelease("kube-prometheus-stack", values)})
    (f,) = fired(root, "SEC005")
    assert "routing_key_file" in f.hint and "alertmanagerSpec.secrets" in f.hint


def test_flux_provider_address_token(repo):
    provider = (
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: discord\n"
        "  namespace: flux-system\nspec:\n  type: discord\n  address: https://discord.com/api/webhooks/1/Tok3nValue99\n"
    )
    (f,) = fired(repo({"p.yaml": provider}), "SEC005")
    assert "spec.address" in f.message and "secretRef" in f.hint
    ok = provider.replace("  address: https://discord.com/api/webhooks/1/Tok3nValue99\n", "  secretRef:\n    name: d\n")
    assert not fired(repo({"p.yaml": ok}), "SEC005")


def test_alloy_literal_vs_sys_env(repo):
    bad = 'prometheus.remote_write "x" {\n  endpoint {\n    url = "https://m.example/api/v1/push"\n'
    bad += '    basic_auth {\n      username = "u"\n      password = "Alloy-Pa55word"\n    }\n  }\n}\n'
    (f,) = fired(repo({"alloy/config.alloy": bad}), "SEC005")
    assert f.loc.line == 6 and "sys.env" in f.hint
    good = bad.replace('"Alloy-Pa55word"', 'sys.env("REMOTE_WRITE_PASSWORD")')
    assert not fired(repo({"alloy/config.alloy": good}), "SEC005")


# --- SEC006 secret-ref-missing --------------------------------------------------------------


def test_existing_secret_missing_and_present(repo):
    files = {"monitoring/grafana.yaml": helmrelease("grafana", "admin:\n  existingSecret: grafana-creds"), **EVIDENCE}
    (f,) = fired(repo(files), "SEC006")
    assert "Secret grafana-creds" in f.message and "namespace monitoring" in f.message
    files["monitoring/grafana-creds.sops.yaml"] = encrypted_secret("grafana-creds")
    assert not fired(repo(files), "SEC006")


def test_secrets_flux_objects_name_are_flux001s_alone(repo):
    """valuesFrom, substituteFrom and decryption name Secrets that the Flux controllers read:
    FLUX001 judges them, and a missing one is one finding, not one per rule."""
    extra = "  valuesFrom:\n    - kind: Secret\n      name: s3-creds\n"
    files = {
        "clusters/home/apps.yaml": flux_ks("apps", "./monitoring").replace("sops-age", "age-key"),
        "monitoring/loki.yaml": helmrelease("loki", "deploymentMode: SingleBinary", extra=extra),
        "monitoring/repo.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n"
        "  name: repo\n  namespace: monitoring\nspec:\n  url: https://grafana.github.io/helm-charts\n",
        "monitoring/other.sops.yaml": encrypted_secret("unrelated"),
    }
    findings = check(repo(files)).findings
    assert not [f for f in findings if f.rule == "SEC006"]
    assert {f.message.split(": ", 1)[1].split(" names ")[0] for f in findings if f.rule == "FLUX001"} == {
        "valuesFrom",
        "decryption.secretRef",
    }


def _related_secret_files(name: str, namespace: str, annotations: str) -> dict[str, str]:
    """An ExternalSecret in `identity` whose Secret carries `annotations`, and a Deployment in
    `namespace` reading that Secret."""
    return {
        "identity/es.yaml": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n"
        f"  name: {name}\n  namespace: identity\nspec:\n  target:\n    template:\n      metadata:\n"
        f"        annotations:\n{annotations}",
        f"{namespace}/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
        f"  namespace: {namespace}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
        "          env:\n            - name: X\n              valueFrom:\n                secretKeyRef:\n"
        f"                  name: {name}\n                  key: x\n",
        **EVIDENCE,
    }


REFLECT = (
    '          reflector.v1.k8s.emberstack.com/reflection-allowed: "true"\n'
    '          reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"\n'
)


@pytest.mark.parametrize(
    "annotations, fires",
    [
        # kubernetes-reflector mirrors into the allowed namespaces ...
        (REFLECT + '          reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces: "media,apps"\n', False),
        (REFLECT + '          reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces: "media"\n', True),
        # ... the auto-namespaces when given, every namespace when none are listed, patterns anywhere
        (REFLECT + '          reflector.v1.k8s.emberstack.com/reflection-auto-namespaces: "media"\n', True),
        (REFLECT, False),
        (REFLECT + '          reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces: "ap.*"\n', False),
        # allowed, but no automatic mirrors: a mirror would be a manifest of the repository
        ('          reflector.v1.k8s.emberstack.com/reflection-allowed: "true"\n', True),
        # kubernetes-replicator pushes to listed namespaces, or to those a selector matches
        ('          replicator.v1.mittwald.de/replicate-to: "apps"\n', False),
        ('          replicator.v1.mittwald.de/replicate-to: "media"\n', True),
        ("          replicator.v1.mittwald.de/replicate-to-matching: team=a\n", False),
    ],
)
def test_secret_copies_made_by_replicating_controllers(repo, annotations, fires):
    assert bool(fired(repo(_related_secret_files("authentik-secrets", "apps", annotations)), "SEC006")) is fires


@pytest.mark.parametrize(
    "cr, secret, fires",
    [
        # pocket-id-operator writes <name>-oidc-credentials, ext-postgres-operator <secretName>-<name>
        ("PocketIDOIDCClient", "karakeep-oidc-credentials", False),
        ("PostgresUser", "database-karakeep", False),
        # a word boundary is needed, and the custom resource must be in the referrer's namespace
        ("PocketIDOIDCClient", "karakeepers-oidc", True),
    ],
)
def test_secrets_named_after_a_custom_resource_are_unknown(repo, cr, secret, fires):
    files = _related_secret_files("unrelated", "apps", "          a: b\n")
    files["apps/deploy.yaml"] = files["apps/deploy.yaml"].replace("name: unrelated", f"name: {secret}")
    files["apps/cr.yaml"] = f"apiVersion: example.dev/v1\nkind: {cr}\nmetadata:\n  name: karakeep\n  namespace: apps\n"
    assert bool(fired(repo(files), "SEC006")) is fires
    files["apps/cr.yaml"] = files["apps/cr.yaml"].replace("namespace: apps", "namespace: other")
    assert fired(repo(files), "SEC006")


def test_alertmanager_file_needs_mounted_secret(repo):
    values = (
        "alertmanager:\n  alertmanagerSpec:\n    secrets: [am-pushover]\n  config:\n    receivers:\n"
        "      - name: p\n        pushover_configs:\n"
        "          - user_key_file: /etc/alertmanager/secrets/am-pushover/user\n"
        "            token_file: /etc/alertmanager/secrets/other/token\n"
    )
    files = {
        "monitoring/kps.yaml": helmrelease("kube-prometheus-stack", values),
        "monitoring/am.sops.yaml": encrypted_secret("am-pushover"),
    }
    (f,) = fired(repo(files), "SEC008")
    assert "Secret other" in f.message and "token_file" in f.message and "alertmanagerSpec.secrets" in f.hint
    assert not fired(repo(files), "SEC006")
    # one finding per Secret, whatever the number of keys read; a volumeMount there mounts it too
    values_two = values + "            url_file: /etc/alertmanager/secrets/other/url\n"
    (f,) = fired(repo({**files, "monitoring/kps.yaml": helmrelease("kube-prometheus-stack", values_two)}), "SEC008")
    assert [r.message for r in f.related] == ["url_file reads it too"]
    mounted = values.replace(
        "    secrets: [am-pushover]\n",
        "    secrets: [am-pushover]\n    volumeMounts: [{name: o, mountPath: /etc/alertmanager/secrets/other}]\n",
    )
    assert not fired(repo({**files, "monitoring/kps.yaml": helmrelease("kube-prometheus-stack", mounted)}), "SEC008")


def _deployment_reading(secret: str, namespace: str) -> str:
    """A Deployment whose env reads key `password` of `secret` (the secretKeyRef name on line 15)."""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: {namespace}\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: c\n          env:\n            - name: P\n"
        f"              valueFrom:\n                secretKeyRef:\n                  name: {secret}\n"
        "                  key: password\n"
    )


def test_secret_key_ref_in_deployment(repo):
    deploy = _deployment_reading("kuma-db", "monitoring")
    (f,) = fired(repo({"d.yaml": deploy, **EVIDENCE}), "SEC006")
    assert f.loc.line == 15
    assert not fired(repo({"d.yaml": deploy, "s.sops.yaml": encrypted_secret("kuma-db")}), "SEC006")
    assert not fired(
        repo({"d.yaml": deploy, "s.yaml": secret("kuma-db", body="stringData:\n  password: x\n")}), "SEC006"
    )


def test_alertmanager_string_config(repo):
    values = "alertmanager:\n  tplConfig: true\n  stringConfig: |\n    route:\n      receiver: o\n    receivers:\n"
    values += "      - name: o\n        opsgenie_configs:\n          - api_key: 0psG3nieKey-Value\n"
    (f,) = fired(repo({"monitoring/hr.yaml": helmrelease("kube-prometheus-stack", values)}), "SEC005")
    assert (f.loc.line, f.loc.col) == (23, 26) and "stringConfig" in f.message and "api_key_file" in f.hint


def test_operator_mounted_secrets(repo):
    am = (
        "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata:\n  name: main\n  namespace: monitoring\n"
        "spec:\n  secrets:\n    - am-extra\n"
    )
    (f,) = fired(repo({"am.yaml": am, **EVIDENCE}), "SEC006")
    assert "spec.secrets" in f.message and f.loc.line == 8
    values = "prometheus:\n  prometheusSpec:\n    secrets: [etcd-client-cert]\n"
    (f,) = fired(repo({"monitoring/kps.yaml": helmrelease("kube-prometheus-stack", values), **EVIDENCE}), "SEC006")
    assert "prometheusSpec.secrets" in f.message


def test_env_literal_in_values_and_pods(repo):
    values = "extraEnv:\n  - name: GF_DATABASE_PASSWORD\n    value: Db-Pa55word\n"
    values += "  - name: GF_LOG_LEVEL\n    value: debug\n"
    (f,) = fired(repo({"monitoring/hr.yaml": helmrelease("grafana", values)}), "SEC005")
    assert "extraEnv[0].value" in f.message and "secretKeyRef" in f.hint
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kuma\n  namespace: monitoring\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: c\n          env:\n"
        "            - name: DB_PASSWORD\n              value: Kuma-Pa55word\n            - name: TZ\n"
        "              value: UTC\n"
    )
    (f,) = fired(repo({"d.yaml": deploy}), "SEC005")
    assert f.loc.line == 13


def test_operator_created_secrets_count(repo):
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: db\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: c\n          envFrom:\n            - secretRef:\n"
        "                name: pg-app\n"
    )
    assert fired(repo({"d.yaml": deploy, **EVIDENCE}), "SEC006")
    cluster = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: pg\n  namespace: db\nspec: {}\n"
    assert not fired(repo({"d.yaml": deploy, "c.yaml": cluster, **EVIDENCE}), "SEC006")


def test_monitoring_key_selectors_but_not_prometheus_rule_labels(repo):
    """A ServiceMonitor's {name, key} is a Secret key selector; a PrometheusRule's labels are not."""
    rule = (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\n  namespace: monitoring\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n"
        "          labels:\n            name: payments\n            key: api\n"
    )
    monitor = (
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: m\n  namespace: monitoring\n"
        "spec:\n  selector: {}\n  endpoints:\n    - port: http\n      basicAuth:\n        password:\n"
        "          name: scrape-auth\n          key: password\n"
    )
    assert not fired(repo({"monitoring/rule.yaml": rule, **EVIDENCE}), "SEC006")
    (f,) = fired(repo({"monitoring/rule.yaml": rule, "monitoring/sm.yaml": monitor, **EVIDENCE}), "SEC006")
    assert "Secret scrape-auth" in f.message


def test_rook_operator_secrets_of_fixed_names(repo):
    """Rook makes `rook-ceph-mon` (and rook-ceph-mon-endpoints, ...) beside every CephCluster, whatever its name,
    and the rook-ceph-cluster chart always renders a CephCluster in its release namespace."""
    deploy = _deployment_reading("rook-ceph-mon", "storage")
    (f,) = fired(repo({"d.yaml": deploy, **EVIDENCE}), "SEC006")
    assert "rook-ceph-mon" in f.message
    cluster = "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: main, namespace: storage}\nspec: {}\n"
    assert not fired(repo({"d.yaml": deploy, "c.yaml": cluster, **EVIDENCE}), "SEC006")
    elsewhere = cluster.replace("namespace: storage", "namespace: other")
    assert fired(repo({"d.yaml": deploy, "c.yaml": elsewhere, **EVIDENCE}), "SEC006")
    chart = helmrelease("rook-ceph-cluster", "clusterName: main\n", name="ceph", namespace="storage")
    assert not fired(repo({"d.yaml": deploy, "storage/hr.yaml": chart, **EVIDENCE}), "SEC006")
    other_chart = helmrelease("rook-ceph", "{}\n", name="ceph", namespace="storage")
    assert fired(repo({"d.yaml": deploy, "storage/hr.yaml": other_chart, **EVIDENCE}), "SEC006")
