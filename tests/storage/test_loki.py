"""LOKI001-LOKI004 and the loki.configs provider."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from obslint.model.loki import loki_configs
from obslint.rules.storage.loki import logql_lookbacks
from obslint.units import DAY
from tests.conftest import check


def loki_hr(values: str, version: str = "6.46.0", chart: str = "loki") -> dict[str, str]:
    head = f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: loki
  namespace: monitoring
spec:
  chart:
    spec:
      chart: {chart}
      version: {version}
  values:
"""
    body = "\n".join("    " + line for line in values.strip("\n").splitlines())
    return {"monitoring/loki.yaml": head + body + "\n"}


BASE = """
deploymentMode: SingleBinary
singleBinary:
  replicas: 1
  persistence: {enabled: true, size: 20Gi}
loki:
  storage: {type: filesystem}
  schemaConfig:
    configs:
      - from: "2024-04-01"
        store: tsdb
        object_store: filesystem
        schema: v13
        index: {prefix: index_, period: 24h}
"""


def with_loki(extra: str, base: str = BASE) -> str:
    return base + "\n".join("  " + line for line in extra.strip("\n").splitlines()) + "\n"


ENFORCED = """
limits_config:
  retention_period: 168h
compactor:
  retention_enabled: true
  delete_request_store: filesystem
"""


def run(root, *ids):
    result = check(root, select=list(ids))
    assert not result.errors, result.errors
    return result.findings


def provider(root):
    import obslint.model.loki  # noqa: F401
    from obslint.config import Config
    from obslint.index import Index
    from obslint.load import load_tree

    return loki_configs(Index.build(load_tree(str(root), [], 8 << 20), Config()))


# --- LOKI001 -------------------------------------------------------------------------------


def test_retention_not_enforced_without_compactor(repo):
    (f,) = run(repo(loki_hr(with_loki("limits_config:\n  retention_period: 168h"))), "LOKI001")
    assert "retention_period 168h" in f.message
    assert (f.loc.line, f.loc.col) == (26, 27)  # the retention_period value
    assert f.severity is Severity.WARNING  # Loki runs; when the store fills depends on the ingest


def test_retention_enforced(repo):
    assert not run(repo(loki_hr(with_loki(ENFORCED))), "LOKI001")


def test_retention_enabled_false_is_reported_there(repo):
    extra = ENFORCED.replace("retention_enabled: true", "retention_enabled: false")
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI001")
    assert f.loc.line == 28


def test_retention_stream_counts(repo):
    extra = "limits_config:\n  retention_stream:\n    - selector: '{ns=\"dev\"}'\n      priority: 1\n      period: 24h"
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI001")
    assert "retention_stream" in f.message


def test_missing_delete_request_store_loki3_only(repo):
    extra = ENFORCED.replace("  delete_request_store: filesystem\n", "")
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI001")
    assert "delete_request_store" in f.message
    # chart 5.x runs Loki 2.9: shared_store, no delete_request_store needed
    assert not run(repo(loki_hr(with_loki(extra), version="5.41.5")), "LOKI001")


def test_structured_config_overrides_values(repo):
    extra = (
        "limits_config:\n  retention_period: 168h\nstructuredConfig:\n  compactor:\n"
        "    retention_enabled: true\n    delete_request_store: filesystem"
    )
    assert not run(repo(loki_hr(with_loki(extra))), "LOKI001")
    extra = ENFORCED + "structuredConfig:\n  compactor:\n    retention_enabled: false"
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI001")
    assert f.loc.line == 32  # the structuredConfig value wins over loki.compactor


def test_plain_loki_config_file(repo):
    cfg = """\
auth_enabled: false
schema_config:
  configs:
    - from: 2024-04-01
      store: tsdb
      object_store: s3
      schema: v13
      index: {prefix: index_, period: 24h}
limits_config:
  retention_period: 30d
compactor:
  working_directory: /loki/compactor
"""
    (f,) = run(repo({"loki/config.yaml": cfg}), "LOKI001")
    assert f.loc.path == "loki/config.yaml" and f.loc.line == 10


def test_loki_config_in_configmap(repo):
    cm = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: loki, namespace: logs}
data:
  loki.yaml: |
    schema_config:
      configs:
        - {from: 2024-04-01, store: tsdb, object_store: s3, schema: v13, index: {period: 24h}}
    limits_config:
      retention_period: 30d
"""
    (f,) = run(repo({"cm.yaml": cm}), "LOKI001")
    assert (f.loc.path, f.loc.line) == ("cm.yaml", 10)


def test_non_loki_yaml_is_ignored(repo):
    assert not provider(repo({"x.yaml": "limits_config: {a: 1}\nfoo: bar\n", "k.yaml": "kind: X\n"}))


# --- LOKI002 -------------------------------------------------------------------------------


def test_volume_off_without_option(repo):
    assert not run(repo(loki_hr(with_loki(ENFORCED.replace("168h", "9000h")))), "LOKI002")


def test_volume_with_option(repo):
    files = loki_hr(with_loki(ENFORCED.replace("168h", "30d")))
    files[".obslint.yaml"] = "options:\n  loki-retention-volume: {ingest-per-day: 1Gi}\n"
    (f,) = run(repo(files), "LOKI002")
    assert "30d" in f.message or "4w2d" in f.message
    files[".obslint.yaml"] = "options:\n  LOKI002: {ingest-per-day: 500Mi}\n"
    assert not run(repo(files), "LOKI002")


def test_volume_without_retention_fills(repo):
    files = loki_hr(BASE)
    files[".obslint.yaml"] = "options:\n  loki-retention-volume: {ingest-per-day: 1Gi}\n"
    (f,) = run(repo(files), "LOKI002")
    assert "deletes nothing" in f.message and "20.0 days" in f.message


def test_volume_ignores_object_storage(repo):
    files = loki_hr(with_loki(ENFORCED.replace("168h", "30d")).replace("filesystem", "s3"))
    files[".obslint.yaml"] = "options:\n  loki-retention-volume: {ingest-per-day: 1Gi}\n"
    assert not run(repo(files), "LOKI002")


# --- LOKI003 -------------------------------------------------------------------------------


def test_logql_lookbacks():
    assert logql_lookbacks('count_over_time({a="b"}[5m])') == [(300.0, "[5m]")]
    assert logql_lookbacks('rate({a="[30d]"} |= `[9d]` [1h])') == [(3600.0, "[1h]")]
    ((secs, text),) = logql_lookbacks('sum(rate({a="b"}[1d] offset 7d))')
    assert secs == 8 * DAY and "offset 1w" in text
    assert logql_lookbacks('{a="b"} |= "x"') == []
    assert logql_lookbacks('rate({a="b \\" [2d]"}[1m])') == [(60.0, "[1m]")]


def test_max_query_lookback_beyond(repo):
    extra = ENFORCED.replace("retention_period: 168h", "retention_period: 168h\n  max_query_lookback: 30d")
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI003")
    assert "max_query_lookback 30d" in f.message
    ok = ENFORCED.replace("retention_period: 168h", "retention_period: 168h\n  max_query_lookback: 7d")
    assert not run(repo(loki_hr(with_loki(ok))), "LOKI003")


def test_ruler_range_beyond_retention(repo):
    files = loki_hr(with_loki(ENFORCED))
    files["monitoring/rules.yaml"] = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: loki-rules
  namespace: monitoring
  labels: {loki_rule: "true"}
data:
  rules.yaml: |
    groups:
      - name: logs
        rules:
          - alert: TooManyErrors
            expr: sum(count_over_time({app="x"} |= "error" [30d])) > 10
          - alert: Fine
            expr: sum(count_over_time({app="x"} |= "error" [5m])) > 10
"""
    (f,) = run(repo(files), "LOKI003")
    assert "TooManyErrors" in f.message and f.loc.path == "monitoring/rules.yaml" and f.loc.line == 13


def test_no_retention_no_query_findings(repo):
    extra = "limits_config:\n  max_query_lookback: 9000h"
    assert not run(repo(loki_hr(with_loki(extra))), "LOKI003")


# --- LOKI004 -------------------------------------------------------------------------------


def test_schema_pre_v13(repo):
    (f,) = run(repo(loki_hr(with_loki(ENFORCED, BASE.replace("v13", "v12")))), "LOKI004")
    assert "schema v12" in f.message and f.loc.line == 20


def test_schema_boltdb_and_later_tsdb_period(repo):
    base = BASE.replace("store: tsdb", "store: boltdb-shipper").replace("v13", "v11")
    (f,) = run(repo(loki_hr(with_loki(ENFORCED, base))), "LOKI004")
    assert "boltdb-shipper" in f.message
    migrated = base + (
        '      - from: "2025-01-01"\n        store: tsdb\n        object_store: filesystem\n'
        "        schema: v13\n        index: {prefix: index_, period: 24h}\n"
    )
    assert not run(repo(loki_hr(with_loki(ENFORCED, migrated))), "LOKI004")
    # a v13 period that starts in the future is not active yet: Loki 3 still checks the boltdb/v11 one
    # (pkg/storage/config/schema_config.go ActivePeriodConfig)
    planned = migrated.replace('from: "2025-01-01"', 'from: "2999-01-01"')
    (f,) = run(repo(loki_hr(with_loki(ENFORCED, planned))), "LOKI004")
    assert "boltdb-shipper" in f.message and "allow_structured_metadata: false until" in f.hint


def test_schema_structured_metadata_disabled_or_loki2(repo):
    extra = ENFORCED.replace("retention_period: 168h", "retention_period: 168h\n  allow_structured_metadata: false")
    assert not run(repo(loki_hr(with_loki(extra, BASE.replace("v13", "v12")))), "LOKI004")
    assert not run(repo(loki_hr(with_loki(ENFORCED, BASE.replace("v13", "v12")), version="5.41.5")), "LOKI004")


def test_single_binary_replicas_on_filesystem(repo):
    (f,) = run(repo(loki_hr(with_loki(ENFORCED, BASE.replace("replicas: 1", "replicas: 3")))), "LOKI004")
    assert "3 single-binary replicas" in f.message and f.loc.line == 14
    s3 = BASE.replace("replicas: 1", "replicas: 3").replace("filesystem", "s3")
    assert not run(repo(loki_hr(with_loki(ENFORCED, s3))), "LOKI004")


def test_no_schema(repo):
    base = BASE.split("  schemaConfig")[0]
    (f,) = run(repo(loki_hr(with_loki(ENFORCED, base))), "LOKI004")
    assert "no schema" in f.message


def test_bad_types_do_not_crash(repo):
    values = "loki: [1]\nsingleBinary: 4\ndeploymentMode: 7\n"
    assert not check(repo(loki_hr(values)), select=["LOKI", "STOR"]).errors
    values = "loki:\n  limits_config: 5\n  compactor: [x]\n  schemaConfig: {configs: [1, {schema: 13}]}\n"
    assert not check(repo(loki_hr(values)), select=["LOKI", "STOR"]).errors


def test_provider_reads_chart_defaults(repo):
    (cfg,) = provider(repo(loki_hr("loki:\n  schemaConfig: {configs: []}\n")))
    assert cfg.auth_enabled is True and cfg.deployment_mode == "SimpleScalable" and cfg.storage_type == "s3"
    assert cfg.value("limits_config", "reject_old_samples_max_age") == "168h"
    assert cfg.get("limits_config", "reject_old_samples").declared is False


def test_chart_ref_version_and_shared_store(repo):
    extra = "limits_config:\n  retention_period: 14d\ncompactor:\n  shared_store: filesystem\n  retention_enabled: true"
    files = loki_hr(with_loki(extra))
    text = files["monitoring/loki.yaml"].replace(
        "  chart:\n    spec:\n      chart: loki\n      version: 6.46.0\n",
        "  chartRef:\n    kind: OCIRepository\n    name: loki\n",
    )
    files["monitoring/loki.yaml"] = text
    # version unknown: shared_store (removed in Loki 3.0) marks Loki 2, which needs no delete_request_store
    assert not run(repo(files), "LOKI001")
    files["monitoring/oci.yaml"] = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: loki, namespace: monitoring}
spec:
  url: oci://ghcr.io/example/loki
  ref: {tag: 6.30.0}
"""
    (cfg,) = provider(repo(files))
    assert cfg.loki_major == 3
    (f,) = run(repo(files), "LOKI001")
    assert "delete_request_store" in f.message


def test_tenant_override_retention(repo):
    extra = "runtimeConfig:\n  overrides:\n    team-a:\n      retention_period: 30d"
    (f,) = run(repo(loki_hr(with_loki(extra))), "LOKI001")
    assert "tenant 'team-a'" in f.message and f.loc.line == 28
    extra = ENFORCED.replace("168h", "24h") + "  max_query_lookback: 720h\n" + extra
    # the tenant keeps 30d, so a 30d lookback is within the longest retention
    assert not run(repo(loki_hr(with_loki(extra))), "LOKI001", "LOKI003")


def test_loki_stack_and_config_text(repo):
    stack = """\
loki:
  persistence: {enabled: false}
  config:
    limits_config: {retention_period: 72h}
    storage_config:
      filesystem: {directory: /data/loki/chunks}
    schema_config:
      configs: [{from: 2020-10-24, store: boltdb-shipper, object_store: filesystem, schema: v11, index: {period: 24h}}]
"""
    files = loki_hr(stack, version="2.10.2", chart="loki-stack")
    found = check(repo(files), select=["LOKI001", "LOKI004", "STOR003"]).findings
    assert sorted(f.rule for f in found) == ["LOKI001", "STOR003"]  # Loki 2: no structured metadata check
    text = (
        "loki:\n  config: |\n    auth_enabled: false\n    limits_config:\n      retention_period: 72h\n"
        "    schema_config:\n      configs: []\n"
    )
    files = loki_hr(text, version="1.8.5", chart="loki-simple-scalable")
    (f,) = run(repo(files), "LOKI001")
    assert f.loc.line == 16  # inside the embedded config text


# --- LOKI007 -------------------------------------------------------------------------------

FOREVER = "compactor:\n  retention_enabled: true\n  delete_request_store: filesystem"


def test_retention_enabled_without_period(repo):
    (f,) = run(repo(loki_hr(with_loki(FOREVER))), "LOKI007")
    assert "sets no retention_period" in f.message and f.loc.line == 26  # retention_enabled
    (f,) = run(repo(loki_hr(with_loki(FOREVER + "\nlimits_config:\n  retention_period: 0s"))), "LOKI007")
    assert "retention_period 0s" in f.message
    assert not run(repo(loki_hr(with_loki(ENFORCED))), "LOKI007")


def test_stream_or_tenant_retention_deletes_something(repo):
    streams = "\nlimits_config:\n  retention_stream:\n    - {selector: '{ns=\"dev\"}', priority: 1, period: 24h}"
    assert not run(repo(loki_hr(with_loki(FOREVER + streams))), "LOKI007")
    tenant = "\nruntimeConfig:\n  overrides:\n    team-a:\n      retention_period: 30d"
    assert not run(repo(loki_hr(with_loki(FOREVER + tenant))), "LOKI007")


def test_retention_forever_not_judged_when_unknown(repo):
    # chart 5.x may run Loki older than 2.8, whose default period was 744h
    assert not run(repo(loki_hr(with_loki(FOREVER), version="5.41.5")), "LOKI007")
    # limits from valuesFrom
    files = loki_hr(with_loki(FOREVER))
    files["monitoring/loki.yaml"] = files["monitoring/loki.yaml"].replace(
        "  values:\n", "  valuesFrom:\n    - {kind: Secret, name: loki-limits}\n  values:\n"
    )
    assert not run(repo(files), "LOKI007")
    # a runtime config file the repository does not hold
    cfg = (
        "schema_config:\n  configs: [{from: 2024-04-01, store: tsdb, object_store: s3, schema: v13}]\n"
        "compactor: {retention_enabled: true, delete_request_store: s3}\n"
    )
    (f,) = run(repo({"loki/config.yaml": cfg + "limits_config: {}\n"}), "LOKI007")
    assert f.loc.path == "loki/config.yaml"
    assert not run(repo({"loki/config.yaml": cfg + "runtime_config: {file: /etc/loki/overrides.yaml}\n"}), "LOKI007")


PLAIN_LOKI = """\
data:
  loki.yaml: |
    schema_config:
      configs: [{from: 2020-10-24, store: tsdb, object_store: filesystem, schema: v12}]
    compactor: {working_directory: /loki/compactor, retention_enabled: true}
    limits_config: {retention_period: 168h}
apiVersion: v1
kind: ConfigMap
metadata: {name: loki-config, namespace: logging}
"""
LOKI_POD = """\
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: loki, namespace: logging}
spec:
  template:
    spec:
      containers:
        - {name: loki, image: IMAGE, args: [-config.file=/etc/loki/loki.yaml]}
      volumes:
        - {name: config, configMap: {name: loki-config}}
"""


@pytest.mark.parametrize(
    ("image", "judged"),
    [
        ("grafana/loki:3.4.2", True),
        ("docker.io/grafana/loki:v3.0.0", True),
        ("grafana/loki:2.9.4", False),  # Loki 2 starts with both: no delete_request_store, schema v12
        ("grafana/loki:latest", False),  # the tag does not say
        (None, False),  # nothing in the repository runs it: the version is not known
    ],
)
def test_a_plain_config_is_judged_by_the_loki_its_workload_runs(repo, image, judged):
    """What Loki 3 refuses to start with (LOKI001 delete_request_store, LOKI004 schema v13) is an error only
    when the grafana/loki image of the workload mounting the ConfigMap is 3 or later."""
    files = {"logging/loki.yaml": PLAIN_LOKI + (LOKI_POD.replace("IMAGE", image) if image else "")}
    found = sorted(f.rule for f in run(repo(files), "LOKI001", "LOKI004"))
    assert found == (["LOKI001", "LOKI004"] if judged else [])


def test_the_grafana_community_chart_runs_a_single_binary_by_default(repo):
    """grafana-community loki 12.0.0 and later default to deploymentMode Monolithic (the single binary, renamed):
    its volume is singleBinary's, not the scalable write target's."""
    values = (
        "singleBinary:\n  persistence: {enabled: true, size: 5Gi}\nwrite:\n  persistence: {enabled: true, size: 50Gi}\n"
        "loki:\n  storage: {type: filesystem}\n"
    )
    (cfg,) = provider(repo(loki_hr(values, version="18.11.0")))
    assert cfg.deployment_mode == "Monolithic" and cfg.volume is not None and cfg.volume.size_text == "5Gi"
    (cfg,) = provider(repo(loki_hr(values)))  # Grafana's 6.46.0: SimpleScalable
    assert cfg.deployment_mode == "SimpleScalable" and cfg.volume is not None and cfg.volume.size_text == "50Gi"


@pytest.mark.parametrize(
    "pod",
    [
        LOKI_POD.replace("IMAGE", "5"),
        LOKI_POD.replace("- {name: loki, image: IMAGE, args: [-config.file=/etc/loki/loki.yaml]}", "- 7"),
        LOKI_POD.replace("- {name: config, configMap: {name: loki-config}}", "- {projected: {sources: x}}"),
        LOKI_POD.replace("IMAGE", "registry.local:5000/grafana/loki"),
    ],
)
def test_workloads_of_the_wrong_shape_leave_the_version_unknown(repo, pod):
    assert run(repo({"logging/loki.yaml": PLAIN_LOKI + pod}), "LOKI001", "LOKI004") == []


@pytest.mark.parametrize(
    ("flag", "left"),
    [
        ("-compactor.delete-request-store=filesystem", ["LOKI004"]),
        ("--validation.allow-structured-metadata=false", ["LOKI001"]),
    ],
)
def test_flags_of_the_loki_container_win_over_its_config_file(repo, flag, left):
    """Loki reads defaults, then the file, then the flags (pkg/util/cfg/cfg.go DefaultUnmarshal): what a flag
    sets is not judged from the file."""
    pod = LOKI_POD.replace("IMAGE", "grafana/loki:3.4.2").replace("args: [", f"args: [{flag}, ")
    found = sorted(f.rule for f in run(repo({"logging/loki.yaml": PLAIN_LOKI + pod}), "LOKI001", "LOKI004"))
    assert found == left
