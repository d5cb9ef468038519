"""sops-file-broken's decrypt check with the real sops and the throwaway test key."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from obslint.cli import main
from obslint.errors import UsageError
from obslint.report import FORMATS
from tests.conftest import REFERENCE_STACK, ROOT, check, require_tool

KEY = ROOT / "tests" / "keys" / "age-test-key.txt"
KPS = REFERENCE_STACK / "infrastructure" / "monitoring" / "kube-prometheus-stack"


def _copy(tmp_path):
    root = tmp_path / "repo"
    (root / "apps").mkdir(parents=True)
    for f in KPS.glob("*.enc.yaml"):
        shutil.copy(f, root / "apps" / f.name)
    return root


def _tamper(path):
    text = path.read_text()
    m = re.search(r"admin-password: ENC\[AES256_GCM,data:(\w)", text)
    assert m
    new = "A" if m.group(1) != "A" else "B"
    path.write_text(text[: m.start(1)] + new + text[m.end(1) :])


def test_intact_files_decrypt(tmp_path):
    require_tool("sops")
    root = _copy(tmp_path)
    result = check(root, select=["SEC003"], sops_age_key_file=str(KEY))
    assert not result.errors and result.findings == []
    assert not any("decrypt check skipped" in n for n in result.notices)


def test_tampered_file_is_reported_and_plaintext_never_printed(tmp_path, capsys, monkeypatch):
    sops = require_tool("sops")
    root = _copy(tmp_path)
    target = root / "apps" / "grafana-admin.enc.yaml"
    other = root / "apps" / "alertmanager-pushover.enc.yaml"
    # the plaintext of the intact file, to prove it never reaches the output
    clear = subprocess.run(
        [sops, "--decrypt", str(other)],
        capture_output=True,
        text=True,
        env={"SOPS_AGE_KEY_FILE": str(KEY), "PATH": ""},
        check=True,
    ).stdout
    values = [v.strip() for v in re.findall(r"^\s+(?:user-key|token): (.+)$", clear, re.M)]
    assert values
    _tamper(target)
    result = check(root, select=["SEC003"], sops_age_key_file=str(KEY))
    (f,) = result.findings
    assert f.loc.path == "apps/grafana-admin.enc.yaml" and "cannot decrypt" in f.message
    for fmt in FORMATS:
        main(["check", str(root), "--format", fmt, "--sops-age-key-file", str(KEY)])
        out = capsys.readouterr()
        assert not any(v in out.out + out.err for v in values), fmt
    # nothing decrypted was left behind next to the files
    assert sorted(p.name for p in (root / "apps").iterdir()) == sorted(
        ["grafana-admin.enc.yaml", "alertmanager-pushover.enc.yaml"]
    )


def test_decrypt_disabled_by_option(tmp_path):
    require_tool("sops")
    root = _copy(tmp_path)
    _tamper(root / "apps" / "grafana-admin.enc.yaml")
    (root / ".obslint.yaml").write_text("options:\n  sops-file-broken:\n    decrypt: false\n")
    assert check(root, select=["SEC003"], sops_age_key_file=str(KEY)).findings == []


def test_decrypt_check_needs_a_key_from_whoever_runs_obslint(tmp_path, monkeypatch):
    """Neither the repository's configuration nor the runner's $SOPS_AGE_KEY_FILE switches it on."""
    require_tool("sops")
    root = _copy(tmp_path)
    _tamper(root / "apps" / "grafana-admin.enc.yaml")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(KEY))
    assert check(root, select=["SEC003"]).findings == []
    (root / ".obslint.yaml").write_text(f"options:\n  sops-file-broken:\n    key-file: {KEY}\n")
    with pytest.raises(UsageError, match="key-file: unknown key"):
        check(root, select=["SEC003"])
    monkeypatch.setenv("OBSLINT_SOPS_AGE_KEY_FILE", str(KEY))
    (root / ".obslint.yaml").unlink()
    main(["check", str(root), "--select", "SEC003", "--format", "json", "-o", str(tmp_path / "out.json")])
    assert "cannot decrypt" in (tmp_path / "out.json").read_text()
