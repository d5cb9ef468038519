"""Applying the fixes of a run to the files of the checked tree.

The checked repository is untrusted: a fix is written only to a regular file inside the root
reached without a symbolic link (a link could point the write at any file the user can change),
whose text is still what was linted, that is not SOPS-encrypted (its MAC covers every value: an
edit would break decryption) and that loaded without a problem (a file obslint could not read
exactly is not one to rewrite). Each file is loaded once, gets all its edits, and is written back
only when its text changed (obslint.output_file's writer, which never follows a final link).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field

from obslint.errors import UsageError
from obslint.fix.edits import Fix
from obslint.fix.yamledit import edit_file
from obslint.index import Index
from obslint.load.source import SourceFile
from obslint.output_file import write_output


@dataclass
class FixResult:
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (old text, new text)
    applied: list[Fix] = field(default_factory=list)
    refused: list[tuple[Fix, str]] = field(default_factory=list)

    def diff(self) -> str:
        """A unified diff (`a/path`, `b/path`, as git writes them) of every changed file."""
        out: list[str] = []
        for rel, (old, new) in sorted(self.changed.items()):
            out.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
                )
            )
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n\\ No newline at end of file\n"
        return "".join(out)


def unique_fixes(fixes: list[Fix]) -> list[Fix]:
    """One of each change (a finding reported per cluster can carry the same fix twice)."""
    return list({f.key: f for f in fixes}.values())


def apply_fixes(index: Index, fixes: list[Fix], *, write: bool) -> FixResult:
    """Edit the files the fixes name; write them when `write`, else only compute the changes."""
    result = FixResult()
    by_file: dict[str, list[Fix]] = {}
    for fix in unique_fixes(fixes):
        if fix.refused:
            result.refused.append((fix, fix.refused))
        else:
            by_file.setdefault(fix.path, []).append(fix)
    for rel, file_fixes in sorted(by_file.items()):
        sf = index.file(rel)
        reason = _unsafe(index.root, sf, rel)
        if reason:
            result.refused.extend((f, reason) for f in file_fixes)
            continue
        assert sf is not None
        edited = edit_file(sf.text, file_fixes)
        result.refused.extend(edited.refused)
        if not edited.applied:
            continue
        if write:
            try:
                write_output(sf.path, _BOM * _has_bom(sf.path) + edited.text, what="the fix")
            except UsageError as exc:
                result.refused.extend((f, str(exc)) for f in edited.applied)
                continue
        result.changed[rel] = (sf.text, edited.text)
        result.applied.extend(edited.applied)
    return result


def _unsafe(root: str, sf: SourceFile | None, rel: str) -> str:
    """Why the file must not be rewritten ("" when it may)."""
    if sf is None or sf.kind != "yaml":
        return "not a YAML file of the checked tree"
    if sf.sops:
        return "the file is SOPS-encrypted: an edit would break its MAC"
    if sf.problems:
        return "obslint could not load the file exactly (see its CORE findings)"
    real_root = os.path.realpath(root)
    path = root
    for part in rel.split("/"):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return f"{path} is a symbolic link"
    real = os.path.realpath(sf.path)
    if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
        return "the file is not inside the checked root"
    try:
        with open(sf.path, "rb") as f:
            if f.read().decode("utf-8-sig") != sf.text:  # as obslint.load.walk reads it
                return "the file changed since it was checked"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read the file again ({type(exc).__name__})"
    return ""


_BOM = "\ufeff"


def _has_bom(path: str) -> bool:
    """The file starts with a UTF-8 byte order mark (dropped when it was read, kept when written)."""
    with open(path, "rb") as f:
        return f.read(3) == b"\xef\xbb\xbf"
