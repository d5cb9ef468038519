"""A stamp next to generated package data: the sha256 of the generator, of every input it read and of
every file it wrote. The drift tests compare a fresh stamp with the shipped one instead of running the
generator again (which takes tens of seconds over the chart history): a changed input, generator or
hand-edited output shows as a different digest, and the fix is to run the generator."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path


def _digest(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)  # gzip headers carry a time; the content is what matters
    return hashlib.sha256(data).hexdigest()


def stamp(script: Path, inputs: list[Path], outputs: list[Path], also: list[Path] = ()) -> dict:
    """`also`: files next to the generator that are part of it (a table it reads)."""
    return {
        "generator": {p.name: _digest(p) for p in (script, *also)},
        "inputs": {p.name: _digest(p) for p in sorted(inputs)},
        "outputs": {p.name: _digest(p) for p in sorted(outputs)},
    }


def write_stamp(target: Path, script: Path, inputs: list[Path], outputs: list[Path], also: list[Path] = ()) -> None:
    text = json.dumps(stamp(script, inputs, outputs, also), indent=1, sort_keys=True) + "\n"
    target.write_text(text, encoding="utf-8")


def read_stamp(target: Path) -> dict:
    return json.loads(target.read_text(encoding="utf-8"))
