"""PROM001 rule-invalid: promtool in one batch, mapped back to the original lines; parser fallback."""

from __future__ import annotations

import shutil

import pytest
import yaml

from obslint.config import Config
from tests.conftest import DATA, check, require_tool

FIXTURES = DATA / "prometheus"


def _findings(root, monkeypatch=None, promtool=True, **cfg):
    if not promtool:
        monkeypatch.setenv("OBSLINT_PROMTOOL", "/nonexistent/promtool")
    config = Config.model_validate(cfg) if cfg else Config()
    result = check(root, select=["PROM001"], config=config)
    assert not result.errors, result.errors
    return result


MODES = ["promtool", "fallback"]


def _mode(request, monkeypatch):
    if request.param == "promtool":
        require_tool("promtool")
        return {"promtool": True}
    return {"promtool": False, "monkeypatch": monkeypatch}


@pytest.fixture(params=MODES)
def mode(request, monkeypatch):
    return _mode(request, monkeypatch)


def test_bad_expression_in_prometheusrule_points_at_expression(repo, mode):
    root = repo(
        {
            "rules.yaml": """\
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata: {name: r, namespace: monitoring}
            spec:
              groups:
                - name: g
                  rules:
                    - alert: Good
                      expr: up == 0
                    - alert: Bad
                      expr: |
                        sum(rate(foo[5m])) by (job
                          > 1
            """
        }
    )
    result = _findings(root, **mode)
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.rule == "PROM001"
    assert "'Bad'" in f.message
    assert f.loc.path == "rules.yaml"
    assert f.loc.line in (12, 13)


def test_embedded_configmap_rules_map_to_configmap_lines(repo, mode):
    root = repo(
        {
            "cm.yaml": """\
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: prom-rules, namespace: monitoring}
            data:
              alerts.yaml: |
                groups:
                  - name: g
                    rules:
                      - record: job:up:sum
                        expr: sum by (job) (up)
                        for: 5m
            """
        }
    )
    result = _findings(root, **mode)
    assert [(f.loc.line, "invalid field 'for'" in f.message) for f in result.findings] == [(11, True)]


def test_helm_values_rules_are_checked(repo, mode):
    root = repo(
        {
            "hr.yaml": """\
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: kube-prometheus-stack, namespace: monitoring}
            spec:
              chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
              values:
                additionalPrometheusRulesMap:
                  custom:
                    groups:
                      - name: custom
                        rules:
                          - alert: X
                            expr: up = 0
            """
        }
    )
    result = _findings(root, **mode)
    assert [f.loc.line for f in result.findings] == [13]


def test_logql_groups_get_structure_checks_only(repo, mode):
    root = repo(
        {
            "cm.yaml": """\
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: loki-rules, namespace: monitoring, labels: {loki_rule: "1"}}
            data:
              rules.yaml: |
                groups:
                  - name: logs
                    rules:
                      - alert: Errors
                        expr: sum(count_over_time({app="x"} |= "error" [5m])) > 0
                      - alert: NoExpr
            """
        }
    )
    result = _findings(root, **mode)
    assert [(f.loc.line, "expr" in f.message) for f in result.findings] == [(11, True)]


def test_flux_substitution_is_not_reported(repo, mode):
    root = repo(
        {
            "r.yaml": """\
            groups:
              - name: g
                rules:
                  - alert: X
                    expr: up{cluster="${CLUSTER}"} == 0 and on() vector(${ENABLED})
            """
        }
    )
    assert _findings(root, **mode).findings == []


def test_rulefmt_fixtures(repo, mode, tmp_path):
    """Every upstream rulefmt fixture: invalid ones rejected, valid ones accepted (UTF-8 names)."""
    expected = yaml.safe_load((FIXTURES / "rulefmt_expected.yaml").read_text())
    data = FIXTURES / "rulefmt-testdata"
    for name, spec in expected["valid"].items():
        scheme = spec.get("scheme", "utf8")
        root = tmp_path / f"valid-{mode['promtool']}-{name}"
        root.mkdir()
        shutil.copy(data / name, root / name)
        result = _findings(root, **mode, options={"PROM001": {"name_validation": scheme}})
        assert result.findings == [], (name, result.findings)
    for name, spec in expected["invalid"].items():
        scheme = spec.get("scheme", "utf8")
        root = tmp_path / f"invalid-{mode['promtool']}-{name}"
        root.mkdir()
        shutil.copy(data / name, root / name)
        result = _findings(root, **mode, options={"PROM001": {"name_validation": scheme}})
        assert result.findings, name
        assert all(f.loc.path == name and f.loc.line > 1 for f in result.findings), result.findings


def test_promtool_fixtures(repo, tmp_path):
    require_tool("promtool")
    data = FIXTURES / "promtool-testdata"
    for name, exit_code in (("rules.yml", 0), ("rules-bad.yml", 1), ("rules_duplicates.yml", 0)):
        root = tmp_path / name
        root.mkdir()
        shutil.copy(data / name, root / name)
        result = _findings(root)
        assert bool(result.findings) == bool(exit_code), (name, result.findings)
    bad = [f for f in _findings(tmp_path / "rules-bad.yml").findings]
    assert any("$label" in f.message for f in bad)


def test_missing_promtool_leaves_a_notice(repo, monkeypatch):
    root = repo({"r.yaml": "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up ==== 0\n"})
    result = _findings(root, monkeypatch=monkeypatch, promtool=False)
    assert len(result.findings) == 1
    assert any("promtool" in n for n in result.notices)


def _dialect_repo(repo, exprs: list[str], values: str = "{}") -> object:
    rules = "".join(f"        - record: r{i}\n          expr: '{e}'\n" for i, e in enumerate(exprs))
    return repo(
        {
            "hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            "metadata: {name: kps, namespace: monitoring}\nspec:\n"
            "  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}\n"
            f"  values:\n    prometheus: {{prometheusSpec: {values}}}\n",
            "pr.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
            "metadata: {name: r, namespace: monitoring, labels: {release: kps}}\n"
            "spec:\n  groups:\n    - name: g\n      rules:\n" + rules,
        }
    )


def test_prometheus3_dialect(repo, mode):
    root = _dialect_repo(repo, ['{"my.metric", job="x"}', "holt_winters(x[5m], 0.5, 0.5)", "info(up)"])
    lines = sorted(f.loc.line for f in _findings(root, **mode).findings)
    assert lines == [11, 13]  # holt_winters (removed) and info() (experimental, not enabled)
    root = _dialect_repo(repo, ["info(up)"], "{enableFeatures: [promql-experimental-functions]}")
    assert _findings(root, **mode).findings == []


def test_prometheus2_dialect_option(repo):
    require_tool("promtool")
    root = _dialect_repo(repo, ['{"my.metric", job="x"}', "holt_winters(x[5m], 0.5, 0.5)"])
    result = _findings(root, options={"PROM001": {"promql": "prometheus2"}})
    assert [f.loc.line for f in result.findings] == [9]  # the quoted UTF-8 name


def test_more_promtool_fixtures(tmp_path):
    """Upstream's promtool fixtures: syntax errors and unknown group fields rejected, duplicates linted."""
    require_tool("promtool")
    data = FIXTURES / "promtool-testdata"
    expected = {
        "bad-rules-syntax.yml": {"PROM001"},  # expr 'test +' does not parse
        "rules_extrafields.yml": {"PROM001"},  # extra group keys without --ignore-unknown-fields
        "prometheus-rules.lint.yml": {"PROM009"},  # two identical HighRequestLatency rules
        "rules_duplicates.yml": {"PROM009"},  # job:test:count_over_time1m three times
        "rules.yml": set(),
    }
    for name, rules in expected.items():
        root = tmp_path / name.replace(".", "_")
        root.mkdir()
        shutil.copy(data / name, root / name)
        result = check(root, select=["PROM001", "PROM009"])
        assert not result.errors
        assert {f.rule for f in result.findings} == rules, (name, result.findings)
    dup = check(tmp_path / "rules_duplicates_yml", select=["PROM009"]).findings
    assert {f.message.split("'")[1] for f in dup} == {"job:test:count_over_time1m"}


def test_large_batches_are_split_across_promtool_processes(repo, monkeypatch):
    """Above SHARD_RULES rules promtool runs once per CPU on a share of the files; each error
    still maps to its own file and line."""
    require_tool("promtool")
    from obslint.tools import promtool

    monkeypatch.setattr(promtool, "SHARD_RULES", 2)
    monkeypatch.setattr(promtool.os, "cpu_count", lambda: 3)
    started: list[list[str]] = []
    real_start = promtool.start_tool

    def spy(prefix, files, argv, **kw):
        started.append(sorted(files))
        return real_start(prefix, files, argv, **kw)

    monkeypatch.setattr(promtool, "start_tool", spy)
    files = {}
    for i in range(6):
        bad = i in (1, 4)
        files[f"rules-{i}.yaml"] = (
            f"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {{name: r{i}, namespace: m}}\n"
            "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n"
            f"        - alert: B{i}\n          expr: {'sum(up' if bad else 'up == 1'}\n"
        )
    result = _findings(repo(files))
    names = [name for shard in started for name in shard]
    assert len(started) == 3 and len(names) == len(set(names)) == 6
    assert sorted((f.loc.path, f.loc.line) for f in result.findings) == [("rules-1.yaml", 11), ("rules-4.yaml", 11)]


def test_copies_of_one_rule_file_are_checked_once_and_reported_each(repo, monkeypatch):
    """A fleet holds the same PrometheusRule in every cluster: promtool sees its text once, and its
    error is reported at each copy."""
    require_tool("promtool")
    from obslint.tools import promtool

    started: list[list[str]] = []
    real_start = promtool.start_tool

    def spy(prefix, files, argv, **kw):
        started.append(sorted(files))
        return real_start(prefix, files, argv, **kw)

    monkeypatch.setattr(promtool, "start_tool", spy)
    rule = (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r, namespace: m}\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: sum(up\n"
    )
    result = _findings(repo({f"c{n}/rules.yaml": rule for n in range(4)}))
    assert [len(files) for files in started] == [1]
    assert sorted(f.loc.path for f in result.findings) == [f"c{n}/rules.yaml" for n in range(4)]
