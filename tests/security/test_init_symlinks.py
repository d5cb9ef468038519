"""`obslint init --force DIR` never writes through a symbolic link below DIR, at a file name or at a
directory on the way, and refuses with exit 2 naming the path; `write_under` refuses the other ways
a name in DIR can lead outside it (hard links, FIFOs)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from obslint.cli import main
from obslint.errors import UsageError
from obslint.output_file import write_under

PRECIOUS = b"export SECRET=1\x00\xff\n"


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def outside(tmp_path) -> Path:
    """A directory outside the destination with a file whose bytes must survive."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_bytes(PRECIOUS)
    (home / "README.md").write_bytes(PRECIOUS)
    (home / "kustomization.yaml").write_bytes(PRECIOUS)
    return home


def _destination(tmp_path: Path) -> Path:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine", encoding="utf-8")  # not empty: --force is needed
    return dest


def _init_refused(dest: Path, capsys, named: str) -> None:
    code = main(["init", str(dest), "--force"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "symbolic link" in err, err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize(
    "rel",
    [
        "README.md",  # a top-level file of the stack
        ".sops.yaml",  # written last, on its own
        "clusters/home/flux-system/gotk-sync.yaml",  # deep in the tree, in a directory init creates
    ],
)
def test_a_symlink_at_a_file_name_is_refused(tmp_path, outside, capsys, rel):
    dest = _destination(tmp_path)
    link = dest / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / ".bashrc")
    _init_refused(dest, capsys, str(link))
    assert (outside / ".bashrc").read_bytes() == PRECIOUS
    assert link.is_symlink()


@pytest.mark.parametrize("rel", ["clusters", "clusters/home", "infrastructure/monitoring/loki"])
def test_a_symlinked_parent_directory_is_refused(tmp_path, outside, capsys, rel):
    dest = _destination(tmp_path)
    before = _snapshot(outside)
    link = dest / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    _init_refused(dest, capsys, str(link))
    assert _snapshot(outside) == before  # nothing replaced, nothing added
    assert [p.name for p in outside.iterdir() if p.is_dir()] == []


def test_a_dangling_symlink_creates_nothing(tmp_path, capsys):
    dest = _destination(tmp_path)
    created = tmp_path / "created-by-obslint"
    (dest / "README.md").symlink_to(created)
    (dest / "infrastructure").symlink_to(tmp_path / "created-dir", target_is_directory=True)
    assert main(["init", str(dest), "--force"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not created.exists() and not (tmp_path / "created-dir").exists()


def test_a_destination_that_is_itself_a_symlink_is_followed(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    assert main(["init", str(tmp_path / "link")]) == 0  # the user named it: their choice
    assert (real / "clusters/home/monitoring.yaml").is_file()


def test_force_replaces_regular_files_and_keeps_the_rest(tmp_path, capsys):
    dest = _destination(tmp_path)
    readme = dest / "README.md"
    readme.write_text("x" * 200_000, encoding="utf-8")
    assert main(["init", str(dest), "--force"]) == 0
    assert not readme.read_text(encoding="utf-8").startswith("x")  # emptied before written
    assert (dest / "keep.txt").read_text(encoding="utf-8") == "mine"


# --- write_under itself ------------------------------------------------------------------
def test_a_hard_link_to_a_file_outside_is_refused(tmp_path, outside):
    root = tmp_path / "root"
    root.mkdir()
    os.link(outside / ".bashrc", root / "x.yaml")
    with pytest.raises(UsageError, match="hard links"):
        write_under(root, "x.yaml", "replaced\n")
    assert (outside / ".bashrc").read_bytes() == PRECIOUS


def test_a_fifo_is_refused_without_waiting_for_a_reader(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "x.yaml")
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            write_under(root, "x.yaml", "text\n")
            outcome.append(None)
        except UsageError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the open so that the thread ends, then fail
        with open(root / "x.yaml", "rb"):
            pass
        pytest.fail("write_under blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], UsageError)
    assert "not a regular file" in str(outcome[0])


@pytest.mark.parametrize(
    ("existing", "rel", "message"),
    [("dir", "a", "is a directory"), ("file", "a/b.yaml", "is not a directory")],
)
def test_the_wrong_kind_of_entry_is_a_usage_error(tmp_path, existing, rel, message):
    root = tmp_path / "root"
    root.mkdir()
    if existing == "dir":
        (root / "a").mkdir()
    else:
        (root / "a").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match=message) as caught:
        write_under(root, rel, "text\n")
    assert str(root / "a") in str(caught.value)


def test_directories_are_created_and_the_file_written(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    path = write_under(root, "a/b/c.yaml", "ü: 1\n")
    assert path == root / "a/b/c.yaml"
    assert path.read_text(encoding="utf-8") == "ü: 1\n"


@pytest.mark.parametrize("rel", ["../escape.yaml", "a/../../escape.yaml", "/etc/x.yaml", ""])
def test_a_name_that_leaves_the_root_is_a_programming_error(tmp_path, rel):
    with pytest.raises(ValueError):
        write_under(tmp_path, rel, "text\n")
    assert not (tmp_path.parent / "escape.yaml").exists()
