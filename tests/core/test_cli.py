"""The CLI contracts other tools rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from obslint import __version__
from obslint.cli import main
from tests.conftest import DATA

BROKEN = {
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    "apps/broken.yaml": "a: [\n",
    "apps/dup.yaml": "a: 1\na: 2 # obslint: disable=CORE001 wrong rule\n",
}


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_exit_codes(repo, capsys):
    clean = repo({"ns.yaml": BROKEN["apps/ns.yaml"]})
    assert run(["check", str(clean)], capsys)[0] == 0
    broken = repo(BROKEN)
    assert run(["check", str(broken)], capsys)[0] == 1
    warn_only = repo({"x.yaml": "a: 1 # obslint: disable=CORE002\n"})
    assert run(["check", str(warn_only)], capsys)[0] == 1
    assert run(["check", str(warn_only), "--fail-on", "error"], capsys)[0] == 0
    assert run(["check", str(warn_only), "--fail-on", "info"], capsys)[0] == 1
    assert run(["check", str(broken), "--select", "NOPE999"], capsys)[0] == 2
    assert run(["check", str(broken / "does-not-exist")], capsys)[0] == 2


def test_json_contract(repo, capsys):
    code, out, _ = run(["check", str(repo(BROKEN)), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert set(doc) >= {"findings", "summary"}
    by_rule = {f["rule"]: f for f in doc["findings"]}
    broken = by_rule["CORE001"]
    assert set(broken) == {
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "message",
        "hint",
        "related",
        "clusters",
    }
    assert (broken["name"], broken["severity"], broken["path"], broken["line"]) == (
        "unparseable-file",
        "error",
        "apps/broken.yaml",
        2,
    )
    assert by_rule["CORE002"]["path"] == "apps/dup.yaml"
    assert by_rule["CORE003"]["line"] == 2
    assert doc["summary"]["findings"] == len(doc["findings"])


def test_sarif_validates(repo, capsys):
    _, out, _ = run(["check", str(repo(BROKEN)), "--format", "sarif"], capsys)
    doc = json.loads(out)
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    driver = doc["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert "CORE001" in ids
    for r in driver["rules"]:
        assert r["name"] and r["shortDescription"]["text"] and "Failing example" in r["help"]["text"]
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"CORE001", "CORE002", "CORE003"}
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_github_annotations(repo, capsys):
    _, out, _ = run(["check", str(repo(BROKEN)), "--format", "github"], capsys)
    lines = out.splitlines()
    assert any(
        line.startswith("::error file=apps/broken.yaml,line=2,col=1,title=CORE001 unparseable-file::") for line in lines
    )
    assert all(line.startswith("::") for line in lines)


def test_text_output(repo, capsys):
    _, out, _ = run(["check", str(repo(BROKEN))], capsys)
    assert "apps/broken.yaml:2:1: error CORE001 unparseable-file" in out
    assert "hint:" in out and "   2 |" in out
    assert "\033[" not in out  # no colour when not a TTY
    assert out.rstrip().splitlines()[-1].startswith("3 findings (2 errors, 1 warning)")


def test_rules_json(capsys):
    code, out, _ = run(["rules", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and rows
    for row in rows:
        assert set(row) == {"id", "name", "family", "severity", "basis", "summary", "fixable"}


@pytest.mark.parametrize("key", ["CORE002", "duplicate-key", "core002"])
def test_explain_accepts_id_or_name(key, capsys):
    code, out, _ = run(["explain", key], capsys)
    assert code == 0
    for part in ("CORE002 duplicate-key", "Why it matters", "Failing example", "Passing example", "How to fix"):
        assert part in out


def test_explain_unknown_suggests(capsys):
    code, _, err = run(["explain", "duplicate-keys"], capsys)
    assert code == 2 and "duplicate-key" in err


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "obslint", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_plain_secret_and_broken_yaml_are_both_reported(repo, capsys):
    root = repo(
        {
            "apps/secret.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n"
                "stringData:\n  password: hunter2-canary-value\n"
            ),
            "apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
        }
    )
    code, out, err = run(["check", str(root), "--format", "json"], capsys)
    assert code == 1
    found = {(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]}
    assert ("CORE001", "apps/broken.yaml", 4) in found
    assert ("SEC001", "apps/secret.yaml", 7) in found
    assert "hunter2-canary-value" not in out + err
