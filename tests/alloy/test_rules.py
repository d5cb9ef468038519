"""ALLOY rules: each fires on a broken config and stays quiet on the fixed one."""

from __future__ import annotations

import re

import pytest

from obslint.alloy import parse
from obslint.findings import Severity
from tests.conftest import DATA, check, rule_ids

FIXTURES = DATA / "alloy"

WRITER = """
loki.write "default" {
  endpoint {
    url = "http://loki.example.com/loki/api/v1/push"
  }
}
"""
SOURCE = """
loki.source.api "push" {
  http {
    listen_port = 3500
  }
  forward_to = [%s]
}
"""


def run(repo, files: dict[str, str], rule: str):
    return check(repo(files), select=[rule]).findings


def alloy(repo, text: str, rule: str):
    return run(repo, {"alloy/config.alloy": text}, rule)


# --- ALLOY001 -----------------------------------------------------------------------------
def test_syntax_error_in_file_points_at_token(repo) -> None:
    findings = alloy(repo, "loki.write \"default\" {\n  endpoint {\n    url = 'x'\n  }\n}\n", "ALLOY001")
    assert {(f.loc.line, f.loc.col) for f in findings} == {(3, 11)}
    assert any("single-quoted" in f.message for f in findings)


def test_syntax_error_in_helmrelease_values_maps_to_yaml_line(repo) -> None:
    files = {
        "alloy/hr.yaml": """\
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata:
              name: alloy
              namespace: monitoring
            spec:
              chart:
                spec:
                  chart: alloy
              values:
                alloy:
                  configMap:
                    content: |
                      loki.write "default" {
                        endpoint {
                          url = "http://loki.example.com/loki/api/v1/push"
                        }
                      }
                      loki.source.api "push" {
                        forward_to = [loki.write.default.receiver
                      }
        """
    }
    findings = run(repo, files, "ALLOY001")
    assert findings and findings[0].loc.path == "alloy/hr.yaml"
    assert (findings[0].loc.line, findings[0].loc.col) == (20, 54)
    assert "missing ','" in findings[0].message


def test_valid_config_has_no_syntax_error(repo) -> None:
    assert alloy(repo, WRITER + SOURCE % "loki.write.default.receiver", "ALLOY001") == []


def test_suppression_comment_in_river(repo) -> None:
    text = "// obslint: disable=alloy-syntax-error known broken\nx = 'a'\n"
    assert alloy(repo, text, "ALLOY001") == []
    text = "x = 'a' // obslint: disable=ALLOY001\n"
    assert alloy(repo, text, "ALLOY001") == []
    assert alloy(repo, "x = 'a'\n", "ALLOY001")


# --- ALLOY002 -----------------------------------------------------------------------------
def test_undefined_component_with_did_you_mean(repo) -> None:
    findings = alloy(repo, WRITER + SOURCE % "loki.write.defualt.receiver", "ALLOY002")
    assert len(findings) == 1
    assert 'component "loki.write.defualt" does not exist' in findings[0].message
    assert "loki.write.default" in findings[0].hint


def test_unknown_export(repo) -> None:
    findings = alloy(repo, WRITER + SOURCE % "loki.write.default.reciever", "ALLOY002")
    assert len(findings) == 1 and 'no export "reciever"' in findings[0].message
    assert "loki.write.default.receiver" in findings[0].hint


def test_resolved_references_stdlib_and_imports_are_fine(repo) -> None:
    text = (
        WRITER
        + SOURCE % "loki.write.default.receiver, lib.sink.main.receiver"
        + """
import.file "lib" {
  filename = "/etc/alloy/lib.alloy"
}
local.file "token" {
  filename = sys.env("TOKEN_FILE")
}
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + coalesce(sys.env("NODE_NAME"), constants.hostname)
  }
}
"""
    )
    assert alloy(repo, text, "ALLOY002") == []


def test_declare_scopes_and_arguments(repo) -> None:
    text = (
        """
declare "pipeline" {
  argument "forward_to" {
    optional = false
  }
  loki.process "inner" {
    forward_to = argument.forward_to.value
  }
  loki.relabel "other" {
    forward_to = argument.forward_too.value
  }
  export "receiver" {
    value = loki.process.inner.receiver
  }
}
pipeline "main" {
  forward_to = [loki.write.default.receiver]
}
loki.source.api "push" {
  http {
    listen_port = 3500
  }
  forward_to = [pipeline.main.receiver, pipeline.main.output]
}
"""
        + WRITER
    )
    findings = alloy(repo, text, "ALLOY002")
    messages = sorted(f.message for f in findings)
    assert len(messages) == 2, messages
    assert 'argument "forward_too" is not declared in module "pipeline"' in messages[0]
    assert 'component "pipeline.main" has no export "output"' in messages[1]


def test_validator_oracle_invalid_refs(repo) -> None:
    path = FIXTURES / "validator-testdata" / "default" / "invalid_refs.txtar"
    files = dict(re.findall(r"^-- (\S+) --\n(.*?)(?=^-- |\Z)", path.read_text(), re.S | re.M))
    findings = run(repo, {"alloy/main.alloy": files["main.alloy"]}, "ALLOY002")
    got = sorted((f.loc.line, f.loc.col) for f in findings)
    want = sorted(
        (int(a), int(b))
        for a, b in re.findall(
            r"^Error: main\.alloy:(\d+):(\d+): component", (path.with_suffix(".diags")).read_text(), re.M
        )
    )
    assert got == want


# --- ALLOY003 -----------------------------------------------------------------------------
def test_dead_end_source_and_unfed_writer(repo) -> None:
    text = (
        SOURCE % "loki.process.app.receiver"
        + """
loki.process "app" {
  forward_to = []
}
"""
        + WRITER
    )
    findings = alloy(repo, text, "ALLOY003")
    messages = sorted(f.message for f in findings)
    assert messages == [
        "loki.process.app sends its data nowhere: no writer is reachable from it",
        "loki.source.api.push sends its data nowhere: no writer is reachable from it",
        "nothing forwards data to loki.write.default",
    ]


def test_pipeline_reaching_writer_is_fine(repo) -> None:
    text = (
        SOURCE % "loki.process.app.receiver"
        + """
loki.process "app" {
  forward_to = [loki.write.default.receiver]
}
logging {
  write_to = [loki.write.default.receiver]
}
"""
        + WRITER
    )
    assert alloy(repo, text, "ALLOY003") == []


def test_dead_end_unknown_when_forwarding_to_module_argument(repo) -> None:
    text = (
        """
declare "m" {
  argument "out" { }
  loki.process "p" {
    forward_to = argument.out.value
  }
  export "in" {
    value = loki.process.p.receiver
  }
}
m "x" {
  out = [loki.write.default.receiver]
}
"""
        + WRITER
        + SOURCE % "m.x.in"
    )
    assert alloy(repo, text, "ALLOY003") == []


def test_dead_end_skipped_on_syntax_errors(repo) -> None:
    assert alloy(repo, SOURCE % "" + "x = 'a'\n", "ALLOY003") == []


# --- ALLOY004 -----------------------------------------------------------------------------
def test_validator_oracle_cycles(repo) -> None:
    path = FIXTURES / "validator-testdata" / "default" / "cycle.txtar"
    text = path.read_text().split("-- main.alloy --\n", 1)[1]
    findings = alloy(repo, text, "ALLOY004")
    messages = sorted(f.message for f in findings)
    assert messages == [
        "cycle detected: prometheus.relabel.label1, prometheus.relabel.label2",
        "cycle detected: prometheus.relabel.label3, prometheus.relabel.label4, prometheus.relabel.label5",
        "prometheus.relabel.label6 references itself",
    ]


def test_no_cycle_in_a_chain(repo) -> None:
    text = """
prometheus.relabel "a" {
  forward_to = [prometheus.relabel.b.receiver]
}
prometheus.relabel "b" {
  forward_to = []
}
"""
    assert alloy(repo, text, "ALLOY004") == []


# --- ALLOY005 -----------------------------------------------------------------------------
def test_unknown_component_with_did_you_mean(repo) -> None:
    text = 'loki.source.kubernets "pods" {\n  forward_to = []\n}\nloging {\n  level = "info"\n}\n'
    findings = alloy(repo, text, "ALLOY005")
    assert [(f.message, f.hint) for f in findings] == [
        ('unknown component "loki.source.kubernets"', "did you mean loki.source.kubernetes?"),
        ('unknown component "loging"', "did you mean logging?"),
    ]
    assert {f.severity for f in findings} == {Severity.ERROR}


def test_unknown_component_close_to_none_is_a_warning(repo) -> None:
    # It may come from an Alloy release newer than the component reference obslint knows.
    (f,) = alloy(repo, 'tracing.zipkin_bridge "x" {\n}\n', "ALLOY005")
    assert f.hint == "not an Alloy component, nor declared here" and f.severity is Severity.WARNING


def test_validator_oracle_missing_component(repo) -> None:
    path = FIXTURES / "validator-testdata" / "default" / "missing.txtar"
    text = path.read_text().split("-- main.alloy --\n", 1)[1]
    findings = alloy(repo, text, "ALLOY005")
    assert [(f.loc.line, f.loc.col, f.message) for f in findings] == [(1, 1, 'unknown component "local.missing"')]


def test_declared_imported_and_new_components_are_not_flagged(repo) -> None:
    text = """
declare "mine" { }
mine "a" { }
import.git "mods" {
  repository = "https://example.com/mods.git"
  path       = "x.alloy"
}
mods.thing "b" { }
otelcol.processor.brand_new_thing "c" { }
"""
    assert alloy(repo, text, "ALLOY005") == []


# --- ALLOY006 -----------------------------------------------------------------------------
def test_unknown_attribute_and_block(repo) -> None:
    text = """
loki.write "default" {
  endpoint {
    url      = "http://loki.example.com/loki/api/v1/push"
    tenantid = "home"
    basic_auth {
      username = "u"
      pasword  = sys.env("P")
    }
  }
  endpoints {
  }
}
loki.process "p" {
  forward_to = [loki.write.default.receiver]
  stage.match {
    selector = "{app=\\"x\\"}"
    stage.json {
      expresions = { level = "" }
    }
  }
  forward_to { }
}
"""
    findings = alloy(repo, text, "ALLOY006")
    got = [(f.loc.line, f.message, f.hint) for f in findings]
    assert (5, 'unknown attribute "tenantid" in loki.write.default/endpoint', "did you mean tenant_id?") in got
    assert (8, 'unknown attribute "pasword" in loki.write.default/endpoint/basic_auth', "did you mean password?") in got
    assert (11, 'unknown block "endpoints" in loki.write.default', "did you mean endpoint?") in got
    assert any(line == 19 and "expresions" in msg and "expressions" in hint for line, msg, hint in got)
    assert any(line == 22 and "must be an attribute" in msg for line, msg, _ in got)
    assert len(got) == 5
    assert {f.severity for f in findings} == {Severity.ERROR}  # typos and misplaced blocks


def test_unknown_attribute_close_to_none_is_a_warning(repo) -> None:
    text = 'loki.write "default" {\n  endpoint {\n    url = "http://loki.example.com/loki/api/v1/push"\n'
    text += "    brand_new_setting = true\n  }\n}\n"
    (f,) = alloy(repo, text, "ALLOY006")
    assert "brand_new_setting" in f.message and f.severity is Severity.WARNING


def test_declared_component_arguments(repo) -> None:
    text = """
declare "pipeline" {
  argument "forward_to" { }
  loki.process "inner" {
    forward_to = argument.forward_to.value
  }
}
pipeline "main" {
  forward_too = []
}
pipeline "ok" {
  forward_to = []
}
"""
    findings = alloy(repo, text, "ALLOY006")
    assert [(f.loc.line, f.message, f.hint) for f in findings] == [
        (9, 'unknown attribute "forward_too" in pipeline.main', "did you mean forward_to?")
    ]
    assert findings[0].severity is Severity.ERROR


# --- ALLOY007 -----------------------------------------------------------------------------
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: loki
  namespace: monitoring
spec:
  ports:
    - name: http
      port: 3100
"""


def _endpoint_repo(url: str, component: str = "loki.write") -> dict[str, str]:
    text = f'{component} "default" {{\n  endpoint {{\n    url = "{url}"\n  }}\n}}\n'
    return {"loki/service.yaml": SERVICE, "alloy/config.alloy": text}


@pytest.mark.parametrize(
    "url,needle",
    [
        ("http://loki.monitoring.svc.cluster.local:3100/otlp/v1/logs", "OTLP"),
        ("http://loki.monitoring.svc.cluster.local:3100/api/prom/push", "legacy"),
        ("http://loki.monitoring.svc.cluster.local:3100", "no path"),
        ("http://loki.monitoring.svc.cluster.local:3101/loki/api/v1/push", "3101"),
        ("http://lokii.monitoring.svc:3100/loki/api/v1/push", "no Service lokii"),
        ("http://loki.monitoring.svc:9095/loki/api/v1/push", "gRPC port"),
    ],
)
def test_endpoint_problems(repo, url: str, needle: str) -> None:
    findings = run(repo, _endpoint_repo(url), "ALLOY007")
    assert findings and any(needle in f.message for f in findings), findings
    assert {(f.loc.line, f.loc.col) for f in findings} == {(3, 11)}


@pytest.mark.parametrize(
    "url,component",
    [
        ("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push", "loki.write"),
        ("https://logs-prod-012.grafana.net/loki/api/v1/push", "loki.write"),
        ("https://prometheus-prod-01.grafana.net/api/prom/push", "prometheus.remote_write"),
        ("http://mimir.example.com/api/v1/push", "prometheus.remote_write"),
        ("http://prometheus.example.com/api/v1/write", "prometheus.remote_write"),
    ],
)
def test_endpoint_fine(repo, url: str, component: str) -> None:
    assert run(repo, _endpoint_repo(url, component), "ALLOY007") == []


def test_remote_write_to_loki_path(repo) -> None:
    findings = run(
        repo, _endpoint_repo("http://mimir.example.com/loki/api/v1/push", "prometheus.remote_write"), "ALLOY007"
    )
    assert len(findings) == 1 and "not a remote-write receiver" in findings[0].message


def test_computed_urls_are_not_judged(repo) -> None:
    text = 'loki.write "d" {\n  endpoint {\n    url = sys.env("LOKI_URL")\n  }\n}\n'
    assert run(repo, {"alloy/config.alloy": text}, "ALLOY007") == []
    text = 'loki.write "d" {\n  endpoint {\n    url = env("LOKI_URL") + "/loki/api/v1/push"\n  }\n}\n'
    assert run(repo, {"alloy/config.alloy": text}, "ALLOY007") == []


def test_computed_url_with_wrong_literal_path(repo) -> None:
    text = 'loki.write "d" {\n  endpoint {\n    url = env("LOKI_URL") + "/api/prom/push"\n  }\n}\n'
    findings = run(repo, {"alloy/config.alloy": text}, "ALLOY007")
    assert len(findings) == 1 and "legacy" in findings[0].message


# --- whole-repo --------------------------------------------------------------------------
def test_reference_stack_alloy_config_is_clean() -> None:
    from tests.conftest import REFERENCE_STACK

    if not REFERENCE_STACK.is_dir():
        pytest.skip("no reference stack")
    result = check(REFERENCE_STACK, select=["ALLOY"])
    assert rule_ids(result.findings) == []


def test_parse_is_exposed() -> None:
    assert parse("a = 1\n").ok


def test_converter_outputs_have_no_reference_or_schema_findings(tmp_path) -> None:
    """Real `alloy convert` outputs are valid Alloy: the knowledge base must accept every one."""
    files = sorted((FIXTURES / "converted").rglob("*.alloy"))
    assert len(files) > 100
    for i, path in enumerate(files):
        target = tmp_path / f"c{i}" / "config.alloy"
        target.parent.mkdir()
        target.write_text(path.read_text())
    findings = check(tmp_path, select=["ALLOY001", "ALLOY002", "ALLOY004", "ALLOY005", "ALLOY006"]).findings
    assert [f"{f.loc} {f.rule} {f.message}" for f in findings] == []


# Alloy validator messages and the rule that reports the same problem (alloy validate fixtures).
VALIDATOR_CATEGORIES = {
    "does not exist or is out of scope": "ALLOY002",
    "cannot find the definition of component name": "ALLOY005",
    "unrecognized attribute name": "ALLOY006",
    "cycle detected": "ALLOY004",
    "cannot reference self": "ALLOY004",
    "already declared at": "ALLOY008",
}
SYNTAX_FILES = {"syntax_errors"}


def _validator_cases() -> list:
    return sorted((FIXTURES / "validator-testdata").rglob("*.txtar"))


@pytest.mark.parametrize("case", _validator_cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_validator_fixtures(case, tmp_path) -> None:
    """Every validator diagnostic of a kind obslint checks is reported at the same position, and
    nothing else is reported for those rules (ALLOY006 only where the component is modelled)."""
    files = dict(re.findall(r"^-- (\S+) --\n(.*?)(?=^-- |\Z)", case.read_text(), re.S | re.M))
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    diags = case.with_suffix(".diags").read_text()
    expected: dict[str, set] = {r: set() for r in {*VALIDATOR_CATEGORIES.values(), "ALLOY001"}}
    for path, line, col, message in re.findall(r"^Error: (\S+?):(\d+):(\d+): (.*)$", diags, re.M):
        for needle, rule_id in VALIDATOR_CATEGORIES.items():
            if needle in message:
                expected[rule_id].add((path, int(line), int(col)))
        if case.stem in SYNTAX_FILES:
            expected["ALLOY001"].add((path, int(line), int(col)))
    findings = check(tmp_path, select=sorted(expected)).findings
    got: dict[str, set] = {r: set() for r in expected}
    for f in findings:
        got[f.rule].add((f.loc.path, f.loc.line, f.loc.col))
    for rule_id in ("ALLOY001", "ALLOY002", "ALLOY005", "ALLOY006", "ALLOY008"):
        assert got[rule_id] == expected[rule_id], rule_id
    # a cycle is reported once, at its first member; Alloy repeats it for every member
    assert got["ALLOY004"] <= expected["ALLOY004"]
    assert bool(got["ALLOY004"]) == bool(expected["ALLOY004"])


# --- ALLOY008 -----------------------------------------------------------------------------
def test_duplicate_blocks_per_scope(repo) -> None:
    text = """
logging {
  level = "info"
}
logging {
  level = "warn"
}
declare "m" {
  local.file "x" {
    filename = "/a"
  }
}
local.file "x" {
  filename = "/b"
}
local.file "x" {
  filename = "/c"
}
"""
    findings = alloy(repo, text, "ALLOY008")
    assert [(f.loc.line, f.message) for f in findings] == [
        (5, "block logging already declared at alloy/config.alloy:2:1"),
        (16, "block local.file.x already declared at alloy/config.alloy:13:1"),
    ]


def test_same_label_for_different_components_is_fine(repo) -> None:
    text = 'local.file "x" {\n  filename = "/a"\n}\nlocal.file_match "x" {\n  path_targets = []\n}\n'
    assert alloy(repo, text, "ALLOY008") == []


def test_suppression_inside_embedded_config(repo) -> None:
    hr = """\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: alloy
          namespace: monitoring
        spec:
          chart:
            spec:
              chart: alloy
          values:
            alloy:
              configMap:
                content: |
                  loki.write "default" {
                    endpoint {
                      // obslint: disable=alloy-endpoint-unreachable pushed through a gateway
                      url = "http://gateway.example.com/custom/push"
                    }
                  }
    """
    result = check(repo({"alloy/hr.yaml": hr}), select=["ALLOY007", "CORE003"])
    assert result.findings == []
    unsuppressed = check(repo({"alloy/hr.yaml": hr.replace("// obslint:", "// note:")}), select=["ALLOY007"])
    assert [(f.loc.path, f.loc.line) for f in unsuppressed.findings] == [("alloy/hr.yaml", 17)]


def test_otlp_exporter_endpoint_service(repo) -> None:
    text = (
        'otelcol.exporter.otlphttp "loki" {\n  client {\n'
        '    endpoint = "http://loki.monitoring.svc:3200/otlp"\n  }\n}\n'
    )
    findings = run(repo, {"loki/service.yaml": SERVICE, "alloy/config.alloy": text}, "ALLOY007")
    assert len(findings) == 1 and "no port 3200" in findings[0].message
    fine = text.replace("3200", "3100")
    assert run(repo, {"loki/service.yaml": SERVICE, "alloy/config.alloy": fine}, "ALLOY007") == []
