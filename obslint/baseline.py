"""Known findings: the baseline file (`--baseline`, `--write-baseline`) and the matching of a run's
findings against a multiset of known ones, which `--diff` uses too (the known findings are then
those of the run on REF).

A baseline is JSON, written sorted so that it only changes where the findings do:

    {"version": 1,
     "findings": [{"rule": "PROM003", "path": "monitoring/rules.yaml",
                   "fingerprint": "<sha-256 hex>", "count": 1, "message": "<message key>"}]}

Findings are matched by fingerprint (obslint.fingerprint), which survives moved lines. A finding
first matches a known one of the same fingerprint in the same file, then one in any file: a
mistake copied into two cluster overlays is told apart by its file, and a file that was renamed
keeps its findings known.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from obslint.errors import UsageError
from obslint.findings import Finding
from obslint.fingerprint import Fingerprinter
from obslint.output_file import check_output_path, write_output
from obslint.result import RunResult

VERSION = 1
# A baseline of 100,000 findings is about 25 MB; anything much larger is not one.
_MAX_SIZE = 64 * 1024 * 1024

Key = tuple[str, str]  # (fingerprint, path)


@dataclass
class Known:
    """A multiset of known findings, by (fingerprint, path)."""

    counts: Counter[Key] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Matched:
    """What a run reports against known findings: the new ones, how many of its findings were
    known, and how many known ones no longer occur."""

    new: list[Finding]
    known: int
    gone: int


def known_findings(result: RunResult) -> Known:
    fp = Fingerprinter.of(result)
    return Known(Counter((fp(f), f.loc.path) for f in result.findings))


def match(result: RunResult, known: Known) -> Matched:
    fp = Fingerprinter.of(result)
    left = Counter(known.counts)
    unmatched: list[tuple[int, str]] = []
    is_new = [False] * len(result.findings)
    for i, f in enumerate(result.findings):
        key = (fp(f), f.loc.path)
        if left[key] > 0:
            left[key] -= 1
        else:
            unmatched.append((i, key[0]))
    # Second pass, by fingerprint alone: the finding moved to another file.
    by_fingerprint: Counter[str] = Counter()
    for (fingerprint, _), n in left.items():
        by_fingerprint[fingerprint] += n
    for i, fingerprint in unmatched:
        if by_fingerprint[fingerprint] > 0:
            by_fingerprint[fingerprint] -= 1
        else:
            is_new[i] = True
    new = [f for f, flag in zip(result.findings, is_new, strict=True) if flag]
    return Matched(new, len(result.findings) - len(new), sum(by_fingerprint.values()))


def only_new(result: RunResult, known: Known, gone_note: Callable[[int], str]) -> RunResult:
    """The result with only the findings `known` does not hold; `gone_note(n)` is the note on the
    n known findings that no longer occur (none when n is 0)."""
    m = match(result, known)
    notices = list(result.notices)
    if m.gone:
        notices.append(gone_note(m.gone))
    return replace(result, findings=m.new, notices=notices)


def baseline_gone_note(n: int) -> str:
    verb = "finding no longer occurs" if n == 1 else "findings no longer occur"
    return f"{n} baseline {verb}; rewrite the baseline with --write-baseline"


# --- the file ---------------------------------------------------------------------------------


def baseline_json(result: RunResult) -> str:
    fp = Fingerprinter.of(result)
    entries: dict[Key, dict] = {}
    for f in result.findings:
        fingerprint = fp(f)
        key = (fingerprint, f.loc.path)
        if key in entries:
            entries[key]["count"] += 1
        else:
            entries[key] = {
                "rule": f.rule,
                "path": f.loc.path,
                "fingerprint": fingerprint,
                "count": 1,
                "message": fp.finding_key(f),
            }
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    return json.dumps({"version": VERSION, "findings": ordered}, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: str, result: RunResult) -> None:
    """Write every finding of `result` to `path` (never through a symlink: obslint.output_file)."""
    write_output(path, baseline_json(result))


def check_baseline_path(path: str) -> None:
    """A usage error before the run when `path` cannot take the baseline."""
    check_output_path(path)


def load_baseline(path: str) -> Known:
    try:
        size = os.path.getsize(path)
        if size > _MAX_SIZE:
            raise UsageError(f"baseline {path}: {size} bytes, too large for a baseline")
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"baseline {path}: not JSON (write one with --write-baseline)") from None
    return parse_baseline(doc, path)


def parse_baseline(doc: object, path: str) -> Known:
    if not isinstance(doc, dict) or "findings" not in doc or "version" not in doc:
        raise UsageError(f"baseline {path}: not an obslint baseline (write one with --write-baseline)")
    if doc["version"] != VERSION:
        raise UsageError(
            f"baseline {path}: version {doc['version']!r}, this obslint reads version {VERSION}; "
            "rewrite it with --write-baseline"
        )
    entries = doc["findings"]
    if not isinstance(entries, list):
        raise UsageError(f"baseline {path}: `findings` is not a list")
    known = Known()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise UsageError(f"baseline {path}: findings[{i}] is not an object")
        fingerprint, where, count = entry.get("fingerprint"), entry.get("path"), entry.get("count", 1)
        if not isinstance(fingerprint, str) or not isinstance(where, str):
            raise UsageError(f"baseline {path}: findings[{i}] needs a `fingerprint` and a `path` (strings)")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise UsageError(f"baseline {path}: findings[{i}].count must be a positive integer")
        known.counts[(fingerprint, where)] += count
    return known
