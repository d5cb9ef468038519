"""Vector configured in TOML (https://vector.dev/docs/reference/configuration/ reads TOML, YAML
and JSON): an agent whose config is a TOML file made into a ConfigMap by a configMapGenerator,
and an aggregator whose config is a `vector.toml` key of a ConfigMap, laid over the reference
stack, lint clean; each planted mistake is caught by its rule at its line and column."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from tests.conftest import check
from tests.systems.stack import stack_with

AGENT = "infrastructure/monitoring/alloy/vector-toml-agent.toml"
AGGREGATOR = "infrastructure/monitoring/alloy/vector-toml-aggregator.yaml"


def findings(root, **kwargs):
    result = check(root, **kwargs)
    assert not result.errors, result.errors
    return result.findings


def where(f):
    return (f.rule, f.loc.path, f.loc.line, f.loc.col)


@pytest.fixture
def stack(tmp_path):
    return stack_with(tmp_path, "vector-toml", "vector")


def test_pipeline_lints_clean(stack):
    assert findings(stack.root) == []


def test_input_typo_in_the_toml_file(stack):
    stack.replace(AGENT, 'inputs = ["pods"]', 'inputs = ["pod"]')
    (f,) = findings(stack.root)  # once: the ConfigMap the generator makes of the file is not read again
    assert where(f) == ("VEC001", AGENT, 9, 11) and f.severity == Severity.ERROR
    assert 'input "pod" matches no source or transform' in f.message and "did you mean pods?" in f.hint


def test_route_read_without_a_route_in_the_configmap(stack):
    stack.replace(AGGREGATOR, '"by_level.errors", "by_level._unmatched"', '"by_level"')
    (f,) = findings(stack.root)
    assert where(f) == ("VEC001", AGGREGATOR, 44, 15) and "no default output" in f.message


def test_agent_sends_to_a_port_the_aggregator_does_not_listen_on(stack):
    stack.replace(AGENT, "svc.cluster.local:6000", "svc.cluster.local:6001")
    (f,) = findings(stack.root)
    assert where(f) == ("LOKI006", AGENT, 17, 11) and f.severity == Severity.ERROR
    assert "Service vector-toml-aggregator in namespace monitoring has no port 6001" in f.message


def test_loki_sink_with_the_push_path(stack):
    stack.replace(AGGREGATOR, 'cluster.local:3100"', 'cluster.local:3100/loki/api/v1/push"')
    (f,) = findings(stack.root)
    assert where(f) == ("LOKI006", AGGREGATOR, 45, 16) and "Vector appends `path`" in f.message


def test_loki_sink_at_a_port_loki_does_not_listen_on(stack):
    stack.replace(AGGREGATOR, 'cluster.local:3100"', 'cluster.local:3101"')
    (f,) = findings(stack.root)
    assert where(f) == ("LOKI006", AGGREGATOR, 45, 16) and "has no port 3101" in f.message


def test_invalid_toml_in_the_configmap(stack):
    stack.replace(AGGREGATOR, 'type = "route"\n', 'type = "route\n')
    (f,) = findings(stack.root)
    assert where(f) == ("CORE001", AGGREGATOR, 38, 18)
    assert "ConfigMap monitoring/vector-toml-aggregator-config key vector.toml: invalid TOML" in f.message


def test_invalid_toml_file(stack):
    stack.replace(AGENT, 'type = "vector"', 'type = "vector" "grpc"')
    (f,) = findings(stack.root)
    assert where(f) == ("CORE001", AGENT, 15, 17) and "invalid TOML" in f.message


LAYOUTS = """\
-- logging/vector.toml --
# components as dotted keys and inline tables rather than headers
sources.journal.type = "journald"
transforms = { parse = { type = "remap", inputs = ["journal"], source = "." } }

[sinks]
out = { type = "console", inputs = ["INPUT"], encoding.codec = "json" }
"""


def test_dotted_keys_and_inline_tables(repo):
    (f,) = findings(repo(LAYOUTS.replace("INPUT", "parsed")), select=["VEC001"])
    assert where(f) == ("VEC001", "logging/vector.toml", 6, 37) and "did you mean parse?" in f.hint
    assert findings(repo(LAYOUTS.replace("INPUT", "parse")), select=["VEC001"]) == []


def test_files_of_one_directory_form_one_config(repo):
    root = repo(
        {
            "vector/sources.toml": '[sources.journal]\ntype = "journald"\n',
            "vector/sinks.toml": '[sinks.out]\ntype = "console"\ninputs = ["journal"]\nencoding.codec = "json"\n',
        }
    )
    assert findings(root, select=["VEC001"]) == []


NOT_VECTOR = {
    # TOML files of other tools, some with Vector's words in them, one that does not parse
    "pyproject.toml": '[project]\nname = "x"\n[tool.x.sinks.a]\ntype = "console"\ninputs = ["nothing"]\n',
    "Cargo.toml": '[package]\nname = "x"\n[dependencies]\nsinks = "1"\n',
    "config/app.toml": 'sources = ["a"]\n[sinks.out]\ninputs = ["nothing"]\n',  # no component type
    "config/broken.toml": "[server\ntype = 1\nsinks = 2\n",
}


def test_other_toml_files_are_not_read(repo):
    assert findings(repo(NOT_VECTOR)) == []


def test_invalid_toml_is_reported_only_when_meant_for_vector(repo):
    root = repo({**NOT_VECTOR, "logging/vector-agent.toml": "[api]\nenabled = tru\ntype = 1\nsources = 1\n"})
    (f,) = findings(root)
    assert where(f) == ("CORE001", "logging/vector-agent.toml", 2, 11)


HOSTILE_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: vector, namespace: logging}
data:
  vector.toml: |
    [sinks.out]
    type = "console"
    inputs = NESTED
"""


def test_hostile_toml_gives_findings_not_tracebacks(repo):
    deep = "[" * 5000 + "]" * 5000
    root = repo(
        {
            "logging/vector-deep.toml": f'[sinks.out]\ntype = "console"\ninputs = {deep}\n',
            "logging/vector-keys.toml": "[sinks." + ".".join(["x"] * 3000) + ']\ntype = "console"\n',
            "logging/vector-huge.toml": '[sinks.out]\ntype = "console"\ninputs = [' + '"a",' * 300_000 + "]\n",
            "logging/vector-inline.toml": "[sinks.out]\ntype = 'x'\nv = " + "{a=" * 400 + "1" + "}" * 400 + "\n",
            "logging/configmap.yaml": HOSTILE_CONFIGMAP.replace("NESTED", deep),
        }
    )
    found = findings(root)
    assert {f.rule for f in found} == {"CORE006"}
    assert sorted((f.loc.path, f.loc.line) for f in found) == [
        ("logging/configmap.yaml", 6),
        ("logging/vector-deep.toml", 1),
        ("logging/vector-huge.toml", 1),
        ("logging/vector-inline.toml", 1),
        ("logging/vector-keys.toml", 1),
    ]
    assert all("was not read" in f.message for f in found)


def test_secret_string_data_and_suppression_comments(repo):
    secret = """\
        apiVersion: v1
        kind: Secret
        metadata: {name: vector, namespace: logging}
        stringData:
          vector.toml: |
            [sources.journal]
            type = "journald"
            [sinks.out]
            type = "console"
            inputs = ["journl"]
            encoding.codec = "json"
        """
    (f,) = findings(repo({"logging/secret.yaml": secret}), select=["VEC001"])
    assert where(f) == ("VEC001", "logging/secret.yaml", 10, 15)
    toml = '[sources.a]\ntype = "file"\n[sinks.b]\ntype = "console"\ninputs = ["c"]\n'
    (f,) = findings(repo({"logging/vector.toml": toml}), select=["VEC001"])
    assert where(f) == ("VEC001", "logging/vector.toml", 5, 11)
    suppressed = toml.replace('["c"]', '["c"]  # obslint: disable=VEC001 read from another directory')
    assert findings(repo({"logging/vector.toml": suppressed}), select=["VEC001"]) == []


def test_credentials_in_clear_in_toml_are_caught_where_they_are_written(stack):
    """SEC005 walks Vector TOML configurations: the file, and a ConfigMap key (where the JWT is reported once,
    at its key, not again as a token somewhere in the ConfigMap)."""
    stack.replace(AGENT, 'address = "vector-toml', 'auth.password = "s3cr3t-Vector-pass"\naddress = "vector-toml')
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2ZWN0b3IifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
    labels = '    labels.source = "vector"\n'
    stack.replace(AGGREGATOR, labels, f'{labels}    auth.token = "{jwt}"\n')
    got = sorted(findings(stack.root), key=where)
    assert [where(f) for f in got] == [
        ("SEC005", AGENT, 17, 17),
        ("SEC005", AGGREGATOR, 48, 18),
    ]
    assert "sinks.aggregator.auth.password" in got[0].message and "SECRET[backend.key]" in got[0].hint
    assert "plaintext JWT at ConfigMap monitoring/vector-toml-aggregator-config key vector.toml" in got[1].message
    assert all("s3cr3t" not in f.message and jwt not in f.message for f in got)


@pytest.mark.parametrize("reference", ["${VECTOR_PASSWORD}", "SECRET[vault.vector_password]"])
def test_credentials_read_at_run_time_are_quiet(stack, reference):
    stack.replace(AGENT, 'address = "vector-toml', f'auth.password = "{reference}"\naddress = "vector-toml')
    assert findings(stack.root) == []
