"""Vector: an agent -> aggregator -> Loki pipeline laid over the reference stack lints clean, and
each planted mistake is caught by its rule (VEC001, LOKI006, SEC005)."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from tests.conftest import check
from tests.systems.stack import stack_with

AGENT = "infrastructure/monitoring/alloy/vector-agent.yaml"
AGGREGATOR = "infrastructure/monitoring/alloy/vector-aggregator.yaml"


def findings(stack):
    result = check(stack.root)
    assert not result.errors, result.errors
    return result.findings


@pytest.fixture
def stack(tmp_path):
    return stack_with(tmp_path, "vector", "vector")


def test_pipeline_lints_clean(stack):
    assert findings(stack) == []


def test_input_typo(stack):
    stack.replace(AGENT, "inputs: [parse]", "inputs: [parsed]")
    (f,) = findings(stack)
    assert (f.rule, f.loc.path, f.severity) == ("VEC001", AGENT, Severity.ERROR)
    assert 'input "parsed" matches no source or transform' in f.message and "did you mean parse?" in f.hint


def test_route_read_without_a_route(stack):
    stack.replace(AGGREGATOR, "inputs: [by_level.errors, by_level._unmatched]", "inputs: [by_level]")
    (f,) = findings(stack)
    assert f.rule == "VEC001" and "no default output" in f.message
    stack.replace(AGGREGATOR, "inputs: [by_level]", "inputs: [by_level.warnings]")
    (f,) = findings(stack)
    assert f.rule == "VEC001" and "names no route of route transform by_level" in f.message


def test_wildcard_inputs_are_not_judged(stack):
    stack.replace(AGENT, "inputs: [parse]", "inputs: ['pars*']")
    assert findings(stack) == []


def test_agent_sends_to_a_port_the_aggregator_does_not_listen_on(stack):
    stack.replace(AGENT, "svc.cluster.local:6000", "svc.cluster.local:9000")
    (f,) = findings(stack)
    assert (f.rule, f.severity) == ("LOKI006", Severity.ERROR)
    assert "has no port 9000, only 6000, 8088, 8686" in f.message


def test_agent_sends_to_a_source_of_another_protocol(stack):
    stack.replace(AGENT, "svc.cluster.local:6000", "svc.cluster.local:8088")
    (f,) = findings(stack)
    assert f.rule == "LOKI006" and "is the splunk_hec source hec" in f.message


def test_agent_sends_to_an_aggregator_nothing_creates(stack):
    stack.replace(AGENT, "address: vector-aggregator.monitoring", "address: vector-aggr.monitoring")
    (f,) = findings(stack)
    assert (f.rule, f.severity) == ("LOKI006", Severity.WARNING)
    assert "no Service vector-aggr in namespace monitoring" in f.message


def test_loki_sink_with_the_push_path(stack):
    stack.replace(AGGREGATOR, "cluster.local:3100\n", "cluster.local:3100/loki/api/v1/push\n")
    (f,) = findings(stack)
    assert f.rule == "LOKI006" and "Vector appends `path`" in f.message


def test_loki_password_in_clear(stack):
    stack.replace(AGGREGATOR, "password: ${LOKI_PASSWORD}", "password: s3cr3t-loki-pass")
    (f,) = findings(stack)
    assert f.rule == "SEC005" and "customConfig.sinks.loki.auth.password" in f.message


CONFIGMAP = """\
-- logging/vector-config.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: vector-pipeline
  namespace: logging
data:
  pipeline.yaml: |
    sources:
      journald:
        type: journald
    sinks:
      out:
        type: console
        inputs: [INPUT]
        encoding: {codec: json}
"""


def test_configmap_config(repo):
    result = check(repo(CONFIGMAP.replace("INPUT", "journal")), select=["VEC001"])
    (f,) = result.findings
    assert f.loc.path == "logging/vector-config.yaml" and f.loc.line == 14
    assert not check(repo(CONFIGMAP.replace("INPUT", "journald")), select=["VEC001"]).findings


def test_configmaps_of_one_namespace_form_one_config(repo):
    other = """\
-- logging/vector-sources.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: vector-sources
  namespace: logging
data:
  sources.yaml: |
    sources:
      journal:
        type: journald
    transforms:
      keep:
        type: filter
        inputs: [journal]
        condition: 'true'
    sinks: {}
"""
    result = check(repo(CONFIGMAP.replace("INPUT", "journal") + other), select=["VEC001"])
    assert result.findings == []


def test_hostile_config_gives_findings_not_tracebacks(repo):
    root = repo(
        {
            "logging/vector.yaml": """\
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: vector, namespace: logging}
                spec:
                  chart: {spec: {chart: vector, version: 0.46.0}}
                  values:
                    customConfig:
                      sources:
                        a: {type: vector, address: "0.0.0.0:PORT"}
                        b: [not, a, mapping]
                      transforms:
                        r: {type: route, inputs: [a, 7, {x: 1}], route: [odd]}
                      sinks:
                        s: {type: vector, inputs: [r, r.x, s, ""], address: "vector.logging:PORT"}
                        t: {type: http, inputs: "a", uri: [1, 2]}
                """.replace("PORT", "9" * 5000)
        }
    )
    result = check(root, select=["VEC001", "LOKI006"])
    assert not result.errors
    messages = sorted(f.message for f in result.findings)
    assert any('input "r" is a route transform, which has no default output' in m for m in messages)
    assert any('input "s" is the component itself' in m for m in messages)


def test_credentials_in_a_vector_configmap(repo):
    """A Vector YAML configuration in a ConfigMap is walked like the chart's customConfig."""
    encoding = "        encoding: {codec: json}\n"
    auth = "        auth: {token: Vect0r-T0ken-Value}\n"
    text = CONFIGMAP.replace("INPUT", "journald").replace(encoding, encoding + auth)
    (f,) = check(repo(text), select=["SEC005"]).findings
    assert (f.loc.path, f.loc.line) == ("logging/vector-config.yaml", 16)
    assert "sinks.out.auth.token" in f.message and "SECRET[backend.key]" in f.hint and "Vect0r" not in f.message
    assert not check(repo(text.replace("Vect0r-T0ken-Value", "SECRET[vault.token]")), select=["SEC005"]).findings


def test_secret_backend_references_in_values_are_quiet(stack):
    stack.replace(AGGREGATOR, "password: ${LOKI_PASSWORD}", "password: SECRET[vault.loki_password]")
    assert findings(stack) == []
