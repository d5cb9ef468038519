"""`-o FILE` never writes through a symbolic link and names a missing directory as a usage error."""

from __future__ import annotations

import os

import pytest

from obslint.cli import main

BROKEN = {"broken.yaml": "a: [\n"}


@pytest.mark.parametrize("command", ["check", "graph"])
def test_a_committed_symlink_at_the_output_name_is_refused(repo, tmp_path, capsys, command):
    root = repo(BROKEN)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious\x00bytes\n")
    (root / "obslint.sarif").symlink_to(outside)
    code = main([command, str(root), "-o", str(root / "obslint.sarif")])
    err = capsys.readouterr().err
    assert code == 2
    assert outside.read_bytes() == b"precious\x00bytes\n"
    assert os.path.islink(root / "obslint.sarif")
    assert "symbolic link" in err and "Traceback" not in err


def test_a_dangling_symlink_is_refused_and_nothing_is_created(repo, tmp_path, capsys):
    root = repo(BROKEN)
    target = tmp_path / "created-by-obslint.txt"
    (root / "report.txt").symlink_to(target)
    assert main(["check", str(root), "-o", str(root / "report.txt")]) == 2
    assert not target.exists()
    assert "symbolic link" in capsys.readouterr().err


def test_a_symlink_that_appears_after_the_check_is_refused_when_opened(tmp_path, monkeypatch):
    import obslint.output_file as output_file
    from obslint.errors import UsageError

    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    link = tmp_path / "report.txt"
    link.symlink_to(outside)
    # the link is created between the check before the run and the write after it
    monkeypatch.setattr(output_file, "check_output_path", lambda path, what="the report": None)
    with pytest.raises(UsageError, match="symbolic link"):
        output_file.write_output(str(link), "replaced\n")
    assert outside.read_text() == "keep\n"


def test_an_existing_report_is_replaced(repo, capsys):
    root = repo(BROKEN)
    out = root / "report.json"
    out.write_text("x" * 100_000)
    assert main(["check", str(root), "--format", "json", "-o", str(out)]) == 1
    assert out.read_text().startswith("{") and len(out.read_text()) < 100_000


def test_a_missing_directory_is_a_usage_error(repo, tmp_path, capsys):
    root = repo(BROKEN)
    code = main(["check", str(root), "-o", str(tmp_path / "no-such-dir" / "report.sarif")])
    err = capsys.readouterr().err
    assert code == 2
    assert "no-such-dir" in err and "does not exist" in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_directory_as_output_is_a_usage_error(repo, capsys):
    root = repo(BROKEN)
    assert main(["check", str(root), "-o", str(root)]) == 2
    assert "is a directory" in capsys.readouterr().err
