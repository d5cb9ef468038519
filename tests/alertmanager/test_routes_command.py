"""`obslint routes test|show` prints what `amtool config routes` prints, on files and repositories."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from obslint.cli import main
from obslint.tools import run_tool
from tests.alertmanager.test_routing import _quote, _random_labels, _random_route
from tests.conftest import DATA, require_tool

CLI_DATA = DATA / "alertmanager" / "cli-testdata"


def _obslint(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def _amtool(*argv: str) -> tuple[int, str]:
    res = run_tool([require_tool("amtool"), "config", "routes", *argv], timeout=30)
    return res.returncode, res.stdout


@pytest.mark.parametrize("fixture", ["conf.routing.yml", "conf.routing-reverted.yml"])
def test_fixtures_like_amtool(capsys, fixture):
    path = CLI_DATA / fixture
    assert _obslint(capsys, "routes", "show", str(path)) == _amtool("show", f"--config.file={path}")
    for labels in (["test=1"], ["test=2"], ["test=volovina"], []):
        assert _obslint(capsys, "routes", "test", str(path), "--tree", *labels) == _amtool(
            "test", "--tree", f"--config.file={path}", *labels
        )


def test_random_trees_show_and_tree_like_amtool(tmp_path: Path, capsys):
    require_tool("amtool")
    rng = random.Random(7)
    receivers = ["r0", "r1", "r2"]
    for t in range(25):
        root = {"receiver": "default", "routes": [_random_route(rng, 1, receivers) for _ in range(rng.randint(1, 3))]}
        path = tmp_path / f"c{t}.yml"
        path.write_text(yaml.safe_dump({"route": root, "receivers": [{"name": n} for n in ["default", *receivers]]}))
        assert _obslint(capsys, "routes", "show", str(path)) == _amtool("show", f"--config.file={path}")
        labels = [f"{k}={_quote(v)}" for k, v in _random_labels(rng).items()]
        assert _obslint(capsys, "routes", "test", "--tree", str(path), *labels) == _amtool(
            "test", "--tree", f"--config.file={path}", *labels
        )


def test_exit_codes_like_amtool(tmp_path: Path, capsys):
    require_tool("amtool")
    good = tmp_path / "good.yml"
    good.write_text(
        "route:\n  receiver: a\n  routes:\n  - matchers: [x=1]\n    receiver: b\nreceivers: [{name: a}, {name: b}]\n"
    )
    bad = tmp_path / "bad.yml"
    bad.write_text("route:\n  receiver: x\nreceivers: [{name: y}]\n")
    cases = [
        (good, ["x=1"], []),
        (good, ["x=1"], ["--verify.receivers=b"]),
        (good, ["x=1"], ["--verify.receivers=a"]),
        (good, ["x!=1"], []),
        (good, ["foo"], []),
        (bad, ["x=1"], []),
    ]
    for path, labels, flags in cases:
        code, out = _obslint(capsys, "routes", "test", str(path), *flags, *labels)
        acode, aout = _amtool("test", f"--config.file={path}", *flags, *labels)
        assert (code, out) == (acode, aout), (path.name, labels, flags)


KPS_REPO = """
-- monitoring/hr.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values:
    alertmanager:
      config:
        route:
          receiver: team
          routes:
            - matchers: [severity="critical"]
              receiver: pager
        receivers:
          - name: team
            webhook_configs: [{url: "https://example.org/hook"}]
          - name: pager
            webhook_configs: [{url: "https://example.org/pager"}]
-- apps/amc.yaml --
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop}
spec:
  route:
    receiver: shop-team
    matchers:
      - {name: team, value: shop}
  receivers:
    - name: shop-team
      webhookConfigs: [{url: "https://example.org/shop"}]
-- other/alertmanager.yml --
route: {receiver: x}
receivers: [{name: x}]
"""


def test_repository_mode_with_alertmanagerconfig(repo, capsys):
    root = repo(KPS_REPO)
    code, out = _obslint(capsys, "routes", "test", str(root), "severity=critical")
    assert code == 2  # two configs, none chosen
    args = ["routes", "test", str(root), "--alertmanager", "kube-prometheus-stack"]
    assert _obslint(capsys, *args, "severity=critical") == (0, "pager\n")
    # the operator: namespace matcher added, continue forced, receiver namespaced, inserted first
    assert _obslint(capsys, *args, "team=shop", "namespace=shop", "severity=critical") == (
        0,
        "shop/web/shop-team,pager\n",
    )
    assert _obslint(capsys, *args, "team=shop", "namespace=other") == (0, "team\n")
    code, out = _obslint(capsys, "routes", "show", str(root), "--alertmanager", "monitoring/kube-prometheus-stack")
    assert code == 0
    assert '{namespace="shop",team="shop"}  continue: true  receiver: shop/web/shop-team' in out
    assert _obslint(capsys, "routes", "test", str(root), "--alertmanager", "other/alertmanager.yml") == (0, "x\n")


def test_single_manifest_file(repo, capsys):
    root = repo(KPS_REPO)
    code, out = _obslint(capsys, "routes", "test", str(root / "monitoring" / "hr.yaml"), "severity=critical")
    assert (code, out) == (0, "pager\n")


ROUTED = """\
route:
  receiver: default
  routes:
    - receiver: pager
      matchers: [severity="critical"]
      continue: true
    - receiver: team-db
      matchers: [team="db"]
receivers: [{name: default}, {name: pager}, {name: team-db}]
"""


def _cases(tmp_path: Path, cases: str) -> tuple[Path, Path]:
    (tmp_path / "am.yml").write_text(ROUTED)
    (tmp_path / "cases.yaml").write_text(cases)
    return tmp_path / "am.yml", tmp_path / "cases.yaml"


def test_routing_cases_from_a_file_pass(tmp_path: Path, capsys):
    am, cases = _cases(
        tmp_path,
        "tests:\n"
        "  - name: critical db alerts page and reach the team\n"
        "    labels: {severity: critical, team: db}\n"
        "    receivers: [pager, team-db]\n"
        "  - labels: {alertname: Watchdog}\n"
        "    receivers: default\n",
    )
    code, out = _obslint(capsys, "routes", "test", str(am), "--file", str(cases))
    assert code == 0
    assert out.splitlines() == [
        "critical db alerts page and reach the team: pager,team-db",
        "test 2: default",
        "2 of 2 routing tests passed",
    ]


def test_a_routing_case_that_fails_exits_1_like_amtool(tmp_path: Path, capsys):
    am, cases = _cases(tmp_path, "tests:\n  - labels: {team: db}\n    receivers: [pager]\n")
    code, out = _obslint(capsys, "routes", "test", str(am), "--file", str(cases))
    assert code == 1
    assert "WARNING: Expected receivers did not match resolved receivers (expected pager)." in out
    assert amtool_verdict(am, ["team=db"], "pager") == 1


def amtool_verdict(am: Path, labels: list[str], expected: str) -> int:
    """amtool's exit code for the same case (skipped without amtool on a laptop)."""
    code, _out = _amtool("test", f"--config.file={am}", f"--verify.receivers={expected}", *labels)
    return code


@pytest.mark.parametrize(
    "cases, message",
    [
        ("tests: []\n", "non-empty `tests:` list"),
        ("tests:\n  - labels: {a: b}\n", "`receivers` must list"),
        ("tests:\n  - labels: [a]\n    receivers: [x]\n", "`labels` must map"),
        ("tests:\n  - labels: {a: b}\n    receivers: [x]\n    recievers: [y]\n", "unknown key 'recievers'"),
        ("a: &a [*a, *a]\ntests: *a\n", "test"),
    ],
)
def test_a_cases_file_that_cannot_be_used_is_an_error(tmp_path: Path, capsys, cases: str, message: str):
    am, path = _cases(tmp_path, cases)
    assert main(["routes", "test", str(am), "--file", str(path)]) == 1
    assert message in capsys.readouterr().err
