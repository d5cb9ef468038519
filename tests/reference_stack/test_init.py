"""`obslint init`: writes the packaged reference stack, substitutes names, encrypts for a recipient."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obslint import __version__
from obslint.cli import main
from obslint.commands.init import NO_RECIPIENT, PLACEHOLDER, plaintext_template, stack_source
from obslint.rules import load_rules
from obslint.tools import run_tool
from tests.conftest import REFERENCE_STACK, ROOT, check, require_tool
from tests.reference_stack.stack import TEST_AGE_KEY, flux_kustomization_paths, sops_files

SECRET_FILES = sorted(str(p.relative_to(REFERENCE_STACK)) for p in sops_files())


def _new_age_key(tmp_path: Path) -> tuple[Path, str]:
    keygen = require_tool("age-keygen")
    key = tmp_path / "age.key"
    assert run_tool([keygen, "-o", str(key)]).returncode == 0
    recipient = run_tool([keygen, "-y", str(key)]).stdout.strip()
    assert recipient.startswith("age1")
    return key, recipient


def test_source_checkout_uses_reference_stack():
    assert stack_source() == REFERENCE_STACK


def test_init_without_recipient_writes_clear_secrets_and_says_so(tmp_path, capsys):
    target = tmp_path / "repo"
    assert main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    assert "UNENCRYPTED" in out and "before you commit".upper() in out.upper()
    for rel in SECRET_FILES:
        assert rel in out
        doc = yaml.safe_load((target / rel).read_text(encoding="utf-8"))
        assert "sops" not in doc and doc["kind"] == "Secret"
        assert doc["stringData"] and set(doc["stringData"].values()) == {PLACEHOLDER}
    result = check(target)
    assert not result.errors, result.errors
    # Clean apart from the unencrypted Secrets themselves.
    fired = {(f.rule, f.loc.path) for f in result.findings}
    expected_rule = {r.id for r in load_rules().all() if r.name == "unencrypted-secret"}
    assert {rule for rule, _ in fired} <= expected_rule, result.findings
    if expected_rule:
        assert {file for _, file in fired} == set(SECRET_FILES)


def test_init_with_recipient_encrypts_and_lints_clean(tmp_path, capsys):
    sops = require_tool("sops")
    key, recipient = _new_age_key(tmp_path)
    target = tmp_path / "repo"
    assert main(["init", str(target), "--age-recipient", recipient]) == 0
    assert "UNENCRYPTED" not in capsys.readouterr().out
    sops_config = yaml.safe_load((target / ".sops.yaml").read_text(encoding="utf-8"))
    assert [r["age"] for r in sops_config["creation_rules"]] == [recipient]
    for rel in SECRET_FILES:
        path = target / rel
        assert "ENC[AES256_GCM" in path.read_text(encoding="utf-8")
        mine = run_tool([sops, "--decrypt", str(path)], env={"SOPS_AGE_KEY_FILE": str(key)})
        assert mine.returncode == 0, mine.stderr
        assert set(yaml.safe_load(mine.stdout)["stringData"].values()) == {PLACEHOLDER}
        test_key = run_tool([sops, "--decrypt", str(path)], env={"SOPS_AGE_KEY_FILE": str(TEST_AGE_KEY)})
        assert test_key.returncode != 0, "the user's copy must not be readable with the public test key"
    result = check(target)
    assert not result.errors, result.errors
    assert result.findings == [], [f"{f.loc}: {f.rule} {f.message}" for f in result.findings]


def test_cluster_and_domain_are_substituted_and_the_tree_builds(tmp_path):
    target = tmp_path / "repo"
    url = "ssh://git@git.example.net/infra/lab"
    assert main(["init", str(target), "--cluster", "lab", "--domain", "lab.example.net", "--git-url", url]) == 0
    assert (target / "clusters/lab/flux-system/gotk-sync.yaml").is_file()
    assert not (target / "clusters/home").exists()
    texts = "".join(p.read_text(encoding="utf-8") for p in target.rglob("*") if p.is_file())
    assert "home.example.org" not in texts and "clusters/home" not in texts
    assert "grafana.lab.example.net" in texts
    sync = yaml.safe_load_all((target / "clusters/lab/flux-system/gotk-sync.yaml").read_text(encoding="utf-8"))
    assert next(d for d in sync if d["kind"] == "GitRepository")["spec"]["url"] == url
    paths = flux_kustomization_paths(target)
    assert "clusters/lab" in paths
    kubectl = require_tool("kubectl")
    for rel in paths:
        result = run_tool([kubectl, "kustomize", str(target / rel)], timeout=120)
        assert result.returncode == 0, (rel, result.stderr)


def test_init_refuses_a_non_empty_directory_unless_forced(tmp_path, capsys):
    target = tmp_path / "repo"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(target)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert not (target / "clusters").exists()
    assert main(["init", str(target), "--force"]) == 0
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (target / "clusters/home/monitoring.yaml").is_file()


@pytest.mark.parametrize(
    "option",
    [["--age-recipient", "age1notakey"], ["--cluster", "Not_A_Name"], ["--domain", "no domain"], ["--git-url", "x y"]],
)
def test_init_rejects_bad_options(tmp_path, capsys, option):
    assert main(["init", str(tmp_path / "repo"), *option]) == 2
    assert "obslint init:" in capsys.readouterr().err
    assert not (tmp_path / "repo").exists()


def test_plaintext_template_keeps_keys_and_comments():
    text = (REFERENCE_STACK / SECRET_FILES[0]).read_text(encoding="utf-8")
    plain = plaintext_template(text)
    doc = yaml.safe_load(plain)
    encrypted = yaml.safe_load(text)
    assert "sops" not in doc
    assert set(doc["stringData"]) == set(encrypted.get("stringData") or {}) | set(encrypted.get("data") or {})
    assert plain.startswith("#")
    b64 = plaintext_template("apiVersion: v1\nkind: Secret\ndata:\n  k: dmFsdWU=\nsops:\n  mac: x\n")
    assert yaml.safe_load(b64) == {"apiVersion": "v1", "kind": "Secret", "stringData": {"k": PLACEHOLDER}}


def test_build_ships_the_reference_stack(tmp_path):
    """The package build (setup.py build_py, which bdist_wheel runs) carries
    obslint/data/reference-stack, identical to reference-stack/."""
    build = tmp_path / "build"
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    packaged = build / "obslint" / "data" / "reference-stack"
    source_files = sorted(p.relative_to(REFERENCE_STACK) for p in REFERENCE_STACK.rglob("*") if p.is_file())
    packaged_files = sorted(p.relative_to(packaged) for p in packaged.rglob("*") if p.is_file())
    assert packaged_files == source_files
    _, mismatch, errors = filecmp.cmpfiles(REFERENCE_STACK, packaged, [str(p) for p in source_files], shallow=False)
    assert not mismatch and not errors
    assert (build / "obslint" / "commands" / "init.py").is_file()


def test_init_without_sops_leaves_no_clear_secrets_behind(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OBSLINT_SOPS", str(tmp_path / "no-such-sops"))
    _, recipient = _new_age_key(tmp_path)
    target = tmp_path / "repo"
    assert main(["init", str(target), "--age-recipient", recipient]) == 2
    assert "sops is not installed" in capsys.readouterr().err
    for rel in SECRET_FILES:
        assert not (target / rel).exists()
    assert (target / "clusters/home/monitoring.yaml").is_file()


def _printed_commands(out: str) -> list[str]:
    """The indented shell lines init prints between the Secrets notice and "Next:"."""
    block = out.split("Next:")[0]
    start = next(i for i, line in enumerate(block.splitlines()) if line.startswith("  cd "))
    return [line.strip() for line in block.splitlines()[start:] if line.startswith("  ")]


def _run_as_printed(lines: list[str], cwd: Path, key: Path | None, editor: Path | None = None) -> None:
    sops = require_tool("sops")
    script = "\n".join(["set -eu", *lines]).replace("/path/to/your/age.key", str(key))
    env = {"PATH": f"{Path(sops).parent}:/usr/bin:/bin", "HOME": str(cwd)}
    if editor:
        env["EDITOR"] = str(editor)
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_init_writes_the_pre_commit_hook_and_the_workflow(tmp_path, capsys):
    from pre_commit.clientlib import load_config, load_manifest

    target = tmp_path / "repo"
    assert main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    assert ".pre-commit-config.yaml" in out and ".github/workflows/obslint.yaml" in out
    assert "replace OBSLINT_REPO in .github/workflows/obslint.yaml" in out

    config = load_config(str(target / ".pre-commit-config.yaml"))  # raises on an invalid config
    (repo,) = config["repos"]
    (hook,) = repo["hooks"]
    # `system` as written; pre-commit >= 4.4 reads it as its new name `unsupported` (pre_commit/clientlib.py
    # _translate_language), older ones know only `system`
    assert repo["repo"] == "local" and hook["language"] in ("system", "unsupported")
    raw = yaml.safe_load((target / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert raw["repos"][0]["hooks"][0]["language"] == "system"
    # the local hook behaves as the published one: same command, whole repository, never the staged files
    (published,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    for field in ("id", "entry", "pass_filenames", "always_run", "require_serial"):
        assert hook[field] == published[field], field
    assert f"obslint {__version__} " in (target / ".pre-commit-config.yaml").read_text(encoding="utf-8")

    flow = yaml.safe_load((target / ".github/workflows/obslint.yaml").read_text(encoding="utf-8"))
    assert "pull_request" in flow[True]  # YAML 1.1 reads the key `on` as true
    steps = flow["jobs"]["obslint"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert f'pip install "git+OBSLINT_REPO@v{__version__}"' in runs
    assert "obslint check --format github" in runs
    sarif_step = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert f"--output {sarif_step['with']['sarif_file']}" in " ".join(runs)
    assert flow["jobs"]["obslint"]["permissions"]["security-events"] == "write"


def test_init_does_not_overwrite_an_existing_hook_config_without_force(tmp_path, capsys):
    target = tmp_path / "repo"
    target.mkdir()
    mine = "repos: []\n"
    (target / ".pre-commit-config.yaml").write_text(mine, encoding="utf-8")
    assert main(["init", str(target)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (target / ".pre-commit-config.yaml").read_text(encoding="utf-8") == mine
    assert not (target / ".github").exists()
    assert main(["init", str(target), "--force"]) == 0
    assert "id: obslint" in (target / ".pre-commit-config.yaml").read_text(encoding="utf-8")


def test_printed_sops_edit_puts_real_values_into_the_encrypted_secrets(tmp_path, capsys):
    sops = require_tool("sops")
    key, recipient = _new_age_key(tmp_path)
    target = tmp_path / "repo"
    assert main(["init", str(target), "--age-recipient", recipient]) == 0
    lines = _printed_commands(capsys.readouterr().out)
    assert [line for line in lines if line.startswith("sops ")] == [f"sops edit {rel}" for rel in SECRET_FILES]
    assert any(line.startswith("export SOPS_AGE_KEY_FILE=") for line in lines)
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nsed -i "s/{PLACEHOLDER}/real-value/" "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    _run_as_printed(lines, tmp_path, key, editor)
    for rel in SECRET_FILES:
        path = target / rel
        assert "real-value" not in path.read_text(encoding="utf-8")  # still encrypted
        clear = run_tool([sops, "--decrypt", str(path)], env={"SOPS_AGE_KEY_FILE": str(key)})
        assert clear.returncode == 0, clear.stderr
        assert set(yaml.safe_load(clear.stdout)["stringData"].values()) == {"real-value"}


def test_printed_sops_encrypt_encrypts_the_clear_secrets(tmp_path, capsys):
    key, recipient = _new_age_key(tmp_path)
    target = tmp_path / "repo"
    assert main(["init", str(target)]) == 0
    lines = _printed_commands(capsys.readouterr().out)
    assert [line for line in lines if line.startswith("sops ")] == [
        f"sops --encrypt --in-place {rel}" for rel in SECRET_FILES
    ]
    sops_config = target / ".sops.yaml"  # the step the output asks for before encrypting
    sops_config.write_text(sops_config.read_text(encoding="utf-8").replace(NO_RECIPIENT, recipient), encoding="utf-8")
    _run_as_printed(lines, tmp_path, key)
    for rel in SECRET_FILES:
        assert "ENC[AES256_GCM" in (target / rel).read_text(encoding="utf-8")
    result = check(target)
    assert result.findings == [], [f"{f.loc}: {f.rule} {f.message}" for f in result.findings]
