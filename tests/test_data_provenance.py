"""Every upstream file copied into tests/data is accounted for in its directory's PROVENANCE.md, and every
file a PROVENANCE.md names is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import DATA

DIRECTORIES = sorted(p for p in DATA.iterdir() if p.is_dir())
# `path`, or `dir/*.ext (N files)` for a directory of files with one source
_CELL = re.compile(r"(?P<path>[^\s*]+(?:/\*\.\w+)?)(?: \((?P<count>\d+) files?\))?")


def listed_files(directory: Path) -> set[Path]:
    """The files named in the first column of the tables of directory/PROVENANCE.md."""
    out: set[Path] = set()
    lines = (directory / "PROVENANCE.md").read_text(encoding="utf-8").splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if not line.startswith("| ") or following.startswith("|---"):
            continue  # not a table row, or a table's header
        m = _CELL.fullmatch(line.split("|")[1].strip())
        assert m, f"{directory.name}/PROVENANCE.md: {line[:80]!r} names no file"
        if m["count"] is None:
            path = directory / m["path"]
            assert path.is_file(), f"{path.relative_to(DATA)} is in PROVENANCE.md but not in tests/data"
            out.add(path)
            continue
        matched = sorted((directory / m["path"]).parent.glob(Path(m["path"]).name))
        assert len(matched) == int(m["count"]), f"{m['path']}: {len(matched)} files, PROVENANCE.md says {m['count']}"
        out.update(matched)
    return out


def test_every_directory_is_described():
    assert DIRECTORIES
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for directory in DIRECTORIES:
        assert f"`{directory.name}/`" in readme, directory.name


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda p: p.name)
def test_every_file_has_its_provenance(directory):
    present = {p for p in directory.rglob("*") if p.is_file() and p.name != "PROVENANCE.md"}
    listed = listed_files(directory)
    assert sorted(str(p.relative_to(DATA)) for p in present - listed) == []
