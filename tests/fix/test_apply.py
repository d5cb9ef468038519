"""Which files a fix may write: inside the root, no symlink, not SOPS, loaded exactly, unchanged."""

from __future__ import annotations

import os

from obslint.fix.apply import apply_fixes
from obslint.fix.edits import Fix, SetKey
from tests.conftest import check, write_repo
from tests.fix.helpers import files_of

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\ndata:\n  k: v\n"
LABEL = (SetKey("labels", {"app": "a"}),)


def _apply(root, rel: str, *, write: bool = True):
    result = check(root)
    assert result.index is not None
    return apply_fixes(result.index, [Fix(rel, 4, 3, LABEL, "label a")], write=write)


def test_a_plain_file_is_fixed(tmp_path):
    root = write_repo(tmp_path / "r", {"a.yaml": CM})
    outcome = _apply(root, "a.yaml")
    assert not outcome.refused
    assert (root / "a.yaml").read_text() == CM.replace(
        "  namespace: default\n", "  namespace: default\n  labels:\n    app: a\n"
    )


def test_preview_writes_nothing(tmp_path):
    root = write_repo(tmp_path / "r", {"a.yaml": CM})
    before = files_of(root)
    outcome = _apply(root, "a.yaml", write=False)
    assert list(outcome.changed) == ["a.yaml"] and "+  labels:\n+    app: a\n" in outcome.diff()
    assert files_of(root) == before


def test_a_symlinked_file_is_not_written(tmp_path):
    root = write_repo(tmp_path / "r", {"real/a.yaml": CM})
    os.symlink("real/a.yaml", root / "link.yaml")
    outcome = _apply(root, "link.yaml")
    assert outcome.refused and outcome.refused[0][1].endswith("is a symbolic link")
    assert (root / "real/a.yaml").read_text() == CM


def test_a_file_in_a_symlinked_directory_is_not_written(tmp_path):
    root = write_repo(tmp_path / "r", {"real/a.yaml": CM})
    os.symlink("real", root / "linked")
    outcome = _apply(root, "linked/a.yaml")
    assert outcome.refused and outcome.refused[0][1].endswith("is a symbolic link")
    assert (root / "real/a.yaml").read_text() == CM


def test_a_sops_file_is_not_written(tmp_path):
    sops = CM + "sops:\n  mac: ENC[AES256_GCM,data:x]\n  lastmodified: '2024-01-01T00:00:00Z'\n  version: 3.8.1\n"
    root = write_repo(tmp_path / "r", {"a.yaml": sops})
    outcome = _apply(root, "a.yaml")
    assert outcome.refused and "SOPS-encrypted" in outcome.refused[0][1]
    assert (root / "a.yaml").read_text() == sops


def test_a_file_that_did_not_load_exactly_is_not_written(tmp_path):
    dup = CM + "data:\n  k: w\n"
    root = write_repo(tmp_path / "r", {"a.yaml": dup})
    outcome = _apply(root, "a.yaml")
    assert outcome.refused and "could not load the file exactly" in outcome.refused[0][1]
    assert (root / "a.yaml").read_text() == dup


def test_a_file_changed_since_the_check_is_not_written(tmp_path):
    root = write_repo(tmp_path / "r", {"a.yaml": CM})
    result = check(root)
    assert result.index is not None
    (root / "a.yaml").write_text(CM + "# edited meanwhile\n")
    outcome = apply_fixes(result.index, [Fix("a.yaml", 4, 3, LABEL, "label a")], write=True)
    assert outcome.refused and "changed since it was checked" in outcome.refused[0][1]
    assert (root / "a.yaml").read_text() == CM + "# edited meanwhile\n"


def test_a_path_outside_the_tree_is_not_written(tmp_path):
    root = write_repo(tmp_path / "r", {"a.yaml": CM})
    (tmp_path / "outside.yaml").write_text(CM)
    outcome = _apply(root, "../outside.yaml")
    assert outcome.refused and outcome.refused[0][1] == "not a YAML file of the checked tree"
    assert (tmp_path / "outside.yaml").read_text() == CM


def test_a_byte_order_mark_is_kept(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    (root / "a.yaml").write_bytes(b"\xef\xbb\xbf" + CM.encode())
    outcome = _apply(root, "a.yaml")
    assert not outcome.refused
    assert (root / "a.yaml").read_bytes().startswith(b"\xef\xbb\xbfapiVersion: v1\n")


def test_the_same_fix_from_two_findings_is_applied_once(tmp_path):
    root = write_repo(tmp_path / "r", {"a.yaml": CM})
    result = check(root)
    assert result.index is not None
    fixes = [Fix("a.yaml", 4, 3, (SetKey("tier", "x"),), "t"), Fix("a.yaml", 4, 3, (SetKey("tier", "x"),), "t")]
    outcome = apply_fixes(result.index, fixes, write=True)
    assert len(outcome.applied) == 1
    assert (root / "a.yaml").read_text().count("tier: x") == 1
