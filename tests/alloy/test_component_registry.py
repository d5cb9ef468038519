"""The Alloy components obslint knows are generated from Alloy's component registry.

- drift: obslint/data/alloy/components.json is exactly what scripts/gen_alloy_components.py makes of the
  registry in the shared oracle material (skipped without it on a laptop, a failure in CI);
- the facts the hand-written list had wrong: components it missed or kept, attributes and blocks it
  rejected or accepted, checked through the rules that use them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from obslint.alloy.components import knowledge_base
from tests.conftest import ROOT, check, in_ci
from tests.corpus.shared import SHARED, SHARED_ENV

REGISTRY = SHARED / "oracles" / "alloy" / "component-registry.json"
GENERATED = ROOT / "obslint" / "data" / "alloy" / "components.json"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_alloy_components", ROOT / "scripts" / "gen_alloy_components.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _registry() -> Path:
    if not REGISTRY.is_file():
        reason = f"{REGISTRY} not present (set {SHARED_ENV} to the directory holding oracles/)"
        if in_ci():
            pytest.fail(f"{reason}: the drift test requires it in CI", pytrace=False)
        pytest.skip(reason)
    return REGISTRY


def test_generated_file_matches_the_registry() -> None:
    expected = _generator().generate(_registry())
    assert GENERATED.read_text(encoding="utf-8") == expected, "run scripts/gen_alloy_components.py"


def test_generated_file_records_its_provenance() -> None:
    about = json.loads(GENERATED.read_text(encoding="utf-8"))["about"]
    assert about["repository"] == "https://github.com/grafana/alloy"
    assert len(about["commit"]) == 40 and about["commit"] == knowledge_base().commit
    assert about["licence"].startswith("Apache-2.0")
    assert about["components"] == len(knowledge_base().components) == 184


def test_test_harness_and_platform_stubs_are_not_components() -> None:
    registry = json.loads(_registry().read_text(encoding="utf-8"))
    kept = _generator().real_components(registry)
    assert "testcomponents.passthrough" not in kept and "module.file" not in kept
    assert not kept["otelcol.exporter.datadog"]["file"].endswith("_stub.go")  # the full Arguments, not the stub's
    assert kept["pyroscope.java"]["stability"] == "StabilityGenerallyAvailable"  # java.go, not java_stub.go


NEW = [
    "prometheus.echo",
    "prometheus.enrich",
    "discovery.aws",
    "prometheus.exporter.static",
    "database_observability.sql_server",
    "otelcol.auth.google",
    "otelcol.receiver.awsecscontainermetrics",
    "prometheus.exporter.databricks",
    "pyroscope.enrich",
]
REMOVED = [
    "otelcol.exporter.logging",
    "otelcol.extension.health_check",
    "otelcol.receiver.github",
    "otelcol.receiver.opencensus",
    "prometheus.write.queue",
]


def test_components_alloy_has_and_has_not() -> None:
    kb = knowledge_base()
    assert set(NEW) <= kb.names
    assert not set(REMOVED) & kb.names


def _findings(repo, text: str, rule: str) -> list[str]:
    return [f.message for f in check(repo({"alloy/config.alloy": text}), select=[rule]).findings]


def test_a_new_component_is_known(repo) -> None:
    text = 'prometheus.echo "debug" {\n  format = "text"\n}\n'
    assert _findings(repo, text, "ALLOY005") == []
    assert _findings(repo, text, "ALLOY006") == []


def test_a_removed_component_is_unknown(repo) -> None:
    text = 'prometheus.write.queue "default" {\n}\n'
    assert _findings(repo, text, "ALLOY005") == ['unknown component "prometheus.write.queue"']


def test_htpasswd_block_of_otelcol_auth_basic_is_accepted(repo) -> None:
    text = 'otelcol.auth.basic "server" {\n  htpasswd {\n    file = "/etc/alloy/htpasswd"\n  }\n}\n'
    assert _findings(repo, text, "ALLOY006") == []


def test_client_auth_is_a_block_of_otelcol_auth_basic_not_an_attribute(repo) -> None:
    text = 'otelcol.auth.basic "client" {\n  client_auth = {}\n}\n'
    assert _findings(repo, text, "ALLOY006") == [
        '"client_auth" in otelcol.auth.basic.client must be a block, but is used as an attribute'
    ]


REMOTE_WRITE = """
prometheus.remote_write "default" {
  endpoint {
    url = "http://mimir.example.com/api/v1/push"
    basic_auth {
      username      = "alloy"
      %s = "/etc/alloy/secret"
    }
  }
}
"""


def test_username_file_in_basic_auth_is_rejected(repo) -> None:
    assert _findings(repo, REMOTE_WRITE % "username_file", "ALLOY006") == [
        'unknown attribute "username_file" in prometheus.remote_write.default/endpoint/basic_auth'
    ]
    assert _findings(repo, REMOTE_WRITE % "password_file", "ALLOY006") == []


def test_username_file_in_otelcol_client_auth_is_accepted(repo) -> None:
    """Nested blocks are checked against their own struct: otelcol.auth.basic's client_auth does take it."""
    text = (
        'otelcol.auth.basic "client" {\n  client_auth {\n    username_file = "/u"\n    password_file = "/p"\n  }\n}\n'
    )
    assert _findings(repo, text, "ALLOY006") == []


def test_grpc_block_of_prometheus_receive_http_is_accepted(repo) -> None:
    text = """
prometheus.receive_http "api" {
  grpc {
    listen_port = 9095
    tls {
      cert_file = "/tls/cert"
      key_file  = "/tls/key"
    }
  }
  forward_to = []
}
"""
    assert _findings(repo, text, "ALLOY006") == []


@pytest.mark.parametrize("component", ["otelcol.exporter.prometheus", "prometheus.scrape"])
def test_convert_classic_histograms_to_nhcb_is_accepted(repo, component: str) -> None:
    text = f'{component} "x" {{\n  convert_classic_histograms_to_nhcb = true\n  forward_to = []\n}}\n'
    if component == "prometheus.scrape":
        text = text.replace("forward_to", "targets = []\n  forward_to")
    assert _findings(repo, text, "ALLOY006") == []


def test_stage_match_holds_the_stages_of_loki_process(repo) -> None:
    text = """
loki.process "app" {
  stage.match {
    selector = "{app=\\"x\\"}"
    stage.match {
      selector = "{level=\\"debug\\"}"
      stage.json {
        expressions = {level = ""}
        regex       = "lvl"
      }
      stage.jsn {
      }
    }
  }
  forward_to = []
}
"""
    assert _findings(repo, text, "ALLOY006") == [
        'unknown block "stage.jsn" in loki.process.app/stage.match/stage.match'
    ]
