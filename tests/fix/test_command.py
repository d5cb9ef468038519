"""`obslint check --fix`, `--fix --diff` and `obslint rules` through the command line."""

from __future__ import annotations

import json

from obslint.cli import main
from obslint.rules import example_files, load_rules
from tests.conftest import write_repo
from tests.fix.helpers import files_of

AM007 = load_rules().lookup("AM007")
assert AM007 is not None
HR = "monitoring/kube-prometheus-stack.yaml"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_fix_diff_prints_the_change_and_writes_nothing(tmp_path, capsys):
    root = write_repo(tmp_path / "r", example_files(AM007.failing))
    before = files_of(root)
    code, out, _ = run(["check", str(root), "--select", "AM007", "--fix", "--diff"], capsys)
    assert code == 1  # there is something to change
    assert out.startswith(f"--- a/{HR}\n+++ b/{HR}\n@@ ")
    assert '-              receiver: null\n+              receiver: "null"\n' in out
    assert files_of(root) == before


def test_fix_diff_without_changes_exits_0(tmp_path, capsys):
    root = write_repo(tmp_path / "r", example_files(AM007.passing))
    assert run(["check", str(root), "--select", "AM007", "--fix", "--diff"], capsys) == (0, "", "")


def test_a_value_after_diff_is_the_path_to_check(tmp_path, capsys, monkeypatch):
    write_repo(tmp_path / "r", example_files(AM007.failing))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "--select", "AM007", "--fix", "--diff", "r"], capsys)
    assert code == 1 and f"+++ b/{HR}" in out


def test_fix_writes_relints_and_exits_on_what_is_left(tmp_path, capsys):
    files = example_files(AM007.failing)
    files["broken.yaml"] = "a: [\n"  # CORE001: nothing to fix there
    root = write_repo(tmp_path / "r", files)
    code, out, err = run(["check", str(root), "--select", "AM007,CORE001", "--fix"], capsys)
    assert "applied 1 fix in 1 file" in err
    assert "AM007" not in out and "CORE001" in out
    assert code == 1
    assert 'receiver: "null"' in (root / HR).read_text()
    assert run(["check", str(root), "--select", "AM007", "--fix"], capsys)[0] == 0


def test_a_fix_inside_a_string_is_not_applied_and_said(tmp_path, capsys):
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: alertmanager-main\n  namespace: monitoring\n"
        "stringData:\n  alertmanager.yaml: |\n    route:\n      receiver: team\n      routes:\n"
        '        - receiver: null\n          matchers: [alertname="Watchdog"]\n'
        '    receivers:\n      - name: "null"\n      - name: team\n'
    )
    root = write_repo(tmp_path / "r", {"alertmanager.yaml": secret})
    code, out, err = run(["check", str(root), "--select", "AM007", "--fix"], capsys)
    assert "AM007" in out and code == 1
    assert 'not fixed (AM007): alertmanager.yaml:7: quote receiver "null": the YAML is text inside a string' in err
    assert (root / "alertmanager.yaml").read_text() == secret


def test_rules_lists_what_fixes(capsys):
    _, out, _ = run(["rules"], capsys)
    line = next(line for line in out.splitlines() if line.startswith("AM007 "))
    assert "  fix  " in line
    other = next(line for line in out.splitlines() if line.startswith("AM001 "))
    assert "  fix  " not in other
    rows = {r["id"]: r for r in json.loads(run(["rules", "--format", "json"], capsys)[1])}
    assert rows["AM007"]["fixable"] is True and rows["AM001"]["fixable"] is False
