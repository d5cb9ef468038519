"""`check --baseline` / `--write-baseline`, and the fingerprints they (and SARIF) match findings by."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from obslint.baseline import Known, baseline_json, match, parse_baseline
from obslint.cli import main
from obslint.errors import UsageError
from obslint.fingerprint import SARIF_KEY, Fingerprinter
from tests.conftest import check

# FLUX008 chart-version-unpinned (info) on a HelmRelease: a finding on a Kubernetes object.
HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: monitoring
spec:
  interval: 30m
  chart:
    spec:
      chart: loki
      version: "{version}"
      sourceRef:
        kind: HelmRepository
        name: grafana
"""
REPO = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: grafana
  namespace: monitoring
spec:
  interval: 12h
  url: https://grafana.github.io/helm-charts
"""
ARGS = ["--select", "FLUX008,CORE002", "--fail-on", "info", "--format", "json"]


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _run(capsys, *args: str) -> tuple[int, dict | str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except json.JSONDecodeError:
        return code, out, err


def _found(doc: dict) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in doc["findings"]]


@pytest.fixture
def unpinned(tmp_path: Path) -> Path:
    return _repo(tmp_path / "repo", {"loki.yaml": HR.format(name="loki", version=">=6.0.0"), "repo.yaml": REPO})


def test_round_trip_reports_nothing_known(unpinned: Path, tmp_path: Path, capsys):
    baseline = tmp_path / "baseline.json"
    code, _, err = _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(baseline))
    assert code == 0 and "wrote 1 finding to the baseline" in err
    doc = json.loads(baseline.read_text())
    assert doc["version"] == 1
    [entry] = doc["findings"]
    assert entry["rule"] == "FLUX008" and entry["path"] == "loki.yaml" and entry["count"] == 1
    first = baseline.read_text()
    _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(baseline))
    assert baseline.read_text() == first  # stable: a rewrite without changes is no diff

    code, doc, err = _run(capsys, str(unpinned), *ARGS, "--baseline", str(baseline))
    assert code == 0 and doc["findings"] == []
    assert "1 finding that the baseline holds is not shown" in err
    code, doc, _ = _run(capsys, str(unpinned), *ARGS)
    assert code == 1 and len(doc["findings"]) == 1  # without the baseline it is there


def test_moved_finding_still_matches(unpinned: Path, tmp_path: Path, capsys):
    baseline = tmp_path / "baseline.json"
    _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(baseline))
    text = (unpinned / "loki.yaml").read_text()
    (unpinned / "loki.yaml").write_text("# the log store\n# owned by the platform team\n\n" + text)
    code, doc, _ = _run(capsys, str(unpinned), *ARGS)
    assert _found(doc) == [("FLUX008", "loki.yaml", 14)]  # it did move
    code, doc, _ = _run(capsys, str(unpinned), *ARGS, "--baseline", str(baseline))
    assert code == 0 and doc["findings"] == []


def test_new_finding_shows_and_fixed_one_is_noted(unpinned: Path, tmp_path: Path, capsys):
    baseline = tmp_path / "baseline.json"
    _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(baseline))
    (unpinned / "tempo.yaml").write_text(HR.format(name="tempo", version="1.x"))
    code, doc, _ = _run(capsys, str(unpinned), *ARGS, "--baseline", str(baseline))
    assert code == 1 and _found(doc) == [("FLUX008", "tempo.yaml", 11)]

    (unpinned / "tempo.yaml").unlink()
    (unpinned / "loki.yaml").write_text(HR.format(name="loki", version="6.46.0"))
    code, doc, err = _run(capsys, str(unpinned), *ARGS, "--baseline", str(baseline))
    assert code == 0 and doc["findings"] == []  # fixed is not a failure
    note = "1 baseline finding no longer occurs; rewrite the baseline with --write-baseline"
    assert note in err and note in doc["notices"]


def test_identical_findings_count_as_a_multiset(tmp_path: Path, capsys):
    loki = HR.format(name="loki", version=">=6.0.0")
    root = _repo(tmp_path / "repo", {"loki.yaml": f"{loki}---\n{loki}"})
    baseline = tmp_path / "baseline.json"
    _run(capsys, str(root), *ARGS, "--write-baseline", str(baseline))
    [entry] = json.loads(baseline.read_text())["findings"]
    assert entry["count"] == 2
    (root / "loki.yaml").write_text(f"{loki}---\n{loki}---\n{loki}")
    code, doc, _ = _run(capsys, str(root), *ARGS, "--baseline", str(baseline))
    assert code == 1 and len(doc["findings"]) == 1  # the third copy is new


def test_same_finding_in_another_file_is_new_a_renamed_file_is_not(tmp_path: Path):
    loki = HR.format(name="loki", version=">=6.0.0")
    before = check(_repo(tmp_path / "a", {"prod/loki.yaml": loki}), select=["FLUX008"])
    known = parse_baseline(json.loads(baseline_json(before)), "b.json")
    # the same object copied into a second overlay: that copy is the new finding
    both = check(_repo(tmp_path / "b", {"prod/loki.yaml": loki, "staging/loki.yaml": loki}), select=["FLUX008"])
    m = match(both, known)
    assert [f.loc.path for f in m.new] == ["staging/loki.yaml"] and m.gone == 0
    # the file renamed: still known
    renamed = check(_repo(tmp_path / "c", {"clusters/prod/loki.yaml": loki}), select=["FLUX008"])
    assert match(renamed, known).new == []


def test_fingerprint_parts(unpinned: Path):
    result = check(unpinned, select=["FLUX008"])
    [finding] = result.findings
    fp = Fingerprinter(result.index)
    assert fp.identity(finding) == "object:helm.toolkit.fluxcd.io/HelmRelease/monitoring/loki"
    assert fp.message_key("set at loki.yaml:16:20, line 3") == "set at loki.yaml, line #"
    # only places of the tree lose their numbers: a port is no line
    assert fp.message_key("http://loki.monitoring.svc:3100") == "http://loki.monitoring.svc:3100"


def test_file_without_object_is_identified_by_yaml_path(tmp_path: Path):
    root = _repo(tmp_path / "r", {"values.yaml": "loki:\n  ruler:\n    a: 1\n    a: 2\n"})
    result = check(root, select=["CORE002"])
    [finding] = result.findings
    assert Fingerprinter(result.index).identity(finding) == "file:values.yaml#loki.ruler.a"


def test_sarif_carries_the_same_fingerprint(unpinned: Path, tmp_path: Path, capsys):
    baseline = tmp_path / "baseline.json"
    _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(baseline))
    _, sarif, _ = _run(capsys, str(unpinned), "--select", "FLUX008", "--format", "sarif")
    [result] = sarif["runs"][0]["results"]
    assert result["partialFingerprints"][SARIF_KEY] == json.loads(baseline.read_text())["findings"][0]["fingerprint"]


def test_baseline_is_never_written_through_a_symlink(unpinned: Path, tmp_path: Path, capsys):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    link = tmp_path / "baseline.json"
    os.symlink(victim, link)
    code, _, err = _run(capsys, str(unpinned), *ARGS, "--write-baseline", str(link))
    assert code == 2 and "symbolic link" in err and victim.read_text() == "keep"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not JSON"),
        ('{"version": 9, "findings": []}', "version 9"),
        ('{"version": 1, "findings": [{"path": "a"}]}', "needs a `fingerprint`"),
        ('{"version": 1, "findings": [{"path": "a", "fingerprint": "x", "count": 0}]}', "positive integer"),
        ("[]", "not an obslint baseline"),
    ],
)
def test_bad_baseline_is_a_usage_error(unpinned: Path, tmp_path: Path, capsys, text: str, problem: str):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text)
    code, _, err = _run(capsys, str(unpinned), *ARGS, "--baseline", str(baseline))
    assert code == 2 and problem in err


def test_missing_baseline_and_conflicting_options(unpinned: Path, tmp_path: Path, capsys):
    code, _, err = _run(capsys, str(unpinned), "--baseline", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read baseline" in err
    out = str(tmp_path / "b.json")
    code, _, err = _run(capsys, str(unpinned), "--write-baseline", out, "--baseline", out)
    assert code == 2 and "--write-baseline" in err


def test_parse_counts_entries():
    doc = {"version": 1, "findings": [{"fingerprint": "f", "path": "a", "count": 2}, {"fingerprint": "f", "path": "a"}]}
    assert parse_baseline(doc, "b") == Known({("f", "a"): 3})
    with pytest.raises(UsageError):
        parse_baseline({"version": 1, "findings": [{"fingerprint": "f", "path": "a", "count": True}]}, "b")
