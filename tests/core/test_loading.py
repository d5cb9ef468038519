"""Hostile or broken input: a finding with file and line, never a traceback or a hang."""

from __future__ import annotations

import os
import time

import pytest

from obslint.cli import main
from tests.conftest import check

GOOD_SECRETLESS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n"


def _only(result, rule):
    return [f for f in result.findings if f.rule == rule]


def _write(root, name, content):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path):
    _write(tmp_path, "ok/namespace.yaml", GOOD_SECRETLESS)
    return tmp_path


def test_alias_bomb(tree):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    _write(tree, "bomb.yaml", "\n".join(lines) + "\n")
    start = time.monotonic()
    result = check(tree)
    assert time.monotonic() - start < 10
    (f,) = _only(result, "CORE001")
    assert f.loc.path == "bomb.yaml" and "alias" in f.message
    assert result.index.of_kind("Namespace"), "other files are still linted"


def test_recursive_alias(tree):
    _write(tree, "rec.yaml", "a: &a\n  b: *a\n")
    (f,) = _only(check(tree), "CORE001")
    assert "recursive" in f.message


@pytest.mark.parametrize("depth", [5000, 60000])
def test_deep_nesting(tree, depth):
    _write(tree, "deep.yaml", "[" * depth + "]" * depth + "\n")
    _write(tree, "deepblock.yaml", "".join(" " * i + "k:\n" for i in range(depth // 10)) + "\n")
    result = check(tree)
    paths = {f.loc.path for f in _only(result, "CORE001")}
    assert "deep.yaml" in paths
    assert result.index.of_kind("Namespace")


def test_tabs_give_line_and_column(tree):
    _write(tree, "tabs.yaml", "a:\n  b: 1\n\tc: 2\n")
    (f,) = _only(check(tree), "CORE001")
    assert (f.loc.path, f.loc.line) == ("tabs.yaml", 3)


def test_duplicate_keys(tree):
    _write(tree, "dup.yaml", "a: 1\nb: 2\na: 3\n")
    (f,) = _only(check(tree), "CORE002")
    assert (f.loc.line, f.loc.col) == (3, 1)


def test_invalid_utf8(tree):
    _write(tree, "bad.yaml", b"a: 1\nb: \xff\xfe\n")
    (f,) = _only(check(tree), "CORE001")
    assert (f.loc.path, f.loc.line, f.loc.col) == ("bad.yaml", 2, 4)
    assert "UTF-8" in f.message


def test_binary_file(tree):
    _write(tree, "blob.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (f,) = _only(check(tree), "CORE005")
    assert f.loc.path == "blob.yaml"


def test_helm_template(tree):
    """A template under a Flux path is reported; a vendored chart's templates and template files no
    Flux path reaches (helmfile, Ansible) or that a generator reads are only noticed."""
    template = "metadata:\n  name: {{ .Release.Name }}\n  {{- if .Values.x }}\n  a: b\n{{- end }}\n"
    _write(
        tree,
        "clusters/home/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: apps, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n",
    )
    _write(tree, "apps/kustomization.yaml", "configMapGenerator:\n  - name: conf\n    files: [conf.yaml]\n")
    _write(tree, "apps/svc.yaml", template)
    _write(tree, "apps/conf.yaml", template)
    _write(tree, "chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    _write(tree, "chart/templates/svc.yaml", template)
    _write(tree, "chart/templates/cm.yaml", template)
    _write(tree, "ansible/tasks/main.yml", template)
    result = check(tree)
    assert [f.loc.path for f in _only(result, "CORE004")] == ["apps/svc.yaml"]
    assert not _only(result, "CORE001")
    assert any("Helm chart in chart (2 template files" in n for n in result.notices)
    assert any("2 files with template directives outside Flux paths" in n for n in result.notices)


def test_template_braces_in_valid_yaml_are_fine(tree):
    _write(tree, "am.yaml", "text: '{{ template \"slack.text\" . }}'\n")
    result = check(tree)
    assert not result.findings


def test_ten_megabyte_file(tree):
    _write(tree, "big.yaml", "x: " + "a" * (10 * 1024 * 1024) + "\n")
    start = time.monotonic()
    result = check(tree)
    assert time.monotonic() - start < 10
    (f,) = _only(result, "CORE005")
    assert f.loc.path == "big.yaml" and "MB" in f.message


def test_symlink_loop_and_escape(tree, tmp_path_factory):
    os.symlink(tree, tree / "ok" / "loop")
    outside = tmp_path_factory.mktemp("outside")
    _write(outside, "secret.yaml", GOOD_SECRETLESS)
    os.symlink(outside, tree / "escape")
    os.symlink(tree / "missing", tree / "dangling.yaml")
    result = check(tree)
    assert [o.file.rel for o in result.index.of_kind("Namespace")] == ["ok/namespace.yaml"]
    assert any("outside" in n for n in result.notices)


def test_documents_before_an_error_are_kept(tree):
    _write(
        tree, "multi.yaml", GOOD_SECRETLESS + "---\n" + GOOD_SECRETLESS.replace("monitoring", "loki") + "---\na: [\n"
    )
    result = check(tree)
    assert len(result.index.of_kind("Namespace")) == 3
    (f,) = _only(result, "CORE001")
    assert f.loc.path == "multi.yaml"


def test_cli_never_tracebacks(tree, capsys):
    _write(tree, "bad.yaml", b"\xff")
    _write(tree, "bomb.yaml", "a: &a [*a]\n")
    assert main(["check", str(tree)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "bad.yaml:1:1" in out


def test_positions_of_values(tree):
    _write(
        tree,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  key: |\n    line one\n    line two\n",
    )
    result = check(tree)
    (cm,) = result.index.of_kind("ConfigMap")
    assert cm.loc("data", "key").line == 6
    assert cm.loc("data", "missing") == cm.loc("data")
    from obslint.load import EmbeddedSource

    src = EmbeddedSource.from_value(cm.data["data"], "key")
    assert src.loc(2, 6) == src.file.loc(8, 10)


def test_redefined_anchor_and_merge_keys(tree):
    # YAML 1.2 and Go's yaml.v3 accept a redefined anchor; the later definition wins.
    _write(
        tree,
        "anchors.yaml",
        'a: &host "x"\nb: *host\nc: &host "y"\nd: *host\nbase: &b {k: 1, j: 2}\nm:\n  <<: *b\n  j: 3\n',
    )
    result = check(tree)
    assert not result.findings
    (sf,) = [f for f in result.index.files if f.rel == "anchors.yaml"]
    data = sf.documents[0].data
    assert (data["b"], data["d"], data["m"]) == ("x", "y", {"j": 3, "k": 1})
    assert data["m"].loc("j").line == 8


def test_yaml_1_1_scalars_like_go_yaml_v2(tree):
    _write(tree, "scalars.yaml", "a: yes\nb: 010\nc: 1_000\nd: ~\ne: '5'\nf: 1.5\ng: 2026-01-01\n")
    result = check(tree)
    data = result.index.file("scalars.yaml").documents[0].data
    assert data == {"a": True, "b": 8, "c": 1000, "d": None, "e": "5", "f": 1.5, "g": "2026-01-01"}


def test_multiline_secret_redaction_keeps_structure():
    from obslint.redact import Redactor

    r = Redactor()
    r.add(
        "receivers:\n- name: default\n  slack_api_url: https://hooks.example/services/T0/B0/SECRETPART\n"
        "  token: abcdef123456\n-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    )
    out = r.redact(
        "receivers default abcdef123456 https://hooks.example/services/T0/B0/SECRETPART "
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    )
    assert out.startswith("receivers default <redacted")
    assert "abcdef123456" not in out and "SECRETPART" not in out and "MIIEvQ" not in out
