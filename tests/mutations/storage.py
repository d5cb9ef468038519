"""Mutations for the STOR, LOKI and GRAF families (retention, volumes, Loki, datasources)."""

from tests.mutations import StackCopy, mutation

KPS = "infrastructure/monitoring/kube-prometheus-stack/helmrelease.yaml"
LOKI = "infrastructure/monitoring/loki/helmrelease.yaml"
DATASOURCE = "infrastructure/monitoring/loki/grafana-datasource.yaml"
RULES = "infrastructure/monitoring/loki/ruler-rules.yaml"


@mutation("prometheus-retention-size-dropped", {"STOR001"})
def retention_size_dropped(stack: StackCopy) -> None:
    """retentionSize removed: 7d of samples on a 20Gi PVC with nothing to stop it filling."""
    stack.replace(KPS, "        retentionSize: 16GiB\n", "")


@mutation("prometheus-retention-size-equals-volume", {"STOR002"})
def retention_size_equals_volume(stack: StackCopy) -> None:
    """retentionSize raised to the size of the volume (20GB = 20GiB in Prometheus units)."""
    stack.replace(KPS, "retentionSize: 16GiB", "retentionSize: 20GB")


@mutation("alertmanager-storage-removed", {"STOR003"})
def alertmanager_storage_removed(stack: StackCopy) -> None:
    """Alertmanager's volumeClaimTemplate removed: silences and notification log on an emptyDir."""
    stack.replace(
        KPS,
        "        storage:\n          volumeClaimTemplate:\n            spec:\n"
        "              accessModes: [ReadWriteOnce]\n"
        "              resources:\n                requests:\n                  storage: 2Gi\n",
        "",
    )


@mutation("prometheus-retention-outgrows-ingest", {"STOR004"})
def retention_outgrows_ingest(stack: StackCopy) -> None:
    """A measured ingest of 3GB/day: 7d needs 21GiB, more than the 16GiB retentionSize."""
    stack.write(".obslint.yaml", "options:\n  retention-capacity: {ingest-per-day: 3GB}\n")


@mutation("loki-compactor-retention-disabled", {"LOKI001"})
def loki_compactor_retention_disabled(stack: StackCopy) -> None:
    """retention_enabled turned off: the 168h retention_period is never applied."""
    stack.replace(LOKI, "retention_enabled: true", "retention_enabled: false")


@mutation("loki-delete-request-store-removed", {"LOKI001"})
def loki_delete_request_store_removed(stack: StackCopy) -> None:
    """delete_request_store removed while retention is enabled: Loki 3 refuses to start."""
    stack.replace(LOKI, "        delete_request_store: filesystem\n", "")


@mutation("loki-logs-outgrow-volume", {"LOKI002"})
def loki_logs_outgrow_volume(stack: StackCopy) -> None:
    """A measured 4GB/day of chunks: 7 days need 28GiB on a 20Gi volume."""
    stack.write(".obslint.yaml", "options:\n  loki-retention-volume: {ingest-per-day: 4GB}\n")


@mutation("loki-lookback-beyond-retention", {"LOKI003"})
def loki_lookback_beyond_retention(stack: StackCopy) -> None:
    """max_query_lookback of 30 days over 7 days of retention."""
    stack.replace(LOKI, "retention_period: 168h\n", "retention_period: 168h\n        max_query_lookback: 720h\n")


@mutation("loki-alert-range-beyond-retention", {"LOKI003"})
def loki_alert_range_beyond_retention(stack: StackCopy) -> None:
    """A log alert counting over 14 days while Loki keeps 7."""
    stack.replace(RULES, "[5m]", "[14d]")


@mutation("loki-schema-v12", {"LOKI004"})
def loki_schema_v12(stack: StackCopy) -> None:
    """The schema period downgraded to v12 while Loki 3 allows structured metadata."""
    stack.replace(LOKI, "schema: v13", "schema: v12")


@mutation("loki-single-binary-scaled-on-filesystem", {"LOKI004"})
def loki_single_binary_scaled(stack: StackCopy) -> None:
    """Two single-binary replicas on a filesystem: the chart refuses to render."""
    stack.replace(LOKI, "    singleBinary:\n      replicas: 1\n", "    singleBinary:\n      replicas: 2\n")


@mutation("loki-multi-tenant-alloy-without-tenant", {"LOKI005"})
def loki_multi_tenant(stack: StackCopy) -> None:
    """Loki switched to multi-tenant while Alloy's loki.write sends no tenant_id."""
    stack.replace(LOKI, "      auth_enabled: false\n", "      auth_enabled: true\n")


@mutation("loki-ruler-alertmanager-wrong-port", {"LOKI006"})
def loki_ruler_wrong_port(stack: StackCopy) -> None:
    """The ruler's alertmanager_url on port 9094 (the Alertmanager Service listens on 9093)."""
    stack.replace(LOKI, "monitoring.svc.cluster.local:9093", "monitoring.svc.cluster.local:9094")


@mutation("grafana-loki-datasource-push-path", {"LOKI006"})
def grafana_loki_datasource_push_path(stack: StackCopy) -> None:
    """The Loki datasource URL given with the push path (Grafana appends the API path itself)."""
    stack.replace(DATASOURCE, "svc.cluster.local:3100\n", "svc.cluster.local:3100/loki/api/v1/push\n")


@mutation("grafana-datasource-label-wrong", {"GRAF001"})
def grafana_datasource_label_wrong(stack: StackCopy) -> None:
    """The datasource ConfigMap labelled for the dashboards sidecar instead of the datasources one."""
    stack.replace(DATASOURCE, '    grafana_datasource: "1"', '    grafana_dashboard: "1"')


@mutation("loki-retention-period-removed", {"LOKI007"})
def loki_retention_period_removed(stack: StackCopy) -> None:
    """retention_period removed while compactor retention stays on: the 0s default keeps logs forever."""
    stack.replace(
        LOKI,
        "      limits_config:\n        # 7 days, enforced by the compactor below (retention_enabled).\n"
        "        retention_period: 168h\n",
        "",
    )


@mutation("loki-rules-sidecar-watches-other-namespace", {"LOKI008"})
def loki_rules_sidecar_elsewhere(stack: StackCopy) -> None:
    """The rules sidecar searches a `logging` namespace: the loki_rule ConfigMap in monitoring is never loaded."""
    folder = "        folder: /rules/fake\n"
    stack.replace(LOKI, folder, folder + "        searchNamespace: logging\n")


CONFIG = "infrastructure/monitoring/config"
GRAFANA_OPERATOR = """\
apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: grafana
  namespace: monitoring
  labels:
    dashboards: grafana
spec:
  config:
    security: {admin_user: admin}
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaFolder
metadata:
  name: infrastructure
  namespace: monitoring
spec:
  instanceSelector:
    matchLabels:
      dashboards: grafana
  title: Infrastructure
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata:
  name: node-exporter
  namespace: monitoring
spec:
  instanceSelector:
    matchLabels:
      dashboards: SELECTOR
  folderRef: FOLDER
  url: https://grafana.com/api/dashboards/1860/revisions/37/download
"""


def _add_grafana_operator(stack: StackCopy, selector: str = "grafana", folder: str = "infrastructure") -> None:
    """A grafana-operator Grafana, folder and dashboard added to the monitoring config."""
    text = GRAFANA_OPERATOR.replace("SELECTOR", selector).replace("FOLDER", folder)
    stack.write(f"{CONFIG}/grafana-operator.yaml", text)
    stack.replace(f"{CONFIG}/kustomization.yaml", "  - flux-notifications.yaml\n",
                  "  - flux-notifications.yaml\n  - grafana-operator.yaml\n")  # fmt: skip


@mutation("grafana-dashboard-selects-no-grafana", {"GRAF002"})
def grafana_dashboard_selects_no_grafana(stack: StackCopy) -> None:
    """A GrafanaDashboard whose instanceSelector names a label value no Grafana carries."""
    _add_grafana_operator(stack, selector="grafana-main")


@mutation("grafana-dashboard-folder-misspelt", {"GRAF003"})
def grafana_dashboard_folder_misspelt(stack: StackCopy) -> None:
    """A GrafanaDashboard filed under folderRef `infra`, a GrafanaFolder nothing creates."""
    _add_grafana_operator(stack, folder="infra")


KUMA = "infrastructure/monitoring/uptime-kuma/deployment.yaml"


@mutation("uptime-kuma-data-on-emptydir", {"STOR005"})
def uptime_kuma_data_on_emptydir(stack: StackCopy) -> None:
    """Uptime Kuma's /app/data on an emptyDir instead of its claim: every restart loses all monitors."""
    stack.replace(
        KUMA, "          persistentVolumeClaim:\n            claimName: uptime-kuma-data\n", "          emptyDir: {}\n"
    )


@mutation("uptime-kuma-rolling-update", {"STOR006"})
def uptime_kuma_rolling_update(stack: StackCopy) -> None:
    """Recreate turned into RollingUpdate: an update starts a second pod on the ReadWriteOnce claim."""
    stack.replace(KUMA, "    type: Recreate\n", "    type: RollingUpdate\n")


@mutation("uptime-kuma-claim-renamed", {"STOR007"})
def uptime_kuma_claim_renamed(stack: StackCopy) -> None:
    """The Deployment mounts a claim nothing creates: the pod stays Pending."""
    stack.replace(KUMA, "claimName: uptime-kuma-data", "claimName: uptime-kuma-storage")
