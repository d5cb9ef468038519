"""grafana-operator (grafana.integreatly.org/v1beta1): a fixture that lints clean, and planted
mistakes each caught by exactly the rule for it (GRAF002, GRAF003, LOKI006)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import check

FIXTURE = Path(__file__).parent / "fixture"
DASHBOARDS = "monitoring/dashboards.yaml"
DATASOURCES = "monitoring/datasources.yaml"
FOLDERS = "monitoring/folders.yaml"
GRAFANA = "monitoring/grafana.yaml"


def planted(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def findings(root: Path):
    result = check(root)
    assert not result.errors, result.errors
    return result.findings


def test_fixture_lints_clean():
    assert findings(FIXTURE) == []


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "says"),
    [
        # a selector no Grafana carries
        (
            DASHBOARDS,
            "dashboards: grafana\n  folderRef",
            "dashboards: grafana-main\n  folderRef",
            "GRAF002",
            "GrafanaDashboard monitoring/node-exporter selects dashboards=grafana-main, which no Grafana in namespace",
        ),
        # matchExpressions that exclude the only Grafana
        (DASHBOARDS, "operator: In", "operator: NotIn", "GRAF002", "GrafanaDashboard monitoring/flux selects"),
        # cross-namespace import turned off: the Grafana in monitoring is out of reach
        (
            DATASOURCES,
            "allowCrossNamespaceImport: true",
            "allowCrossNamespaceImport: false",
            "GRAF002",
            "which only Grafana monitoring/grafana in another namespace carries",
        ),
        # the Grafana relabelled: nothing matches any more (one finding per resource)
        (GRAFANA, "dashboards: grafana", "dashboards: main", "GRAF002", "selects dashboards=grafana"),
        # a misspelt folder
        (
            DASHBOARDS,
            "folderRef: nodes",
            "folderRef: node",
            "GRAF003",
            "GrafanaDashboard monitoring/node-exporter names GrafanaFolder node in folderRef",
        ),
        # a misspelt parent folder
        (
            FOLDERS,
            "parentFolderRef: infrastructure",
            "parentFolderRef: infra",
            "GRAF003",
            "GrafanaFolder monitoring/nodes names GrafanaFolder infra in parentFolderRef",
        ),
        # a datasource at a port the Service does not have
        (
            DATASOURCES,
            "prometheus-operated:9090",
            "prometheus-operated:9091",
            "LOKI006",
            "Service prometheus-operated in namespace monitoring has no port 9091",
        ),
        # resolved from the Grafana's namespace, the Service name is wrong
        (
            DATASOURCES,
            "http://alertmanager-operated:9093",
            "http://alertmanager:9093",
            "LOKI006",
            "no Service alertmanager in namespace monitoring",
        ),
    ],
)
def test_planted_mistake_is_caught(tmp_path, rel, old, new, rule, says):
    found = findings(planted(tmp_path, rel, old, new))
    assert {f.rule for f in found} == {rule}, [(f.rule, f.message) for f in found]
    assert any(says in f.message for f in found), [f.message for f in found]


def test_relabelled_grafana_reports_every_resource(tmp_path):
    found = findings(planted(tmp_path, GRAFANA, "dashboards: grafana", "dashboards: main"))
    assert len(found) == 6  # two folders, two dashboards, two datasources


def test_no_grafana_in_the_repository_is_not_judged(tmp_path):
    """Grafanas may come from outside the repository: without one defined, nothing is reported."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / GRAFANA).unlink()
    assert [f for f in findings(root) if f.rule in ("GRAF002", "GRAF003")] == []


def test_folder_in_another_namespace_is_named(tmp_path):
    moved = ("  name: node-exporter\n  namespace: monitoring", "  name: node-exporter\n  namespace: apps")
    found = findings(planted(tmp_path, DASHBOARDS, *moved))
    rules = {f.rule for f in found}
    # the dashboard moved out of the Grafana's namespace: neither its Grafana nor its folder is there
    assert rules == {"GRAF002", "GRAF003"}
    folder = next(f for f in found if f.rule == "GRAF003")
    assert "GrafanaFolder nodes is in namespace monitoring" in folder.hint


def test_external_grafana_creates_no_service(tmp_path):
    root = planted(tmp_path, GRAFANA, "spec:\n", "spec:\n  external:\n    url: https://grafana.example.org\n")
    (root / "monitoring/ds.yaml").write_text(
        "apiVersion: grafana.integreatly.org/v1beta1\nkind: GrafanaDatasource\n"
        "metadata: {name: self, namespace: monitoring}\n"
        "spec:\n  instanceSelector: {matchLabels: {dashboards: grafana}}\n"
        "  datasource: {name: Self, type: prometheus, url: 'http://grafana-service:3000'}\n",
        encoding="utf-8",
    )
    assert {f.rule for f in findings(root)} == {"LOKI006"}
